"""A small model's loop, stopped while it streams.

Without a repetition penalty (`llm.repeat_penalty`, off by default: eval/README.md) the 1.5B test model looped
on 1 of 175 answers: q136 wrote "Kasim-Schomart Tokajew, " again and again up to the token limit (512 tokens,
tens of seconds on a CPU). Text that ends in three copies of one stretch says nothing the first copy did not;
the stream ends there and the answer keeps one copy. A stretch must hold a letter, so a table's "| --- |" rules
or a row of dots are no loop; different source numbers make sentences different ("[1] X. [2] X."), so a model
that says the same of each source is not cut either.
"""
from __future__ import annotations

from typing import Iterable, Iterator

SHORTEST, LONGEST, COPIES = 8, 200, 3  # a stretch's characters; copies at the end that make a loop


def loop_start(text: str) -> int | None:
    """Where the repeats begin when `text` ends in COPIES copies of one stretch (its first copy kept), else None."""
    n = len(text)
    for p in range(SHORTEST, min(LONGEST, n // COPIES) + 1):
        tail = text[n - p:]
        if tail != text[n - 2 * p:n - p] or not any(c.isalpha() for c in tail):
            continue
        if all(text[n - (k + 1) * p:n - k * p] == tail for k in range(2, COPIES)):
            return n - (COPIES - 1) * p
    return None


class LoopStop:
    """The LLM's deltas, passed on until the text loops; `text()` is what came, one copy of the loop kept, and
    `cut` the repeats left out (None when it did not loop)."""

    def __init__(self, stream: Iterable[str]):
        self.stream, self.parts, self.cut = stream, [], None

    def __iter__(self) -> Iterator[str]:
        for delta in self.stream:
            self.parts.append(delta)
            yield delta
            at = loop_start("".join(self.parts))
            if at is not None:  # leaving the loop closes the stream: the model stops generating
                whole = "".join(self.parts)
                self.parts, self.cut = [whole[:at]], whole[at:]
                return

    def text(self) -> str:
        return "".join(self.parts)
