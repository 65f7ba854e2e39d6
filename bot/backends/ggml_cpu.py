"""Loads llama.cpp's CPU code where the build keeps it apart from the rest (scripts/llamacpp.sh).

Such a build (GGML_BACKEND_DL) holds one libggml-cpu library per instruction set: AVX2 for any x86-64 CPU
of the last decade, and variants with AVX-512 VNNI or AVX-VNNI that read prompts faster where the CPU has
them (bench/README.md). llama.cpp scores each against the CPU it runs on and loads the best one that can
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

    try:
        ggml = ctypes.CDLL("libggml.so.0")  # by soname: the copy already loaded, not a second one
        ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
        loaded = ggml.ggml_backend_reg_count() > 0
    except OSError:  # not Linux, or another layout: its wheel then links its CPU code in
        loaded = True
    if not loaded and variant is None and _os_runs_avx512():
        with suppress_stdout_stderr(disable=False):
            ggml.ggml_backend_load_all_from_path(str(lib._base_path).encode())
    elif not loaded:
        # The one asked for; or the AVX2 one where the OS does not run AVX-512: llama.cpp's scoring reads the
        # CPU's own flags, not whether the OS saves AVX-512 state, and a virtual machine can show one without
        # the other, where the AVX-512 variant would crash.
        path = lib._base_path / f"libggml-cpu{'-' + variant if variant else ''}.so"
        ggml.ggml_backend_load.restype = ctypes.c_void_p
        if not path.is_file() or not ggml.ggml_backend_load(str(path).encode()):
            raise RuntimeError(f"{path}: no such llama.cpp CPU library, or it cannot run on this CPU")
    return lib.llama_print_system_info().decode(errors="replace").strip()


def _os_runs_avx512() -> bool:
    """Whether Linux lists AVX-512 among the CPU's flags, which it does only when it saves that state too."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return any(line.startswith("flags") and " avx512f" in line for line in f)
    except OSError:  # not Linux: llama.cpp's own scoring decides
        return True
