"""`bot eval`: runs a Q&A set through the bot's own search/ask path, scores it and writes a run folder."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from bot.evaluation import metrics
from bot.evaluation.judge import Judge
from bot.errors import BotError
from bot.evaluation.qaset import LANGS, TYPES, QAItem, load_qa

KS = (1, 3, 5)
UNANSWERABLE_EXPECTED = "The sources do not contain the answer; a correct reply says so instead of guessing."


def expected_text(item: QAItem) -> str:
    if not item.answerable:
        return UNANSWERABLE_EXPECTED
    return ("all of: " if item.all_answers else "any of: ") + " | ".join(item.answers)


def answer_seconds(timings: dict) -> float:
    """The whole answer's time: retrieval, generation, a translation if one was made, the claim check."""
    return sum(timings.get(k, 0.0) for k in ("retrieve_s", "generate_s", "translate_answer_s", "check_s"))


def score_item(bot, item: QAItem, retrieval_only: bool, judge: Judge | None, refusals: list[str]) -> dict:
    """One question through bot.search (retrieval only) or bot.ask, with every per-question score."""
    answer = None
    if retrieval_only:
        t0 = time.perf_counter()
        retrieved = bot.search(item.question)
        timings = {"retrieve_s": time.perf_counter() - t0}
    else:
        answer = bot.ask(item.question)
        retrieved = answer.trace.retrieved  # the answer's own retrieval: a full run retrieves once
        timings = {k: answer.timings[k] for k in ("retrieve_s", "generate_s", "translate_answer_s")
                   if k in answer.timings}
        timings.update({k: answer.trace.timings[k] for k in ("first_token_s", "check_s") if k in answer.trace.timings})
        timings["answer_s"] = answer_seconds(timings)
    s: dict = {}
    if item.answerable:
        rank = metrics.evidence_rank([r.text for r in retrieved], item.evidence)
        s.update({"evidence_rank": rank, **{f"hit@{k}": metrics.hit_at(rank, k) for k in KS},
                  "rr": metrics.reciprocal_rank(rank),
                  "doc_recall@5": metrics.doc_recall([r.doc_id for r in retrieved], item.gold_docs, 5)})
    reasons: dict = {}
    if answer is not None:
        generated = answer.mode == "generated"
        # a passages fallback (the LLM failed) is no answer: it scores as an empty one, neither a correct
        # refusal nor a correct non-refusal, and stays out of the refusal rates (counts.passages_fallback)
        text, cites = (answer.answer, answer.citations) if generated else ("", [])
        as_generated = (answer.trace.translated_from or {}).get("answer")  # before answer.translate_answers
        withheld = (answer.trace.withheld or {}).get("answer")  # the model's text the refusal replaced
        refused = metrics.is_refusal(text, refusals)
        s.update({"refused": refused, "refusal_correct": generated and refused != item.answerable,
                  "uncited": None if refused else not cites,
                  "in_language": metrics.in_language(text, item.lang) if generated else None,
                  "in_language_generated": metrics.in_language(as_generated or withheld or text, item.lang)
                  if generated else None,
                  "mixed_language": metrics.mixed_language(text, item.lang, [x.lang for x in answer.sources])
                  if generated else None,
                  "false_refusal": refused if generated and item.answerable else None,
                  "hallucinated": (not refused) if generated and not item.answerable else None,
                  # what the model wrote, before answer.withhold_unfounded replaced a made-up answer
                  "hallucinated_as_generated": (not metrics.is_refusal(withheld or text, refusals))
                  if generated and not item.answerable else None,
                  "withheld": bool(withheld) if generated else None,
                  # shown as a plain answer: no warning of any kind (claims, citations, no words, cut short)
                  "unwarned": (not refused and not answer.warning) if generated and not item.answerable else None})
        if generated and not refused and bot.settings.answer.check_claims:  # each claim against its citations
            s.update(metrics.claim_scores(answer.claims))
        if item.answerable:
            cited = [(c.doc_id, answer.sources[c.n - 1].text) for c in cites]
            s["alias_match"] = metrics.is_correct(text, item.answers, item.all_answers, item.question, item.rivals,
                                                  refusals)
            s["token_f1"] = metrics.token_f1(text, item.answers, item.all_answers)
            s["citation_precision"], s["cites_gold"] = metrics.citation_scores(cited, item.gold_docs, item.evidence)
            s["correct"] = s["alias_match"]
        else:
            s["correct"] = generated and refused
        if judge is not None:
            if not generated:
                s["judge_correctness"], reasons["correctness"] = 0, "no answer: the LLM failed (passages fallback)"
            else:
                s["judge_correctness"], reasons["correctness"] = judge(
                    "correctness", question=item.question, expected=expected_text(item), answer=text)
                if cites:
                    passages = "\n\n".join(f"[{c.n}] {answer.sources[c.n - 1].text.strip()}" for c in cites)
                    s["judge_faithfulness"], reasons["faithfulness"] = judge(
                        "faithfulness", question=item.question, passages=passages, answer=text)
    top = " ".join(retrieved[0].text.split())[:300] if retrieved else ""
    return {
        "id": item.id, "question": item.question, "lang": item.lang, "type": item.type,
        "answerable": item.answerable, "expected": list(item.answers), "all_answers": item.all_answers,
        "gold_docs": list(item.gold_docs),
        "answer": answer.answer if answer else None, "mode": answer.mode if answer else "retrieval-only",
        # the model's own text when answer.translate_answers put it into the question's language
        "answer_as_generated": as_generated if answer else None,
        "answer_withheld": withheld if answer else None,  # answer.withhold_*: the text the refusal replaced
        "answer_first_try": answer.trace.first_try if answer else None,  # answer.retry_non_answers
        "warning": answer.warning if answer else None,
        "fallback": answer.fallback.kind if answer and answer.fallback else None,
        "citations": [{"n": c.n, "doc_id": c.doc_id, "chunk_id": c.chunk_id} for c in answer.citations]
        if answer else [],
        "claims": [{**c.to_json(), "precise": c.precise, "similarity": c.similarity, "unfounded": c.unfounded}
                   for c in answer.claims]
        if answer else [],
        "retrieved": [r.chunk_id for r in retrieved], "retrieved_docs": [r.doc_id for r in retrieved],
        "top_passage": top, "scores": s, "judge": reasons,
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }


def _groups(rows: list[dict], key: str, order: tuple[str, ...]) -> dict:
    values = [v for v in order if any(r[key] == v for r in rows)] + sorted({r[key] for r in rows} - set(order))
    return {v: {"items": sum(r[key] == v for r in rows),
                "scores": metrics.aggregate([r["scores"] for r in rows if r[key] == v])} for v in values}


def check_minimums(scores: dict, minimums: dict) -> tuple[list[str], list[str]]:
    """(one line per failed minimum, names not measured in this run)."""
    failed, skipped = [], []
    for name, minimum in minimums.items():
        if name not in metrics.SCORE_NAMES:
            failed.append(f"eval.min_scores: unknown score '{name}'; use one of {', '.join(metrics.SCORE_NAMES)}")
        elif metrics.lower_is_better(name) or name in metrics.NEUTRAL_SCORES:
            failed.append(f"eval.min_scores: '{name}' is lower-is-better or neither and cannot take a minimum; "
                          "remove it")
        elif name not in scores:
            skipped.append(name)
        elif scores[name] < minimum - 1e-9:
            failed.append(f"{name} = {scores[name]:.3f} is below the minimum {minimum:g} (eval.min_scores)")
    return failed, skipped


def _run_dir(out: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = out / stamp, 1
    while path.exists():  # two runs in one second (CI, tests) must not overwrite each other
        n += 1
        path = out / f"{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def main(args) -> int:
    from tqdm import tqdm

    from bot.evaluation import report
    from bot.config import load_settings
    from bot.core import Bot

    settings = load_settings(getattr(args, "config", None)).for_collection(getattr(args, "collection", None))
    retrieval_only = bool(getattr(args, "retrieval_only", False))
    qa_path = Path(args.qa) if getattr(args, "qa", None) else settings.resolve(settings.eval.qa)
    out = Path(args.out) if getattr(args, "out", None) else settings.resolve(settings.eval.out)
    corpus = settings.corpus_paths[0] if settings.corpus_paths else settings.resolve("seeds")
    items = load_qa(qa_path, corpus)
    total = len(items)
    limit = getattr(args, "limit", None)  # the CLI already refuses counts below 1
    items = items[:limit] if limit else items
    if not items:
        raise BotError(f"{qa_path} holds no questions: add JSON lines (see eval/README.md)")
    baseline = report.load_run(Path(args.baseline)) if getattr(args, "baseline", None) else None

    bot = Bot(settings)
    stats = bot.stats()
    if not stats["documents"]:
        raise BotError("the index is empty: run `bot ingest` before `bot eval`")
    indexed = {d.doc_id for d in bot.documents()}
    missing = sorted({d for i in items for d in i.gold_docs} - indexed)
    if missing:
        print(f"warning: gold documents not in the index: {', '.join(missing[:5])}: run `bot ingest`",
              file=sys.stderr)
    judge = None
    if not retrieval_only:
        ok, line = bot.llm_status()
        if not ok:
            raise BotError(f"{line}; or score retrieval alone with `bot eval --retrieval-only`")
        judge = Judge(settings) if settings.eval.judge_model else None
    bot.warm_up(items[0].question)  # keyword index, caches, the check's language data: latencies per question
    refusals = list(bot.prompts.refusals.values())

    run = _run_dir(out)
    t0, rows = time.perf_counter(), []
    # Each row is on disk as soon as it is scored: a full run with a real model takes an hour or more, and an
    # interrupted one keeps the answers it has (results.jsonl, no summary) instead of losing them all.
    with open(run / "results.jsonl", "w", encoding="utf-8") as f:
        try:
            for item in tqdm(items, desc="eval", unit="q", file=sys.stderr, mininterval=1.0):
                rows.append(score_item(bot, item, retrieval_only, judge, refusals))
                f.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
                f.flush()
        except KeyboardInterrupt:
            raise BotError(f"interrupted after {len(rows)} of {len(items)} questions; their results are in "
                           f"{run / 'results.jsonl'}") from None
    seconds = time.perf_counter() - t0
    scores = metrics.aggregate([r["scores"] for r in rows], [r["timings"] for r in rows])
    # The minimums are set for the whole Q&A set (CI's gate); a few first questions are not that set.
    unchecked = bool(settings.eval.min_scores) and len(items) < total
    minimums = {} if len(items) < total else settings.eval.min_scores
    failed, skipped = check_minimums(scores, minimums)
    config = settings.model_dump(mode="json")
    if config["server"].get("api_key"):
        config["server"]["api_key"] = "***"  # run folders get shared; the key must not travel with them
    summary = {
        "run": run.name, "created": datetime.now().isoformat(timespec="seconds"), "qa": str(qa_path),
        "items": len(rows), "answerable": sum(r["answerable"] for r in rows),
        "retrieval_only": retrieval_only, "model": None if retrieval_only else bot.model_name,
        "judge_model": judge.model if judge else None, "embedder": stats["embedder"],
        "seconds": round(seconds, 2), "scores": scores,
        "by_type": _groups(rows, "type", TYPES), "by_lang": _groups(rows, "lang", LANGS),
        "counts": {"passages_fallback": sum(r["mode"] == "passages" for r in rows),
                   "judge_unscored": judge.errors if judge else 0},
        "min_scores": {"required": dict(minimums), "failed": failed, "not_measured": skipped,
                       "skipped_part": unchecked},
        "config": config,
    }
    (run / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    path = report.write_report(run, summary, rows, baseline)

    print(report.format_table(summary))
    if summary["counts"]["passages_fallback"]:
        print(f"warning: {summary['counts']['passages_fallback']} answers fell back to passages (the LLM failed); "
              "they score as empty answers", file=sys.stderr)
    if unchecked:
        print(f"note: eval.min_scores not checked: --limit {limit} scores part of {qa_path.name}", file=sys.stderr)
    for name in skipped:
        print(f"note: minimum for {name} not checked: not measured in this run", file=sys.stderr)
    for line in failed:
        print(f"FAIL {line}", file=sys.stderr)
    print(f"report: {path}")
    return 1 if failed else 0
