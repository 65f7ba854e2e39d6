"""What the bot needs of a chat model, whoever serves it: chat, stream, count tokens, say its status."""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Callable, Iterator, TypeVar

from bot.config import Settings
from bot.errors import BotError, LLMUnavailable

T = TypeVar("T")


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


def sampling(cfg) -> dict:
    """Sampling options the config sets beyond the temperature, under the name both Ollama's options and
    llama.cpp's generate arguments use; none when unset, so the model's own apply."""
    return {"repeat_penalty": cfg.repeat_penalty} if cfg.repeat_penalty > 0 else {}


class ChatBackend:
    """One chat model behind a llama-index LLM. Subclasses say how to build it and explain its errors.

    Every failure leaves as `LLMUnavailable` with one line naming the fix, so callers catch one type.
    """

    exclusive = False  # True: one model object in this process, so one generation at a time

    def __init__(self, settings: Settings):
        self.settings = settings
        self._llm = None
        self._build_lock = threading.Lock()
        self._turn = threading.Lock() if self.exclusive else None

    # for subclasses ---------------------------------------------------------------------------------------
    def _build(self):
        """The llama-index LLM (may load a model: called once, on first use)."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The model's name as users see it in answers and status lines."""
        raise NotImplementedError

    def status(self) -> tuple[bool, str]:
        """(ok, one line): can this backend answer now, and if not, the command that fixes it."""
        raise NotImplementedError

    def explain(self, exc: BaseException) -> LLMUnavailable:
        """A provider exception as one line that says what happened and what to do."""
        if isinstance(exc, LLMUnavailable):
            return exc
        if isinstance(exc, BotError):  # our own one-line errors (a missing model file) already say the fix
            return LLMUnavailable(str(exc))
        first = str(exc).splitlines()[0] if str(exc) else ""
        return LLMUnavailable(f"the LLM failed: {type(exc).__name__}: {first}")

    def count_tokens(self, text: str) -> int:
        """A cautious estimate (cl100k splits Polish and Norwegian finer than Gemma or Qwen do)."""
        from llama_index.core.utils import get_tokenizer

        return len(get_tokenizer()(text))

    # what the core calls ----------------------------------------------------------------------------------
    @property
    def llm(self):
        with self._build_lock:
            if self._llm is None:
                try:
                    self._llm = self._build()
                except Exception as exc:
                    raise self.explain(exc) from None
            return self._llm

    def turn(self) -> contextlib.AbstractContextManager:
        """Hold this while answering: serialises generations where the model cannot run two at once."""
        return self._turn if self._turn is not None else contextlib.nullcontext()

    def chat(self, messages: list[dict]) -> str:
        """The whole reply to chat messages [{"role", "content"}]."""
        llm, chat = self.llm, _chat(messages)
        try:
            return with_retries(lambda: llm.chat(chat), self.settings).message.content or ""
        except Exception as exc:
            raise self.explain(exc) from None

    def stream(self, messages: list[dict]) -> Iterator[str]:
        """The reply's text deltas as they come. Opening the stream is retried on timeouts."""
        llm, chat = self.llm, _chat(messages)

        def open_stream():
            it = iter(llm.stream_chat(chat))
            return next(it, None), it

        try:
            first, rest = with_retries(open_stream, self.settings)
            for chunk in ([first] if first is not None else []):
                if chunk.delta:
                    yield chunk.delta
            for chunk in rest:
                if chunk.delta:
                    yield chunk.delta
        except GeneratorExit:
            raise
        except Exception as exc:
            raise self.explain(exc) from None


def _chat(messages: list[dict]):
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
