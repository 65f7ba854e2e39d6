"""Incremental ingest: clean files, chunk them with llama-index, embed, and commit them to the index."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.lang import sentences
from bot.ingest.clean import clean_document, read_text
from bot.config import Settings
from bot.errors import BotError
from bot.retrieval.centering import Centering
from bot.retrieval.store import Index
from bot.types import DocRecord

# Chunk metadata that is for us, not for the embedder or the LLM prompt.
_HIDDEN = ["doc_id", "doc_hash", "date", "lang", "corpus"]


@dataclass
class IngestSummary:
    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: why"
    chunks_written: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"files seen {self.files_seen}, added {self.added}, updated {self.updated}, unchanged "
                f"{self.unchanged}, removed {self.removed}, skipped {len(self.skipped)}; chunks written "
                f"{self.chunks_written}; {self.seconds:.1f} s")


def find_files(roots: list[Path], extensions: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """(corpus folder, file) pairs under the given folders or files, sorted, hidden files skipped."""
    found: list[tuple[Path, Path]] = []
    exts = {e.lower() for e in extensions}
    for root in roots:
        if not root.exists():
            raise BotError(f"{root} does not exist: give an existing folder or file to ingest")
        if root.is_file():
            found.append((root.parent, root))
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts) and path.suffix.lower() in exts:
                found.append((root, path))
    return found


def splitter(settings: Settings):
    from llama_index.core.node_parser import SentenceSplitter

    def chunk_id(i: int, doc) -> str:
        return f"{doc.doc_id}#{doc.metadata['doc_hash'][:12]}#{i:04d}"

    return SentenceSplitter(
        chunk_size=settings.chunking.chunk_size,
        chunk_overlap=settings.chunking.chunk_overlap,
        id_func=chunk_id,
    )


def ingest(settings: Settings, index: Index, embed_model, vector_store, centering: Centering,
           paths: list[Path] | None = None, progress: bool = True, verbose: bool = False) -> IngestSummary:
    """Bring the index in line with the files: add new, re-embed changed, remove deleted, skip unchanged."""
    from llama_index.core import Document
    from tqdm import tqdm

    from bot.backends import with_retries

    t0 = time.perf_counter()
    roots = [p.resolve() for p in paths] if paths else settings.corpus_paths
    files = find_files(roots, settings.corpus.extensions)
    summary = IngestSummary(files_seen=len(files))
    registry = index.registry()
    split = splitter(settings)
    seen: set[str] = set()

    for corpus, path in tqdm(files, desc="ingest", unit="file", disable=not progress, file=sys.stderr):
        doc_id = path.relative_to(corpus).as_posix()
        if doc_id in seen:
            summary.skipped.append(f"{path}: another corpus folder already has a file named {doc_id}")
            continue
        seen.add(doc_id)
        try:
            doc = clean_document(read_text(path))
        except (ValueError, OSError) as exc:
            summary.skipped.append(f"{path}: {exc}")
            continue
        if not doc.text:
            summary.skipped.append(f"{path}: no text left after cleaning")
            continue
        old = registry.get(doc_id)
        if old and old.content_hash == doc.content_hash:
            if old.corpus != str(corpus):  # the folder moved: re-point the record, else deletions there go unseen
                index.commit_document(DocRecord(doc_id, doc.content_hash, doc.title, doc.date, doc.lang, old.chunks,
                                                str(corpus), doc.text))
            summary.unchanged += 1
            continue
        meta = {"doc_id": doc_id, "doc_hash": doc.content_hash, "title": doc.title or "", "date": doc.date or "",
                "lang": doc.lang or "", "corpus": str(corpus)}
        source = Document(text=doc.text, id_=doc_id, metadata=meta, excluded_embed_metadata_keys=_HIDDEN,
                          excluded_llm_metadata_keys=_HIDDEN)
        nodes = split.get_nodes_from_documents([source])
        sent_ids, sent_texts, sent_metas, owner = [], [], [], []
        for j, node in enumerate(nodes):
            text = node.get_content()
            for k, sent in enumerate([s for s in sentences(text) if len(s.split()) >= 3] or [text]):
                sent_ids.append(f"{node.node_id}~{k:03d}")
                sent_texts.append(sent)
                sent_metas.append({"chunk_id": node.node_id, "doc_id": doc_id, "doc_hash": doc.content_hash})
                owner.append(j)
        vecs = with_retries(lambda: embed_model.get_text_embedding_batch(sent_texts), settings)
        sent_vecs = np.asarray(centering.apply(vecs, [doc.lang] * len(vecs), "passage"), dtype=np.float32)
        # Retrieval ranks chunks by their sentences; the chunk's own vector (which Chroma needs) is their
        # normalised mean, which saves embedding every chunk a second time.
        owners = np.asarray(owner)
        for j, node in enumerate(nodes):
            mean = sent_vecs[owners == j].mean(axis=0)
            node.embedding = (mean / (np.linalg.norm(mean) + 1e-12)).tolist()
        # A rerun after a kill may find this very version half-written: clear it, then write it whole.
        index.clear_version(doc_id, doc.content_hash)
        vector_store.add(nodes)
        index.add_sentences(sent_ids, sent_vecs.tolist(), sent_metas)
        index.commit_document(DocRecord(doc_id, doc.content_hash, doc.title, doc.date, doc.lang, len(nodes),
                                        str(corpus), doc.text))
        index.drop_stale_chunks(doc_id, doc.content_hash)
        summary.chunks_written += len(nodes)
        if old:
            summary.updated += 1
        else:
            summary.added += 1
        if verbose:
            print(f"ingested {doc_id}: {len(nodes)} chunks", file=sys.stderr, flush=True)

    for doc_id, rec in registry.items():
        if doc_id not in seen and Path(rec.corpus) in roots:
            index.remove_document(doc_id)
            summary.removed += 1
    summary.seconds = time.perf_counter() - t0
    return summary
