"""The index in Chroma: a chunk collection plus a document registry that is the ingest's commit point."""
from __future__ import annotations

import functools
import time
from typing import Any

from bot.errors import EMPTY_INDEX, BotError
from bot.types import DocRecord

PAGE = 2000  # Chroma get() page size: large corpora are read in pages, never in one call
REGISTRY_TTL = 5.0  # seconds a process trusts its copy of the registry before reading it again


def _follows_rebuild(method):
    """Run an Index call again once its collections are found anew, when another process has rebuilt them.

    `bot ingest --rebuild` drops the collections and makes new ones of the same names under new ids; a
    running `bot chat` or `bot serve` would otherwise fail every question (Chroma's NotFoundError) until
    restarted. Found by name again, it answers from the rebuilt index.
    """
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        from chromadb.errors import NotFoundError

        try:
            return method(self, *args, **kwargs)
        except NotFoundError:
            self.find_again()
            return method(self, *args, **kwargs)
    return call


def _pages(collection, include: list[str]):
    """collection.get() a page at a time: a large corpus is never read in one call."""
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset)
        yield page
        if len(page["ids"]) < PAGE:
            return
        offset += PAGE


def _none(value: Any) -> Any:
    return None if value in ("", None) else value


def _record(doc_id: str, meta: dict | None, text: str = "") -> DocRecord:
    """A registry entry from its Chroma metadata (the inverse of Index.commit_document)."""
    m = meta or {}
    return DocRecord(doc_id=doc_id, content_hash=m.get("hash", ""), title=_none(m.get("title")),
                     date=_none(m.get("date")), lang=_none(m.get("lang")), chunks=int(m.get("chunks", 0)),
                     corpus=m.get("corpus", ""), text=text)


class Index:
    """Chunks live in `<name>`, their sentences' vectors in `<name>_sents`, one record per document in `<name>_docs`.

    A document's chunks carry its content hash. The registry's hash says which chunks are current, so an
    ingest killed between writing new chunks and deleting old ones still answers from the last good state.
    """

    def __init__(self, client, name: str, embedder_id: str, dim: int, create: bool, centering: float | None = None):
        self.client = client
        self.name = name
        meta = {"embedder": embedder_id, "dim": dim, "hnsw:space": "cosine"}
        if centering is not None:  # stored vectors are centred at ingest: another strength needs a rebuild
            meta["language_centering"] = float(centering)
        if create:
            self.chunks = client.get_or_create_collection(name, metadata=meta, embedding_function=None)
            self.docs = client.get_or_create_collection(f"{name}_docs", embedding_function=None)
            self.sents = client.get_or_create_collection(f"{name}_sents", metadata=meta, embedding_function=None)
        else:
            try:
                self.chunks = client.get_collection(name, embedding_function=None)
                self.docs = client.get_collection(f"{name}_docs", embedding_function=None)
                self.sents = client.get_collection(f"{name}_sents", embedding_function=None)
            except Exception:  # chromadb raises NotFoundError/ValueError depending on version and client
                raise BotError(EMPTY_INDEX) from None
        built = self.chunks.metadata or {}
        if built.get("embedder") != embedder_id or int(built.get("dim", dim)) != dim:
            raise BotError(
                f"the index was built with embedder {built.get('embedder')} ({built.get('dim')} dims) but the "
                f"config selects {embedder_id} ({dim} dims): run `bot ingest --rebuild` to re-embed"
            )
        stored = built.get("language_centering")
        if stored is None and centering is not None and self.chunks.count():
            stored = 0.5  # indexes from before it was recorded: built with the default of that time
        if centering is not None and stored is not None and abs(float(stored) - centering) > 1e-9:
            raise BotError(f"the index was built with retrieval.language_centering = {stored:g} but the config "
                           f"says {centering:g}: run `bot ingest --rebuild`, or set it back")
        self.embedder_id = embedder_id
        self._registry: dict[str, DocRecord] | None = None
        self._registry_at = 0.0
        self._version = 0

    def find_again(self) -> None:
        """The collections by name once more (see _follows_rebuild); the index is gone if they are."""
        try:
            self.chunks, self.docs, self.sents = (self.client.get_collection(n, embedding_function=None)
                                                  for n in (self.name, f"{self.name}_docs", f"{self.name}_sents"))
        except Exception:  # chromadb raises NotFoundError/ValueError depending on version and client
            raise BotError("the index was deleted by another process: run `bot ingest`") from None
        self._registry = None

    # registry -------------------------------------------------------------------------------------------
    @_follows_rebuild
    def registry(self, with_text: bool = False) -> dict[str, DocRecord]:
        # Another process (a `bot ingest` beside a running `bot serve`) may commit at any time: re-read
        # the registry after a few seconds so a long-running process follows it.
        if self._registry is not None and not with_text and time.monotonic() - self._registry_at < REGISTRY_TTL:
            return self._registry
        out: dict[str, DocRecord] = {}
        for page in _pages(self.docs, ["metadatas", "documents"] if with_text else ["metadatas"]):
            for i, doc_id in enumerate(page["ids"]):
                text = (page["documents"][i] or "") if with_text else ""
                out[doc_id] = _record(doc_id, page["metadatas"][i], text)
        if not with_text:
            self._registry, self._registry_at = out, time.monotonic()
            self._version = hash(frozenset((r.doc_id, r.content_hash) for r in out.values()))
        return out

    @_follows_rebuild
    def document(self, doc_id: str) -> DocRecord | None:
        page = self.docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not page["ids"]:
            return None
        return _record(doc_id, page["metadatas"][0], page["documents"][0] or "")

    def commit_document(self, rec: DocRecord) -> None:
        """Point the registry at this version of the document (after its chunks are written)."""
        meta = {"hash": rec.content_hash, "title": rec.title or "", "date": rec.date or "", "lang": rec.lang or "",
                "chunks": rec.chunks, "corpus": rec.corpus}
        self.docs.upsert(ids=[rec.doc_id], documents=[rec.text], metadatas=[meta], embeddings=[[0.0]])
        self._registry = None

    def _delete(self, where: dict) -> None:
        """Chunks and their sentences always go together."""
        self.chunks.delete(where=where)
        self.sents.delete(where=where)

    def drop_stale_chunks(self, doc_id: str, keep_hash: str) -> None:
        self._delete({"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": keep_hash}}]})

    def clear_version(self, doc_id: str, doc_hash: str) -> None:
        """Remove a half-written copy of this version (left by a killed ingest) before writing it whole."""
        self._delete({"$and": [{"doc_id": doc_id}, {"doc_hash": doc_hash}]})

    def add_sentences(self, ids: list[str], vectors: list[list[float]], metas: list[dict]) -> None:
        for i in range(0, len(ids), PAGE):
            self.sents.add(ids=ids[i:i + PAGE], embeddings=vectors[i:i + PAGE], metadatas=metas[i:i + PAGE])

    def add_chunk_metadata(self, ids: list[str], metas: list[dict]) -> bool:
        """Merge these keys into the chunks' metadata (Chroma keeps their other keys, text and vectors). False when
        the collection is gone: rebuilt meanwhile, where the ids may name other text, so not retried there."""
        from chromadb.errors import NotFoundError

        try:
            self.chunks.update(ids=ids, metadatas=metas)
        except NotFoundError:
            return False
        return True

    @_follows_rebuild
    def nearest_chunks(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """Chunks ranked by their best-matching sentence: (chunk id, cosine similarity), current ones only."""
        count = self.sents.count()
        if not count:  # every document removed: say so, as for no index, rather than answer from nothing
            raise BotError(EMPTY_INDEX)
        res = self.sents.query(query_embeddings=[vector], n_results=min(count, n * 4),
                               include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for meta, dist in zip(res["metadatas"][0], res["distances"][0]):
            # None: a sentence another process deleted while this one's vector index was loaded
            if meta and self.is_current(meta) and meta["chunk_id"] not in best:
                best[meta["chunk_id"]] = 1.0 - dist
        return list(best.items())[:n]

    @_follows_rebuild
    def chunk_similarities(self, vector: list[float], chunk_ids: list[str]) -> dict[str, float]:
        """Exact best-sentence cosine similarity for chosen chunks (those the nearest-neighbour query missed)."""
        import numpy as np

        if not chunk_ids:
            return {}
        try:
            page = self.sents.get(where={"chunk_id": {"$in": list(chunk_ids)}}, include=["embeddings", "metadatas"])
        except Exception:  # noqa: BLE001 - chromadb's InternalError "Error finding id"
            # Embedded Chroma keeps vectors per process: after another process re-ingested, this one cannot
            # read the new sentences' vectors until it restarts. Those chunks then score the dense floor.
            return {}
        if not len(page["ids"]):
            return {}
        q = np.asarray(vector, dtype=np.float32)
        vecs = np.asarray(page["embeddings"], dtype=np.float32)
        sims = vecs @ q / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(q) + 1e-12)
        best: dict[str, float] = {}
        for meta, sim in zip(page["metadatas"], sims.tolist()):
            if meta and self.is_current(meta):
                best[meta["chunk_id"]] = max(sim, best.get(meta["chunk_id"], -1.0))
        return best

    @_follows_rebuild
    def get_chunks(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:  # chromadb refuses an empty id list
            return {}
        page = self.chunks.get(ids=ids, include=["metadatas", "documents"])
        return {cid: (text or "", meta or {}) for cid, text, meta in zip(page["ids"], page["documents"], page["metadatas"])}

    @_follows_rebuild
    def remove_document(self, doc_id: str) -> None:
        # Registry first: once it is gone the chunks are stale and ignored, even if we die before deleting them.
        self.docs.delete(ids=[doc_id])
        self._registry = None
        self._delete({"doc_id": doc_id})

    def is_current(self, meta: dict) -> bool:
        rec = self.registry().get(meta.get("doc_id", ""))
        return rec is not None and rec.content_hash == meta.get("doc_hash")

    # chunks ---------------------------------------------------------------------------------------------
    def iter_chunks(self):
        """(chunk_id, text, metadata) for every current chunk, page by page."""
        for page in _pages(self.chunks, ["metadatas", "documents"]):
            for cid, text, meta in zip(page["ids"], page["documents"], page["metadatas"]):
                if self.is_current(meta or {}):
                    yield cid, text or "", meta or {}

    def chunk_ids_without(self, key: str) -> list[str]:
        """The current chunks whose metadata lacks `key`, read page by page without their text."""
        return [cid for page in _pages(self.chunks, ["metadatas"]) for cid, meta in zip(page["ids"], page["metadatas"])
                if meta and key not in meta and self.is_current(meta)]

    def sentence_vectors(self):
        """(chunk_id, doc_id, vector) for every current sentence, page by page."""
        pages = _pages(self.sents, ["metadatas", "embeddings"])
        while True:
            try:
                page = next(pages)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - chromadb's InternalError "Error finding id": see chunk_similarities
                return  # the means then come from the vectors this process can read
            for meta, vec in zip(page["metadatas"], page["embeddings"]):
                if meta and self.is_current(meta):
                    yield meta["chunk_id"], meta["doc_id"], vec

    def version(self) -> int:
        """Changes whenever any document is added, changed or removed (from the registry's content)."""
        self.registry()
        return self._version

    def stats(self) -> dict:
        reg = self.registry()
        return {"documents": len(reg), "chunks": sum(r.chunks for r in reg.values()), "embedder": self.embedder_id}


def index_names(client) -> list[str]:
    """Names of the indexes in a Chroma store: collections that have their document registry beside them."""
    names = {getattr(c, "name", c) for c in client.list_collections()}  # objects in Chroma 1.x, names in 0.6
    return sorted(n for n in names if f"{n}_docs" in names and not n.endswith(("_docs", "_sents")))


def drop_index(client, name: str) -> None:
    for coll in (name, f"{name}_docs", f"{name}_sents"):
        try:
            client.delete_collection(coll)
        except Exception:  # absent already: nothing to drop
            pass
