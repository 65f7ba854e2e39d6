"""`bot serve` and `bot chat` started as a user starts them: without --no-ingest they index new files before
serving, and `bot serve` on a public address without an API key warns."""
from __future__ import annotations

import os
import shutil
import sys

import httpx

from bot import Bot
from tests.conftest import ROOT, SEEDS, write_config
from tests.ollama_standin import free_port, refused_url
from tests.procs import running

NEW = "brueckenbericht.txt"
TEXT = ("Tokajew eröffnet die Ischim-Brücke\n\nPräsident Tokajew hat in Petropawl eine neue Brücke über den Ischim "
        "eröffnet. Die Zebrastreifen der Brücke wurden von Schulkindern aus Kokschetau bemalt.\n")
QUERY = "Wer bemalte die Zebrastreifen der Ischim-Brücke in Petropawl?"


def setup(tmp_path, seeded_store):
    """A copy of the seeded store, and a corpus of the seeds plus one new file the store does not hold yet."""
    shutil.copytree(seeded_store, tmp_path / "chroma")
    new = tmp_path / "new"
    new.mkdir()
    (new / NEW).write_text(TEXT, encoding="utf-8")
    return write_config(tmp_path, corpus={"paths": [str(SEEDS), str(new)]},
                        llm={"host": refused_url(), "max_retries": 0})


def env() -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "BOT_SERVER__API_KEY")}
    return {**base, "PYTHONUNBUFFERED": "1"}


def test_serve_indexes_a_new_file_first_and_warns_on_a_public_address(tmp_path, seeded_store):
    cfg = setup(tmp_path, seeded_store)
    port, log = free_port(), tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "bot.apps.cli", "serve", "--config", str(cfg), "--host", "0.0.0.0",
           "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/healthz", log, timeout=300, cwd=ROOT, env=env()):
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=60).json()
        hits = httpx.post(f"http://127.0.0.1:{port}/api/search", json={"query": QUERY, "k": 3}, timeout=60).json()
    out = log.read_text(errors="replace")
    assert "files seen 6, added 1, updated 0, unchanged 5, removed 0, skipped 0; chunks written 1;" in out, out
    assert health["index"]["documents"] == 6
    assert hits["results"][0]["doc_id"] == NEW and "Schulkindern aus Kokschetau" in hits["results"][0]["text"]
    assert ("warning: serving on 0.0.0.0 without an API key; anyone who can reach it can use it "
            "(set server.api_key or BOT_SERVER__API_KEY)") in out


def test_serve_with_a_key_on_a_public_address_does_not_warn(tmp_path):
    """The contrast: the same address with BOT_SERVER__API_KEY set; --no-ingest over an empty store."""
    port, log = free_port(), tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "bot.apps.cli", "serve", "--config", str(write_config(tmp_path)), "--no-ingest",
           "--host", "0.0.0.0", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/docs", log, timeout=300, cwd=ROOT,  # /healthz: 503, no index
                 env={**env(), "BOT_SERVER__API_KEY": "k3y"}):
        pass
    out = log.read_text(errors="replace")
    assert "serving on http://0.0.0.0:" in out and "without an API key" not in out, out


def test_chat_indexes_a_new_file_before_serving(tmp_path, seeded_store):
    """`bot chat` runs the same ingest; once its UI answers, the new file is in the index it wrote."""
    cfg = setup(tmp_path, seeded_store)
    port, log = free_port(), tmp_path / "chat.log"
    cmd = [sys.executable, "-m", "bot.apps.cli", "chat", "--config", str(cfg), "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/", log, timeout=300, cwd=ROOT, env=env()):
        pass
    out = log.read_text(errors="replace")
    assert "files seen 6, added 1, updated 0, unchanged 5, removed 0, skipped 0; chunks written 1;" in out, out
    hits = Bot.from_config(cfg).search(QUERY, k=3)
    assert hits[0].doc_id == NEW
