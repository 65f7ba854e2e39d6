"""End-to-end tests of `bot eval` through the CLI: retrieval-only on the shipped set, custom sets, the report,
baselines, minimum scores, a real llama.cpp run and an LLM judge served by the Ollama stand-in."""
import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, SMOLLM, run_cli, write_config
from tests.ollama_standin import OllamaStandin

QA = ROOT / "eval" / "qa.jsonl"
# A question retrieval answers at rank 1 on the seeds (AZERTAC's Astana sentence is in the top chunk) ...
GOOD = {"id": "c1", "question": "In which city did Tokayev hold talks with Ilham Aliyev in April 2023?",
        "lang": "en", "type": "fact", "answers": ["Astana"], "gold_docs": ["003_f4cabc63b7e92935.txt"],
        "evidence": ["in Astana in einem erweiterten Format getroffen, wie AZERTAC berichtete"]}
# ... and one whose "evidence" is deliberately elsewhere: a nuclear-plant question with doc 000's Informbüro
# sentence as evidence. Doc 000 (Tokayev's Moscow/Paris trip) holds nothing about nuclear plants.
MISS = {"id": "c2", "question": "Which Russian company was ready to help Kazakhstan build a nuclear power plant?",
        "lang": "en", "type": "fact", "answers": ["Rosatom"], "gold_docs": ["000_f196ba750880f659.txt"],
        "evidence": ["Die Kasachische Nachrichten- Agentur Informbüro berichtet"]}
NONE = {"id": "c3", "question": "Wie viele Einwohner hat Kasachstan?", "lang": "de", "type": "unanswerable",
        "answers": [], "gold_docs": [], "evidence": []}


def write_qa(folder: Path, *items) -> Path:
    path = folder / "custom_qa.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def only_run(out: Path) -> Path:
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def read_run(run: Path):
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    rows = [json.loads(x) for x in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return summary, rows, (run / "report.md").read_text(encoding="utf-8")


def test_retrieval_only_on_the_shipped_set(seeded_config, tmp_path):
    """hit@5 recomputed here from results.jsonl: the retrieved chunk ids' texts, read straight from Chroma,
    checked for an evidence quote with all whitespace removed; the mean over answerable items must equal
    the summary's retrieval.evidence_hit@5."""
    import chromadb

    cfg = seeded_config()
    out = tmp_path / "runs"
    res = run_cli("eval", "--retrieval-only", "--qa", str(QA), "--out", str(out), config=cfg, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    run = only_run(out)
    assert f"report: {run / 'report.md'}" in res.stdout
    assert re.search(r"retrieval\.evidence_hit@5\s+\d\.\d{3}", res.stdout)
    summary, rows, report = read_run(run)
    assert summary["items"] == len(rows) == 175 and summary["answerable"] == 148
    assert summary["retrieval_only"] is True and summary["model"] is None
    assert set(summary["scores"]) == {"retrieval.evidence_hit@1", "retrieval.evidence_hit@3",
                                      "retrieval.evidence_hit@5", "retrieval.mrr", "retrieval.doc_recall@5",
                                      "latency.retrieve_p50", "latency.retrieve_p95"}
    assert list(summary["by_lang"]) == ["en", "de", "pl", "no"]
    assert set(summary["by_type"]) == {"fact", "cross_lingual", "temporal", "multi_doc", "unanswerable"}
    assert summary["by_type"]["unanswerable"]["scores"] == {}  # no gold passages: left out of retrieval
    assert summary["config"]["retrieval"]["top_k"] == 5 and summary["config"]["store"]["path"]
    assert all(r["mode"] == "retrieval-only" and r["answer"] is None and r["timings"]["retrieve_s"] >= 0
               for r in rows)

    gold = {json.loads(x)["id"]: json.loads(x) for x in QA.read_text(encoding="utf-8").splitlines() if x.strip()}
    store = chromadb.PersistentClient(path=str(tmp_path / "chroma")).get_collection("bot")
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    hits = []
    for r in rows:
        if gold[r["id"]]["type"] == "unanswerable":
            continue
        got = store.get(ids=r["retrieved"][:5], include=["documents"])
        texts = dict(zip(got["ids"], got["documents"]))
        hits.append(any(squash(q) in squash(texts[c]) for c in r["retrieved"][:5] for q in gold[r["id"]]["evidence"]))
    assert len(hits) == 148
    assert summary["scores"]["retrieval.evidence_hit@5"] == pytest.approx(sum(hits) / 148)
    assert "## Failures (" in report and "## By language" in report


def test_custom_set_minimums_report_and_baseline(seeded_config, tmp_path):
    """Custom set: c1 found at rank 1, c2's evidence not retrieved, c3 unanswerable (left out).
    So hit@5 = hit@1 = MRR = 1/2. A minimum of 0.75 on hit@5 fails (exit 1, one line); 0.1 on MRR holds.
    Then a baseline whose hit@5 is edited to 1.0 and hit@1 to 0.6 (both now worse: -0.5, -0.1) and MRR to
    0.0 (now better: +0.5) must list hit@5 first, hit@1 second, both as regressions, before MRR's improvement."""
    cfg = seeded_config()
    cfg.write_text(cfg.read_text() + '[eval.min_scores]\n"retrieval.evidence_hit@5" = 0.75\n'
                   '"retrieval.mrr" = 0.1\n', encoding="utf-8")
    qa = write_qa(tmp_path, GOOD, MISS, NONE)
    out = tmp_path / "runs"
    res = run_cli("eval", "--retrieval-only", "--qa", str(qa), "--out", str(out), config=cfg)
    assert res.returncode == 1, res.stderr[-2000:]
    fails = [x for x in res.stderr.splitlines() if x.startswith("FAIL")]
    assert fails == ["FAIL retrieval.evidence_hit@5 = 0.500 is below the minimum 0.75 (eval.min_scores)"]
    run = only_run(out)
    summary, rows, report = read_run(run)
    assert summary["scores"]["retrieval.mrr"] == pytest.approx(0.5)
    assert [r["scores"].get("evidence_rank") for r in rows] == [1, None, None]
    for section in ("## Summary", "## By type", "## By language", "## Failures (1 of 3)"):
        assert section in report
    assert "### c2 (en, fact)" in report and f"- Question: {MISS['question']}" in report
    assert "- Expected: any of: Rosatom" in report and "### c1 " not in report

    # The first two questions only: hit@5 is still 0.5, but the minimums hold for the whole set, not a part.
    res = run_cli("eval", "--retrieval-only", "--qa", str(qa), "--out", str(tmp_path / "part"), "--limit", "2",
                  config=cfg)
    assert res.returncode == 0 and not [x for x in res.stderr.splitlines() if x.startswith("FAIL")]
    assert "note: eval.min_scores not checked: --limit 2 scores part of" in res.stderr
    part = json.loads((only_run(tmp_path / "part") / "summary.json").read_text())
    assert part["scores"]["retrieval.evidence_hit@5"] == pytest.approx(0.5) and part["items"] == 2
    assert part["min_scores"]["skipped_part"] is True
    assert "Minimum scores: not checked: --limit scored part of the set" in (
        only_run(tmp_path / "part") / "report.md").read_text()

    base = json.loads((run / "summary.json").read_text())
    base["run"] = "edited-baseline"
    base["scores"].update({"retrieval.evidence_hit@5": 1.0, "retrieval.evidence_hit@1": 0.6, "retrieval.mrr": 0.0})
    (run / "summary.json").write_text(json.dumps(base))
    out2 = tmp_path / "runs2"
    res = run_cli("eval", "--retrieval-only", "--qa", str(qa), "--out", str(out2), "--baseline", str(run),
                  config=cfg)
    assert res.returncode == 1, res.stderr[-2000:]
    report = (only_run(out2) / "report.md").read_text()
    section = report.split("## Against the baseline", 1)[1].split("\n## ", 1)[0]
    assert "`edited-baseline`" in section
    table = [x for x in section.splitlines() if x.startswith("| retrieval.") or x.startswith("| latency.")]
    assert table[0] == "| retrieval.evidence_hit@5 | 1.000 | 0.500 | -0.500 | regression |"
    assert table[1] == "| retrieval.evidence_hit@1 | 0.600 | 0.500 | -0.100 | regression |"
    assert "| retrieval.mrr | 0.000 | 0.500 | +0.500 | improvement |" in table
    assert table.index("| retrieval.mrr | 0.000 | 0.500 | +0.500 | improvement |") > 1


def test_bad_inputs_give_one_line_errors(tmp_path):
    """A broken Q&A file, a missing baseline and --limit 0 each end with exit 2 and one 'error:' line."""
    cfg = write_config(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(NONE) + "\n{not json\n", encoding="utf-8")
    res = run_cli("eval", "--retrieval-only", "--qa", str(bad), config=cfg)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]
    assert res.stderr.startswith(f"error: {bad}:2: invalid JSON")
    good = write_qa(tmp_path, NONE)
    res = run_cli("eval", "--retrieval-only", "--qa", str(good), "--baseline", str(tmp_path / "nope"), config=cfg)
    assert res.returncode == 2 and "baseline" in res.stderr and "no summary.json" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = run_cli("eval", "--retrieval-only", "--qa", str(good), "--limit", "0", config=cfg)
    assert res.returncode == 2 and res.stderr.startswith("error: argument --limit: 0 is not 1 or more")
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.llamacpp
def test_full_run_with_llamacpp_tiny_model(seeded_config, tmp_path):
    """Two questions through bot.ask with SmolLM2 in-process: every answer field, score and latency is
    recorded. The tiny model's answers are not judged here, only that they were scored. Two sources
    (top_k 2) keep the prompt, and so prompt processing on two shared cores, short."""
    pytest.importorskip("llama_cpp")
    cfg = seeded_config(llm=SMOLLM, retrieval={"top_k": 2})
    qa = write_qa(tmp_path, GOOD, NONE)
    out = tmp_path / "runs"
    res = run_cli("eval", "--qa", str(qa), "--out", str(out), config=cfg, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    summary, rows, report = read_run(only_run(out))
    assert summary["model"].startswith("llamacpp:") and summary["retrieval_only"] is False
    for name in ("answers.accuracy", "answers.alias_match", "answers.token_f1", "answers.refusal_accuracy",
                 "citations.cites_gold_doc", "latency.retrieve_p50", "latency.generate_p95", "latency.first_token_p50",
                 "latency.check_p95", "retrieval.evidence_hit@5"):
        assert name in summary["scores"], name
    for r in rows:
        assert r["mode"] == "generated" and isinstance(r["answer"], str) and r["answer"].strip()
        assert isinstance(r["citations"], list) and r["retrieved"]
        t = r["timings"]  # the first token comes after retrieval and before the whole answer
        assert {"retrieve_s", "first_token_s", "generate_s", "check_s", "answer_s"} <= set(t) <= {
            "retrieve_s", "first_token_s", "generate_s", "check_s", "answer_s", "translate_answer_s"}
        assert t["generate_s"] > 0
        # the whole answer: retrieval, generation, a translation if one was made, the check
        assert t["answer_s"] == pytest.approx(sum(t.get(k, 0) for k in ("retrieve_s", "generate_s",
                                                                        "translate_answer_s", "check_s")), abs=1e-3)
        assert t["retrieve_s"] < t["first_token_s"] <= t["retrieve_s"] + t["generate_s"]
        assert {"refused", "refusal_correct", "correct"} <= set(r["scores"])
    assert {"alias_match", "token_f1", "cites_gold"} <= set(rows[0]["scores"])
    # The tiny model's answers are unknown, but the report must list exactly the rows that missed: c1 when its
    # evidence was not retrieved, it refused or "Astana" is not in its answer; c3 when it did not refuse.
    good, none = rows
    assert (good["id"], none["id"]) == ("c1", "c3") and good["scores"]["hit@1"]  # GOOD is a rank-1 question
    missed = [r for r, miss in ((good, good["scores"]["refused"] or not good["scores"]["alias_match"]),
                                (none, not none["scores"]["refused"])) if miss]
    assert f"## Failures ({len(missed)} of 2)" in report
    for r in rows:
        assert (f"### {r['id']} ({r['lang']}, {r['type']})" in report) == (r in missed), r["id"]
    for r in missed:
        assert f"- Got: {' '.join(r['answer'].split())[:399]}" in report
    assert ("None." in report.split("## Failures")[1]) == (not missed)


def test_judge_scores_through_ollama(seeded_config, tmp_path):
    """The stand-in answers every question with "Tokajew traf Putin in Moskau [1]." and, as judge model,
    says 1 to faithfulness and 0 to correctness. So: c1 (expects Astana) misses its alias, c3 (unanswerable)
    is answered instead of refused: accuracy 0/2; faithfulness 2/2 = 1.0 (both cite [1]); correctness 0.0."""
    def reply(body):
        if body["model"] != "judge-model":
            return "Tokajew traf Putin in Moskau [1]."
        prompt = body["messages"][-1]["content"]
        return "SCORE: 1\nREASON: The passage says so." if "Cited passages" in prompt else "SCORE: 0\nREASON: Wrong."

    with OllamaStandin(models=("gemma3:4b", "judge-model"), reply=reply) as server:
        cfg = seeded_config(llm={"host": server.url}, eval={"judge_model": "judge-model"})
        out = tmp_path / "runs"
        # an unanswerable question that asks for no number: "Tokajew traf Putin" is then an answer, not one
        # withdrawn for giving no number (answer.withhold_unanswered)
        wife = {**NONE, "question": "Wie heißt die Frau von Tokajew?"}
        res = run_cli("eval", "--qa", str(write_qa(tmp_path, GOOD, wife)), "--out", str(out), config=cfg)
        judged = [b["messages"][-1]["content"] for b in server.bodies("/api/chat") if b["model"] == "judge-model"]
    assert res.returncode == 0, res.stderr[-2000:]
    summary, rows, report = read_run(only_run(out))
    s = summary["scores"]
    assert (s["answers.accuracy"], s["judge.faithfulness"], s["judge.correctness"]) == (0.0, 1.0, 0.0)
    # the German answer fits c3 (de), not c1 (en): language 1/2; c1 answered: no false refusal; c3 answered: 1/1
    assert (s["answers.language"], s["refusals.false_rate"], s["refusals.hallucination_rate"]) == (0.5, 0.0, 1.0)
    assert summary["judge_model"] == "judge-model" and summary["model"] == "gemma3:4b"
    assert rows[0]["judge"] == {"correctness": "Wrong.", "faithfulness": "The passage says so."}
    assert len(judged) == 4  # correctness and faithfulness for each of the two answers
    faith = [p for p in judged if "Cited passages" in p]
    cited = rows[0]["citations"][0]["chunk_id"]
    assert cited == rows[0]["retrieved"][0] and all("[1] " in p and "Tokajew traf Putin" in p for p in faith)
    assert "answered instead of saying the sources don't say" in report


def test_unwarned_rate_counts_invented_answers_shown_without_a_warning(seeded_config, tmp_path):
    """Two unanswerable questions, both answered by the model (hallucination_rate_as_generated 2/2). c3's
    answer gives a population no source holds, so the claim check fails it and, the number being in no given
    source, the bot withholds it and refuses (answers.withheld 1/2; the user sees a refusal, so
    hallucination_rate 1/2); c4's answer copies the first given source's first sentence word for word with
    [1], so its claim is supported and nothing warns the user: unwarned_rate = 1/2."""
    other = {**NONE, "id": "c4", "question": "Wie heißt die Frau von Tokajew?"}

    def reply(body):
        prompt = body["messages"][-1]["content"]
        if "Einwohner" in prompt:
            return "Kasachstan hat 52 Millionen Einwohner [1]."
        first = prompt.split("</source>")[0].split(")\n", 1)[1]  # the text after the first source's header
        return re.split(r"(?<=\.)\s", first.strip())[0] + " [1]"

    with OllamaStandin(models=("gemma3:4b",), reply=reply) as server:
        cfg = seeded_config(llm={"host": server.url})
        out = tmp_path / "runs"
        res = run_cli("eval", "--qa", str(write_qa(tmp_path, NONE, other)), "--out", str(out), config=cfg)
    assert res.returncode == 0, res.stderr[-2000:]
    summary, rows, _ = read_run(only_run(out))
    assert [r["warning"] is not None for r in rows] == [True, False], [r["claims"] for r in rows]
    assert rows[0]["answer"] == "Die Quellen sagen dazu nichts." and rows[0]["fallback"] == "withheld"
    assert rows[0]["answer_withheld"] == "Kasachstan hat 52 Millionen Einwohner [1]."
    assert rows[1]["answer_withheld"] is None and rows[1]["answer"].endswith("[1]")
    s = summary["scores"]
    assert (s["refusals.hallucination_rate"], s["refusals.unwarned_rate"]) == (0.5, 0.5)
    assert (s["refusals.hallucination_rate_as_generated"], s["answers.withheld"]) == (1.0, 0.5)
