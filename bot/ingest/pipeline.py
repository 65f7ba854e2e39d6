"""Incremental ingest: find files, parse them apart from the ingest, chunk, embed and commit them to the index.

No file can stop the run: a file that is too large, too slow to read, not text, or breaks its parser is
skipped with a one-line reason and the rest goes on. Deletions apply only where a folder could be read.
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.ingest.chunking import SkipFile, add_latent_terms, write_document
from bot.ingest.clean import make_title
from bot.ingest.files import find_files
from bot.ingest.worker import Parser
from bot.lang import detect_lang
from bot.retrieval.centering import Centering
from bot.retrieval.store import Index
from bot.types import DocRecord


@dataclass
class IngestSummary:
    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # not found, but under a folder that could not be read: left in the index
    skipped: list[str] = field(default_factory=list)  # "path: why"
    warnings: list[str] = field(default_factory=list)  # "path: why", folders that could not be read
    chunks_written: int = 0
    latent_added: int = 0  # chunks of an older index that were given their latent terms in place
    seconds: float = 0.0
    doc_id: str | None = None  # an upload: the document id it is stored and listed under
    replaced: bool = False  # and whether it took the place of an earlier upload of that name

    def line(self) -> str:
        kept = f", kept {self.kept} (folders not read)" if self.kept else ""
        latent = f"; latent terms added to {self.latent_added} older chunks" if self.latent_added else ""
        return (f"files seen {self.files_seen}, added {self.added}, updated {self.updated}, unchanged "
                f"{self.unchanged}, removed {self.removed}{kept}, skipped {len(self.skipped)}; chunks written "
                f"{self.chunks_written}{latent}; {self.seconds:.1f} s")


@dataclass(frozen=True)
class Document:
    text: str  # the pages' clean text, joined by blank lines
    pages: list[tuple[int | None, str]]
    title: str | None
    date: str | None
    lang: str | None
    content_hash: str


def read_document(parser: Parser, path: Path, max_mb: float) -> Document:
    """The file's clean text and metadata; ValueError with the reason when it is to be skipped."""
    size = os.stat(path).st_size
    if size > max_mb * 2**20:
        raise ValueError(f"{size / 2**20:.1f} MB is over the {max_mb:g} MB limit (ingest.max_file_mb)")
    parsed = parser.parse(path)
    pages = [(page, text) for page, text in parsed["pages"] if text]
    text = "\n\n".join(t for _, t in pages)
    if not text:
        raise ValueError("no text left after cleaning")
    digest = hashlib.sha256(text.encode("utf-8"))
    if any(page is not None for page, _ in pages):  # the same text broken into other pages is another version
        digest.update(repr([(p, len(t)) for p, t in pages]).encode())
    # detect_lang reads the first 5000 characters; handing it all of a large text would list all its words
    return Document(text, pages, make_title(text), parsed["date"], detect_lang(text[:20_000]), digest.hexdigest())


def ingest(settings: Settings, index: Index, embed_model, vector_store, centering: Centering,
           paths: list[Path] | None = None, progress: bool = True, verbose: bool = False,
           upgrade: bool = True) -> IngestSummary:
    """Bring the index in line with the files: add new, re-embed changed, remove deleted, skip unchanged;
    with `upgrade` (an ingest of the whole corpus), also give older chunks what they lack (add_latent_terms)."""
    from tqdm import tqdm

    t0 = time.perf_counter()
    roots = [p.resolve() for p in paths] if paths else settings.corpus_paths
    registry = index.registry()
    listing = find_files(roots, settings.corpus.extensions, settings.ingest.follow_symlinks,
                         indexed={Path(rec.corpus) for rec in registry.values()})
    summary = IngestSummary(files_seen=len(listing.files), skipped=list(listing.skipped),
                            warnings=list(listing.warnings))
    seen: set[str] = set()
    cfg = settings.ingest
    live = {str(p.resolve()) for p in [*settings.corpus_paths, *roots]}  # the collection's folders now

    with Parser(cfg.parse_timeout, cfg.parse_memory_mb) as parser:
        for corpus, path in tqdm(listing.files, desc="ingest", unit="file", disable=not progress, file=sys.stderr):
            doc_id = path.relative_to(corpus).as_posix()
            if doc_id in seen:
                summary.skipped.append(f"{path}: another corpus folder already has a file named {doc_id}")
                continue
            seen.add(doc_id)  # from here on a file that fails keeps its indexed version, if it has one
            try:
                doc = read_document(parser, path, cfg.max_file_mb)
            except (ValueError, OSError) as exc:
                summary.skipped.append(f"{path}: {exc}")
                continue
            old = registry.get(doc_id)
            if old and old.corpus != str(corpus) and old.corpus in live and (Path(old.corpus) / doc_id).is_file():
                # one id space: the file of that name in another folder of the collection is still there, and
                # this one would replace it (a folder moved or re-pointed in the config is followed: below)
                summary.skipped.append(f"{path}: the corpus folder {old.corpus} already has a file named {doc_id}; "
                                       "rename one of them")
                continue
            rec = DocRecord(doc_id, doc.content_hash, doc.title, doc.date, doc.lang, 0, str(corpus), doc.text)
            if old and old.content_hash == doc.content_hash:
                if old.corpus != str(corpus):  # the folder moved: re-point the record, else deletions there go unseen
                    index.commit_document(DocRecord(**{**rec.__dict__, "chunks": old.chunks}))
                summary.unchanged += 1
                continue
            meta = {"doc_id": doc_id, "doc_hash": doc.content_hash, "title": doc.title or "", "date": doc.date or "",
                    "lang": doc.lang or "", "corpus": str(corpus)}
            try:
                chunks = write_document(settings, index, vector_store, embed_model, centering, rec, meta, doc.pages)
            except SkipFile as exc:
                summary.skipped.append(f"{path}: {exc}")
                continue
            summary.chunks_written += chunks
            if old:
                summary.updated += 1
            else:
                summary.added += 1
            if verbose:
                print(f"ingested {doc_id}: {chunks} chunks", file=sys.stderr, flush=True)

    for doc_id, rec in registry.items():
        if doc_id not in seen and Path(rec.corpus) in roots:
            if listing.keeps(Path(rec.corpus), doc_id):
                summary.kept += 1
                continue
            index.remove_document(doc_id)
            summary.removed += 1
    summary.latent_added = add_latent_terms(settings, index, embed_model, progress) if upgrade else 0
    summary.seconds = time.perf_counter() - t0
    return summary
