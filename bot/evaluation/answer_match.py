"""Pure answer-matching of the eval: does an answer give an accepted answer (alias), and does it refuse?

Aliases match as whole words after normalization (case, accents, punctuation, [n] markers and date forms
do not matter). Three rules keep the score honest (tests/test_answer_scores.py has a case for each):
- an alias the question already holds counts only where the answer uses it outside a restatement of the
  question (a run of ECHO_RUN or more words copied from it) and not negated ("not in a runoff");
- an either-or item lists the other options as `rivals`: its first option the answer asserts must be an alias;
- all-answers items, and any alias written with a capital (a name, a German noun), accept spelling variants
  and endings (Alijew, Alijewem for Aliyev; "z Emmanuelem Macronem" gives Macron): an inflecting language
  declines names, and no alias list can hold every case. Lower-case aliases (numbers, ordinary words) match
  exactly, so "four" is not found in "fourth".
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from unidecode import unidecode

# the refusal detector lives with the answer code, which the core's fallback uses; the eval re-exports it
from bot.answer.refusal import REFUSAL_PATTERNS, is_refusal, normalize, strip_markers, tokens  # noqa: F401
from bot.lang import NEGATIONS

NEGATION_WINDOW = 3  # words before an alias, within its clause
ECHO_RUN = 4  # this many words in a row copied from the question are a restatement of it
# A clause ends at punctuation or a contrast ("not X but Y"): a negation does not reach past it.
_CLAUSE_RE = re.compile(r"[,;:.!?()\[\]–—]|\b(?:but|aber|sondern|ale|lecz|tylko|men|however|jedoch)\b", re.I)
_ORDINAL_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|e|er|te|go|ego)$")  # 28th, 1er, 2nd; "28." loses its dot
_MONTH_LOCALES = ("en", "de", "pl", "nb", "nn", "da", "sv", "fr", "es", "it", "nl", "pt", "ru", "uk", "cs")
# Transliteration spellings of the same name (Alijew, Aliyev, Alijev), as in bot/lang.py's word folding.
_TRANSLIT = (("sch", "sh"), ("kh", "h"), ("ch", "h"), ("zh", "sh"), ("w", "v"), ("j", "y"), ("y", "i"), ("z", "s"))
MAX_ENDING = 3  # letters an inflected form may add to a name of 4+ letters (Putin -> Putinem)


@lru_cache(maxsize=1)
def _months() -> dict[str, str]:
    """Normalized month name or abbreviation (CLDR, through Babel) -> "m1".."m12"; names two months share are left out."""
    from babel import Locale

    seen: dict[str, set[str]] = {}
    for code in _MONTH_LOCALES:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    key = normalize(name)
                    if len(key) >= 3 and " " not in key:
                        seen.setdefault(key, set()).add(f"m{number}")
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def _numeric_dates(text: str) -> str:
    """2022-11-28, 28.11.2022, 28.11. and 28/11/2022 written as "28 m11 2022" before punctuation is dropped."""
    def dmy(d: str, m: str, y: str | None) -> str:
        return f" {int(d)} m{int(m)} {y or ''} " if 1 <= int(d) <= 31 and 1 <= int(m) <= 12 else f" {d} {m} {y or ''} "

    text = re.sub(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", lambda m: dmy(m[3], m[2], m[1]), text)
    text = re.sub(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}\b)?", lambda m: dmy(m[1], m[2], m[3]), text)

    def slash(m: re.Match) -> str:  # day first unless only month first makes sense (US 11/28/2022)
        a, b = int(m[1]), int(m[2])
        return dmy(m[2], m[1], m[3]) if b > 12 >= a else dmy(m[1], m[2], m[3])

    return re.sub(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b", slash, text)


def _is_day(tok: str) -> bool:
    return tok.isdigit() and 1 <= int(tok) <= 31 and len(tok) <= 2


def words(text: str) -> list[tuple[str, int]]:
    """(word, clause number) of a text: normalized, markers dropped, dates in one form ("28 m11")."""
    ws: list[tuple[str, int]] = []
    for clause_no, clause in enumerate(_CLAUSE_RE.split(_numeric_dates(strip_markers(text)))):
        ws += [(_ORDINAL_RE.sub(r"\1", t), clause_no) for t in normalize(clause or "").split()]
    toks, months = [w for w, _ in ws], _months()
    for i, t in enumerate(toks):  # a month name counts as one only next to a day or year number
        if t in months and any(x.isdigit() for x in toks[max(0, i - 1):i] + toks[i + 1:i + 2]):
            toks[i] = months[t]
    for i in range(len(toks) - 1):  # "m11 28" -> "28 m11": one order for day and month
        if re.fullmatch(r"m\d\d?", toks[i]) and _is_day(toks[i + 1]):
            toks[i], toks[i + 1] = toks[i + 1], toks[i]
    return [(t, c) for t, (_, c) in zip(toks, ws)]


def _translit(word: str) -> str:
    w = unidecode(word)
    for a, b in _TRANSLIT:
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def _same_word(got: str, want: str, loose: bool) -> bool:
    if got == want:
        return True
    if not loose or want.isdigit() or got.isdigit() or len(want) < 4 or len(got) < 4:
        return False  # short words match exactly: TASS is no Norwegian "tas" once double letters collapse
    g, w = _translit(got), _translit(want)
    if g == w:
        return True
    # an ending, but not a demonym's: Russia-n, Rosja-nie name the people or the language, not the country
    return (len(w) >= 4 and g.startswith(w) and len(g) - len(w) <= MAX_ENDING
            and not (w[-1] in "aeiouy" and g[len(w)] == "n"))


def _find(seq: Sequence[str], alias: Sequence[str], loose: bool) -> list[int]:
    """Start positions of `alias` (a word list) in `seq`."""
    n = len(alias)
    return [i for i in range(len(seq) - n + 1) if all(_same_word(seq[i + j], alias[j], loose) for j in range(n))]


def _echo_spans(ans: Sequence[str], question: Sequence[str]) -> list[tuple[int, int]]:
    """Maximal runs of ECHO_RUN+ answer words found in the same order, back to back, in the question."""
    qtext = f" {' '.join(question)} "
    spans, i = [], 0
    while i < len(ans):
        j = i
        while j < len(ans) and f" {' '.join(ans[i:j + 1])} " in qtext:
            j += 1
        if j - i >= ECHO_RUN:
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def _negated(ws: Sequence[tuple[str, int]], pos: int) -> bool:
    clause = ws[pos][1]
    before = [w for w, c in ws[max(0, pos - NEGATION_WINDOW):pos] if c == clause]
    return any(w in NEGATIONS for w in before)


def alias_match(answer: str, aliases: Sequence[str], all_answers: bool = False, question: str = "",
                rivals: Sequence[str] = ()) -> bool:
    """Whether the answer gives an accepted answer (every one with all_answers); see the module docstring."""
    ws = words(answer)
    seq = [w for w, _ in ws]
    norm, loose = [], []
    for x in aliases:
        if a := [w for w, _ in words(x)]:
            norm.append(a)
            loose.append(all_answers or x.strip()[:1].isupper())
    if not norm:
        return False
    qseq = [w for w, _ in words(question)] if question else []
    spans = _echo_spans(seq, qseq) if qseq else []

    def in_span(pos: int, n: int, only: list[tuple[int, int]]) -> bool:
        return any(a <= pos and pos + n <= b for a, b in only)

    if rivals:
        rival = [r for r in ([w for w, _ in words(x)] for x in rivals) if r]
        both = [sp for sp in spans if any(_find(seq[sp[0]:sp[1]], a, True) for a in norm)
                and any(_find(seq[sp[0]:sp[1]], r, True) for r in rival)]  # the choice restated
        hits = sorted((pos, ok) for group, ok in ((norm, True), (rival, False)) for a in group
                      for pos in _find(seq, a, True) if not in_span(pos, len(a), both) and not _negated(ws, pos))
        return bool(hits) and hits[0][1]

    def found(alias: list[str], loose: bool) -> bool:
        positions = _find(seq, alias, loose)
        if not (qseq and _find(qseq, alias, True)):
            return bool(positions)
        return any(not in_span(p, len(alias), spans) and not _negated(ws, p) for p in positions)

    hits = [found(a, lo) for a, lo in zip(norm, loose)]
    return all(hits) if all_answers else any(hits)


def token_f1(answer: str, aliases: Sequence[str], all_answers: bool = False) -> float:
    """SQuAD-style token F1 against the best alias; with all_answers the aliases together are the gold answer."""
    from collections import Counter

    golds = [" ".join(aliases)] if all_answers else list(aliases)
    pred = Counter(tokens(answer))
    best = 0.0
    for gold in golds:
        ref = Counter(tokens(gold))
        common = sum((pred & ref).values())
        if common:
            p, r = common / sum(pred.values()), common / sum(ref.values())
            best = max(best, 2 * p * r / (p + r))
    return best


def is_correct(answer: str, aliases: Sequence[str], all_answers: bool = False, question: str = "",
               rivals: Sequence[str] = (), phrases: Iterable[str] = ()) -> bool:
    """Refusal first: "Źródła tego nie mówią" holds the accepted answer "nie" (q189) but answers nothing."""
    return not is_refusal(answer, phrases) and alias_match(answer, aliases, all_answers, question, rivals)
