"""Writes an eval run's report.md (summary, breakdowns, failures) and compares a run with a baseline run."""
from __future__ import annotations

import json
from pathlib import Path

from bot.errors import BotError
from bot.evaluation.metrics import NEUTRAL_SCORES, SCORE_NAMES, lower_is_better

# Latency moves from run to run on its own; only a clear slowdown counts as a regression.
LATENCY_SLACK = (0.20, 0.05)  # relative, seconds


def load_run(path: Path) -> tuple[dict, list[dict]]:
    """(summary, results rows) of an earlier run folder (or its summary.json)."""
    folder = path.parent if path.name == "summary.json" else path
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        why = "no summary.json there" if isinstance(exc, OSError) else "its summary.json is not valid JSON"
        raise BotError(f"baseline {folder}: {why}; pass a run folder written by `bot eval`") from None
    rows = []
    try:
        with open(folder / "results.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        pass  # the summary alone still gives score deltas
    return summary, rows


def compare(now: dict, base: dict) -> list[dict]:
    """Score deltas between two runs, regressions first (quality before latency, worst first), then improvements."""
    out = []
    for name in SCORE_NAMES:
        if name not in now or name not in base or name in NEUTRAL_SCORES:
            continue
        delta = now[name] - base[name]
        worse = delta > 0 if lower_is_better(name) else delta < 0
        if name.startswith("latency."):
            moved = abs(delta) > max(LATENCY_SLACK[0] * base[name], LATENCY_SLACK[1])
        else:
            moved = abs(delta) > 1e-9
        verdict = ("regression" if worse else "improvement") if moved else "same"
        out.append({"name": name, "base": base[name], "now": now[name], "delta": delta, "verdict": verdict})
    order = {"regression": 0, "improvement": 1, "same": 2}
    return sorted(out, key=lambda d: (order[d["verdict"]], d["name"].startswith("latency."), -abs(d["delta"])))


def failure_reasons(row: dict) -> list[str]:
    s, why = row["scores"], []
    if row["answerable"] and not s.get("hit@5"):
        why.append("no retrieved passage holds the evidence" + (f" (found at rank {s['evidence_rank']})"
                                                               if s.get("evidence_rank") else ""))
    if "refused" in s:
        if row["mode"] == "passages":
            why.append("the LLM failed: passages fallback")
        elif row["answerable"] and s["refused"]:
            why.append("refused although the sources hold the answer")
        elif row["answerable"] and not s.get("alias_match"):
            why.append("the expected answer is not in the answer")
        elif not row["answerable"] and not s["refused"]:
            why.append("answered instead of saying the sources don't say")
    return why


def newly_failing(rows: list[dict], base_rows: list[dict]) -> list[str]:
    before = {r["id"]: bool(failure_reasons(r)) for r in base_rows}
    return [r["id"] for r in rows if failure_reasons(r) and before.get(r["id"]) is False]


def _fmt(name: str, value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if name.startswith("latency.") else f"{value:.3f}"


def _signed(name: str, delta: float) -> str:
    return f"{delta:+.2f} s" if name.startswith("latency.") else f"{delta:+.3f}"


def format_table(summary: dict) -> str:
    """The short summary printed to stdout."""
    scores = summary["scores"]
    width = max(len(n) for n in scores) if scores else 10
    mode = "retrieval only" if summary["retrieval_only"] else f"model {summary['model']}"
    lines = [f"{summary['items']} questions from {summary['qa']} ({mode}, {summary['seconds']:.1f} s)"]
    lines += [f"  {n:<{width}}  {_fmt(n, v):>8}" for n, v in scores.items()]
    head = "answers.accuracy" if "answers.accuracy" in scores else "retrieval.evidence_hit@5"
    for name in (head, "answers.language", "refusals.false_rate", "refusals.hallucination_rate",
                 "refusals.unwarned_rate"):
        if name in scores:
            per = [f"{lang} {_fmt(name, g['scores'].get(name))}" for lang, g in summary["by_lang"].items()]
            lines.append(f"  {name} by language: " + ", ".join(per))
    return "\n".join(lines)


def _breakdown(title: str, groups: dict) -> list[str]:
    names = [n for n in SCORE_NAMES if any(n in g["scores"] for g in groups.values())]
    lines = [f"## {title}", "", "| score | " + " | ".join(f"{k} (n={g['items']})" for k, g in groups.items()) + " |",
             "|---|" + "---:|" * len(groups)]
    lines += [f"| {n} | " + " | ".join(_fmt(n, g["scores"].get(n)) for g in groups.values()) + " |" for n in names]
    return lines + [""]


def _one_line(text: str | None, limit: int = 400) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_report(run: Path, summary: dict, rows: list[dict], baseline: tuple[dict, list[dict]] | None = None) -> Path:
    scores, mins = summary["scores"], summary["min_scores"]
    mode = "retrieval only (no LLM)" if summary["retrieval_only"] else f"full: model `{summary['model']}`"
    if summary.get("judge_model"):
        mode += f", judge `{summary['judge_model']}`"
    lines = [f"# Eval run {summary['run']}", "",
             f"- Q&A set: `{summary['qa']}`: {summary['items']} questions, {summary['answerable']} answerable",
             f"- Mode: {mode}; embedder `{summary['embedder']}`",
             f"- Runtime: {summary['seconds']:.1f} s",
             "- Minimum scores: " + ("; ".join(mins["failed"]) if mins["failed"] else
                                     "all met" if mins["required"] else
                                     "not checked: --limit scored part of the set" if mins.get("skipped_part")
                                     else "none set (eval.min_scores)"), "",
             "## Summary", "", "| score | value | minimum |", "|---|---:|---:|"]
    for name, value in scores.items():
        lines.append(f"| {name} | {_fmt(name, value)} | {mins['required'].get(name, '')} |")
    lines.append("")
    if baseline is not None:
        base, base_rows = baseline
        deltas = compare(scores, base.get("scores", {}))
        lines += ["## Against the baseline", "",
                  f"Baseline run `{base.get('run', '?')}` ({base.get('qa', '?')}, {base.get('items', '?')} questions, "
                  f"model {base.get('model') or 'none'}). Regressions first.", "",
                  "| score | baseline | now | delta | verdict |", "|---|---:|---:|---:|---|"]
        lines += [f"| {d['name']} | {_fmt(d['name'], d['base'])} | {_fmt(d['name'], d['now'])} | "
                  f"{_signed(d['name'], d['delta'])} | {d['verdict']} |" for d in deltas]
        new = newly_failing(rows, base_rows)
        lines += ["", "Newly failing questions: " + (", ".join(new) if new else "none"), ""]
    lines += _breakdown("By type", summary["by_type"]) + _breakdown("By language", summary["by_lang"])
    failures = [(r, failure_reasons(r)) for r in rows]
    failures = [(r, why) for r, why in failures if why]
    lines += [f"## Failures ({len(failures)} of {len(rows)})", ""]
    for r, why in failures:
        expected = (("all of: " if r["all_answers"] else "any of: ") + " | ".join(r["expected"])
                    if r["answerable"] else "a refusal: the sources don't say")
        if r["answer"] is not None:
            got = _one_line(r["answer"])
        else:
            got = f"top passage ({r['retrieved_docs'][0] if r['retrieved_docs'] else 'none'}): {_one_line(r['top_passage'], 200)}"
        lines += [f"### {r['id']} ({r['lang']}, {r['type']})", "",
                  f"- Question: {r['question']}", f"- Expected: {expected}", f"- Got: {got}",
                  f"- Why: {'; '.join(why)}",
                  f"- Gold documents: {', '.join(r['gold_docs']) or '–'}; retrieved: {', '.join(r['retrieved_docs'])}"]
        for name, reason in r.get("judge", {}).items():
            lines.append(f"- Judge {name}: {r['scores'].get('judge_' + name)}: {reason}")
        lines.append("")
    if not failures:
        lines += ["None.", ""]
    path = run / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
