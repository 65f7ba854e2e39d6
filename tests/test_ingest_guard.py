"""An ingest no file can break: links out of the corpus, random bytes, unreadable folders, files over the size
cap, slow parsers and huge paragraphs each cost one file (with a reason), never the run or other documents."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from bot import Bot
from bot.config import load_settings
from bot.errors import BotError
from bot.ingest.chunking import SEGMENT_CHARS, chunk_nodes, segments
from bot.ingest.clean import decode_text
from tests.conftest import ROOT, SEEDS, run_cli, write_config
from tests.test_ingest import chunk_rows

SEED_IDS = sorted(p.name for p in SEEDS.glob("*.txt"))
SECRET = "Zugangsdaten des Verwalters: Quastenflosser Kennwort Seeigel 4711, nur für den Dienstgebrauch."
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


@pytest.fixture()
def corpus_bot(seeded_config, tmp_path):
    """(make(**sections) -> Bot over a copy of the seeds, already indexed; the corpus folder)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)

    def make(**sections) -> Bot:
        sections.setdefault("corpus", {"paths": [str(corpus)]})
        return Bot.from_config(seeded_config(**sections))

    return make, corpus


def reasons(summary) -> dict[str, str]:
    """file or folder name -> why it was skipped."""
    return {s.split(": ", 1)[0].rsplit("/", 1)[-1]: s.split(": ", 1)[1] for s in summary.skipped}


def doc_ids(bot: Bot) -> list[str]:
    return [r.doc_id for r in bot.documents()]


def test_links_out_of_the_corpus_are_not_followed_unless_the_config_says_so(corpus_bot, tmp_path):
    make, corpus = corpus_bot
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n\n{SECRET}\n", encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "leakdir").symlink_to(outside)
    (corpus / "inner.txt").symlink_to(corpus / SEED_IDS[3])  # inside the corpus: an ordinary file

    summary = make().ingest()
    why = reasons(summary)
    assert set(why) == {"leak.txt", "leakdir"}
    assert all(w.startswith("a link out of the corpus folders") and "ingest.follow_symlinks" in w for w in why.values())
    assert (summary.added, summary.unchanged) == (1, 5)
    assert doc_ids(make()) == sorted(SEED_IDS + ["inner.txt"])
    assert not [h for h in make().search("Quastenflosser Kennwort Seeigel", k=10) if "Quastenflosser" in h.text]

    summary = make(ingest={"follow_symlinks": True}).ingest()
    assert summary.added == 2 and not summary.skipped
    assert "Quastenflosser" in make().search("Quastenflosser Kennwort Seeigel")[0].text

    # Turned off again: what the links brought in goes, as if the files were deleted.
    summary = make().ingest()
    assert summary.removed == 2 and doc_ids(make()) == sorted(SEED_IDS + ["inner.txt"])
    assert not [h for h in make().search("Quastenflosser Kennwort Seeigel", k=10) if "Quastenflosser" in h.text]


def test_random_bytes_without_nuls_are_skipped(corpus_bot):
    make, corpus = corpus_bot
    rng = random.Random(16)
    any_byte = bytes(rng.randrange(1, 256) for _ in range(20_000))
    code_page = bytes(b for b in any_byte if b not in CP1252_UNDEFINED)
    printable = bytes(rng.randrange(0x20, 0x7F) for _ in range(20_000))
    # What the old check let through: no NUL byte, and the bytes decode as Windows-1252.
    assert b"\x00" not in any_byte + code_page + printable and code_page.decode("cp1252")
    (corpus / "noise.txt").write_bytes(any_byte)
    (corpus / "noise.md").write_bytes(code_page)
    (corpus / "noise.html").write_bytes(printable)
    os.mkfifo(corpus / "pipe.txt")  # reading it would wait forever

    summary = make().ingest()
    why = reasons(summary)
    assert set(why) == {"noise.txt", "noise.md", "noise.html", "pipe.txt"}, why
    assert why["noise.txt"].startswith(("binary", "random characters"))
    assert why["noise.md"].startswith(("binary", "random characters"))
    assert why["noise.html"].startswith("random characters, not text")
    assert why["pipe.txt"] == "not a regular file"
    assert (summary.added, summary.unchanged, summary.removed) == (0, 5, 0)
    assert doc_ids(make()) == SEED_IDS


@pytest.mark.parametrize("encoding, text", [
    ("cp1252", "Le président a été élu à Paris; très bien, où était-il?"),
    ("cp1250", "Prezydent Tokajew spotkał się z Putinem w Moskwie; źródło: świat."),
    ("cp1251", "Москва — столица России, город федерального значения."),
    ("utf-16", "Tokajew traf Putin in Moskau."),
])
def test_legacy_encodings_still_decode(encoding, text):
    assert decode_text(text.encode(encoding)) == text


def test_a_folder_that_cannot_be_read_keeps_its_documents(corpus_bot, tmp_path):
    """A linked folder on a drive that is not mounted now: its documents are not deleted, with a warning."""
    make, corpus = corpus_bot
    drive = tmp_path / "drive"
    (drive / "archiv").mkdir(parents=True)
    shutil.copy(SEEDS / SEED_IDS[2], drive / "archiv" / "bericht.txt")
    (corpus / "archiv").symlink_to(drive / "archiv")
    assert make(ingest={"follow_symlinks": True}).ingest().added == 1

    drive.rename(tmp_path / "drive-unmounted")
    (corpus / SEED_IDS[0]).unlink()  # deleted from a folder that was read: that deletion does apply
    os.symlink("loop_b", corpus / "loop_a")
    os.symlink("loop_a", corpus / "loop_b")
    bot = make(ingest={"follow_symlinks": True})
    summary = bot.ingest()
    assert (summary.removed, summary.kept, summary.unchanged) == (1, 1, 4)
    assert "kept 1 (folders not read)" in summary.line()
    warned = {w.split(": ", 1)[0].rsplit("/", 1)[-1]: w for w in summary.warnings}
    assert set(warned) == {"archiv", "loop_a", "loop_b"}
    assert "could not be read" in warned["archiv"] and "kept" in warned["archiv"]
    assert doc_ids(bot) == sorted(["archiv/bericht.txt", *SEED_IDS[1:]])
    hits = bot.search("Tokajev første utenlandsreise etter gjenvalget, statsbesøk i Moskva", k=10)
    assert "archiv/bericht.txt" in {h.doc_id for h in hits}


def test_a_folder_without_permission_is_reported_not_deleted(tmp_path):
    """The walker as an unprivileged user (tests run as root, whom no permission stops)."""
    base = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's tmp_path is private to root
    try:
        corpus = base / "corpus"
        (corpus / "open").mkdir(parents=True)
        (corpus / "locked").mkdir()
        (corpus / "open" / "a.txt").write_text("a", encoding="utf-8")
        (corpus / "locked" / "b.txt").write_text("b", encoding="utf-8")
        for p in (base, corpus, corpus / "open"):
            p.chmod(0o755)
        (corpus / "locked").chmod(0o700)
        code = ("import json, sys; from pathlib import Path; from bot.ingest.files import find_files; "
                "l = find_files([Path(sys.argv[1])], ('.txt',)); "
                "print(json.dumps([[str(f) for _, f in l.files], [r for _, r in l.unread], l.warnings, "
                "[l.keeps(Path(sys.argv[1]), d) for d in ('locked/b.txt', 'open/a.txt', 'lockedx.txt')]]))")
        python, drop = sys.executable, None
        if os.geteuid() == 0:
            python = "/usr/bin/python3"  # the venv's interpreter lives under /root, closed to others
            if not os.access(python, os.X_OK):
                pytest.skip("no system Python for an unprivileged user (the walker needs only the standard library)")

            def drop():
                os.setgid(65534)
                os.setuid(65534)
        out = subprocess.run([python, "-c", code, str(corpus)], cwd=ROOT, capture_output=True, text=True,
                             preexec_fn=drop, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
        assert out.returncode == 0, out.stderr
        files, unread, warnings, keeps = json.loads(out.stdout)
        assert files == [str(corpus / "open" / "a.txt")] and unread == ["locked"]
        assert len(warnings) == 1 and "locked: folder could not be read (Permission denied)" in warnings[0]
        assert keeps == [True, False, False]
    finally:
        shutil.rmtree(base)


def test_a_file_over_the_size_cap_is_skipped_and_the_rest_goes_on(corpus_bot):
    make, corpus = corpus_bot
    (corpus / "000_big.txt").write_text("Ein sehr langer Bericht über gar nichts. " * 2000, encoding="utf-8")
    shutil.copy(SEEDS / SEED_IDS[1], corpus / "zzz_after.txt")  # sorted after the big one
    summary = make(ingest={"max_file_mb": 0.05}).ingest()
    assert reasons(summary) == {"000_big.txt": "0.1 MB is over the 0.05 MB limit (ingest.max_file_mb)"}
    assert (summary.added, summary.unchanged) == (1, 5)
    assert "zzz_after.txt" in doc_ids(make())


def test_a_parser_over_its_time_is_stopped_and_the_next_ingest_works(corpus_bot):
    make, corpus = corpus_bot
    shutil.copy(SEEDS / SEED_IDS[1], corpus / "zzz_new.txt")
    summary = make(ingest={"parse_timeout": 0.01}).ingest()
    why = reasons(summary)
    assert len(why) == 6 and set(why.values()) == {"reading it took longer than 0.01 s (ingest.parse_timeout)"}
    assert summary.removed == 0 and doc_ids(make()) == SEED_IDS  # skipped files keep what was indexed
    summary = make().ingest()
    assert (summary.added, summary.unchanged, summary.skipped) == (1, 5, [])


def test_segments_cover_the_pages_in_bounded_pieces():
    pages = [(1, "Erste Seite."), (2, "Zweite Seite.\n\nMit Absatz."), (3, "x" * (SEGMENT_CHARS * 2 + 5))]
    text = "\n\n".join(t for _, t in pages)
    segs = list(segments(pages))
    assert [p for p, _, _ in segs] == [1, 2, 3, 3, 3]
    assert all(text[off:off + len(t)] == t and len(t) <= SEGMENT_CHARS for _, off, t in segs)
    assert sum(len(t) for _, _, t in segs) == len(text) - 2 * (len(pages) - 1)


def test_a_huge_paragraph_is_chunked_with_exact_offsets():
    """One 400 KB paragraph, no line break: llama-index would hand all of it to NLTK's punkt at once."""
    words = "Präsident Tokajew traf am 28. November Putin in Moskau und sprach über Uran sowie Weizen".split()
    rng = random.Random(3)
    text = " ".join(rng.choice(words) + ("." if rng.random() < 0.08 else "") for _ in range(50_000))
    assert "\n" not in text and len(text) > 300_000
    nodes = list(chunk_nodes(load_settings(), "big.txt", "f" * 64, {"doc_id": "big.txt"}, [(None, text)]))
    assert len(nodes) > 100
    assert all(text[n.start_char_idx:n.end_char_idx] == n.get_content() for n in nodes)
    assert [n.node_id for n in nodes] == [f"big.txt#ffffffffffff#{i:04d}" for i in range(len(nodes))]
    assert nodes[0].start_char_idx == 0 and nodes[-1].end_char_idx == len(text)


def test_a_file_the_chunker_refuses_is_skipped_not_fatal(tmp_path):
    """llama-index refuses a chunk size smaller than the title it puts in front of each chunk (a ValueError
    that used to end the whole ingest): that file is skipped, the next one goes in."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    title = ("Ärzteschaftsübersichtsverordnungen, Rindfleischetikettierungsüberwachung & "
             "Grundstücksverkehrsgenehmigungszuständigkeit")  # 119 characters, 45 tokens
    (corpus / "a_long_title.txt").write_text(f"{title}\n\n" + "Ein kurzer Satz steht hier. " * 20, encoding="utf-8")
    (corpus / "b_short.txt").write_text("Kurz\n\n" + "Tokajew traf Putin in Moskau. " * 20, encoding="utf-8")
    cfg = write_config(tmp_path, corpus={"paths": [str(corpus)]}, chunking={"chunk_size": 32, "chunk_overlap": 0})
    bot = Bot.from_config(cfg)
    summary = bot.ingest()
    why = reasons(summary)
    assert list(why) == ["a_long_title.txt"]
    assert why["a_long_title.txt"].startswith("could not be split into chunks (ValueError: Metadata length")
    assert summary.added == 1 and doc_ids(bot) == ["b_short.txt"]
    assert not [m for m in chunk_rows(bot).values() if m["doc_id"] == "a_long_title.txt"]


def test_utf8_with_a_stray_byte_is_still_read():
    raw = (SEEDS / SEED_IDS[1]).read_bytes()
    text = decode_text(raw[:500] + b" \xe9t\xe9 " + raw[500:])
    assert "\ufffdt\ufffd" in text and "Zaznaczył" in text  # the rest stays UTF-8, Polish letters intact


def make_docx_bomb(path: Path, template: Path) -> None:
    """A 0.7 MB Word file whose document.xml unpacks to 360 MB."""
    with zipfile.ZipFile(template) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item.filename))
        with zout.open("word/document.xml", "w") as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
                    b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            para = b"<w:p><w:r><w:t>" + b"Bombe " * 1000 + b"</w:t></w:r></w:p>"
            for _ in range(60_000):
                f.write(para)
            f.write(b"</w:body></w:document>")


def test_a_decompression_bomb_costs_its_parser_not_the_ingest(corpus_bot, tmp_path):
    docx = pytest.importorskip("docx")
    make, corpus = corpus_bot
    template = tmp_path / "template.docx"
    document = docx.Document()
    document.add_paragraph("Hallo")
    document.save(str(template))
    make_docx_bomb(corpus / "000_bomb.docx", template)  # sorted before the seeds
    assert (corpus / "000_bomb.docx").stat().st_size < 2**20
    summary = make(ingest={"parse_memory_mb": 512}).ingest()
    assert reasons(summary) == {"000_bomb.docx": "reading it needs more memory than ingest.parse_memory_mb allows"}
    assert (summary.unchanged, summary.removed) == (5, 0)


def test_the_cli_prints_each_skip_and_warning_on_one_line(seeded_config, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    os.symlink("loop_b", corpus / "loop_a")
    os.symlink("loop_a", corpus / "loop_b")
    out = run_cli("ingest", "--quiet", config=seeded_config(corpus={"paths": [str(corpus)]}))
    assert out.returncode == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert f"skipped {corpus}/passwd.txt: a link out of the corpus folders (to /etc/passwd); set " \
           "ingest.follow_symlinks = true to read it" in lines
    assert sum(line.startswith("warning: ") and "could not be read" in line for line in lines) == 2
    assert "Traceback" not in out.stderr and out.stdout.startswith("files seen 5, added 0, updated 0, unchanged 5")


def test_a_corpus_folder_that_is_gone_keeps_its_documents_a_new_one_is_an_error(corpus_bot, tmp_path):
    make, corpus = corpus_bot
    assert make().ingest().unchanged == 5  # the records now point at this folder
    corpus.rename(tmp_path / "unmounted")
    bot = make()
    summary = bot.ingest()
    assert (summary.files_seen, summary.removed, summary.kept) == (0, 0, 5)
    assert summary.warnings == [f"{corpus}: folder not found (a drive not mounted?); the documents indexed from it "
                                "are kept"]
    assert doc_ids(bot) == SEED_IDS
    with pytest.raises(BotError, match="does not exist: give an existing folder"):
        make(corpus={"paths": [str(tmp_path / "never-there")]}).ingest()
