"""The Chroma client: embedded on disk by default, a Chroma server when store.url is set."""
from __future__ import annotations

from contextlib import contextmanager

from bot.config import Settings
from bot.errors import BotError, IndexBusy


def chroma_client(settings: Settings):
    """The embedded PersistentClient, or an HttpClient when store.url is set; telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    url = settings.store.url
    if url:
        import httpx

        parsed = httpx.URL(url)
        try:
            client = chromadb.HttpClient(
                host=parsed.host, port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https", settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several types for a dead server
            raise BotError(f"Chroma server at {url} is not reachable ({type(exc).__name__}): start it with "
                           f"`chroma run --path index/server` or clear store.url") from None
        return client
    path = settings.store_path
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextmanager
def writing(settings: Settings):
    """Hold the embedded store's write lock while an ingest, upload or delete writes to it.

    An embedded store belongs to one process at a time: two writing it at once (`bot ingest` in a shell while
    `bot chat` indexes an upload) can tear its vector index and registry. The second process is told so at once
    (IndexBusy) instead of waiting minutes behind an ingest. The OS drops the lock with its process, so a killed
    ingest leaves none behind. Threads of one process share the lock, as they share its Chroma client (which
    orders their writes, as it did before the lock). A Chroma server (store.url) orders its clients' writes.
    """
    if settings.store.url:
        yield
        return
    from filelock import FileLock, Timeout

    path = settings.store_path
    path.mkdir(parents=True, exist_ok=True)
    # one lock per path and process, counted: an upload holds it while its ingest takes it again, and another
    # thread (another collection of the same store) takes it too; only another process is refused
    lock = FileLock(path / "write.lock", is_singleton=True, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusy(f"another ingest, upload or delete is writing to the index at {path}: wait for it to "
                        "finish and try again") from None
    try:
        yield
    finally:
        lock.release()


def vector_store(collection):
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)
