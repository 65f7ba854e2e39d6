"""Whether an answer gives the kind of thing its question asks for: a length of time, a date or an amount.

Asked "how long did the meeting last?" about sources that do not say, the 1.5B test model answered "Tokajev og
Putin møtte hverandre i Moskva etter gjenvalget" (q065), true and cited, but no answer: the claim check finds
nothing wrong with it. A question that asks how long, how many, how old, what year or which day is answered
only by an answer that holds a number, a date, a month, a weekday or a year (bot/answer/facts.py, number
words included, declined ones too), or a word of time: CLDR's names of units of time and its relative ones
(heute, last week, w tych dniach, i fjor), via Babel, in the languages of the answer and its sources.
"When?" is left out: "after his re-election" answers it with no word of time. Over XQuAD's 200 development
questions that ask so, 9 gold answers have none of these ("hundreds", "много раз", "None"): such a right
answer would be withdrawn.
"""
from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

from bot.answer.claims import plain
from bot.answer.facts import _babel_locale, extract, number_words
from bot.lang import letter_words

# The interrogatives that ask for an amount or a length of time, in the languages the prompts name a refusal for
# and a few more (no data set lists them), after at most a preposition ("On what date", "Mit wie viel
# Prozent", "W którym roku"). "How much" and "hvor mye" ask for a degree as often ("how much did it affect").
_ASKS = re.compile(
    r"(?i)^\W*(?:\w{1,4}\s+)?(?:how (?:long|many|old|often)|what (?:year|date|day)|which (?:year|day)"
    r"|wie (?:lange|viele?|alt|oft)|wieviele?|welche[mnrs]? (?:tag|jahr|datum|monat)"
    r"|ile|ilu|jak (?:długo|dawno|często)|którym roku|którego dnia|jakim dniu"
    r"|hvor (?:lenge|mange|gammel|ofte)|hvilke[nt]? (?:år|dag|dato|måned|ukedag)"
    r"|cuánt[oa]s|cuánto tiempo|qué (?:año|día)|combien|quel (?:âge|jour)|quelle (?:année|date)"
    r"|сколько|как долго|в каком году|quant[aie]|quanto tempo|hoeveel|hoe lang|hur (?:länge|många)"
    r"|hvor længe)\w{0,3}\b")  # \w{0,3}: years, Tage, dager
# Any question word, to tell which clause of a question asks: "Besides Luhansk, which region ...?" asks in
# its second one, "What did Putin say, when ...?" in its first (and not for a time).
_ASKING = re.compile(
    r"(?i)^\W*(?:\w{1,4}\s+)?(?:what|who|whom|whose|which|where|why|how|when|was|wer|wen|wem|wo|warum|wie|wann"
    r"|welche\w*|co|czego|czemu|czym|czyj\w*|kto|kogo|komu|gdzie|dlaczego|jak\w*|któr\w*|czy|kiedy|ile|ilu"
    r"|hva|hvem|hvor|hvorfor|hvilke\w*"
    r"|når|qu\w*|cu[aá]\w*|dónde|cómo|où|comment|combien|что|кто|где|почему|как\w*|когда|сколько)\b")


def asking_word(question: str) -> str | None:
    """The question word of the first clause that begins with one ("Besides Luhansk, which ..." -> "which"),
    lower case; None for a question without one, a yes/no question ("Hat Tokajew ...?")."""
    for part in question.split(","):
        m = _ASKING.search(part)
        if m:
            return m.group().split()[-1].strip("¿¡\"'«»„“").lower()
    return None


def asks_for_time_or_amount(question: str) -> bool:
    """The question asks how long, how many, how old, what year or which day: the first of its clauses (cut
    at commas) that begins with a question word does ("According to the caption, how long ...")."""
    for part in question.split(","):
        if _ASKING.search(part):
            return bool(_ASKS.search(part))
    return False


_TIME_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")
_DURATIONS = tuple(f"duration-{u}" for u in ("century", "decade", *_TIME_UNITS))


@lru_cache(maxsize=64)
def time_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """CLDR's words of time for a language, lower case without accents: (the units, next to the number in
    every plural form of "{0} weeks", "vor {0} Tagen", "for {0} dager siden": Woche, Wochen, tydzień, tygodni;
    the relative phrases: heute, letzte Woche, i går), the second to be found whole ("går" alone is "goes")."""
    loc = _babel_locale(lang)
    if loc is None:
        return frozenset(), frozenset()
    fields, units = loc._data["date_fields"], loc._data["unit_patterns"]
    phrases = {" ".join(letter_words(unidecode(str(text).lower())))
               for unit in _TIME_UNITS for text in dict(fields.get(unit, {}).get("relative", {})).values()}
    patterns = [str(v) for unit in _TIME_UNITS for when in ("past", "future")
                for v in dict(fields.get(unit, {}).get(when, {})).values()]
    patterns += [str(v) for unit in _DURATIONS for k, v in dict(units.get(unit, {}).get("long", {})).items()
                 if k != "per"]
    out: set[str] = set()
    for text in patterns:
        before, _, after = unidecode(text.lower()).partition("{0}")
        out.update(letter_words(after)[:1] or letter_words(before)[-1:])  # the unit, not "vor" or "siden"
    return frozenset(w for w in out if len(w) >= 2), frozenset(p for p in phrases if p)


def _is_time_word(word: str, words: frozenset[str]) -> bool:
    """A word of time or one of its forms: one of two letters only as it is (år, not årsak), longer ones with
    at most three more letters (dni: dniach; tag: Tage; not dzień: dziennikarze, nor morgen: Morgenpost)."""
    return any(word == t or (len(t) >= 3 and word.startswith(t) and len(word) - len(t) <= 3)
               for t in words if word[:2] == t[:2])


def _is_number_word(word: str, lang: str) -> bool:
    """A number word of the language from 2 up, declined as well (четырьмя of четыре, dwie of dwa, Zweidrittel-
    of zwei): one of four letters or more by those four, one of three by two and a word of four at most; one
    of two letters only as it is (Norwegian "ti" is no "til")."""
    for nw, n in number_words(lang).items():
        if n < 2:
            continue
        nw = nw.replace("'", "")  # as letter_words reads the answer: piat' is piat
        if word == nw or (len(nw) >= 4 and word.startswith(nw[:4])) or (
                len(nw) == 3 and word[:2] == nw[:2] and len(word) <= 4):
            return True
    return False


def gives_time_or_amount(answer: str, langs: tuple[str, ...]) -> bool:
    """The answer holds a number, date, month, weekday or year, or a word of time, in any of `langs` (the
    answer's language first: its number words count, declined too; an answer left in a source's language
    counts too)."""
    text = plain(answer)
    if extract(text, langs, claim=True, lang=langs[0] if langs else None).has_time_or_number():
        return True
    words = letter_words(unidecode(text.lower()))
    if langs and any(_is_number_word(w, langs[0]) for w in words):
        return True
    joined = f" {' '.join(words)} "
    for lang in filter(None, langs):
        units, phrases = time_words(lang)
        if any(f" {p} " in joined for p in phrases) or any(_is_time_word(w, units) for w in words):
            return True
    return False
