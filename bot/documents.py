"""The Bot's documents: collections, ingest, uploads and deletes, and what the index holds.

A part of the Bot (core.py) kept in its own file: core.py answers questions, this side manages what they are
answered from. Both share the Bot's lazily built parts (`_embedder`, `_open_index`, `_client`, `_lock`).
"""
from __future__ import annotations

from pathlib import Path

from bot.backends.chroma import writing
from bot.errors import BotError
from bot.types import DocRecord


class Documents:
    """Methods of Bot for its collections and documents (mixed into Bot; not used on its own)."""

    # collections ----------------------------------------------------------------------------------------
    @property
    def collection(self) -> str:
        return self.settings.store.collection

    def for_collection(self, name: str | None):
        """This bot over another collection (None: this one), sharing the embedder, Chroma client and LLM.

        Sharing matters: a second embedder costs memory and seconds, and an in-process LLM can hold one model
        only, whose turn lock must be the same for every collection.
        """
        settings = self.settings.for_collection(name)
        if settings is self.settings:
            return self
        other = self._others.get(settings.store.collection)
        if other is not None:
            return other
        # Not under self._lock: an ingest holds that for minutes, and picking a collection must stay instant.
        # The embedder is loaded before any ingest, so _embedder() only waits on a first start-up.
        embed = self._embed if self._embed is not None else self._embedder()
        client = self._shared_client()
        with self._others_lock:
            other = self._others.get(settings.store.collection)
            if other is None:
                other = type(self)(settings)
                other.llm, other.prompts = self.llm, self.prompts
                other._embed, other._embedder_id, other._client = embed, self._embedder_id, client
                other._others, other._others_lock = self._others, self._others_lock
                self._others[settings.store.collection] = other
            return other

    def _shared_client(self):
        from bot.backends import chroma_client

        with self._others_lock:
            self._client = self._client or chroma_client(self.settings)
            return self._client

    def collections(self) -> list[str]:
        """Names of the collections: the default one, the configured ones, and any that hold an index."""
        from bot.retrieval.store import index_names

        return sorted({self.collection, *self.settings.collections, *index_names(self._shared_client())})

    def collection_sizes(self) -> list[dict]:
        """Each collection's name, documents and chunks; 0 and 0 for one configured but never ingested."""
        rows = []
        for name in self.collections():
            try:
                stats = self.for_collection(name).stats()
            except BotError:
                stats = {"documents": 0, "chunks": 0}
            rows.append({"name": name, "documents": stats["documents"], "chunks": stats["chunks"]})
        return rows

    def drop_collection(self, name: str) -> None:
        """Delete a collection: its vectors and its uploaded files (never the configured corpus folders)."""
        import shutil

        from bot.retrieval.store import drop_index

        if name not in self.collections():
            raise BotError(f"there is no collection {name!r}: `bot collections` lists them")
        target = self.for_collection(name)
        if target is self:
            raise BotError(f"collection {name!r} is the one in use: delete it from another, `bot collections "
                           f"--collection OTHER --delete {name}` while no server serves it, or empty it with "
                           "`bot ingest --rebuild`")
        with target._lock, writing(target.settings):
            drop_index(target._client, target.collection)
            target._index = target._retriever = None
            shutil.rmtree(target.settings.uploads_path, ignore_errors=True)
        self._others.pop(target.collection, None)

    # documents --------------------------------------------------------------------------------------------
    def ingest(self, paths: list[str | Path] | None = None, rebuild: bool = False, progress: bool = False,
               verbose: bool = False):
        """Index the configured corpus folders (or `paths`); returns an IngestSummary."""
        from bot.backends import chroma_client, vector_store
        from bot.ingest.pipeline import ingest
        from bot.retrieval.store import drop_index

        with self._lock, writing(self.settings):
            gone = [p for p in (paths or self.settings.corpus_paths) if not Path(p).exists()] if rebuild else []
            if gone:  # before anything is dropped: a mistyped path must not leave the index empty
                raise BotError(f"{gone[0]} does not exist: give an existing folder or file to ingest (the index "
                               "is left as it was)")
            if rebuild:
                self._client = self._client or chroma_client(self.settings)
                drop_index(self._client, self.settings.store.collection)
                self._index = None
            index = self._open_index(create=True)
            index.find_again()  # another process may have rebuilt it since this one opened it
            whole = not paths  # the whole corpus, not an upload: older chunks get what they lack too
            if not paths and self.settings.uploads_path.is_dir():  # uploads are part of the collection's corpus
                paths = [*self.settings.corpus_paths, self.settings.uploads_path]
            return ingest(self.settings, index, self._embedder(), vector_store(index.chunks), self._centering,
                          [Path(p) for p in paths] if paths else None, progress=progress, verbose=verbose,
                          upgrade=whole)

    def upload(self, filename: str, data: bytes, progress: bool = False):
        """Keep an uploaded file in this collection and index it now; returns the IngestSummary."""
        from bot.ingest.uploads import save_upload, upload_name

        # one ingest at a time: two uploads at once would each write the registry; and no file is saved while
        # another process writes the index, which would leave it saved but not indexed
        with self._lock, writing(self.settings):
            name = upload_name(filename, self.settings)
            try:
                rec = self._open_index().registry().get(name)
            except BotError:  # no index yet: the ingest below makes it
                rec = None
            if rec is not None and not self.is_upload(rec):  # one id space: it would replace the user's file
                raise BotError(f"a document of that name comes from the corpus folder {rec.corpus}; rename the "
                               "file and upload it again")
            path = save_upload(self.settings, name, data)
            summary = self.ingest([self.settings.uploads_path], progress=progress)
            mine = [s for s in summary.skipped if s.startswith(f"{path}:")]
            if mine:  # keep no file the index does not hold: it could be neither listed nor deleted
                path.unlink(missing_ok=True)
                raise BotError(mine[0].split(": ", 1)[1] if ": " in mine[0] else mine[0])
            summary.skipped = [s for s in summary.skipped if s not in mine]
            summary.doc_id, summary.replaced = name, rec is not None
            return summary

    def is_upload(self, rec: DocRecord) -> bool:
        """Whether a document was uploaded (and so can be deleted here), not found in a corpus folder."""
        from bot.ingest.uploads import uploaded_file

        return uploaded_file(self.settings, rec.doc_id, rec.corpus) is not None

    def delete_document(self, doc_id: str) -> None:
        """Remove an uploaded document: its file and its chunks. Corpus files are the user's: refused."""
        from bot.ingest.uploads import uploaded_file

        with self._lock, writing(self.settings):
            rec = self._open_index().registry().get(doc_id)
            if rec is None:
                raise BotError(f"no document {doc_id!r} in collection {self.collection!r}: list them first")
            path = uploaded_file(self.settings, doc_id, rec.corpus)
            if path is None:
                raise BotError(f"{doc_id} comes from the corpus folder {rec.corpus}: delete the file there and "
                               "run `bot ingest`")
            path.unlink(missing_ok=True)  # file first: were we killed next, the ingest would drop the chunks
            self._index.remove_document(doc_id)


    def stats(self) -> dict:
        """Documents, chunks and the embedder of the index."""
        return self._open_index().stats()

    def documents(self) -> list[DocRecord]:
        """Registry records of the indexed documents, sorted by id."""
        return sorted(self._open_index().registry().values(), key=lambda r: r.doc_id)

    def document(self, doc_id: str) -> DocRecord | None:
        """One indexed document with its cleaned text, or None."""
        return self._open_index().document(doc_id)
