"""One writing process per embedded index: an ingest, upload or delete meets another process's write with a one-line
error (IndexBusy), writes nothing, and works again once that process is gone (the OS drops its lock, so a killed
ingest leaves none). Threads of one process share the lock, as they share the Chroma client. And a running bot follows
another process's `bot ingest --rebuild`."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from bot import Bot
from bot.apps import cli
from bot.apps.server import create_app
from bot.backends.chroma import writing
from bot.errors import IndexBusy
from tests.conftest import SEEDS, run_cli

# holds the lock until its stdin closes or it is killed, whatever the machine's load
HOLD = ("import filelock, sys; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); "
        "sys.stdin.read()")
BUSY = "another ingest, upload or delete is writing to the index at"


@pytest.fixture()
def holder():
    """start(lock path): another process holds the index's write lock, as a running `bot ingest` does."""
    procs = []

    def start(lock):
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_second_process_is_refused_and_loses_nothing(seeded_config, tmp_path, holder):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    config = seeded_config(corpus={"paths": [str(corpus)]})
    bot = Bot.from_config(config)
    assert bot.ingest().unchanged == 5
    (corpus / "neu.txt").write_text("Die Blaubeeren im Garten sind im Juli reif geworden, schrieb die Gärtnerin.")
    other = holder(bot.settings.store_path / "write.lock")

    with pytest.raises(IndexBusy, match=BUSY):
        bot.ingest()
    with pytest.raises(IndexBusy, match=BUSY):
        bot.upload("notiz.txt", "Eine Notiz über Preiselbeeren.".encode())
    with pytest.raises(IndexBusy, match=BUSY):
        bot.delete_document("000_f196ba750880f659.txt")
    # nothing was written or saved: the index holds the five seeds, and no uploaded file waits unindexed
    assert [d.doc_id for d in bot.documents()] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert not bot.settings.uploads_path.exists() or not any(bot.settings.uploads_path.iterdir())
    out = run_cli("ingest", "--quiet", config=config)  # the CLI says it in one line and fails
    assert out.returncode != 0 and BUSY in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    # `bot chat` / `bot serve` start anyway and serve the index as it is (run stands in for the web server)
    served = []
    cli._start(SimpleNamespace(config=str(config), collection=None, no_ingest=False, host="h", port=1),
               lambda b, host, port: served.append(b.stats()["documents"]))
    assert served == [5]
    # the HTTP API says 503 index_busy: nothing is wrong with the request, it can be sent again
    with TestClient(create_app(bot, ui=False)) as client:
        r = client.post("/api/documents", files={"file": ("notiz.txt", b"Eine Notiz zu Moltebeeren.")})
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_busy", r.text
        r = client.delete("/api/documents/000_f196ba750880f659.txt")
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_busy", r.text

    other.kill()
    other.wait()  # the holder died without releasing: its lock went with it
    summary = bot.ingest()
    assert (summary.added, summary.unchanged) == (1, 5)
    assert "neu.txt" in {d.doc_id for d in bot.documents()}


def test_threads_of_one_process_share_the_lock(seeded_config):
    """An upload holds the lock while its ingest takes it again, and an upload to another collection of the
    same store, from another thread, goes on while this one is held: only another process is refused."""
    bot = Bot.from_config(seeded_config())
    summary = bot.upload("notiz.txt", "Die Preiselbeeren im Wald sind im August reif geworden.".encode())
    assert summary.added == 1 and "notiz.txt" in {d.doc_id for d in bot.documents()}
    other, done = bot.for_collection("notes"), []
    with writing(bot.settings):
        t = threading.Thread(target=lambda: done.append(other.upload("a.txt", b"Ein Text zu Moltebeeren.").added))
        t.start()
        t.join(timeout=120)
    assert done == [1]


def test_a_running_bot_follows_a_rebuild_by_another_process(seeded_config, tmp_path):
    """`bot ingest --rebuild` in a shell drops the collections and makes new ones of the same names under new ids;
    a running chat kept the old ones and failed every question with Chroma's NotFoundError until restarted (a new
    user's report). It now finds them by name again: it answers, lists and ingests into the rebuilt index."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    config = seeded_config(corpus={"paths": [str(corpus)]})
    bot = Bot.from_config(config)
    before = [s.chunk_id for s in bot.search("Tokajew Putin Moskau")]
    assert bot.stats()["documents"] == 5
    out = run_cli("ingest", "--rebuild", "--quiet", config=config)
    assert out.returncode == 0, out.stderr
    assert [s.chunk_id for s in bot.search("Tokajew Putin Moskau")] == before  # the same seeds, re-embedded
    assert bot.health().index["documents"] == 5 and bot.document(before[0].split("#")[0]) is not None
    run_cli("ingest", "--rebuild", "--quiet", config=config)  # again, then an ingest first thing
    (corpus / "neu.txt").write_text("Die Moltebeeren am Moor sind im August reif geworden, schrieb die Gärtnerin.")
    assert bot.ingest().added == 1 and bot.stats()["documents"] == 6
