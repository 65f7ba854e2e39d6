"""Benchmark (not a test): retrieval quality by gold document, per question language, and search latency.

Usage:
  .venv/bin/python bench/xquad.py --corpus ../shared/xquad/corpus --store /tmp/xquad-store \\
      --qa ../shared/xquad/qa_cross.jsonl ../shared/xquad/qa_same.jsonl [--config config.toml] \\
      [--set retrieval.keyword=false ...] [--against retrieval.collection_centering=0 ...] [-k 10]

Ingests the corpus folder into a scratch Chroma store under --store (the shipped index is untouched), then runs
every question of each Q&A file (the eval format, `eval/README.md`) through `Bot.search` and prints, per file
and per question language, hit@1, hit@5 and MRR (over the top k) of the first chunk from a gold document, and
search latency p50/p95. The store is kept, in a subfolder named by a hash of the settings that change what
ingest writes, so a second run with the same settings skips the embedding (about 86 s for 240 files on 2
cores) and a run with other ingest settings gets its own.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))



def percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0-1) as `bot eval` computes its percentiles."""
    from bot.evaluation.metrics import percentile as pct

    return pct(values, q * 100)


def parse_set(pairs: list[str]) -> dict:
    """["retrieval.keyword=false", "retrieval.candidates=40"] -> {"retrieval": {"keyword": False, ...}}."""
    import tomllib

    out: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot:
            raise SystemExit(f"error: --set {pair!r}: write SECTION.KEY=VALUE, e.g. retrieval.keyword=false")
        try:
            parsed = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value  # a bare word: take it as a string
        out.setdefault(section, {})[name] = parsed
    return out


def ingest_key(settings, latent: bool = True) -> str:
    """The settings that change what ingest writes (vectors, chunks): a different value needs its own store.
    latent=False leaves out whether chunks carry latent terms: a search with them off ignores them."""
    from bot.retrieval.centering import REFERENCE

    parts = [settings.embedding.model_dump(mode="json"), settings.chunking.model_dump(mode="json"),
             settings.corpus.extensions, settings.retrieval.language_centering]
    if latent and settings.retrieval.latent_weight:  # chunks then carry their latent terms (bot/retrieval/latent.py)
        parts.append("latent")
    blob = json.dumps(parts, sort_keys=True).encode() + REFERENCE.read_bytes()
    return hashlib.sha256(blob).hexdigest()[:12]


def gold_rank(doc_ids: list[str], gold: set[str]) -> int | None:
    """1-based rank of the first result from a gold document, None when none is in the list."""
    return next((i for i, d in enumerate(doc_ids, start=1) if d in gold), None)


def scores(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {"n": len(ranks), "hit@1": sum(r == 1 for r in ranks) / n,
            "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r) / n}


def spread(items: list, n: int | None) -> list:
    """n items taken at even steps through the list (all of them when n is None or not smaller)."""
    if not n or n >= len(items):
        return items
    return [items[i * len(items) // n] for i in range(n)]


def run_questions(bots: dict, sets: list, k: int) -> tuple[dict, dict]:
    """Every question through every bot, alternating which goes first so that they share the load fairly."""
    rows: dict = {name: [] for name in bots}
    lat: dict = {name: [] for name in bots}
    n = 0
    for set_name, items in sets:
        for item in items:
            order = list(bots.items()) if n % 2 == 0 else list(bots.items())[::-1]
            n += 1
            for name, bot in order:
                t = time.perf_counter()
                results = bot.search(item.question, k=k)
                lat[name].append(time.perf_counter() - t)
                rows[name].append({"set": set_name, "id": item.id, "lang": item.lang, "question": item.question,
                                   "gold": list(item.gold_docs),
                                   "rank": gold_rank([r.doc_id for r in results], set(item.gold_docs)),
                                   "top": [r.doc_id for r in results[:5]]})
    return rows, lat


def print_table(title: str, rows: list[dict], lat: list[float], k: int) -> None:
    print(f"{title}\n\n| set | lang | n | hit@1 | hit@5 | MRR@{k} |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == name]
        for lang in sorted({r["lang"] for r in mine}) + ["all"]:
            s = scores([r["rank"] for r in mine if lang == "all" or r["lang"] == lang])
            print(f"| {name} | {lang} | {s['n']} | {s['hit@1']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} |")
    print(f"\nsearch latency over {len(lat)} questions: p50 {percentile(lat, 0.5) * 1000:.1f} ms, "
          f"p95 {percentile(lat, 0.95) * 1000:.1f} ms\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, help="the collection's folder")
    ap.add_argument("--qa", nargs="+", required=True, help="Q&A files (eval format) whose gold_docs are in --corpus")
    ap.add_argument("--store", required=True, help="folder for the scratch stores, kept between runs")
    ap.add_argument("--config", default=str(ROOT / "config.toml"))
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="override a setting, e.g. retrieval.keyword=false (repeatable)")
    ap.add_argument("--against", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="also run a second configuration (these overrides on top of --set) on the same store, "
                         "question by question in turn with the first, so both latencies see the same load; "
                         "only settings that do not change what ingest writes (repeatable)")
    ap.add_argument("-k", type=int, default=10, help="results per question; MRR counts ranks up to k")
    ap.add_argument("--json", help="also write per-question ranks to this file")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="only N questions of each file, spread evenly over it (for slow settings such as "
                         "retrieval.translate, which calls the LLM for every question)")
    args = ap.parse_args()

    from bot import Bot
    from bot.config import load_settings
    from bot.errors import BotError
    from bot.evaluation.qaset import load_qa

    corpus = Path(args.corpus).resolve()
    overrides = parse_set(args.set)
    against = parse_set(args.set)
    for section, values in parse_set(args.against).items():
        against.setdefault(section, {}).update(values)
    try:
        settings = load_settings(args.config, **overrides)
        key = ingest_key(settings)
        other = load_settings(args.config, **against) if args.against else None
        # the store is ingested for the first configuration: one without latent terms has none to compare with
        if other and (ingest_key(other, False) != ingest_key(settings, False)
                      or other.retrieval.latent_weight and not settings.retrieval.latent_weight):
            raise BotError("--against changes what ingest writes; compare such settings in two separate runs")
        sets = [(Path(p).name, spread([i for i in load_qa(p, corpus) if i.answerable], args.sample))
                for p in args.qa]
    except BotError as e:
        raise SystemExit(f"error: {e}") from None
    store = Path(args.store).resolve() / key
    bots = {}
    for name, extra in [("main", overrides)] + ([("against", against)] if args.against else []):
        extra.setdefault("store", {}).update({"path": str(store), "url": ""})
        extra.setdefault("corpus", {})["paths"] = [str(corpus)]
        bots[name] = Bot.from_config(args.config, **extra)

    t0 = time.perf_counter()
    summary = bots["main"].ingest()
    print(f"ingest into {store}: {summary.added} added, {summary.chunks_written} chunks written, "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    for bot in bots.values():
        bot.search("warm-up")

    rows, lat = run_questions(bots, sets, args.k)
    print_table("settings: config" + "".join(f" {s}" for s in args.set), rows["main"], lat["main"], args.k)
    if args.against:
        print_table("against: config" + "".join(f" {s}" for s in args.set + args.against), rows["against"],
                    lat["against"], args.k)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            for r in rows["main"]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
