"""Countries and cities a claim names, and whether a passage names them too, in any language (CLDR via Babel).

A place has its own name in each language (Moskau, Moskwa, Moscow, Москва), so the name check, which
matches spellings, leaves such words alone (bot/answer/names.py). A claim "Tokajew przyjechał do Moskwy"
cited to a passage that never mentions Moscow is then checked by its meaning alone, which the similar topic
passes. CLDR holds every country's name and the cities of the time zones in each language; those are the
places checked here. A claim's word is a place when it is one of those names or the name with a case ending
(Moskwy, Moskwie, Rosji, Paryżu); the passage holds the place when one of its words begins like any of the
place's names (first four folded letters: Moskau, Moskva; russische for Russland, since passages often say
"the Russian president" where a claim says "Russia").
"""
from __future__ import annotations

from functools import lru_cache

from bot.answer.names import _INTL, _norm, _zipf, full_fold

# Languages whose place names are read; a claim in another one is still checked against all of these.
_LOCALES = ("en", "de", "pl", "nb", "nn", "da", "sv", "fr", "es", "it", "nl", "pt", "ru", "uk", "cs", "fi")
_VOWELS = "aeiouy"
# Languages that decline names with endings (Moskwa: Moskwy, Moskwie); elsewhere only a genitive "s" is one
# (Russlands), so that an ordinary word beginning like a place (Serving, Austritt, Kongen) is no place.
_INFLECTING = ("pl", "cs", "sk", "ru", "uk", "be", "bg", "hr", "sr", "sl", "lt", "lv", "fi", "et", "hu")
# The case endings of those languages' nouns, accents aside (Moskw-ie, Chin-ach, Rosj-i, Niemc-ów): a longer
# word that begins like a place is another word (samolot is no Samoa, pragnie no Praga, komórki no Komory).
_ENDINGS = frozenset("a e i o u y ie iu ia em om ow ach ami owi ej ym im ov oj".split())
COMMON_GAP = 1.5  # a word this much more frequent (zipf) in its language than the place's name is a word


def _a_word(text: str) -> bool:
    return any(_zipf(text, lang) >= 3.0 for lang in _INTL)


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, frozenset[str]], dict[str, list[tuple[str, str, str]]]]:
    """(place id -> its names' folded four-letter prefixes, for passages; a name's first four letters ->
    [(the name, lower case without accents, place id, the locale it is from)], for claims)."""
    from babel import Locale

    names: dict[str, set[tuple[str, str]]] = {}
    for code in _LOCALES:
        loc = Locale.parse(code)
        for terr, name in loc.territories.items():
            if terr.isalpha() and len(terr) == 2 and " " not in name:
                names.setdefault(f"territory:{terr}", set()).add((name, code))
        for zone, info in loc.time_zones.items():
            if "city" in info and " " not in info["city"]:
                names.setdefault(f"zone:{zone}", set()).add((info["city"], code))
    for pid in [p for p in names if p.startswith("zone:")]:  # English: the zone id's city (Europe/Moscow)
        city = pid.rsplit("/", 1)[-1]
        if "_" not in city:
            names[pid].add((city, "en"))
    prefixes: dict[str, frozenset[str]] = {}
    index: dict[str, list[tuple[str, str, str]]] = {}
    for pid, forms in names.items():
        # a name of three letters is also a word (Man, Rom); one of four may fold to three (Kyiv: "kiv"), if
        # that is no word of its own (Chad: "had")
        folded = {full_fold(f) for f, _ in forms if len(full_fold(f)) >= 4
                  or (len(f) >= 4 and len(full_fold(f)) == 3 and not _a_word(full_fold(f)))}
        prefixes[pid] = frozenset(f[:4] for f in folded)
        for f, code in {(_norm(f), code) for f, code in forms if len(f) >= 4}:
            index.setdefault(f[:4], []).append((f, pid, code))
    return prefixes, index


def place_of(word: str, lang: str | None = None) -> str | None:
    """The place a capitalised claim word names, or None: one of the places' names (in any language, accents
    aside), or, in a language that declines names, the name with its last vowel changed for a case ending
    (Moskwy, Rosji, Paryżu); elsewhere with a genitive "s". A word much more common in its language than the
    name it looks like is that word (Polish Numer is no Nouméa, Samo no Samoa)."""
    if not word[:1].isupper():
        return None
    w = _norm(word)
    if len(w) < 4:
        return None
    lang = lang or "en"
    for form, pid, code in _places()[1].get(w[:4], ()):
        if w == form or w == form + "s":
            return pid
        stem = form[:-1] if form[-1] in _VOWELS else form
        # endings only on the claim language's own name of the place (Polish Madryt, not Portuguese Madri)
        if (lang in _INFLECTING and code == lang and len(stem) >= 4 and w.startswith(stem)
                and w[len(stem):] in _ENDINGS and _zipf(w, lang) < _zipf(form, lang) + COMMON_GAP):
            return pid
    return None


def place_found(pid: str, words: set[str]) -> bool:
    """Whether a passage (its folded words) names the place in any language."""
    prefixes = _places()[0].get(pid, frozenset())
    return any(w[:4] in prefixes or w[:3] in prefixes for w in words if len(w) >= 3)  # 3: a short name's
