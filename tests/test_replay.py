"""bench/replay_eval.py: a run's answers rescored without generating them again, a translated one included.

The LLM is the Ollama stand-in: it answers q002 (German) in English and the bot's translation request with
German lines, so the run holds an answer translated by `answer.translate_answers`; the replay must give back
the same answer and scores from the run alone. q056 (unanswerable) gets an invented age, which the bot
withholds; the replay must give the model's text back to the same path, not the refusal that replaced it.
q042 gets source numbers only to the usual request and a sentence to the second try (answer.retry_non_answers);
the replay must give both back in turn.
"""
import json
import subprocess
import sys

from tests.conftest import ROOT, run_cli
from tests.ollama_standin import OllamaStandin


def _reply(body: dict) -> str:
    if "Translate each numbered line fully into German" in body["messages"][-1]["content"]:
        return "1. Nach seinem Besuch in Moskau reist Tokajew weiter nach Paris."
    if "How old" in body["messages"][-1]["content"]:
        return "Kassym-Jomart Tokayev is 52 years old [1]."  # no seed says: withheld (answer.withhold_unfounded)
    if "Ermachanow" in body["messages"][-1]["content"]:
        if body["messages"][-1]["content"].endswith("citing sources as [n]:"):
            return "[1] [2] [3]"
        return "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."
    return "After his visit to Moscow, Tokayev travels on to Paris [1]."


def test_a_run_with_a_translated_answer_replays_to_the_same_scores(seeded_config, tmp_path):
    qa = tmp_path / "qa.jsonl"
    items = [json.loads(x) for x in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8") if '"q002"' in x
             or '"q056"' in x or '"q042"' in x]
    qa.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    with OllamaStandin(models=("gemma3:4b",), reply=_reply) as llm:
        cfg = seeded_config(llm={"host": llm.url, "model": "gemma3:4b"})
        res = run_cli("eval", "--qa", str(qa), "--out", str(tmp_path / "runs"), config=cfg, timeout=600)
    assert res.returncode == 0, res.stderr
    run = next((tmp_path / "runs").iterdir())
    row, retried, made_up = [json.loads(x) for x in (run / "results.jsonl").open(encoding="utf-8")]
    assert retried["answer_first_try"] == "[1] [2] [3]" and retried["scores"]["correct"] is True
    # the invented age was withheld: the row keeps the model's text beside the refusal that replaced it
    assert made_up["answer"] == "The sources don't say." and made_up["scores"]["withheld"] is True
    assert made_up["answer_withheld"] == "Kassym-Jomart Tokayev is 52 years old [1]."
    # the English answer was translated: the row keeps both, and scores the language of each
    assert row["answer"] == "Nach seinem Besuch in Moskau reist Tokajew weiter nach Paris [1]."
    assert row["answer_as_generated"] == "After his visit to Moscow, Tokayev travels on to Paris [1]."
    assert row["scores"]["in_language"] is True and row["scores"]["in_language_generated"] is False
    assert row["scores"]["correct"] is True and row["timings"]["translate_answer_s"] >= 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    # q002 English as generated, German as shown; q056's model text English, as asked
    # q042 German throughout
    assert summary["scores"]["answers.language"] == 1.0 and summary["scores"]["answers.language_as_generated"] == 2 / 3

    out = tmp_path / "replayed"
    done = subprocess.run([sys.executable, "bench/replay_eval.py", str(run), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    replayed = next(out.iterdir()).joinpath("results.jsonl")
    again, again_retried, again_made_up = [json.loads(x) for x in replayed.open(encoding="utf-8")]
    assert again_retried["answer"] == retried["answer"] and again_retried["scores"] == retried["scores"]
    assert again_retried["answer_first_try"] == "[1] [2] [3]"  # the run's two answers given back in turn
    assert again["answer"] == row["answer"] and again["answer_as_generated"] == row["answer_as_generated"]
    assert again["scores"] == row["scores"]
    assert again_made_up["answer_withheld"] == made_up["answer_withheld"]
    assert again_made_up["scores"] == made_up["scores"]
