"""Several collections in one store, and uploads: each collection answers from its own documents only."""
from __future__ import annotations

import json
import shutil

import pytest

from bot import Bot
from bot.errors import BotError
from tests.conftest import SEEDS, run_cli, write_config

MOSCOW = "001_eddcc00bd52f2ed4.txt"  # Polish, Tokayev's 2019 visit to Putin
ASTANA = "003_f4cabc63b7e92935.txt"  # German, Aliyev's 2023 visit to Astana


@pytest.fixture()
def two(tmp_path):
    """A config with the default collection over one seed and "news" over another, both ingested."""
    for name, seed in (("a", MOSCOW), ("b", ASTANA)):
        (tmp_path / name).mkdir()
        shutil.copy(SEEDS / seed, tmp_path / name / seed)
    cfg = write_config(tmp_path, corpus={"paths": [str(tmp_path / "a")]},
                       **{"collections.news": {"paths": [str(tmp_path / "b")]}})
    bot = Bot.from_config(cfg)
    assert bot.ingest().added == 1 and bot.for_collection("news").ingest().added == 1
    return cfg


def test_each_collection_searches_only_its_documents(two):
    """Each index holds one document, so every passage found must come from it, whatever the question."""
    bot = Bot.from_config(two)
    news = bot.for_collection("news")
    assert {s.doc_id for s in bot.search("Tokajew Aliyev Astana", 5)} == {MOSCOW}
    assert {s.doc_id for s in news.search("Tokajew Putin Moskau", 5)} == {ASTANA}
    assert bot.for_collection("news") is news and news.llm is bot.llm  # one model, one turn lock
    assert bot.collections() == ["bot", "news"]


def test_cli_picks_the_collection(two, ollama):
    for collection, doc in ((None, MOSCOW), ("news", ASTANA)):
        extra = ["--collection", collection] if collection else []
        proc = run_cli("ask", "--json", "Wen traf Tokajew?", *extra,
                       config=write_config(two.parent, corpus={"paths": [str(two.parent / "a")]},
                                           llm={"host": ollama.url},
                                           **{"collections.news": {"paths": [str(two.parent / "b")]}}))
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert {s["doc_id"] for s in out["sources"]} == {doc}
    listed = run_cli("collections", "--json", config=two)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["name"], r["documents"]) for r in rows] == [("bot", 1), ("news", 1)]
    assert all(r["chunks"] >= 1 for r in rows)


def test_upload_is_answerable_then_delete_removes_it(two):
    bot = Bot.from_config(two).for_collection("notes")  # not configured: a collection of uploads only
    text = "Projektnotiz. Das Codewort des Projekts lautet Blaubeere. Es wurde im Mai 2024 gewählt."
    summary = bot.upload("../../elsewhere/notiz.txt", text.encode())
    assert summary.added == 1
    stored = bot.settings.uploads_path / "notiz.txt"  # the path parts of the name are dropped
    assert stored.read_text() == text and not (two.parent / "elsewhere").exists()
    assert bot.search("Wie lautet das Codewort?", 1)[0].doc_id == "notiz.txt"
    assert "notes" in Bot.from_config(two).collections()
    bot.delete_document("notiz.txt")
    assert not stored.exists() and bot.documents() == []
    assert bot.ingest().added == 0  # the file is gone too, so the next ingest does not bring it back


def test_uploads_and_deletes_that_are_refused(two):
    bot = Bot.from_config(two)
    for name, why in (("tool.exe", "not read"), ("", "not a file name"), (".env", "not a file name")):
        with pytest.raises(BotError, match=why):
            bot.upload(name, b"text")
    with pytest.raises(BotError, match="corpus folder"):  # the user's own file: deleting it is theirs to do
        bot.delete_document(MOSCOW)
    with pytest.raises(BotError, match="no document"):
        bot.delete_document("missing.txt")
    assert [d.doc_id for d in bot.documents()] == [MOSCOW]


def test_deleting_a_collection_removes_vectors_and_uploads(two):
    bot = Bot.from_config(two)
    notes = bot.for_collection("notes")
    notes.upload("a.txt", b"Ein kurzer Text uber Blaubeeren und den Sommer.")
    bot.drop_collection("notes")
    assert "notes" not in Bot.from_config(two).collections() and not notes.settings.uploads_path.exists()
    with pytest.raises(BotError, match="in use"):
        bot.drop_collection("bot")


def test_the_collection_in_use_is_deleted_from_another_as_the_error_says(two):
    """The refusal names `bot collections --collection OTHER --delete NAME`; that command ignored --collection
    and failed with the same error (a new user's try). Followed as written, it deletes the default one."""
    refused = run_cli("collections", "--delete", "bot", config=two)
    assert refused.returncode == 2 and "bot collections --collection OTHER --delete bot" in refused.stderr
    done = run_cli("collections", "--collection", "news", "--delete", "bot", "--json", config=two)
    assert done.returncode == 0 and json.loads(done.stdout) == {"deleted": "bot"}, done.stderr
    sizes = {r["name"]: r["documents"] for r in Bot.from_config(two).collection_sizes()}
    assert sizes == {"bot": 0, "news": 1}  # the default one is still named, with nothing in it


@pytest.mark.parametrize("name", ["Bad", "a", "x/y", "-lead", "ü-name", "bot_docs", "news_sents"])
def test_collection_names_that_chroma_or_a_url_cannot_hold_are_refused(tmp_path, name):
    cfg = write_config(tmp_path, **{f'collections."{name}"': {"paths": ["x"]}})
    with pytest.raises(BotError, match="cannot be used"):
        Bot.from_config(cfg)
    with pytest.raises(BotError, match="cannot be used"):
        Bot.from_config(write_config(tmp_path)).for_collection(name)


def test_an_upload_never_replaces_a_corpus_file_and_a_failed_one_is_not_kept(two):
    """Uploads and corpus folders share document ids (the file name), so an upload named like a corpus file would
    replace it in the index; a file the ingest cannot read would stay on disk unlisted and undeletable."""
    bot = Bot.from_config(two)
    with pytest.raises(BotError, match="comes from the corpus folder"):
        bot.upload(MOSCOW, b"Eine andere Fassung.")
    assert not (bot.settings.uploads_path / MOSCOW).exists()
    assert {s.doc_id for s in bot.search("Tokajew Putin", 5)} == {MOSCOW}
    with pytest.raises(BotError, match="not a readable PDF"):
        bot.upload("scan.pdf", b"%PDF-1.4\n%%EOF\n")  # not a readable PDF: the ingest skips it
    assert not (bot.settings.uploads_path / "scan.pdf").exists()
    with pytest.raises(BotError, match="no collection 'nope'"):
        bot.drop_collection("nope")
