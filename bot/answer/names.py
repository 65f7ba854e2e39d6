"""Names in a claim and whether a passage holds them, across languages and transliterations.

Which capitalised words are names is decided from word frequencies (wordfreq's small lists): German
capitalises every noun, and only names must appear in a cited passage. A name is found when its folded form
(lang's transliteration folding, uncut) is a passage word, one plus an ending of the other, or spelt close.
"""
from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

from bot.lang import _FOLDS, fold

# Languages whose shared vocabulary marks a word as an international name (Putin, Merkel, Paris).
_INTL = ("en", "de", "fr", "es", "pl", "no")


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    return unidecode(word.lower()).strip(".")


@lru_cache(maxsize=4096)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    try:
        # The "small" lists (words above zipf 3) load in ms where the large ones take a second each.
        return zipf_frequency(word, {"no": "nb"}.get(lang, lang), wordlist="small")
    except (LookupError, ValueError):
        return 0.0


@lru_cache(maxsize=4096)
def is_name(word: str, lang: str | None) -> bool:
    """A capitalised word is a name when it is rare in its language (Tokajew, Akorda) or common in another
    language too (Putin, Merkel, Paris) — unlike a German noun (Gespräche, Präsident), which is common in
    German only. A place with its own name in each language (Moskau) is not checked as a name.
    """
    w = word.lower()
    lang = lang or "en"
    if _zipf(w, lang) < 3.0:
        return True
    return any(_zipf(w, x) >= 3.0 for x in _INTL if x != lang)


def _near(a: str, b: str) -> bool:
    """Edit distance at most one per four letters (Jomart/Zhomart, President/Präsident), b cut to a's length + 2."""
    b = b[: len(a) + 2]
    limit = max(1, len(a) // 4)
    if abs(len(a) - len(b)) > limit:
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > limit:
            return False
    return row[-1] <= limit


@lru_cache(maxsize=65536)
def full_fold(word: str) -> str:
    """lang.fold without cutting the word short."""
    w = unidecode(word.lower())
    for a, b in _FOLDS:
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def word_found(part: str, passage, loose: bool = False) -> bool:
    """One word in a passage: folded, one word the other plus an ending (Tokajewa = Tokayev, Putinem = Putin),
    or spelt close (President = Präsident). `loose` also takes the same first four letters (Moskwy = Moskau),
    good enough to tell which clause a date belongs to, too loose for a name (Angela = Angelobung).
    """
    w = full_fold(part)
    if len(w) < 4:
        return w in passage.words
    base = w.rstrip("aeiou")  # Astanie = Astana, Rosji = Rosja: case endings that replace a vowel
    if w in passage.words or any(p.startswith(w) or (len(p) >= 4 and w.startswith(p))
                                 or (len(base) >= 4 and p.rstrip("aeiou") == base)
                                 for p in passage.words if p[:4] == w[:4]):
        return True
    if loose and len(part) >= 5 and fold(part)[:4] in passage.prefixes:
        return True
    n = _norm(part)
    return len(n) >= 5 and any(_near(n, c) for c in passage.capitals if c[:1] == n[:1])


def name_found(group: list[str], passage) -> bool:
    """A name is in a passage when its last word is (Tokajew of "Kassym-Jomart Tokajew"; Merkel, not Angela)."""
    return any(word_found(part, passage) for part in group[-1].split("-"))


def same_name(a: str, b: str) -> bool:
    """Two words name the same person: equal when folded, or one the other plus a case ending
    (Tokajev, Tokajewem)."""
    x, y = full_fold(a), full_fold(b)
    if len(x) > len(y):
        x, y = y, x
    return x == y or (len(x) >= 4 and y.startswith(x) and len(y) - len(x) <= 3)


def named_twice(groups: list[list[str]]) -> str | None:
    """A name two of these groups end with, unless their first names tell two people apart (Ilham and Heydar
    Aliyev; Ivan and Ivana Petrov(a)) or one is the other's genitive (Putin bestätigte Putins Teilnahme):
    in one clause it has the person act on themselves ("Tokajev gratulerte Tokajev"), which is how a small
    model garbles a sentence about two people. English possessives ("Tokayev's") are left out by the caller.
    """
    for i, g in enumerate(groups):
        for h in groups[i + 1:]:
            a, b = sorted((full_fold(g[-1]), full_fold(h[-1])), key=len)
            if not same_name(g[-1], h[-1]) or b == a + "s":
                continue
            if len(g) > 1 and len(h) > 1 and full_fold(g[0]) != full_fold(h[0]):
                continue
            return g[-1]
    return None
