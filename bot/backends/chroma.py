"""The Chroma client: embedded on disk by default, a Chroma server when store.url is set."""
from __future__ import annotations

from bot.config import Settings
from bot.errors import BotError


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


def vector_store(collection):
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)
