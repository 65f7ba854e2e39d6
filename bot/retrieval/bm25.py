"""Keyword search: BM25 over words folded for accents and transliteration (Tokajew = Tokajev = Tokayev)."""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from bot.lang import fold, terms

_WORD_RE = re.compile(r"\w+", re.U)


class BM25:
    """Okapi BM25 over an in-memory inverted index; ids are the chunk ids."""

    def __init__(self, docs: list[tuple[str, str]], k1: float = 1.2, b: float = 0.75,
                 langs: list[str] | None = None):
        self.k1, self.b = k1, b
        self.ids = [d[0] for d in docs]
        self.langs = langs or [""] * len(docs)  # each doc's language, for search(own_weight=...)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.term_langs: dict[str, set[str]] = defaultdict(set)
        self.lengths: list[int] = []
        for i, (_, text) in enumerate(docs):
            counts = Counter(terms(text))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((i, tf))
                self.term_langs[term].add(self.langs[i])
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def share(self, term: str) -> float:
        """The share of chunks that hold this (folded) term."""
        return len(self.postings.get(term, ())) / (len(self.ids) or 1)

    def search(self, query: str, k: int, lang: str = "", own_weight: float = 1.0) -> list[tuple[str, float]]:
        """The k best docs. In docs written in the question's language `lang`, a term no other language's docs
        hold counts `own_weight` times: an ordinary word matches only passages in the question's own
        language, which pulls a question away from an answer written in another (names and numbers, found in
        several languages, count in full). In a one-language collection every term is scaled alike, and
        fused scores are shares of the best, so nothing changes there."""
        n = len(self.ids)
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms(query)):
            plist = self.postings.get(term)
            if not plist:
                continue
            idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            own_only = lang and self.term_langs[term] == {lang}
            for i, tf in plist:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
                weight = own_weight if own_only and self.langs[i] == lang else 1.0
                scores[i] += weight * idf * tf * (self.k1 + 1) / norm
        best = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
        return [(self.ids[i], s) for i, s in best]


def without_common_words(text: str, index: BM25, share: float) -> str:
    """The text without the words that more than `share` of the chunks hold, in any spelling (Tokajew, Tokayev).

    Such words (in a collection about one person, their name and country) say nothing about which passage
    answers; but the embedder weighs names heavily, so a question that names them is drawn to every passage
    that does. Returns the text unchanged when nothing else would be left.
    """
    kept = [w for w in re.findall(r"\w+|\W+", text)
            if not (_WORD_RE.fullmatch(w) and len(w) > 2 and not w.isdigit() and index.share(fold(w)) > share)]
    out = re.sub(r"\s+", " ", "".join(kept)).strip()
    return out if re.search(r"[^\W\d_]{3,}", out) else text
