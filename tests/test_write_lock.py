"""One writer per embedded index: an ingest, upload or delete meets another process's write with a one-line error,
writes nothing, and works again once that process is gone (the OS drops its lock, so a killed ingest leaves none)."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from bot import Bot
from bot.errors import BotError
from tests.conftest import SEEDS, run_cli

HOLD = ("import filelock, sys, time; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
        "print('held', flush=True); time.sleep(120)")
BUSY = "another ingest, upload or delete is writing to the index at"


@pytest.fixture()
def holder():
    """start(lock path): another process holds the index's write lock, as a running `bot ingest` does."""
    procs = []

    def start(lock):
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_second_writer_is_refused_and_loses_nothing(seeded_config, tmp_path, holder):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    config = seeded_config(corpus={"paths": [str(corpus)]})
    bot = Bot.from_config(config)
    assert bot.ingest().unchanged == 5
    (corpus / "neu.txt").write_text("Die Blaubeeren im Garten sind im Juli reif geworden, schrieb die Gärtnerin.")
    other = holder(bot.settings.store_path / "write.lock")

    with pytest.raises(BotError, match=BUSY):
        bot.ingest()
    with pytest.raises(BotError, match=BUSY):
        bot.upload("notiz.txt", "Eine Notiz über Preiselbeeren.".encode())
    with pytest.raises(BotError, match=BUSY):
        bot.delete_document("000_f196ba750880f659.txt")
    # nothing was written or saved: the index holds the five seeds, and no uploaded file waits unindexed
    assert [d.doc_id for d in bot.documents()] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert not bot.settings.uploads_path.exists() or not any(bot.settings.uploads_path.iterdir())
    out = run_cli("ingest", "--quiet", config=config)  # the CLI says it in one line and fails
    assert out.returncode != 0 and BUSY in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1

    other.kill()
    other.wait()  # the holder died without releasing: its lock went with it
    summary = bot.ingest()
    assert (summary.added, summary.unchanged) == (1, 5)
    assert "neu.txt" in {d.doc_id for d in bot.documents()}


def test_an_upload_takes_the_lock_once_for_its_own_ingest(seeded_config, tmp_path):
    """An upload holds the write lock and indexes the file under it: the same thread takes it again."""
    bot = Bot.from_config(seeded_config())
    summary = bot.upload("notiz.txt", "Die Preiselbeeren im Wald sind im August reif geworden.".encode())
    assert summary.added == 1 and "notiz.txt" in {d.doc_id for d in bot.documents()}
