"""The checkable facts of a text (numbers, dates, years, names), normalised so they compare across languages.

A claim in Polish must be checkable against a German passage: "28 listopada" = "28. November" = "November 28",
"cztery" = "vier" = "fire" = "four", "Tokajewa" = "Tokayev". Month names come from CLDR (Babel) and number
words from num2words, for whichever languages the answer and its passages are in; names are compared with
the folding retrieval uses (bot/answer/names.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.answer.names import _norm, full_fold, is_name
from bot.answer.places import place_of
from bot.lang import fold, stopwords

_ORDINAL = ("st", "nd", "rd", "th")
_DAY_LIST = ("and", "&", "-", "–", "und", "og", "et", "y")  # between two days after their month
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?\.?|[^\W\d_]+(?:-[^\W\d_]+)*", re.U)
_ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")  # 2022-11-01, 2022-11-01T10:00 too
_LIST_RE = re.compile(r"\s*\d{1,2}[.)]\s+")
_YEARS = range(1800, 2101)
_fold = lru_cache(maxsize=65536)(fold)  # passages repeat their words


def _babel_locale(lang: str):
    from babel import Locale, UnknownLocaleError

    for code in (lang, {"no": "nb"}.get(lang, lang)):
        try:
            return Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
    return None


@lru_cache(maxsize=64)
def month_names(lang: str) -> tuple[dict[str, int], tuple[tuple[str, int], ...]]:
    """(exact form -> month, (stem, month) pairs for inflected forms) from CLDR's wide month names.

    Polish dates take the genitive ("28 listopada", CLDR's format form) and other cases ("w listopadzie"):
    a word beginning with a wide name of 5+ letters counts too. Abbreviations are left out: "sie", "mar"
    and "may" are ordinary words.
    """
    loc = _babel_locale(lang)
    exact: dict[str, int] = {}
    if loc is not None:
        for ctx in ("format", "stand-alone"):
            for m, name in loc.months[ctx]["wide"].items():
                exact[_norm(name)] = m
    stems = tuple((w, m) for w, m in exact.items() if len(w) >= 5)
    return exact, stems


@lru_cache(maxsize=64)
def weekday_stems(langs: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(stem, day 0-6) from CLDR's wide weekday names, a final vowel cut: "środ" takes środa, środę and
    środowych; "mandag" and "montag" stay whole."""
    out = []
    for lang in langs:
        loc = _babel_locale(lang)
        if loc is not None:
            for ctx in ("format", "stand-alone"):
                for d, name in loc.days[ctx]["wide"].items():
                    w = _norm(name)  # a final vowel is a case ending (środa, środę); Mandat is no mandag
                    out.append((w[:-1] if w[-1] in "aeiouy" else w, d))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=64)
def number_words(lang: str) -> dict[str, int]:
    """Single-word number names 0..100 in a language (num2words), e.g. {"vier": 4, ...}; {} when unknown."""
    from num2words import num2words

    out: dict[str, int] = {}
    for n in range(101):
        try:
            word = _norm(num2words(n, lang=lang))
        except (NotImplementedError, KeyError, ValueError, TypeError, OverflowError):
            return out
        if word.replace("'", "").isalpha():  # Russian "пять" is "piat'" (unidecode keeps the soft sign)
            out.setdefault(word, n)
    return out


@dataclass
class Facts:
    """What a text states that can be checked word for word; `names` are groups of adjacent name words."""

    numbers: set[float] = field(default_factory=set)
    dates: set[tuple[int, int]] = field(default_factory=set)  # (day, month)
    months: set[int] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)  # 0 = Monday
    years: set[int] = field(default_factory=set)
    names: list[list[str]] = field(default_factory=list)
    stems: set[str] = field(default_factory=set)  # folded words (passages)
    prefixes: set[str] = field(default_factory=set)  # first 4 folded letters of capitalised words (passages)
    capitals: set[str] = field(default_factory=set)  # capitalised words, lower case without accents (passages)
    words: set[str] = field(default_factory=set)  # whole words folded for transliteration (passages)
    anchors: list[str] = field(default_factory=list)  # the claim's capitalised words: what its numbers are about
    places: dict[str, str] = field(default_factory=dict)  # the claim's place words -> place id (places.py)

    def has_time_or_number(self) -> bool:
        return bool(self.numbers or self.dates or self.months or self.weekdays or self.years)

    def has_checkable(self) -> bool:
        """Something the claim check looks up word for word: a time or number, a name or a place."""
        return self.has_time_or_number() or bool(self.names or self.places)


def _number(tok: str) -> float | None:
    t = tok.rstrip(".")
    if not t[:1].isdigit():
        return None
    if re.fullmatch(r"\d+[.,]\d{3}", t):  # 1.000 / 1,000: a thousands separator
        t = t.replace(".", "").replace(",", "")
    return float(t.replace(",", "."))


@lru_cache(maxsize=64)
def _months(langs: tuple[str, ...]) -> tuple[dict[str, int], dict[str, tuple[tuple[str, int], ...]]]:
    """The month names of several languages: exact forms, and stems by their first three letters."""
    exact: dict[str, int] = {}
    stems: dict[str, list[tuple[str, int]]] = {}
    for lang in langs:
        ex, st = month_names(lang)
        for w, m in ex.items():
            exact.setdefault(w, m)
        for stem, m in st:
            stems.setdefault(stem[:3], []).append((stem, m))
    return exact, {k: tuple(v) for k, v in stems.items()}


def _month(word: str, langs: tuple[str, ...]) -> int | None:
    w = _norm(word)
    exact, stems = _months(langs)
    if w in exact:
        return exact[w]
    # Polish "w marcu", "w kwietniu" (locative): CLDR's genitive (marca, kwietnia) with its last vowel made
    # -u; only that ending, so that names like Marco or Julia are no March or July.
    cut = w[:-1]
    if w.endswith("u") and len(cut) >= 4 and any(exact.get(cut + v) for v in "aeiouy"):
        return next(exact[cut + v] for v in "aeiouy" if exact.get(cut + v))
    return next((m for stem, m in stems.get(w[:3], ()) if w.startswith(stem)), None)


def _day(tok: str) -> int | None:
    n = _number(tok)
    return int(n) if n is not None and n == int(n) and 1 <= n <= 31 and "," not in tok else None


def extract(text: str, langs: tuple[str, ...], claim: bool, lang: str | None = None) -> Facts:
    """The facts of a claim (claim=True: its names too) or the index of a passage to look them up in.

    `langs` are the languages whose month and number words count; `lang` is the claim's own language (for
    telling names from nouns, and its number words). "one"/"ein"/"en" are articles too, so number words
    count from two, in claims and passages alike.
    """
    toks = [(m.group(), m.start()) for m in _TOKEN_RE.finditer(text)]
    f = Facts()
    used: set[int] = set()
    for iso in _ISO_RE.finditer(text):  # 2022-11-01: a year and a date, not the numbers 11 and 1
        y, mo, d = (int(x) for x in iso.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            f.years.add(y), f.months.add(mo), f.dates.add((d, mo))
            used.update(i for i, (_, pos) in enumerate(toks) if iso.start() <= pos < iso.end())
    # "1. Die Quelle [1] berichtet …": a list's item number says nothing ("1. Mai" is a date, not an item)
    if claim and _LIST_RE.match(text) and not (len(toks) > 1 and _month(toks[1][0], langs)):
        used.add(0)
    # A claim's number words are its own language's ("to" is two in Norwegian, a preposition in English).
    numwords: dict[str, int] = {}
    for x in ((lang or "en",) if claim else langs):
        numwords.update({w: n for w, n in number_words(x).items() if w not in numwords})
    stop = stopwords()
    prev_name = -2
    for i, (tok, _) in enumerate(toks):
        m = None if tok[0].isdigit() else _month(tok, langs)
        if m is None:
            continue
        used.add(i)
        days = []
        j = i - 1  # "28. November", "29. und 30. November", "28 listopada"
        while j >= 0 and i - j <= 4 and j not in used:  # a list's item number or another month's day
            d = _day(toks[j][0])
            if d is not None:
                days.append(d)
                used.add(j)
            elif len(toks[j][0]) > 3 and toks[j][0] not in ("-", "–"):
                break
            j -= 1
        # "November 28", "November 29th and 30th" (English ordinals: "th" is a token of its own)
        after = [k for k in range(i + 1, min(i + 9, len(toks))) if toks[k][0].lower() not in _ORDINAL][:5]
        for n, k in enumerate(after[::2]):
            if days and n == 0 or n and toks[after[2 * n - 1]][0].lower() not in _DAY_LIST:
                break
            if _day(toks[k][0]) is None or _number(toks[k][0]) in _YEARS:
                break
            nxt = k + 1 + (k + 1 < len(toks) and toks[k + 1][0].lower() in _ORDINAL)
            if n and nxt < len(toks) and not text[toks[nxt - 1][1] + len(toks[nxt - 1][0]):toks[nxt][1]].strip():
                break  # "November 28 and 4 regions": a count, not a second day
            days.append(_day(toks[k][0]))
            used.add(k)
        f.months.add(m)
        f.dates.update((d, m) for d in days)
    for i, (tok, pos) in enumerate(toks):
        if i in used:
            continue
        n = _number(tok)
        if n is not None:
            if n == int(n) and int(n) in _YEARS:
                f.years.add(int(n))
            f.numbers.add(n)
            continue
        w = _norm(tok)
        day = next((d for stem, d in weekday_stems(langs) if w.startswith(stem)), None)
        if day is not None:
            f.weekdays.add(day)
            continue
        if w in numwords and numwords[w] >= 2:  # one is an article too: "en", "ein", "a"
            f.numbers.add(float(numwords[w]))
            continue
        if not claim:
            for part in tok.split("-"):
                f.stems.add(_fold(part))
                f.words.add(full_fold(part))
                if part[:1].isupper():
                    f.prefixes.add(_fold(part)[:4])
                    f.capitals.add(_norm(part))
            continue
        if not tok[:1].isupper() or tok.lower() in stop or w in stop:
            continue
        f.anchors.append(tok)
        # a place is spelt its own way in each language (Moskwy, Rosji): missing() checks it as one too
        pid = place_of(tok, lang)
        if pid:
            f.places[tok] = pid
        if not is_name(tok, lang):
            continue
        # a place after a function word is a place, not the first name of the name after it ("in Minsk
        # Putin"); elsewhere it may be one ("Jordan Bardella"), and missing() checks it both ways
        if pid and i and toks[i - 1][0].lower() in stop:
            continue
        if prev_name == i - 1 and not text[toks[i - 1][1] + len(toks[i - 1][0]): pos].strip():
            f.names[-1].append(tok)
        else:
            f.names.append([tok])
        prev_name = i
    return f


_CLAUSE_RE = re.compile(r"[,;:()]|\s(?:und|and|i|og|oraz|et|y|och|men|aber|but|ale|a)\s+(?=[^\W\d])", re.I)


def clauses(text: str) -> list[str]:
    """A sentence cut at commas and at "and" between clauses, not between numbers ("29. und 30. November")."""
    return [c for c in _CLAUSE_RE.split(text) if c and c.strip()]


def warm(langs: tuple[str, ...]) -> None:
    """Load the check's language data for these languages now (CLDR month and place names, number words,
    word frequencies): built on first use, it cost the first answers of a process 0.4–0.9 s once (q008,
    q011: 0.91 and 0.42 s cold, 0.06 and 0.12 s warm)."""
    sample = "Tokayev met Putin in Paris on 28 November 2019 for four hours."
    for lang in langs:
        extract(sample, langs, claim=True, lang=lang)
    extract(sample, langs, claim=False)
    place_of("Moscow", "en")  # the place table: every locale's countries and cities at once
