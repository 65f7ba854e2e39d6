"""Loads llama.cpp's CPU code where the build keeps it apart from the rest (scripts/llamacpp.sh).

Such a build (GGML_BACKEND_DL) holds one libggml-cpu library per instruction set: AVX2 for any x86-64 CPU
of the last decade, and one with AVX-512 VNNI that reads prompts about 1.5x faster where the CPU has it
(bench/README.md). llama.cpp scores each against the CPU it runs on and loads the best one that can
run; llama-cpp-python does not ask it to (abetlen/llama-cpp-python#2069), and without a CPU backend no model
loads. Needs nothing but llama-cpp-python, so a bench in another venv can load this file by its path.
"""
from __future__ import annotations

import ctypes


def load_cpu_backend(variant: str | None = None) -> str:
    """Load the best CPU variant if none is loaded yet; returns llama.cpp's system info line. A build with its
    CPU code linked in (an ordinary pip install) has one registered already and is left as it is.
    `variant` ("" for the AVX2 one, or a name like "cascadelake") loads that one instead, for benchmarks."""
    import llama_cpp.llama_cpp as lib  # loads libllama and, through it, the libggml it links
    from llama_cpp._utils import suppress_stdout_stderr  # ggml's "loaded CPU backend from …" line

    ggml = lib._lib  # libllama's handle finds ggml's functions in the very copy libllama links, by no file name
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    if ggml.ggml_backend_reg_count():
        return _info(lib)
    if variant is None and _os_runs_avx512():
        with suppress_stdout_stderr(disable=False):
            ggml.ggml_backend_load_all_from_path(str(lib._base_path).encode())
    else:
        # The one asked for; or the AVX2 one where the OS does not run AVX-512: llama.cpp's scoring reads the
        # CPU's own flags, not whether the OS saves AVX-512 state, and a virtual machine can show one without
        # the other, where the AVX-512 variant would crash.
        ggml.ggml_backend_load.restype = ctypes.c_void_p
        with suppress_stdout_stderr(disable=False):
            ggml.ggml_backend_load(str(lib._base_path / f"libggml-cpu{'-' + variant if variant else ''}.so").encode())
    if not ggml.ggml_backend_reg_count():
        raise RuntimeError(f"no llama.cpp CPU library{' ' + repr(variant) if variant else ''} in {lib._base_path} "
                           "runs on this CPU: run `bash scripts/llamacpp.sh` again")
    return _info(lib)


def _info(lib) -> str:
    return lib.llama_print_system_info().decode(errors="replace").strip()


def cpu_flags() -> set[str] | None:
    """The CPU's flags as Linux lists them (only those whose state the OS saves, for AVX-512); None elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((set(line.split(":", 1)[1].split()) for line in f if line.startswith("flags")), set())
    except OSError:
        return None


def _os_runs_avx512() -> bool:
    """Whether Linux lists AVX-512, which it does only when it saves that state too (elsewhere: llama.cpp's
    own scoring decides)."""
    flags = cpu_flags()
    return flags is None or "avx512f" in flags
