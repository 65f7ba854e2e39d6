"""Benchmark (not a test): ingest throughput and retrieval latency on the seeds, printed as a table.

Usage: .venv/bin/python bench/bench.py [--queries 100] [--config config.toml]
Ingests into a fresh temporary store (so the shipped index is untouched), then times `Bot.search` over
questions from eval/qa.jsonl, cycled to the requested count, after one warm-up query.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0-1) as `bot eval` computes its percentiles."""
    from bot.evaluation.metrics import percentile as pct

    return pct(values, q * 100)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--config", default=str(ROOT / "config.toml"))
    args = ap.parse_args()

    from llama_index.core.utils import get_tokenizer

    from bot import Bot

    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot.from_config(args.config, store={"path": str(Path(tmp) / "chroma")})
        bot._open_index(create=True)
        bot._centering._load()  # cached per machine after the first run: keep it out of the ingest figure
        t0 = time.perf_counter()
        summary = bot.ingest()
        ingest_s = time.perf_counter() - t0
        tok = get_tokenizer()
        chunk_tokens = sum(len(tok(text)) for _, text, _ in bot._index.iter_chunks())

        bot.search("warm-up")
        lat = []
        for i in range(args.queries):
            q = questions[i % len(questions)]
            t = time.perf_counter()
            bot.search(q)
            lat.append(time.perf_counter() - t)

    rows = [
        ("cores", f"{os.cpu_count()}"),
        ("documents", f"{summary.added}"),
        ("chunks", f"{summary.chunks_written}"),
        ("ingest seconds", f"{ingest_s:.2f}"),
        ("ingest chunks/s", f"{summary.chunks_written / ingest_s:.2f}"),
        ("ingest tokens/s (cl100k)", f"{chunk_tokens / ingest_s:.0f}"),
        (f"search p50 ms ({args.queries} queries)", f"{percentile(lat, 0.5) * 1000:.1f}"),
        ("search p95 ms", f"{percentile(lat, 0.95) * 1000:.1f}"),
        ("search mean ms", f"{statistics.mean(lat) * 1000:.1f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"| {'-' * width} | ----- |")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
