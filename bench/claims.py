"""Benchmark (not a test): the time the claim check adds to an answer (Answer.trace.timings["check_s"]).

Usage: .venv/bin/python bench/claims.py [--limit 148] [--claims 3] [--reword] [--config config.toml]
Ingests the seeds into a fresh temporary store, then asks every answerable question of eval/qa.jsonl through
the real answer path (retrieval, sources cut to fit, the check) with the Ollama stand-in as the LLM. The
stand-in answers with `--claims` sentences taken from the sources it was given, each cited, plus one uncited
sentence: answers of the length the prompt asks for (one to four sentences). Prints p50/p95/max of the check
and how many claims the embedder had to read. A claim that quotes its cited sentence word for word is not
embedded, so `--reword` swaps two neighbouring lower-case words of each sentence: the claims keep their
words and length but are no longer quotes, and are embedded (the cost of a model that rephrases).
"""
from __future__ import annotations

import argparse
import json
import os
import re
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


def scripted(claims: int, reword: bool = False):
    """A reply citing `claims` of the given sources by one of their sentences each, then an uncited sentence."""
    from bot.lang import sentences

    def reply(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        blocks = re.findall(r"(?ms)^\[(\d+)\][^\n]*\n(.*?)</source>", prompt)
        out = []
        for n, text in blocks[:claims]:
            sents = [s for s in sentences(text.replace("…", " ")) if 5 <= len(s.split()) <= 40]
            if sents:
                words = sents[0].rstrip(".").split()
                swap = next((i for i in range(1, len(words) - 1) if words[i].isalpha() and words[i].islower()
                             and words[i + 1].isalpha() and words[i + 1].islower()), None)
                if reword and swap is not None:  # same words and length, no longer a quote
                    words[swap], words[swap + 1] = words[swap + 1], words[swap]
                out.append(f"{' '.join(words)} [{n}].")
        return " ".join(out + ["That is all the sources say."])

    return reply


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="questions (default: all answerable)")
    ap.add_argument("--claims", type=int, default=3)
    ap.add_argument("--reword", action="store_true", help="swap two words so that claims are no quotes")
    ap.add_argument("--config", default=str(ROOT / "config.toml"))
    args = ap.parse_args()

    import bot.core
    from bot import Bot
    from bot.answer.support import Vectors
    from tests.ollama_standin import OllamaStandin

    cpu: list[float] = []
    check = bot.core.answer_claims
    embedded: list[int] = []  # claims embedded by the check (the question is embedded too, to pick sentences)
    inside = []

    def timed(*a, **kw):  # CPU seconds of the check, all threads: what it costs on an idle machine
        c0 = time.process_time()
        inside.append(1)
        try:
            return check(*a, **kw)
        finally:
            inside.clear()
            cpu.append(time.process_time() - c0)

    bot.core.answer_claims = timed
    claim_vectors = Vectors.claims

    def counted(self, texts, lang):
        if inside:
            embedded.append(len(texts))
        return claim_vectors(self, texts, lang)

    Vectors.claims = counted

    items = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")]
    questions = [i["question"] for i in items if i.get("answers")]
    questions = questions[: args.limit] if args.limit else questions
    reply = scripted(args.claims, args.reword)
    with tempfile.TemporaryDirectory() as tmp, OllamaStandin(models=("gemma3:4b",), reply=reply) as llm:
        b = Bot.from_config(args.config, store={"path": str(Path(tmp) / "chroma")},
                              llm={"host": llm.url, "provider": "ollama", "model": "gemma3:4b"})
        b.ingest()
        b.ask(questions[0])  # warm-up: models, word lists, CLDR data load once per process
        cpu.clear()
        embedded.clear()
        checks, counts, flagged = [], [], []
        t0 = time.perf_counter()
        for q in questions:
            a = b.ask(q)
            checks.append(a.trace.timings["check_s"])
            counts.append(len(a.claims))
            flagged += [c for c in a.claims if c.supported is False]
        wall = time.perf_counter() - t0
        load = os.getloadavg()[0]
    ms, cpu_ms = [1000 * x for x in checks], [1000 * x for x in cpu]
    print(f"claim check on {len(ms)} answers ({sum(counts)} claims, {sum(counts) / len(counts):.1f} per answer, "
          f"{len(flagged)} not supported, {sum(embedded)} embedded); {os.cpu_count()} cores, "
          f"load average {load:.1f}; {wall:.1f} s in all")
    print(f"  wall per answer: p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
          f"max {max(ms):.0f} ms")
    print(f"  CPU per answer (all threads): p50 {percentile(cpu_ms, 0.5):.0f} ms, "
          f"p95 {percentile(cpu_ms, 0.95):.0f} ms, max {max(cpu_ms):.0f} ms")
    for c in flagged[:12]:  # every claim copies a given sentence: each flag here is a false one
        print(f"  flagged: {c.text[:90]!r}: {c.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
