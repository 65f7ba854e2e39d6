"""The Bot: one code path for ingest, search and cited answers that the CLI, UI, HTTP API and eval all call."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

from bot.citations import clean_markers, resolve
from bot.config import Settings, load_settings
from bot.errors import BotError, LLMUnavailable
from bot.prompt import Prompts, condense_prompt, fit_messages, prompts_dir, question_lang
from bot.types import Answer, Source, Trace


class Bot:
    """A question-answering bot over one indexed document collection.

    Heavy parts (embedder, Chroma, LLM) load on first use, so constructing a Bot is cheap.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.prompts = Prompts.load(prompts_dir(settings.prompts.dir, settings.root))
        self._lock = threading.RLock()
        self._generating = threading.Lock()  # llama.cpp: one model object, one generation at a time
        self._embed = self._embedder_id = self._client = self._index = self._retriever = self._llm = None
        self._count_tokens = None

    @classmethod
    def from_config(cls, path: str | Path | None = None, **overrides) -> "Bot":
        """Build a Bot from a config file (default: $BOT_CONFIG or ./config.toml); overrides are section dicts."""
        return cls(load_settings(path, **overrides))

    # lazily built parts ---------------------------------------------------------------------------------
    def _embedder(self):
        with self._lock:
            if self._embed is None:
                from bot.backends import build_embedder

                self._embed, self._embedder_id = build_embedder(self.settings)
            return self._embed

    def _open_index(self, create: bool = False):
        with self._lock:
            if self._index is None or (create and self._retriever is None):
                from bot.backends import chroma_client
                from bot.neutral import Centering
                from bot.retrieve import Retriever
                from bot.store import Index

                embed = self._embedder()
                self._client = self._client or chroma_client(self.settings)
                dim = len(embed.get_query_embedding("dimension probe"))
                self._index = Index(self._client, self.settings.store.collection, self._embedder_id, dim, create)
                self._centering = Centering(embed, self.settings.retrieval.language_centering, self._embedder_id)
                self._retriever = Retriever(self.settings, self._index, embed, self._centering)
            return self._index

    @property
    def llm(self):
        with self._lock:
            if self._llm is None:
                from bot.backends import build_llm, token_counter

                self._llm = build_llm(self.settings)
                self._count_tokens = token_counter(self._llm)
            return self._llm

    @property
    def model_name(self) -> str:
        cfg = self.settings.llm
        if cfg.provider == "ollama":
            return cfg.model
        from bot.backends import gguf_path

        try:  # "pkg:NAME" names the package; the user wants to see which .gguf inside it runs
            path = gguf_path(cfg.gguf_path)
        except BotError:
            path = cfg.gguf_path
        return f"llamacpp:{Path(path).name or path}"

    # ingest and search ----------------------------------------------------------------------------------
    def ingest(self, paths: list[str | Path] | None = None, rebuild: bool = False, progress: bool = False,
               verbose: bool = False):
        """Index the configured corpus folders (or `paths`); returns an IngestSummary."""
        from bot.backends import vector_store
        from bot.ingest import ingest
        from bot.store import drop_index

        with self._lock:
            if rebuild:
                from bot.backends import chroma_client

                self._client = self._client or chroma_client(self.settings)
                drop_index(self._client, self.settings.store.collection)
                self._index = None
            index = self._open_index(create=True)
            summary = ingest(self.settings, index, self._embedder(), vector_store(index.chunks), self._centering,
                             [Path(p) for p in paths] if paths else None, progress=progress, verbose=verbose)
            return summary

    def search(self, query: str, k: int | None = None) -> list[Source]:
        """The top-k passages for a query, best first (no LLM involved)."""
        if k is not None and k < 1:
            raise BotError(f"k must be 1 or more, got {k}")
        query = self.check_question(query)
        self._open_index()
        return self._retriever.search(query, k)

    def stats(self) -> dict:
        """Documents, chunks and the embedder of the index."""
        return self._open_index().stats()

    def documents(self):
        """Registry records of the indexed documents, sorted by id."""
        return sorted(self._open_index().registry().values(), key=lambda r: r.doc_id)

    def document(self, doc_id: str):
        """One indexed document with its cleaned text, or None."""
        return self._open_index().document(doc_id)

    def llm_status(self) -> tuple[bool, str]:
        """(ok, one line) for the configured LLM."""
        if self.settings.llm.provider == "ollama":
            from bot.backends import ollama_status

            return ollama_status(self.settings)
        try:
            self.llm
            return True, f"llama.cpp in-process: {self.model_name}"
        except BotError as exc:
            return False, str(exc)

    # answering ------------------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        """The question, stripped; BotError when it is empty or over retrieval.max_question_chars."""
        if not isinstance(question, str) or not question.strip():
            raise BotError('the question is empty: ask something, e.g. "Who did Tokayev meet in Moscow?"')
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            raise BotError(f"the question is {len(question)} characters long; the limit is {limit} "
                           "(retrieval.max_question_chars): shorten it")
        return question.strip()

    def _standalone(self, question: str, history: list[dict], trace: Trace) -> str:
        """Condense a follow-up into a standalone question with the LLM (condense-plus-context)."""
        if not history or not self.settings.llm.condense:
            return question
        from llama_index.core.llms import ChatMessage

        from bot.backends import describe_llm_error, with_retries

        t0 = time.perf_counter()
        try:
            prompt = condense_prompt(self.prompts, question, history)
            out = with_retries(lambda: self.llm.chat([ChatMessage(role="user", content=prompt)]), self.settings)
            text = (out.message.content or "").strip().splitlines()
            standalone = text[0].strip().strip('"') if text else ""
        except Exception as exc:  # the LLM is down: fall back to the last user turn as context
            describe_llm_error(exc, self.settings)
            last = next((m["content"] for m in reversed(history) if m.get("role") == "user"), "")
            standalone = f"{last} {question}".strip()
        trace.timings["condense_s"] = time.perf_counter() - t0
        return standalone if 0 < len(standalone) <= 4 * len(question) + 500 else question

    def stream(self, question: str, history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text deltas as they are generated, then the final Answer (always last)."""
        if self.settings.llm.provider != "llamacpp":  # Ollama queues concurrent requests itself
            yield from self._stream(question, history)
            return
        # the UI and the HTTP API share this Bot in one process and may ask at once
        with self._generating:
            yield from self._stream(question, history)

    def _stream(self, question: str, history: list[dict] | None = None) -> Iterator[str | Answer]:
        from bot.backends import describe_llm_error, with_retries

        question = self.check_question(question)
        history = [{"role": m["role"], "content": str(m["content"])} for m in (history or [])
                   if m.get("role") in ("user", "assistant") and m.get("content")]
        self._open_index()
        trace = Trace(question=question, standalone_question=question)
        lang = question_lang(question)
        trace.standalone_question = self._standalone(question, history, trace)
        t0 = time.perf_counter()
        retrieved = self._retriever.search(trace.standalone_question)
        trace.retrieved = retrieved
        timings = {"retrieve_s": time.perf_counter() - t0, "generate_s": 0.0}

        warning, parts = None, []
        t1 = time.perf_counter()
        try:
            llm, cfg = self.llm, self.settings.llm
            msgs, given, tokens = fit_messages(self.prompts, question, lang, retrieved, history[-6:],
                                               self._count_tokens, cfg.context_window - cfg.max_tokens)
            trace.prompt, trace.sources_given, trace.prompt_tokens = msgs, given, tokens
            trace.dropped_sources = len(retrieved) - len(given)
            from llama_index.core.llms import ChatMessage

            chat = [ChatMessage(role=m["role"], content=m["content"]) for m in msgs]

            def open_stream():
                it = iter(llm.stream_chat(chat))
                return next(it, None), it

            first, rest = with_retries(open_stream, self.settings)
            for chunk in ([first] if first is not None else []):
                if chunk.delta:
                    parts.append(chunk.delta)
                    yield chunk.delta
            try:
                for chunk in rest:
                    if chunk.delta:
                        parts.append(chunk.delta)
                        yield chunk.delta
            except Exception as exc:  # failed mid-answer: keep what came, say it is cut short
                warning = f"{describe_llm_error(exc, self.settings)} (the answer was cut short)"
            mode = "generated"
        except (LLMUnavailable, BotError) as exc:
            warning, mode, given = str(exc), "passages", retrieved
        except Exception as exc:
            warning, mode, given = str(describe_llm_error(exc, self.settings)), "passages", retrieved
        timings["generate_s"] = time.perf_counter() - t1
        trace.timings.update(timings)

        if mode == "passages":
            text = passages_answer(given)
            yield text
        else:
            text = clean_markers("".join(parts), len(given))
        claim = trace.standalone_question if mode == "passages" else None
        yield Answer(question=question, answer=text, citations=resolve(text, given, claim), sources=given,
                     model=self.model_name, mode=mode, warning=warning, timings=timings, trace=trace)

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """The whole answer at once: the joined stream."""
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream ended without an Answer")


def passages_answer(sources: list[Source], limit: int = 3, chars: int = 400) -> str:
    """The fallback when no LLM answers: the best passages, each cited."""
    lines = []
    for i, s in enumerate(sources[:limit], start=1):
        text = " ".join(s.text.split())
        lines.append(f"[{i}] {text[:chars]}{'…' if len(text) > chars else ''}")
    return "\n\n".join(lines)
