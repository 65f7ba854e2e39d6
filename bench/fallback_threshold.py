"""Where a refusal gets the fallback note: retrieval scores of answerable vs unanswerable questions.

No LLM runs. Every question of the Q&A set is retrieved as `bot ask` retrieves it, the sources the model
would be given are cut as it would get them (bot/answer/context.py), and bot/answer/fallback.py picks the
sentences closest to the question. Two figures decide whether a refusal gets the note: the best passage's
fused retrieval score (`bot search --json` "score") and the closest sentence's similarity to the question.
Printed: their distributions for answerable questions whose evidence is the top passage, other answerable
questions, and unanswerable ones; how often the configured thresholds (answer.fallback_min_score and
answer.fallback_min_similarity) fire in each group, and how often a fired note quotes the gold evidence.

    .venv/bin/python bench/fallback_threshold.py                  # the configured index (run `bot ingest` first)
    .venv/bin/python bench/fallback_threshold.py --grid           # also firing rates for other thresholds
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answer.context import given_sources  # noqa: E402
from bot.answer.fallback import closest_sentences  # noqa: E402
from bot.answer.support import Vectors  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.evaluation.metrics import contains_quote, evidence_rank, percentile  # noqa: E402
from bot.evaluation.qaset import load_qa  # noqa: E402
from bot.lang import question_lang  # noqa: E402


def measure(bot: Bot, items) -> list[dict]:
    rows = []
    for item in items:
        retrieved = bot.search(item.question)
        lang = question_lang(item.question)
        vectors = Vectors(bot._embedder(), bot._centering, bot._index)
        given = given_sources(bot.settings.context, item.question, lang, retrieved, lambda: vectors)
        quotes = closest_sentences(item.question, lang, given, vectors, bot.settings.answer.fallback_sentences)
        rank = evidence_rank([s.text for s in retrieved], item.evidence) if item.answerable else None
        group = "unanswerable" if not item.answerable else "evidence top-1" if rank == 1 else "other answerable"
        rows.append({"id": item.id, "group": group, "score": retrieved[0].score if retrieved else float("-inf"),
                     "similarity": quotes[0][0] if quotes else -1.0,
                     "quotes_evidence": any(contains_quote(q, e) or contains_quote(e, q)
                                            for _, _, q in quotes for e in item.evidence)})
    return rows


def fires(row: dict, score: float, similarity: float) -> bool:
    return row["score"] >= score and row["similarity"] >= similarity


def report(rows: list[dict], score: float, similarity: float) -> None:
    groups = ("evidence top-1", "other answerable", "unanswerable")
    print(f"{'group':18s} {'n':>4s}  {'score p10/p50/p90':>20s}  {'similarity p10/p50/p90':>23s}  fires")
    for g in groups:
        rs = [r for r in rows if r["group"] == g]
        if not rs:
            continue
        dist = lambda key: "/".join(f"{percentile([r[key] for r in rs], q):.2f}" for q in (10, 50, 90))  # noqa: E731
        fired = [r for r in rs if fires(r, score, similarity)]
        extra = (f", quoting the evidence {sum(r['quotes_evidence'] for r in fired)}/{len(fired)}"
                 if g != "unanswerable" and fired else "")
        print(f"{g:18s} {len(rs):4d}  {dist('score'):>20s}  {dist('similarity'):>23s}  "
              f"{len(fired)}/{len(rs)} ({len(fired) / len(rs):.0%}){extra}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--qa", default=None, help="a Q&A file (default eval.qa)")
    ap.add_argument("--grid", action="store_true", help="also firing rates for other thresholds")
    args = ap.parse_args()
    bot = Bot.from_config(args.config)
    settings = bot.settings
    items = load_qa(args.qa or settings.resolve(settings.eval.qa), settings.corpus_paths[0])
    rows = measure(bot, items)
    cfg = bot.settings.answer
    print(f"thresholds: score >= {cfg.fallback_min_score}, similarity >= {cfg.fallback_min_similarity} "
          f"({len(items)} questions)")
    report(rows, cfg.fallback_min_score, cfg.fallback_min_similarity)
    if args.grid:
        un = [r for r in rows if r["group"] == "unanswerable"]
        top = [r for r in rows if r["group"] == "evidence top-1"]
        print("\nscore  similarity  unanswerable fires  evidence-top-1 fires")
        # the fused score's scale follows the [retrieval] weights: the grid follows its distribution
        steps = sorted({round(percentile([r["score"] for r in rows], q) * 4) / 4 for q in (40, 50, 60, 70, 80, 90, 95)})
        for s in steps:
            for sim in (0.0, 0.65, 0.68, 0.70, 0.72, 0.75):
                print(f"{s:5.2f}  {sim:10.2f}  {sum(fires(r, s, sim) for r in un):>18d}  "
                      f"{sum(fires(r, s, sim) for r in top):>20d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
