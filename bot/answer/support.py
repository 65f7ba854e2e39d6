"""Checks each claim of an answer against the union of the passages it cites, across languages, on the CPU.

A claim is supported when (1) every number, date, year and name in it is found in a cited passage after
normalisation across languages (bot/answer/facts.py), and (2) some cited sentence says something close: the
claim's vector, with the embedder's query prefix, against the stored vectors of the cited passages'
sentences (passage prefix), both language-centred as retrieval does, and (3) a claim in the language of
all its cited passages shares more than half of its content words with them (bot/answer/wording.py). Names
and numbers catch the invented detail a similar-sounding sentence hides (Merkel for Putin, 29 for 28
November); the similarity catches a claim whose words all occur but which the passage does not say; the
shared words catch a claim about the same people and event that says something else, where the passage's
language allows comparing words.

Only claims that need it are embedded (the check's cost is nearly all the embedder's): a claim whose facts
or words are missing is decided without it, and one that quotes a sentence of each passage it cites word
for word is said by that sentence.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer.claims import plain
from bot.answer.facts import Facts, clauses, extract
from bot.answer.missing import as_written, missing
from bot.answer.names import word_found
from bot.answer.shapes import bare, garbled
from bot.answer.vectors import Vectors  # noqa: F401 - the check's callers build it from here
from bot.answer.wording import beginnings, content_words, quoted, unshared, word_key
from bot.lang import detect_lang, sentences
from bot.types import Claim, Source


# A hint that another source says a claim is the bot's own statement, not the model's, so it needs more than
# a verdict on the model's citation: a date or number found there, or else a sentence this close. Names and
# places recur all over a collection on one topic ("Putin schenkte Tokajew ein Pferd" passed against a
# Norwegian sentence on their meeting at 0.6): of the uncited labelled pairs the check passes, 20 of 46 were
# unsupported; with this rule 1 of 17 (eval/README.md; chosen on those labels).
RECITE_SIMILARITY = 0.8
# Nor is a date or number alone: "Putin schenkte Tokajew am 28. November in Moskau ein Pferd" holds the German
# seed's date, place and names, and is as close to its sentence (0.69) as the right "Am 29. und 30. November
# reiste Tokajew nach Paris" (0.68). In the claim's language the sentence must hold its other words too, on
# their first four letters (reiste, reisen; not starb, verhaftet, Pferd); across languages words cannot be
# compared, and it must be this close. The labelled claims, each checked as citing nothing: hints 25 right
# and 5 wrong before, 24 and 4 after.
RECITE_DATED_SIMILARITY = 0.7


@dataclass
class Passage:
    n: int
    sentences: list[str]
    vectors: np.ndarray  # one unit row per sentence
    facts: Facts
    years: set[int]
    clauses: list[Facts]  # the facts of each clause, to see which date goes with which name
    sentence_facts: list[Facts]  # the facts of each of `sentences`, to pick the one stating the claim's
    lang: str | None = None
    beginnings: frozenset[str] = frozenset()  # its words' first letters, to look the claim's words up in


def _hits(facts: Facts, sent: Facts) -> int:
    """How much of the claim one sentence states: its dates and numbers (2 each), years, capitalised words."""
    return (2 * len(facts.dates & sent.dates) + 2 * len(facts.numbers & sent.numbers) + len(facts.years & sent.years)
            + sum(word_found(a, sent, loose=True) for a in facts.anchors))


@lru_cache(maxsize=4096)
def _facts(text: str, langs: tuple[str, ...]) -> Facts:
    """A passage's (or one of its sentences' or clauses') facts; passages recur, so they are kept."""
    return extract(text, langs, claim=False)


def _verdict(facts: Facts, sims: dict[int, np.ndarray], passages: dict[int, Passage], ns: list[int], lang: str,
             threshold: float, text: str = "") -> tuple[bool, str | None, list[tuple[int, int]], float]:
    """(supported, reason, [(n, sentence index)] evidence, best similarity) for the claim against passages ns."""
    cited = [passages[n] for n in ns if n in passages]
    if not cited:
        return False, "the cited sources were not given to the model", [], 0.0
    best = max(float(np.max(sims[n])) for n in ns if n in passages)
    # the quote: the closest sentence, preferring one that states the claim's facts (its date, its names)
    _, best_n, best_i = max((float(sims[n][i]) + 0.05 * _hits(facts, passages[n].sentence_facts[i]), -n, -i)
                            for n in ns if n in passages for i in range(len(passages[n].sentences)))
    best_n, best_i = -best_n, -best_i  # ties (no vector): the first sentence
    evidence = [(best_n, best_i)]
    lacks = missing(facts, cited, lang)
    where = "".join(f"[{n}]" for n in ns)
    if lacks:
        return False, f"not in {where}: {', '.join(lacks)}", evidence, best
    for p in cited:  # a cited passage that holds a fact the best one lacks is evidence too
        if p.n != best_n and missing(facts, [passages[best_n]], lang) and not missing(facts, [passages[best_n], p], lang):
            evidence.append((p.n, max(range(len(p.sentences)),
                                      key=lambda i: (_hits(facts, p.sentence_facts[i]), sims[p.n][i]))))
            break
    twice = garbled(text, cited, lang)
    if twice:
        reason = f"names {twice} twice in one clause, as one person on both sides; {where} does not"
        return False, reason, evidence, best
    gap = _unshared(text, cited, lang)
    if gap:
        return False, (f"{where} lacks {len(gap[0])} of the claim's {gap[1]} content words: "
                       f"{', '.join(gap[0][:6])}"), evidence, best
    if best < threshold and not bare(text, lang):
        return False, f"no sentence of {where} says this (closest {best:.2f}, needs {threshold:.2f})", evidence, best
    return True, None, evidence, best


def check_claims(claims: list[Claim], sources: list[Source], vectors: Vectors, threshold: float,
                 lang: str | None = None, question: str = "") -> list[Claim]:
    """Fill in each cited claim's verdict, reason, evidence and precise citations; uncited claims stay None.
    Claim.unfounded of an unsupported claim: its numbers and dates that neither a given source (its text or
    header) nor the `question` holds (a model repeating the user's "2019" or "8 listopada" invents nothing)."""
    todo = [c for c in claims if c.citations]
    for c in claims:
        if not c.citations:
            c.supported, c.reason = None, "no citation"
    if not claims or not sources:
        return claims
    lang = lang or detect_lang(" ".join(plain(c.text) for c in claims)) or "en"
    # every given source's language: a source the model did not cite is read for the wrong-source hint
    langs = tuple(dict.fromkeys([lang, *(s.lang for s in sources if s.lang), "en"]))
    sents = vectors.passages(sources)  # every given source: one the model did not cite may say the claim
    passages = {}
    for n in range(1, len(sources) + 1):
        s = sources[n - 1]
        facts = _facts(f"{s.title or ''}\n{s.text}", langs)
        years = facts.years | ({int(s.date[:4])} if s.date and s.date[:4].isdigit() else set())
        parts = [_facts(c, langs) for x in sentences(s.text) for c in clauses(x)]
        sent_facts = [_facts(x, langs) for x in sents[s.chunk_id][0]]
        passages[n] = Passage(n, *sents[s.chunk_id], facts, years, parts, sent_facts, s.lang,
                              _beginnings(f"{s.title or ''}\n{s.text}", langs))
    # what the model was shown besides the sources' text: the question and each source header's date; a
    # header's file name only where the claim copies it ("(2023-04, 003_f4cabc63b7e92935.txt)" invents no
    # numbers), since the digits of file names and hashes would otherwise make every small number known
    known = [*passages.values(), _shown_facts([question, *(s.date or "" for s in sources)], langs)]
    names = [(Path(s.doc_id).stem, s.doc_id) for s in sources if len(Path(s.doc_id).stem) >= 4]
    texts = [plain(c.text) for c in todo]
    facts_of = [extract(t, langs, claim=True, lang=lang) for t in texts]
    cited_of = [[n for n in c.citations if n in passages] for c in todo]
    # claim -> {n: the sentence of [n] it quotes}. A claim that quotes each passage it cites needs no vector,
    # nor does one whose facts or words are missing (unsupported whatever its similarity).
    quotes = [{n: i for n in ns if (i := quoted(t, passages[n].sentences)) is not None}
              for ns, t in zip(cited_of, texts)]
    need = [k for k, ns in enumerate(cited_of) if ns and set(quotes[k]) != set(ns)
            and not missing(facts_of[k], [passages[n] for n in ns], lang)
            and not _unshared(texts[k], [passages[n] for n in ns], lang) and not bare(texts[k], lang)]
    vecs = dict(zip(need, vectors.claims([texts[k] for k in need], lang))) if need else {}
    for k, claim in enumerate(todo):
        facts, ns = facts_of[k], cited_of[k]
        if k in vecs:
            sims = {n: p.vectors @ vecs[k] for n, p in passages.items()}
        else:  # a quoted sentence counts as the same, the rest as unknown (the verdict does not need them)
            sims = {n: np.zeros(len(p.sentences)) for n, p in passages.items()}
            for n, i in quotes[k].items():
                sims[n][i] = 1.0
        verdict = lambda m: _verdict(facts, sims, passages, m, lang, threshold, texts[k])  # noqa: E731
        ok, reason, evidence, best = verdict(ns or claim.citations)
        claim.supported, claim.reason = ok, reason
        claim.similarity = round(best, 4) if k in vecs or quotes[k] else None
        claim.evidence = [{"n": n, "quote": passages[n].sentences[i]} for n, i in evidence]
        if not ok:  # what no given source holds, cited or not, is the model's own (bot/answer/fallback.py)
            copied = [_shown_facts([f for stem, f in names if stem in texts[k]], langs)]
            claim.unfounded = as_written(missing(replace(facts, names=[], places={}, anchors=[]), known + copied,
                                                 lang), texts[k])
        if ok and len(ns) > 1:  # ALCE: a citation is precise if it supports alone or the others fail without it
            claim.precise = [n for n in ns if verdict([n])[0] or not verdict([m for m in ns if m != n])[0]]
        else:
            claim.precise = list(ns) if ok else []
    _recite([c for c in claims if c.supported is not True], passages, vectors, lang, langs, threshold)
    return claims


def _shown_facts(texts: list[str], langs: tuple[str, ...]) -> Passage:
    """A passage of what the prompt showed the model besides the sources' text, for Claim.unfounded."""
    facts = _facts("\n".join(texts), langs)
    return Passage(0, [], np.zeros((0, 1)), facts, facts.years, [], [])


def _recite(claims: list[Claim], passages: dict, vectors: Vectors, lang: str, langs: tuple[str, ...],
            threshold: float) -> None:
    """Claim.recite for each unsupported or uncited claim that another given source supports on its own.

    Small models cite the wrong source more often than they invent (eval/README.md): the checker then
    says which source does say the claim, as a hint beside the model's text, which it leaves as written.
    """
    # Only a claim with something to check word for word (a date, number, name or place): a sentence with
    # none ("The sources don't say.") would pass on its similarity alone, which is high between any two
    # sentences on one topic.
    todo = []
    for c in claims:
        t = plain(c.text)
        f = extract(t, langs, claim=True, lang=lang)
        if len(t.split()) > 3 and f.has_checkable():
            # only sources that hold all its facts need its vector (as in check_claims)
            ns = [n for n, p in passages.items() if n not in c.citations and not missing(f, [p], lang)
                  and not _unshared(t, [p], lang)]
            if ns:
                todo.append((c, t, f, ns))
    if not todo:
        return
    vecs = vectors.claims([t for _, t, _, _ in todo], lang)
    for (c, text, facts, ns), vec in zip(todo, vecs):
        sims = {n: p.vectors @ vec for n, p in passages.items()}
        found = [(best, n, ev) for n in ns
                 for ok, _, ev, best in [_verdict(facts, sims, passages, [n], lang, threshold, text)]
                 if ok and _hint_holds(facts, text, best, passages[n], ev, lang, langs)]
        if found:
            _, n, ev = max(found, key=lambda f: (f[0], -f[1]))
            quote = passages[n].sentences[ev[0][1]].strip().strip("…").strip()  # a cut source's "…" is no quote
            c.recite = {"n": n, "quote": quote or passages[n].sentences[int(np.argmax(sims[n]))]}


def _hint_holds(facts: Facts, text: str, best: float, p: Passage, evidence: list, lang: str,
                langs: tuple[str, ...]) -> bool:
    """Whether a passing verdict is enough for the hint "[n] says this" (RECITE_SIMILARITY, above)."""
    if best >= RECITE_SIMILARITY:
        return True
    if not facts.has_time_or_number():
        return False
    if p.lang != lang:
        return best >= RECITE_DATED_SIMILARITY
    # found by the fact check already, a hyphened name in its parts (Kassym-Zhomart: Kassym, Zhomart)
    named = {part for w in [*(w for g in facts.names for w in g), *facts.places] for part in w.split("-")}
    keys = {k[:4] for k in _beginnings(p.sentences[evidence[0][1]], langs)}
    return not [w for w in content_words(text) if w not in named and word_key(w)[:4] not in keys
                and not extract(w, langs, claim=True, lang=lang).has_time_or_number()]  # "Montag": checked


def _unshared(text: str, cited: list[Passage], lang: str) -> tuple[list[str], int] | None:
    """The claim's content words its passages lack, when they are all in its language and lack most of them."""
    if text and cited and all(p.lang == lang for p in cited):
        return unshared(text, frozenset().union(*(p.beginnings for p in cited)))
    return None


@lru_cache(maxsize=1024)
def _beginnings(text: str, langs: tuple[str, ...]) -> frozenset[str]:
    """A passage's word beginnings (bot/answer/wording.py); passages recur, so they are kept."""
    return frozenset(beginnings(_facts(text, langs).words))


def answer_claims(text: str, sources: list[Source], cfg, vectors: Vectors, lang: str | None = None,
                  question: str = "") -> list[Claim]:
    """The claims of a generated answer, checked unless `answer.check_claims` is off (then all unchecked)."""
    from bot.answer.claims import split_claims

    claims = split_claims(text, len(sources))
    if not cfg.check_claims:
        for c in claims:
            c.reason = "not checked: answer.check_claims is off"
        return claims
    return check_claims(claims, sources, vectors, cfg.claim_similarity, lang, question)
