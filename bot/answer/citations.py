"""Finds the [n] markers in an answer, drops those that point nowhere, and resolves the rest to sources."""
from __future__ import annotations

import re

from bot.lang import sentences, terms
from bot.types import Citation, Source

# [1], [1, 2], [1][2], [1-3]; "Source 1" style markers are not ours.
MARKER_RE = re.compile(r"\[(\s*\d+\s*(?:(?:[,;]|-|–)\s*\d+\s*)*)\]")


def marker_numbers(group: str) -> list[int]:
    """The source numbers inside one marker's brackets: "1, 3" -> [1, 3]; "2-4" -> [2, 3, 4]."""
    out: list[int] = []
    for part in re.split(r"[,;]", group):
        bounds = [int(x) for x in re.split(r"-|–", part) if x.strip()]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def _valid(m: re.Match, n_sources: int) -> str:
    valid = [n for n in dict.fromkeys(marker_numbers(m.group(1))) if 1 <= n <= n_sources]
    return "".join(f"[{n}]" for n in valid)


def _close_spaces(text: str) -> str:
    """The spaces a removed marker leaves behind: runs closed up, none before punctuation."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text))


def clean_markers(text: str, n_sources: int) -> str:
    """Rewrite markers as [a][b], keeping only numbers 1..n_sources; a marker with none left is removed."""
    return _close_spaces(MARKER_RE.sub(lambda m: _valid(m, n_sources), text)).strip()


class MarkerStream:
    """clean_markers for text that arrives in pieces: what it lets out, joined, is clean_markers(the whole).

    It holds back trailing whitespace, markers and an unclosed "[12, " until a word follows, since a removed
    marker takes the space before it along; so a marker pointing to no source is never shown, not even
    while the answer streams.
    """

    # what a later piece may still change: spaces and markers at the end, and the start of a marker
    _HELD = re.compile(r"(?:\s|" + MARKER_RE.pattern + r")*(?:\[[\d\s,;\-–]{0,60})?$")

    def __init__(self, n_sources: int):
        self.n_sources, self.tail, self.started = n_sources, "", False

    def _out(self, text: str) -> str:
        text = _close_spaces(MARKER_RE.sub(lambda m: _valid(m, self.n_sources), text))
        if not self.started:
            text = text.lstrip()
            self.started = bool(text)
        return text

    def feed(self, piece: str) -> str:
        """The text that can be shown now (possibly empty)."""
        self.tail += piece
        cut = self._HELD.search(self.tail).start()
        out, self.tail = self.tail[:cut], self.tail[cut:]
        return self._out(out)

    def flush(self) -> str:
        """The rest, at the end of the text."""
        out, self.tail = self.tail, ""
        return self._out(out).rstrip()


def supporting_sentence(claim: str, source_text: str) -> str:
    """The source sentence sharing the most folded words with the claim (names survive translation).

    A source cut to its best sentences marks the cuts with "…" (bot/answer/context.py): that mark is no
    sentence to quote, and it is taken off the quote's ends.
    """
    claim_terms = set(terms(MARKER_RE.sub(" ", claim)))
    best, best_score = "", -1.0
    for sent in sentences(source_text):
        sent = re.sub(r"^…\s*|\s+…$", "", sent.strip())  # the cut's mark, not a source's own "werde…"
        sent_terms = set(terms(sent))
        if not sent_terms:
            continue
        score = len(claim_terms & sent_terms) / (1 + 0.02 * len(sent_terms))
        if score > best_score:
            best, best_score = sent, score
    return best or source_text.strip()[:300]


def cite(answer: str, sources: list[Source], claim: str | None = None) -> list[Citation]:
    """One citation per distinct valid marker, in order of first appearance.

    Each quote is the source sentence that best supports the sentences citing it, or `claim` when given
    (the question, for a passages-only answer whose citing text is the passage itself).
    """
    cites: dict[int, list[str]] = {}
    for sent in sentences(answer):
        for m in MARKER_RE.finditer(sent):
            for n in marker_numbers(m.group(1)):
                if 1 <= n <= len(sources):
                    cites.setdefault(n, []).append(sent)
    out = []
    for n, claims in cites.items():
        s = sources[n - 1]
        out.append(Citation(n=n, doc_id=s.doc_id, chunk_id=s.chunk_id, quote=supporting_sentence(claim or " ".join(claims), s.text),
                            title=s.title, date=s.date, page=s.page))
    return out


def citation_line(c: Citation) -> str:
    """How a citation is listed under an answer: `[1] Title (doc_id, p. 3, 2019-06)`; the CLI and /v1 share it."""
    page = f"p. {c.page}" if c.page is not None else None
    return f"[{c.n}] {c.title or c.doc_id} ({', '.join(x for x in (c.doc_id, page, c.date) if x)})"
