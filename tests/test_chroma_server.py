"""The index in a real Chroma server (`chroma run`) selected by store.url, and a clear error when it is down."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bot import Bot
from bot.errors import BotError
from tests.conftest import run_cli, write_config
from tests.ollama_standin import free_port, refused_url
from tests.procs import running

CHROMA = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` server on a free port, stopped at the end; yields its URL."""
    if CHROMA is None:
        pytest.fail("the `chroma` CLI (installed with chromadb) is missing from the virtual environment")
    folder = tmp_path_factory.mktemp("chroma_server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [CHROMA, "run", "--path", str(folder / "data"), "--port", str(port), "--host", "127.0.0.1"]
    with running(cmd, f"{url}/api/v2/heartbeat", folder / "server.log", timeout=60):
        yield url


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path):
    """003 is the one seed about Aliyev's visit to Astana, so it ranks first for "Aliyev Astana"."""
    cfg = write_config(tmp_path, store={"url": chroma_server, "path": str(tmp_path / "chroma")})
    bot = Bot.from_config(cfg)
    summary = bot.ingest()
    assert (summary.added, summary.chunks_written > 0) == (5, True)
    assert not (tmp_path / "chroma").exists()  # nothing went to the embedded store's folder
    hits = bot.search("Aliyev Astana")
    assert hits[0].doc_id == "003_f4cabc63b7e92935.txt" and "Aliyev" in hits[0].text
    assert bot.stats()["documents"] == 5

    again = Bot.from_config(cfg)
    summary = again.ingest()
    assert (summary.added, summary.updated, summary.unchanged, summary.chunks_written) == (0, 0, 5, 0)
    assert again.search("Aliyev Astana")[0].chunk_id == hits[0].chunk_id


def test_unreachable_chroma_server_is_one_clear_line(tmp_path):
    url = refused_url()
    bot = Bot.from_config(write_config(tmp_path, store={"url": url}))
    for call in (bot.stats, lambda: bot.search("Aliyev Astana"), bot.ingest):
        with pytest.raises(BotError) as err:
            call()
        msg = str(err.value)
        assert url in msg and "chroma run" in msg and "\n" not in msg

    out = run_cli("search", "Aliyev Astana", config=tmp_path / "config.toml")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: Chroma server at") and "chroma run" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
