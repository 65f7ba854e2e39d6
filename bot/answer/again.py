"""A second try for an answer of source numbers only.

The 1.5B test model answered 6 of 175 questions with nothing but markers ("[1] [2] [3] [4]"), and the same
prompt gives the same (temperature 0.1, fixed seed); sent again with its own answer and "answer in words",
it repeated the markers. What changed it was the request's last line: "Answer in German in one to three full
sentences ..." (prompts/answer_again.txt) instead of "Answer in German, citing sources as [n]:". Only that
line differs, so the prompt cache reuses the rest. When the second answer says nothing either, the user
gets the refusal in the question's language, which is what an answer of markers amounts to, and the
fallback note then quotes the closest sentences as it does for any refusal.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

from bot.answer.citations import MarkerStream, clean_markers
from bot.answer.claims import plain
from bot.errors import BotError

_WORD = re.compile(r"\w")


def only_markers(text: str) -> bool:
    """Nothing but source numbers (or nothing at all): "[1] [2] [3]". An answer of numbers ("[1] 6 [2] 6" to a
    "how many" question) says something and is no case for a second try."""
    return not _WORD.search(plain(text))


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
