"""Shortens the retrieved passages to what answers the question: their best sentences with their neighbours.

On a CPU the prompt, not the answer, is most of a small model's time (issue 14: about 1,500 tokens of whole
chunks per question). The `best` sentences closest to the question over all passages are kept, each with
`window` neighbours either side, in document order under their source's header (title, date, file); a gap is
marked " … ", and a passage with none of them is dropped. Closeness is the embedder's (cross-lingual: an
English question finds the German sentence) plus a little for each name or number shared with the question.
A sentence an earlier source already gave (chunks overlap) is dropped.
bench/prompt_size.py measures tokens and how often the gold evidence is kept.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from bot.lang import sentences, terms
from bot.types import Source

SHARED_TERM = 0.01  # per name/number shared with the question; e5 similarities differ by a few hundredths


def _key(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def _spans(text: str, sents: list[str]) -> list[tuple[int, int]]:
    """Where each sentence sits in the text, so a run of them is cut out with its own line breaks."""
    out, at = [], 0
    for x in sents:
        start = text.find(x, at)
        start = at if start < 0 else start
        at = start + len(x)
        out.append((start, at))
    return out


def _runs(indices: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def shorten(question: str, lang: str, sources: list[Source], vectors, best: int = 8, window: int = 1) -> list[Source]:
    """The sources cut to the `best` sentences closest to the question (over all of them) and their neighbours.

    `vectors` is bot.answer.support.Vectors (the index's stored sentence vectors, or embedded now).
    """
    if not sources:
        return sources
    qvec = np.asarray(vectors.claims([question], lang))[0]
    embedded = vectors.passages(sources)  # chunk id -> (sentences of 3+ words, unit vectors)
    qterms = set(terms(question))
    split, ranked = [], []
    for n, s in enumerate(sources):
        sents = sentences(s.text)
        vec_sents, vecs = embedded.get(s.chunk_id, ([], None))
        sim = dict(zip(vec_sents, (np.asarray(vecs) @ qvec).tolist())) if len(vec_sents) else {}
        split.append(sents)  # a sentence of under 3 words has no vector: it comes in only as a neighbour
        ranked += [(sim.get(x, -1.0) + SHARED_TERM * len(qterms & set(terms(x))), -n, i) for i, x in enumerate(sents)]
    chosen: dict[int, set[int]] = {}
    for _, n, i in sorted(ranked, reverse=True)[:best]:
        chosen.setdefault(-n, set()).update(range(max(0, i - window), min(len(split[-n]), i + window + 1)))
    seen: list[str] = []
    out = []
    for n, s in enumerate(sources):
        sents = split[n]
        new = [i for i in sorted(chosen.get(n, ())) if _key(sents[i]) and not any(_key(sents[i]) in k for k in seen)]
        if not new:
            continue
        seen += [_key(sents[i]) for i in new]
        spans = _spans(s.text, sents)
        text = " … ".join(s.text[spans[run[0]][0]:spans[run[-1]][1]] for run in _runs(new))
        out.append(replace(s, text=("… " if new[0] > 0 else "") + text + (" …" if new[-1] < len(sents) - 1 else "")))
    return out or sources[:1]


def given_sources(ctx, question: str, lang: str, retrieved: list[Source], vectors) -> list[Source]:
    """What of the retrieved passages the LLM is given (config [context]): whole chunks, or their best
    sentences; `vectors` makes the Vectors only when they are needed."""
    if ctx.mode == "chunks" or not retrieved:
        return retrieved
    return shorten(question, lang, retrieved, vectors(), ctx.sentences, ctx.window)


def passages_answer(question: str, lang: str, sources: list[Source], vectors, limit: int = 3, best: int = 2,
                    window: int = 1, chars: int = 600) -> str:
    """The answer when no LLM answers: the best passages, each cited by its number and cut to its sentences
    closest to the question with their neighbours (a chunk's first 400 characters, shown before, often
    stopped short of the sentence that answers)."""
    lines = []
    for i, s in enumerate(sources[:limit], start=1):
        text = " ".join(shorten(question, lang, [s], vectors, best, window)[0].text.split())
        lines.append(f"[{i}] {text[:chars]}{'…' if len(text) > chars else ''}")
    return "\n\n".join(lines)
