"""The data every front end shares: retrieved sources, citations and the answer with its trace."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Source:
    """One retrieved chunk. `rank` is its place in the list given to the user or the LLM (1-based)."""

    rank: int
    score: float
    doc_id: str
    chunk_id: str
    text: str
    title: str | None
    date: str | None
    lang: str | None
    start: int | None = None  # character offsets in the cleaned document
    end: int | None = None
    page: int | None = None  # the page the passage is on, for documents with pages (PDF)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("start"), d.pop("end")
        d["score"] = round(float(self.score), 6)
        return d


@dataclass(frozen=True)
class DocRecord:
    """One indexed document as the index's registry records it."""

    doc_id: str
    content_hash: str
    title: str | None
    date: str | None
    lang: str | None
    chunks: int
    corpus: str  # the corpus folder the file was found in
    text: str = ""


@dataclass(frozen=True)
class Health:
    """What doctor, /healthz and the UI's status line report: the index and the LLM."""

    index: dict | None  # {"documents", "chunks", "embedder"}, None when the index cannot be read
    index_error: str | None
    llm_ok: bool
    llm_status: str
    model: str

    @property
    def status(self) -> Literal["ok", "degraded", "error"]:
        """error: no search at all; degraded: search works, answers are passages."""
        return "error" if self.index is None else "ok" if self.llm_ok else "degraded"

    def to_json(self) -> dict:
        return {"status": self.status,
                "index": self.index if self.index is not None else {"error": self.index_error},
                "llm": {"ok": self.llm_ok, "status": self.llm_status, "model": self.model}}


@dataclass(frozen=True)
class Citation:
    n: int  # the marker number in the answer text, [n]
    doc_id: str
    chunk_id: str
    quote: str  # the sentence of the source that best supports the citing sentence
    title: str | None
    date: str | None
    page: int | None = None  # the cited passage's page, for documents with pages (PDF)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Claim:
    """One claim of an answer and whether the passages it cites support it (bot/answer/support.py)."""

    text: str  # as it stands in the answer, markers included
    citations: list[int]  # the [n] that cite it
    supported: bool | None = None  # None: no citation to check (or the check is off)
    evidence: list[dict] = field(default_factory=list)  # [{"n", "quote"}]: the cited sentences that support it
    reason: str | None = None  # why it is not supported (or not checked)
    precise: list[int] = field(default_factory=list)  # citations that support it alone or are needed with the others
    similarity: float | None = None  # closest cited sentence (cosine); for the trace
    recite: dict | None = None  # {"n", "quote"}: a given source the model did not cite that supports it
    unfounded: list[str] = field(default_factory=list)  # its numbers and dates that no source given holds

    def to_json(self) -> dict:
        return {"text": self.text, "citations": self.citations, "supported": self.supported,
                "evidence": self.evidence, "reason": self.reason, "recite": self.recite}


@dataclass(frozen=True)
class Fallback:
    """The bot's note beside a generated answer that failed (bot/answer/fallback.py): the sources' own sentences
    closest to the question, each cited, so the user can judge; never mixed into the model's text."""

    # refused despite a very high score / no claim supported / answer withheld: it gave facts no source holds /
    # answer withheld: it gave no time or number where the question asks for one
    kind: Literal["refusal", "unsupported", "withheld", "unanswered"]
    head: str  # what the note says first
    quotes: list[Citation]  # the sentences shown, best first, each citing its source [n]
    score: float  # the best retrieved passage's fused retrieval score
    similarity: float  # the closest sentence's similarity to the question
    warning: str | None = None  # for Answer.warning (the unsupported case)

    @property
    def text(self) -> str:
        """The note as plain text: the head, then one quoted, cited sentence a line."""
        return self.head + "".join(f"\n- “{q.quote}” [{q.n}]" for q in self.quotes)

    def to_json(self) -> dict:
        return {"kind": self.kind, "note": self.text, "quotes": [q.to_json() for q in self.quotes],
                "score": round(float(self.score), 4), "similarity": round(float(self.similarity), 4)}


@dataclass
class Trace:
    """How the answer came about: what was searched for, what the LLM saw, how long it took."""

    question: str
    standalone_question: str  # after condensing a follow-up with the chat history
    retrieved: list[Source] = field(default_factory=list)
    sources_given: list[Source] = field(default_factory=list)  # after trimming to fit the context window
    dropped_sources: int = 0
    prompt: list[dict] = field(default_factory=list)  # [{"role", "content"}]
    prompt_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    translations: dict[str, str] = field(default_factory=dict)  # retrieval.translate: {lang: the question in it}
    # answer.translate_answers: {"lang": the language the answer came in, "answer": it as generated}
    translated_from: dict[str, str] | None = None
    # answer.withhold_unfounded / withhold_unanswered: {"answer": the model's text the refusal replaced,
    # "claims": its checked claims}
    withheld: dict | None = None
    # answer.retry_non_answers: the first answer (markers only, or the question restated) that a second try replaced
    first_try: str | None = None
    prompt_again: list[dict] | None = None  # the second try's request: `prompt` with its last line changed
    looped: str | None = None  # the repeats cut from an answer that looped, where the stream was ended (loops.py)


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    sources: list[Source]
    model: str
    mode: Literal["generated", "passages"]
    warning: str | None
    timings: dict[str, float]
    trace: Trace | None = None
    cut_short: bool = False  # the LLM failed after it had begun: `answer` holds what came before
    claims: list[Claim] = field(default_factory=list)  # the answer's claims, each checked against its citations
    fallback: Fallback | None = None  # the bot's note beside a failed answer (bot/answer/fallback.py)

    def listed_citations(self) -> list[Citation]:
        """What front ends list under the answer: its citations, then the sources only the fallback note quotes
        or the claim check points to (Claim.recite)."""
        cited = {c.n for c in self.citations}
        quotes = list(self.fallback.quotes) if self.fallback else []
        for c in self.claims:  # the sources the claim check found saying a claim the model cited wrongly
            if c.recite and 1 <= c.recite["n"] <= len(self.sources):
                s = self.sources[c.recite["n"] - 1]
                quotes.append(Citation(n=c.recite["n"], doc_id=s.doc_id, chunk_id=s.chunk_id, quote=c.recite["quote"],
                                       title=s.title, date=s.date, page=s.page))
        return self.citations + [q for q in quotes if q.n not in cited and not cited.add(q.n)]

    def to_json(self, trace: bool = False) -> dict:
        out = {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "claims": [c.to_json() for c in self.claims],
            "sources": [s.to_json() for s in self.sources],
            "model": self.model,
            "mode": self.mode,
            "warning": self.warning,
            "fallback": self.fallback.to_json() if self.fallback else None,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if trace and self.trace is not None:
            t = self.trace
            out["trace"] = {
                "standalone_question": t.standalone_question,
                "translations": t.translations,
                "translated_from": t.translated_from,
                "withheld": t.withheld,
                "first_try": t.first_try,
                "prompt_again": t.prompt_again,
                "looped": t.looped,
                "retrieved": [s.to_json() for s in t.retrieved],
                "dropped_sources": t.dropped_sources,
                "prompt": t.prompt,
                "prompt_tokens": t.prompt_tokens,
                "timings": {k: round(v, 4) for k, v in t.timings.items()},
                "claims": [{**c.to_json(), "precise": c.precise, "similarity": c.similarity} for c in self.claims],
            }
        return out


def search_json(query: str, results: list[Source]) -> dict:
    return {"query": query, "results": [s.to_json() for s in results]}
