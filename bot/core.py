"""The Bot: one code path for ingest, search and cited answers that the CLI, UI, HTTP API and eval all call."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Iterator

from bot.answer.again import only_markers, second_try, wants_second_try
from bot.answer.citations import MarkerStream, cite, clean_markers
from bot.answer.context import given_sources, passages_answer
from bot.answer.fallback import evidence_at_hand, fallback_note, unchecked_warning
from bot.answer.facts import warm
from bot.answer.loops import LoopStop
from bot.answer.prompt import Prompts, build_messages, condense_prompt, fit_messages, prompts_dir
from bot.answer.retranslate import answer_in_language
from bot.answer.support import Vectors, answer_claims
from bot.backends import build_chat
from bot.config import Settings, load_settings
from bot.documents import Documents
from bot.errors import EMPTY_INDEX, BotError, LLMUnavailable, QuestionError
from bot.lang import question_lang
from bot.types import Answer, Health, Source, Trace

# halves of UTF-16 pairs (a JSON "\\ud800", bytes argv could not decode): no encoder, embedder or JSON takes them
_SURROGATES = re.compile("[\ud800-\udfff]")


class Bot(Documents):
    """A question-answering bot over one indexed document collection.

    Heavy parts (embedder, Chroma, the LLM's model) load on first use, so constructing a Bot is cheap.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.prompts = Prompts.load(prompts_dir(settings.prompts.dir, settings.root))
        self.llm = build_chat(settings)  # cheap: the model loads on its first answer
        self._lock = threading.RLock()
        self._embed = self._embedder_id = self._client = self._index = self._retriever = None
        self._centering = None
        self._others: dict[str, Bot] = {}  # other collections' bots, shared by all of them
        self._others_lock = threading.Lock()  # guards _others and _client: never held for long

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
                from bot.retrieval.centering import Centering
                from bot.retrieval.retriever import Retriever
                from bot.retrieval.store import Index

                if not create and not self.settings.store.url and not self.settings.store_path.exists():
                    raise BotError(EMPTY_INDEX)  # and leave no empty store on the way
                embed = self._embedder()
                self._client = self._client or chroma_client(self.settings)
                dim = len(embed.get_query_embedding("dimension probe"))
                self._index = Index(self._client, self.settings.store.collection, self._embedder_id, dim, create,
                                    self.settings.retrieval.language_centering)
                self._centering = Centering(embed, self.settings.retrieval.language_centering, self._embedder_id)
                self._retriever = Retriever(self.settings, self._index, embed, self._centering)
            return self._index

    @property
    def model_name(self) -> str:
        return self.llm.name

    def search(self, query: str, k: int | None = None) -> list[Source]:
        """The top-k passages for a query, best first (no LLM involved, unless retrieval.translate is on)."""
        if k is not None and k < 1:
            raise QuestionError(f"k must be 1 or more, got {k}")
        query = self.check_question(query)
        self._open_index()
        if not self.settings.retrieval.translate:
            return self._retriever.search(query, k)
        with self.llm.turn():  # the translation is an LLM call: one generation at a time
            return self._retriever.search(query, k, self._translations(query))

    def warm_up(self, question: str = "warm-up") -> None:
        """Load now what the first question would: the embedder, the index, the keyword index, and the claim
        check's language data for the collection's languages (facts.warm)."""
        self.search(question)
        if self.settings.answer.check_claims:
            warm(tuple(sorted({r.lang for r in self._index.registry().values() if r.lang} | {"en"})))

    def _translations(self, query: str, trace: Trace | None = None) -> dict[str, str]:
        """The query in the collection's other languages (retrieval.translate, bot/retrieval/translate.py)."""
        if not self.settings.retrieval.translate:
            return {}
        from bot.retrieval.translate import translate_query

        t0 = time.perf_counter()
        langs = {r.lang or "" for r in self._index.registry().values()}
        out = translate_query(self.llm.chat, self.prompts.translate, self.prompts.language_name, query,
                              question_lang(query), langs)
        if trace is not None:
            trace.translations, trace.timings["translate_s"] = out, time.perf_counter() - t0
        return out

    def llm_status(self) -> tuple[bool, str]:
        """(ok, one line) for the configured LLM."""
        return self.llm.status()

    def health(self) -> Health:
        """The index's size (or why it cannot be read) and the LLM's status: one answer for every front end."""
        try:
            index, error = self.stats(), None
        except BotError as exc:
            index, error = None, str(exc)
        ok, line = self.llm_status()
        return Health(index=index, index_error=error, llm_ok=ok, llm_status=line, model=self.model_name)

    # answering ------------------------------------------------------------------------------------------
    def check_question(self, question: str) -> str:
        """The question, stripped, lone surrogates as U+FFFD; QuestionError when empty or over the limit."""
        question = _SURROGATES.sub("\ufffd", question) if isinstance(question, str) else question
        if not isinstance(question, str) or not question.strip():
            raise QuestionError('the question is empty: ask something, e.g. "Who did Tokayev meet in Moscow?"')
        limit = self.settings.retrieval.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"the question is {len(question)} characters long; the limit is {limit} "
                                "(retrieval.max_question_chars): shorten it", code="question_too_long")
        return question.strip()

    def _standalone(self, question: str, history: list[dict], trace: Trace) -> str:
        """Condense a follow-up into a standalone question with the LLM (condense-plus-context)."""
        if not history or not self.settings.llm.condense:
            return question
        t0 = time.perf_counter()
        try:
            reply = self.llm.chat([{"role": "user", "content": condense_prompt(self.prompts, question, history)}])
            lines = reply.strip().splitlines()
            standalone = lines[0].strip().strip('"') if lines else ""
        except LLMUnavailable:  # the LLM is down: fall back to the last user turn as context
            last = next((m["content"] for m in reversed(history) if m.get("role") == "user"), "")
            standalone = f"{last} {question}".strip()
        trace.timings["condense_s"] = time.perf_counter() - t0
        return standalone if 0 < len(standalone) <= 4 * len(question) + 500 else question

    def _in_language(self, text: str, lang: str, given: list, trace: Trace, timings: dict) -> str | None:
        """The answer in the question's language when the model wrote another (bot/answer/retranslate.py)."""
        got, spent = answer_in_language(text, lang, len(given), self.prompts, self.llm.chat, self.llm.count_tokens,
                                        self.settings.llm.max_tokens, [s.lang for s in given if s.lang])
        if spent:  # the call's time is the user's too, whether or not its translation was used
            timings["translate_answer_s"] = trace.timings["translate_answer_s"] = spent
        if not got:
            return None
        trace.translated_from = {"lang": got[1], "answer": text}
        return got[0]

    def stream(self, question: str, history: list[dict] | None = None,
               fallback: bool = True) -> Iterator[str | Answer]:
        """Yield the answer's text deltas as they are generated, then the final Answer (always last).

        When the LLM cannot answer at all, the Answer holds the best passages (mode "passages"), or with
        `fallback=False` LLMUnavailable is raised before anything is yielded. A failure after text was
        yielded ends the stream with an Answer marked `cut_short`.
        """
        with self.llm.turn():  # the UI and the HTTP API share this Bot and may ask at once
            yield from self._stream(question, history, fallback)

    def _stream(self, question: str, history: list[dict] | None, fallback: bool) -> Iterator[str | Answer]:
        asked = time.perf_counter()  # what the user waits from, for the time to the first token
        question = self.check_question(question)
        history = [{"role": m["role"], "content": _SURROGATES.sub("\ufffd", str(m["content"]))}
                   for m in (history or []) if m.get("role") in ("user", "assistant") and m.get("content")]
        self._open_index()
        trace = Trace(question=question, standalone_question=question)
        lang = question_lang(question)
        trace.standalone_question = self._standalone(question, history, trace)
        t0 = time.perf_counter()
        retrieved = self._retriever.search(trace.standalone_question, None,
                                           self._translations(trace.standalone_question, trace))
        trace.retrieved = retrieved
        timings = {"retrieve_s": time.perf_counter() - t0, "generate_s": 0.0}

        warning, parts, cut_short, given = None, [], False, retrieved
        vectors, cfg_a = lambda: Vectors(self._embedder(), self._centering, self._index), self.settings.answer
        t1 = time.perf_counter()
        try:
            cfg = self.settings.llm
            pool = given_sources(self.settings.context, trace.standalone_question, lang, retrieved, vectors)
            budget = cfg.context_window - cfg.max_tokens  # the second try's request must fit too, if made
            msgs, given, tokens = fit_messages(self.prompts, question, lang, pool, history[-6:], self.llm.count_tokens,
                                               budget, cfg_a.retry_non_answers or cfg_a.retry_refusals)
            trace.prompt, trace.sources_given, trace.prompt_tokens = msgs, given, tokens
            trace.dropped_sources = len(retrieved) - len(given)
            shown = MarkerStream(len(given))  # markers to no source are not shown while streaming either
            for delta in (loop := LoopStop(self.llm.stream(msgs))):  # a loop ends the stream (answer/loops.py)
                if not parts:  # what a user waits before text appears: condensing, retrieval, prompt, one token
                    trace.timings["first_token_s"] = time.perf_counter() - asked
                parts.append(delta)
                yield from filter(None, [shown.feed(delta)])
            yield from filter(None, [shown.flush()])
            mode = "generated"
        except BotError as exc:  # LLMUnavailable, or a question too long for the context window
            if parts:  # failed mid-answer: keep what came, say it is cut short
                warning, mode, cut_short = f"{exc} (the answer was cut short)", "generated", True
            elif not fallback:
                raise
            else:
                warning, mode, given = str(exc), "passages", retrieved
        timings["generate_s"] = time.perf_counter() - t1
        trace.timings.update(timings)

        if mode == "passages":
            text = passages_answer(trace.standalone_question, lang, given, vectors())
            yield text
        else:
            text, trace.looped = clean_markers(loop.text(), len(given)), loop.cut
            if not cut_short and self.prompts.answer_again and wants_second_try(
                    cfg_a, text, question, lang, self.prompts.refusals.values(),
                    lambda: evidence_at_hand(cfg_a, trace.standalone_question, lang, retrieved, given, vectors)):
                trace.first_try, t = text, time.perf_counter()
                trace.prompt_again = build_messages(self.prompts, question, lang, given, trace.prompt[1:-1], again=True)
                keep = self.prompts.refusal(lang) if only_markers(text) else text
                text, warning = yield from second_try(trace.prompt_again, self.llm.stream, len(given), keep)
                timings["generate_s"] = trace.timings["generate_s"] = timings["generate_s"] + time.perf_counter() - t
            if not cut_short and self.settings.answer.translate_answers:
                translated = self._in_language(text, lang, given, trace, timings)
                if translated:  # streamed after what came: the final Answer holds the translation only
                    yield "\n\n" + translated
                    text = translated
        claim = trace.standalone_question if mode == "passages" else None
        t2 = time.perf_counter()  # each claim checked against the sources it cites (a passages answer has none)
        claims = [] if mode == "passages" else answer_claims(text, given, cfg_a, vectors(),
                                                             question=trace.standalone_question)
        trace.timings["check_s"] = time.perf_counter() - t2
        t3 = time.perf_counter()  # a refusal despite a very high score, or no claim supported: the sources' sentences
        note = None if mode == "passages" or cut_short else fallback_note(
            cfg_a, text, claims, trace.standalone_question, lang, retrieved, given, self.prompts, vectors)
        trace.timings["fallback_s"] = time.perf_counter() - t3
        if note and note.kind in ("withheld", "unanswered"):  # the refusal in its place, the model's text in the trace
            trace.withheld = {"answer": text, "claims": [c.to_json() for c in claims]}
            text, claims = self.prompts.refusal(lang), []
            yield "\n\n" + text
        if mode == "generated" and not warning and not (note and note.warning):
            warning = unchecked_warning(text, claims, self.prompts, lang, question)
        yield Answer(question=question, answer=text, citations=cite(text, given, claim),
                     sources=given, model=self.model_name, mode=mode, warning=warning or (note and note.warning),
                     timings=timings, trace=trace, cut_short=cut_short, claims=claims, fallback=note)

    def ask(self, question: str, history: list[dict] | None = None, fallback: bool = True) -> Answer:
        """The whole answer at once: the joined stream."""
        for item in self.stream(question, history, fallback):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream ended without an Answer")
