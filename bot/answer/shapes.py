"""Claims whose shape misleads the facts and the similarity, for the claim check (bot/answer/support.py): a bare
answer of facts only, where a sentence's similarity to a word or two means nothing; and a garbled one naming
one person on both sides of a clause, which names and similarity both pass.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.answer.claims import plain
from bot.answer.facts import clauses, extract
from bot.answer.names import named_twice, same_name
from bot.lang import stopwords


def garbled(text: str, cited: list, lang: str) -> str | None:
    """A name the claim gives twice in one clause ("Tokajev gratulerte Tokajev") where no cited sentence
    does: a small model's garble of a sentence about two people. `cited`: support.Passage objects."""
    for part in clauses(text):
        part = re.sub(r"\b\w+['’]s\b", " ", part)  # "Tokayev met Tokayev's counterpart" is no garble
        name = named_twice(extract(part, (lang,), claim=True, lang=lang).names)
        if name and not any(sum(same_name(w, name) for w in re.findall(r"\w+", s)) >= 2
                            for p in cited for s in p.sentences):
            return name
    return None


@lru_cache(maxsize=1024)
def bare(text: str, lang: str) -> bool:
    """A bare answer ("Donezk [1]", "Putin und Macron [2]", "28. November [1]"): names, places, numbers and dates,
    with only function words between them. It states nothing but those facts, which the verdict found in the
    passages first; a sentence's similarity to a word or two means nothing, so the facts decide. A word before,
    after or between them that is no function word says something about them ("Nicht Donezk", "Vor Juni 2022",
    "Tokajew lubi koty", "Krieg") and needs a close sentence, as any claim does."""
    words = re.findall(r"\w+", plain(text))
    if not words or len(words) > 12:
        return False
    stop = stopwords()
    kinds = [extract(w, (lang, "en"), claim=True, lang=lang).has_checkable() for w in words]
    return kinds[0] and kinds[-1] and all(k or w.lower() in stop for w, k in zip(words, kinds))
