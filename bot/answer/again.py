"""A second try for an answer that says nothing: source numbers only, or the question's own words.

The 1.5B test model answered 6 of 175 questions with nothing but markers ("[1] [2] [3] [4]"), and the same
prompt gives the same (temperature 0.1, fixed seed); sent again with its own answer and "answer in words",
it repeated the markers. What changed it was the request's last line: "Answer in German in one to three full
sentences ..." (prompts/answer_again.txt) instead of "Answer in German, citing sources as [n]:". Only that
line differs, so the prompt cache reuses the rest. When the second answer says nothing either, the user
gets the refusal in the question's language, which is what an answer of markers amounts to, and the
fallback note then quotes the closest sentences as it does for any refusal.

It gave 13 more answers of the question's own words ("Kazachstan nie jest pewien w sprawie budowy
elektrowni jądrowej [1]." to "Czego Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej?"),
12 of them wrong; the same second request made 3 of those right (eval/README.md). A restatement asked twice
stays, with a warning (bot/answer/fallback.py): its claim may be true, so it is no refusal.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Iterator

from babel import Locale, UnknownLocaleError

from bot.answer.citations import MarkerStream, clean_markers
from bot.answer.claims import plain
from bot.answer.facts import extract
from bot.answer.wording import word_key
from bot.errors import BotError
from bot.lang import NEGATIONS, stopwords

_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")


def only_markers(text: str) -> bool:
    """Nothing but source numbers (or nothing at all): "[1] [2] [3]". An answer of numbers ("[1] 6 [2] 6" to a
    "how many" question) says something and is no case for a second try."""
    return not _WORD.search(plain(text))


def restates(text: str, question: str, lang: str) -> bool:
    """An answer that says nothing its question did not: each of its words is a word of the question (on its
    first five folded letters, as the claim check compares words) or a function word, and it gives no number,
    date or year the question lacks. "Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej [1]." to
    "Czego Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej?" is one. Three kinds of answer
    are made of the question's words and still answer it: a reply word the question lacks at the start ("Ja,
    ...", "Tak, ..."), a negation the question lacks ("... unterstützt den Krieg nicht"), and the choice of
    one alternative of an "X or Y?" question (the language's "or", from CLDR)."""
    words = [w.lower() for w in _WORDS.findall(plain(text))]
    if not words:
        return False  # markers only: only_markers' case
    qwords = {w.lower() for w in _WORDS.findall(question)}
    asked, stop = {word_key(w) for w in qwords}, stopwords()
    if (words[0] in stop and word_key(words[0]) not in asked) or (NEGATIONS & set(words)) - qwords \
            or _or_word(lang) in qwords:
        return False
    told = extract(plain(text), (lang, "en"), claim=True, lang=lang)
    known = extract(question, (lang, "en"), claim=True, lang=lang)
    if told.numbers - known.numbers or told.dates - known.dates or told.years - known.years:
        return False
    return all(w in stop or word_key(w) in asked for w in words)


@lru_cache(maxsize=64)
def _or_word(lang: str) -> str:
    """The language's "or" (CLDR's list pattern "{0} oder {1}"), or "" where Babel has none."""
    try:
        pattern = Locale.parse(lang).list_patterns["or"]["end"]
    except (KeyError, ValueError, TypeError, UnknownLocaleError):
        return ""
    return pattern.replace("{0}", " ").replace("{1}", " ").strip(" ,").lower()


def second_try(messages: list[dict], stream: Callable[[list[dict]], Iterable[str]], n_sources: int,
               refusal: str) -> Iterator[str]:
    """Stream the second answer after what came ("\\n\\n" first, as a translation follows its original) and
    return its text, or the refusal when it holds only markers too or the LLM fails on the way."""
    yield "\n\n"
    parts, shown, text = [], MarkerStream(n_sources), ""
    try:
        for delta in stream(messages):
            parts.append(delta)
            yield from filter(None, [shown.feed(delta)])
        yield from filter(None, [shown.flush()])
        text = clean_markers("".join(parts), n_sources)
    except BotError:  # what came of it is lost: the refusal is what the first try amounted to
        pass
    if only_markers(text):
        yield ("\n\n" if parts else "") + refusal  # after a blank line when text came, as every replacement is
        return refusal
    return text
