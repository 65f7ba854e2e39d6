"""Whether an answer gives the kind of thing its question asks for: a time, a date or an amount.

Asked "how long did the meeting last?" about sources that do not say, the 1.5B test model answered "Tokajev og
Putin møtte hverandre i Moskva etter gjenvalget" (q065), true and cited, but no answer: the claim check finds
nothing wrong with it. A question that asks when, how long, how many or how much is answered only by an
answer that holds a number, a date, a month, a weekday or a year (bot/answer/facts.py, number words
included), or a word of time: CLDR's names of units of time and its relative ones (heute, last week, w
przyszłym tygodniu, i fjor), via Babel, in the answer's language.
"""
from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

from bot.answer.claims import plain
from bot.answer.facts import _babel_locale, extract
from bot.lang import fold, letter_words

# The interrogatives that ask for a time or an amount, in the languages the prompts name a refusal for and a
# few more (no data set lists them). Only near a question's start (first three words, or just after a comma:
# "According to the caption, how long ..."), since "when" and "når" are conjunctions too ("What did Putin say
# when Tokayev arrived?").
_ASKS = re.compile(
    r"(?i)^(?:\W*\w+\W+){0,2}?\W*(?:when|how (?:long|many|much|old|often)|what (?:year|date|day|time)"
    r"|which (?:year|day)|since when|wann|seit wann|bis wann|wie (?:lange|viele?|alt|oft)"
    r"|welche[mnrs]? (?:tag|jahr|datum|monat)|kiedy|ile|jak (?:długo|dawno|często)|(?:w )?którym roku"
    r"|którego dnia|w jakim dniu|når|hvor (?:lenge|mange|mye|gammel|ofte)"
    r"|hvilke[nt]? (?:år|dag|dato|måned|ukedag)|cuándo|cuánt[oa]s?|qué (?:año|día)|quand|combien"
    r"|quel (?:âge|jour)|quelle (?:année|date)|когда|сколько"
    r"|как долго|в каком году|quando|quant[oaie]|wanneer|hoeveel|hoe lang|när|hur (?:länge|många|mycket)"
    r"|hvornår|hvor længe)\w{0,3}\b")  # \w{0,3}: years, Tage, dager
_TIME_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
_DURATIONS = tuple(f"duration-{u}" for u in ("century", "decade", *_TIME_UNITS))


def asks_for_time_or_amount(question: str) -> bool:
    """The question asks when, how long, how many or how much (near its start, or its clause's)."""
    return any(_ASKS.search(part.strip()) for part in question.split(","))


@lru_cache(maxsize=64)
def time_words(lang: str) -> frozenset[str]:
    """CLDR's words of time for a language, lower case without accents: the unit next to the number in every
    plural form of "{0} weeks", "vor {0} Tagen", "for {0} dager siden" (Woche, Wochen; tydzień, tygodni), and
    the relative ones: heute, gestern; "letzte Woche" gives Woche and "i dag" dag, as "letzte" and "i" go
    with other units too ("letzten Monat", "i fjor"): those are ordinary words."""
    loc = _babel_locale(lang)
    if loc is None:
        return frozenset()
    fields, units = loc._data["date_fields"], loc._data["unit_patterns"]
    out: set[str] = set()
    shared: dict[str, set[str]] = {}  # a folded word of a relative phrase -> the units it goes with
    phrases = []
    for unit in _TIME_UNITS:
        for text in dict(fields.get(unit, {}).get("relative", {})).values():
            words = letter_words(str(text).lower())
            if len(words) == 1:
                out.update(words)
            phrases.append(words)
            for w in words:
                shared.setdefault(fold(w), set()).add(unit)
    out.update(w for words in phrases if len(words) > 1 for w in words if len(shared[fold(w)]) == 1)
    patterns = [str(v) for unit in _TIME_UNITS for when in ("past", "future")
                for v in dict(fields.get(unit, {}).get(when, {})).values()]
    patterns += [str(v) for unit in _DURATIONS for k, v in dict(units.get(unit, {}).get("long", {})).items()
                 if k != "per"]
    for text in patterns:
        before, _, after = text.lower().partition("{0}")
        out.update(letter_words(after)[:1] or letter_words(before)[-1:])  # the unit, not "vor" or "siden"
    return frozenset(unidecode(w) for w in out if len(w) >= 2)


def _is_time_word(word: str, words: frozenset[str]) -> bool:
    """A word of time or one of its forms: two letters only as it is (år, not årsak), three plus at most three
    letters (dni, dniach; dag, dager), longer ones with any ending (Woche, Wochenende)."""
    return any(word.startswith(t) and (len(t) >= 4 or len(word) - len(t) <= (3 if len(t) == 3 else 0))
               for t in words if word[:2] == t[:2])


def gives_time_or_amount(answer: str, lang: str, langs: tuple[str, ...]) -> bool:
    """The answer holds a number, date, month, weekday or year (in `langs`' words for them, number words in
    `lang`'s), or begins a word with one of `lang`'s words of time (dni of dniach, week of weeks)."""
    text = plain(answer)
    f = extract(text, langs, claim=True, lang=lang)
    if f.numbers or f.dates or f.months or f.weekdays or f.years:
        return True
    words = time_words(lang)
    return any(_is_time_word(unidecode(w.lower()), words) for w in letter_words(text))
