"""Rescore a `bot eval` run's answers with the code as it is now, without generating them again.

Usage: .venv/bin/python bench/replay_eval.py RUN_DIR [--out DIR] [--model GGUF]

A full run with a real model on 2 cores takes an hour or more; a change to the scoring or to the claim check
need not cost another. Each generated answer is replayed through the real answer path (`bot eval`'s own
score_item) with the Ollama stand-in repeating the saved text, so retrieval, the sources given, the claim
check (and its time) and every metric are today's, and the run's generation timings are kept. Retrieval
must be what it was when the answers were generated (the citations [n] refer to those sources): a question whose retrieved
chunks differ now is counted and reported, not rescored silently. Writes a new run folder (summary.json,
results.jsonl, report.md) and prints the summary table. Judge scores (eval.judge_model) are not replayed.

An answer the run translated into its question's language (`answer.translate_answers`) gets the run's own
translation back, exactly; one it did not stays as generated. With `--model GGUF` every answer in the wrong
language is translated again by that model through llama.cpp, so the translation step is measured on a
run's answers without generating them again.

An answer of source numbers only, or one that restates its question, gets its second try
(`answer.retry_non_answers`): the run's own, when it made one; else, with `--model`, that model answers the
second request; else the stand-in repeats the first answer, so the replay shows what follows when the second
try says nothing either (the refusal after numbers only, a warning after a restatement).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="a bot eval run folder (results.jsonl, summary.json)")
    ap.add_argument("--out", default="/tmp/replayed", help="where the new run folder goes")
    ap.add_argument("--model", help="a GGUF (llama.cpp) that translates answers in the wrong language and makes "
                    "the second try for answers of source numbers only or of the question's own words")
    args = ap.parse_args()

    from bot import Bot
    from bot.evaluation import metrics, report, runner
    from bot.evaluation.qaset import load_qa
    from tests.ollama_standin import OllamaStandin

    import os

    # BOT_LLM__* would win over the stand-in (environment over overrides) and generate the answers again
    for key in [k for k in os.environ if k.upper().startswith("BOT_LLM__")]:
        del os.environ[key]
    run = Path(args.run)
    old = [json.loads(x) for x in (run / "results.jsonl").open(encoding="utf-8")]
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    cfg = summary["config"]
    corpus = Path(cfg["corpus"]["paths"][0])
    items = {i.id: i for i in load_qa(Path(summary["qa"]), corpus if corpus.is_absolute() else ROOT / corpus)}
    reply = {"texts": [], "last": "", "translated": ""}
    model = _model(args.model, cfg["llm"])
    if not args.model:
        import bot.core

        # the run's translation as it was, not a new one (re-splitting it into claims need not give the
        # lines the run sent: "the U.S. President" splits differently once translated)
        bot.core.answer_in_language = lambda *_, **__: ((reply["translated"], "") if reply["translated"] else None,
                                                        0.0)
    sections = {k: cfg[k] for k in ("store", "retrieval", "answer", "context", "embedding", "chunking")}

    def answer(body: dict) -> str:
        if len(body["messages"]) == 1:  # no system message: the answer's translation (no history, no condense)
            return model(body["messages"])
        if reply["texts"]:
            return reply["texts"].pop(0)  # the run's own answers, in order
        return model(body["messages"]) if args.model else reply["last"]  # a second try the run did not make

    with OllamaStandin(models=("gemma3:4b",), reply=answer) as llm:
        bot = Bot.from_config(None, **sections, llm={
            "host": llm.url, "provider": "ollama", "model": "gemma3:4b",
            "context_window": cfg["llm"]["context_window"], "max_tokens": cfg["llm"]["max_tokens"]})
        refusals = list(bot.prompts.refusals.values())
        bot.warm_up()  # as `bot eval` does: the check's one-time loads are no answer's time
        rows, moved = [], []
        for r in old:
            if r["mode"] != "generated":
                rows.append(r)
                continue
            # the model's text: before the run translated it, or before the refusal replaced it (withheld)
            shown = r.get("answer_withheld") or r["answer"]
            first = r.get("answer_first_try")  # "" is an answer too: an empty one, asked for again
            reply["texts"] = ([] if first is None else [first]) + [r.get("answer_as_generated") or shown or ""]
            reply["last"] = reply["texts"][-1]
            reply["translated"] = shown if r.get("answer_as_generated") else ""
            new = runner.score_item(bot, items[r["id"]], False, None, refusals)
            if new["retrieved"] != r["retrieved"]:
                moved.append(r["id"])
            # the generation's timings are the run's; the claim check's are today's (it needs no LLM)
            # (and the translation's, when --model made one again)
            today = ("check_s", "translate_answer_s") if args.model else ("check_s",)
            new["timings"] = {**r["timings"], **{k: v for k, v in new["timings"].items() if k in today}}
            new["timings"]["answer_s"] = round(runner.answer_seconds(new["timings"]), 4)
            rows.append(new)
    scores = metrics.aggregate([r["scores"] for r in rows], [r["timings"] for r in rows])
    out = runner._run_dir(Path(args.out))
    new_summary = {**summary, "run": out.name, "replayed_from": str(run), "retrieval_moved": moved,
                   "scores": scores, "by_type": runner._groups(rows, "type", runner.TYPES),
                   "by_lang": runner._groups(rows, "lang", runner.LANGS)}
    with open(out / "results.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(new_summary, ensure_ascii=False, indent=2), encoding="utf-8")
    path = report.write_report(out, new_summary, rows, report.load_run(run))
    print(report.format_table(new_summary))
    if moved:
        print(f"warning: retrieval differs now for {len(moved)} questions ({', '.join(moved[:8])}); their "
              "citations may point at other sources", file=sys.stderr)
    print(f"replayed {sum(r['mode'] == 'generated' for r in old)} answers of {run}; report: {path}")
    return 0


def _model(gguf: str | None, llm_cfg: dict):
    """messages -> the GGUF's reply ("" with no GGUF)."""
    if not gguf:
        return lambda messages: ""
    from llama_cpp import Llama

    from bot.backends.ggml_cpu import load_cpu_backend

    load_cpu_backend()  # the CPU variant, as the bot loads it
    # seed 0, as the llamacpp backend's: the same replay samples the same second tries and translations
    model = Llama(model_path=gguf, n_ctx=llm_cfg["context_window"], seed=0, verbose=False)
    return lambda messages: model.create_chat_completion(
        messages=messages, temperature=llm_cfg["temperature"], max_tokens=llm_cfg["max_tokens"])[
        "choices"][0]["message"]["content"]


if __name__ == "__main__":
    sys.exit(main())
