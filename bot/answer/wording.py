"""A claim's own words against its cited passages: a word-for-word quote, and how many words they share.

Two uses. A claim that quotes a cited sentence (the same words in the same order, case and punctuation
aside) is said by that sentence: it needs no embedding. And a claim in the language of the passages it
cites must share more than half of its content words with them: the embedder puts a claim close to a
sentence about the same people and event even when the claim says something else ("Tokajew przyjechał do
Moskwy po ponownym wyborze" against "Tokajew składa w Moskwie swą pierwszą wizytę"), while a faithful
sentence in the passage's own language keeps most of its words. Words match on their first five folded
letters, a final vowel left off, so Polish, German and Norwegian endings (wizytę/wizyta, Rosją/Rosji,
besucht/besuchen) do not count as different.
Across languages the words differ anyway, so there only the facts and the similarity decide.
"""
from __future__ import annotations

import re

from bot.answer.claims import plain
from bot.answer.names import full_fold
from bot.lang import stopwords

STEM = 5  # letters compared: enough to tell words apart, few enough to pass over case endings
MIN_WORDS = 3  # a claim with fewer content words says too little for a share to mean anything
_WORD_RE = re.compile(r"\w+", re.U)


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(plain(text))]


def quoted(claim: str, sentences: list[str]) -> int | None:
    """The index of the first sentence the claim quotes word for word (3+ words, a whole sentence or a
    stretch of one), else None."""
    words = _tokens(claim)
    if len(words) < MIN_WORDS:
        return None
    k = len(words)
    for i, s in enumerate(sentences):
        toks = _tokens(s)
        if any(toks[j:j + k] == words for j in range(len(toks) - k + 1)):
            return i
    return None


def content_words(claim: str) -> list[str]:
    """The claim's words that carry content: letters only, three or more, no function word of any language."""
    stop = stopwords()
    return [w for w in re.findall(r"[^\W\d_]+", plain(claim)) if len(w) > 2 and w.lower() not in stop]


def beginnings(folded_words) -> set[str]:
    """The first 3 to STEM letters of a passage's folded words (`Facts.words`): a claim word is shared when
    its first STEM letters (all of them, if fewer) begin a passage word."""
    return {w[:k] for w in folded_words for k in range(3, STEM + 1)}


def word_key(word: str) -> str:
    """A claim word's first STEM letters, a final vowel (a case ending: Rosją/Rosji, wizytę) left off."""
    w = full_fold(word)
    cut = w.rstrip("aeiouy")
    return (cut if len(cut) >= 3 else w)[:STEM]


def unshared(claim: str, passage_beginnings: set[str]) -> tuple[list[str], int] | None:
    """(the claim's content words the passages lack, how many it has) when more than half are lacking
    (and it has at least MIN_WORDS), else None: the passages share enough of its wording."""
    words = content_words(claim)
    if len(words) < MIN_WORDS:
        return None
    lacking = [w for w in words if word_key(w) not in passage_beginnings]
    return (lacking, len(words)) if 2 * len(lacking) >= len(words) else None
