"""Chunks a document's pages and writes them to the index a window at a time, in bounded memory.

The chunker never sees more than SEGMENT_CHARS at once: llama-index's sentence splitter hands whole
paragraphs to NLTK's punkt, whose regular expressions give up (TimeoutError) on a multi-megabyte one.
Chunks are embedded and written WINDOW at a time, so a large file never holds all its vectors in memory.
The write order keeps an ingest killed at any moment safe: this version's old leftovers are cleared, its
chunks written, then the registry committed (the commit point), and only then older versions dropped.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from bot.config import Settings
from bot.lang import sentences
from bot.types import DocRecord

SEGMENT_CHARS = 20_000
WINDOW = 64  # chunks per embedding and write batch
# Chunk metadata that is for us, not for the embedder or the LLM prompt.
HIDDEN = ["doc_id", "doc_hash", "date", "lang", "corpus", "page", "latent"]


class SkipFile(Exception):
    """This file cannot be chunked; the ingest skips it with this reason."""


def segments(pages: list[tuple[int | None, str]]) -> Iterator[tuple[int | None, int, str]]:
    """(page, offset in the document text, text): pages joined by a blank line, cut where paragraphs end."""
    offset = 0
    for page, text in pages:
        start = 0
        while start < len(text):
            end = len(text) if len(text) - start <= SEGMENT_CHARS else _cut(text, start)
            yield page, offset + start, text[start:end]
            start = end
        offset += len(text) + 2


def _cut(text: str, start: int) -> int:
    """Where to end a segment: the last paragraph, line, sentence or word break in its second half."""
    limit = start + SEGMENT_CHARS
    for sep in ("\n\n", "\n", ". ", " "):
        at = text.rfind(sep, start + SEGMENT_CHARS // 2, limit)
        if at > 0:
            return at + len(sep)
    return limit


def _splitter(settings: Settings, doc_id: str, doc_hash: str):
    from llama_index.core.node_parser import SentenceSplitter

    count = iter(range(10**9))  # one numbering over all of the document's segments

    return SentenceSplitter(chunk_size=settings.chunking.chunk_size, chunk_overlap=settings.chunking.chunk_overlap,
                            id_func=lambda i, doc: f"{doc_id}#{doc_hash[:12]}#{next(count):04d}")


def chunk_nodes(settings: Settings, doc_id: str, doc_hash: str, meta: dict,
                pages: list[tuple[int | None, str]]) -> Iterator:
    """The document's chunks (llama-index nodes) in order, offsets into the whole document text."""
    from llama_index.core import Document

    split = _splitter(settings, doc_id, doc_hash)
    for page, offset, text in segments(pages):
        seg_meta = {**meta, "page": page} if page is not None else meta
        source = Document(text=text, id_=doc_id, metadata=seg_meta, excluded_embed_metadata_keys=HIDDEN,
                          excluded_llm_metadata_keys=HIDDEN)
        try:
            nodes = split.get_nodes_from_documents([source])
        except Exception as exc:  # noqa: BLE001 - a chunker failure (punkt's TimeoutError) is this file's only
            raise SkipFile(f"could not be split into chunks ({type(exc).__name__}: {str(exc)[:160]})") from None
        for node in nodes:
            if node.start_char_idx is not None:
                node.start_char_idx += offset
                node.end_char_idx += offset
            yield node


def _write_window(settings: Settings, index, vector_store, embed_model, centering, nodes: list, doc_id: str,
                  doc_hash: str, lang: str | None) -> None:
    from bot.backends import with_retries

    sent_ids, sent_texts, sent_metas, owner = [], [], [], []
    for j, node in enumerate(nodes):
        text = node.get_content()
        for k, sent in enumerate([s for s in sentences(text) if len(s.split()) >= 3] or [text]):
            sent_ids.append(f"{node.node_id}~{k:03d}")
            sent_texts.append(sent)
            sent_metas.append({"chunk_id": node.node_id, "doc_id": doc_id, "doc_hash": doc_hash})
            owner.append(j)
    vecs = with_retries(lambda: embed_model.get_text_embedding_batch(sent_texts), settings)
    sent_vecs = np.asarray(centering.apply(vecs, [lang] * len(vecs), "passage"), dtype=np.float32)
    # Retrieval ranks chunks by their sentences; the chunk's own vector (which Chroma needs) is their
    # normalised mean, which saves embedding every chunk a second time.
    owners = np.asarray(owner)
    for j, node in enumerate(nodes):
        mean = sent_vecs[owners == j].mean(axis=0)
        node.embedding = (mean / (np.linalg.norm(mean) + 1e-12)).tolist()
    if settings.retrieval.latent_weight and hasattr(embed_model, "latent_terms"):
        from bot.retrieval.latent import KEY, pack

        for node, (idx, val) in zip(nodes, embed_model.latent_terms([node.get_content() for node in nodes])):
            node.metadata[KEY] = pack(idx, val)
    vector_store.add(nodes)
    index.add_sentences(sent_ids, sent_vecs.tolist(), sent_metas)


def write_document(settings: Settings, index, vector_store, embed_model, centering, rec: DocRecord,
                   meta: dict, pages: list[tuple[int | None, str]]) -> int:
    """Chunk, embed and commit one document version; returns its number of chunks. SkipFile: nothing committed."""
    # A rerun after a kill may find this very version half-written: clear it, then write it whole.
    index.clear_version(rec.doc_id, rec.content_hash)
    count, window = 0, []
    try:
        for node in chunk_nodes(settings, rec.doc_id, rec.content_hash, meta, pages):
            window.append(node)
            if len(window) == WINDOW:
                _write_window(settings, index, vector_store, embed_model, centering, window, rec.doc_id,
                              rec.content_hash, rec.lang)
                count, window = count + len(window), []
    except SkipFile:
        index.clear_version(rec.doc_id, rec.content_hash)  # uncommitted, so unseen; this frees the space
        raise
    if window:
        _write_window(settings, index, vector_store, embed_model, centering, window, rec.doc_id, rec.content_hash,
                      rec.lang)
        count += len(window)
    if not count:
        raise SkipFile("no chunks came out of its text")
    index.commit_document(DocRecord(rec.doc_id, rec.content_hash, rec.title, rec.date, rec.lang, count,
                                    rec.corpus, rec.text))
    index.drop_stale_chunks(rec.doc_id, rec.content_hash)
    return count


def add_latent_terms(settings: Settings, index, embed_model, progress: bool = False) -> int:
    """Latent terms (bot/retrieval/latent.py) for the current chunks stored without them; returns how many.

    An index written before they existed, or with retrieval.latent_weight 0, would otherwise search without
    them until `bot ingest --rebuild` embedded everything again: they come from the chunk's stored text alone,
    so an ingest of the whole corpus adds them in place, once (one embedder pass over those chunks; an upload
    does not start it). Killed halfway, the chunks done keep theirs and the retriever, which uses them only
    once every chunk has them, searches as before; the next ingest does the rest.
    """
    if not settings.retrieval.latent_weight or not hasattr(embed_model, "latent_terms"):
        return 0
    from tqdm import tqdm

    from bot.retrieval.latent import KEY, pack

    missing = index.chunk_ids_without(KEY)  # ids only: the texts are read a window at a time
    done = 0
    with tqdm(total=len(missing), desc="latent terms", unit="chunk", disable=not progress or not missing) as bar:
        for i in range(0, len(missing), WINDOW):
            part = index.get_chunks(missing[i:i + WINDOW])  # a chunk removed meanwhile is not there
            ids = list(part)
            terms = embed_model.latent_terms([part[cid][0] for cid in ids]) if ids else []
            if ids and not terms:  # this embedder has no sparse head after all
                break
            if ids and not index.add_chunk_metadata(ids, [{KEY: pack(*t)} for t in terms]):
                break  # rebuilt by another process meanwhile: its own ingest writes the terms
            done += len(ids)
            bar.update(len(missing[i:i + WINDOW]))
    return done
