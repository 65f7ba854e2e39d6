"""Hybrid retrieval: dense vectors from Chroma fused with folded-keyword BM25 by weighted reciprocal rank."""
from __future__ import annotations

import json

from bot.config import Settings
from bot.keyword import BM25
from bot.neutral import Centering
from bot.store import Index
from bot.types import Source

RRF_K = 60  # the usual reciprocal-rank-fusion constant: flattens the head so neither ranking dominates


def _none(v):
    return None if v in ("", None) else v


def _offsets(meta: dict) -> tuple[int | None, int | None]:
    try:
        node = json.loads(meta.get("_node_content", "{}"))
        return node.get("start_char_idx"), node.get("end_char_idx")
    except ValueError:
        return None, None


def fuse(rankings: list[tuple[list[str], float]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion of several ranked id lists."""
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


class Retriever:
    def __init__(self, settings: Settings, index: Index, embed_model, centering: Centering):
        self.settings, self.index, self.embed, self.centering = settings, index, embed_model, centering
        self._bm25: BM25 | None = None
        self._bm25_version: int | None = None
        self._chunks: dict[str, tuple[str, dict]] = {}

    def _keyword(self) -> BM25:
        version = self.index.version()
        if self._bm25 is None or version != self._bm25_version:
            self._bm25_version = version
            self._chunks = {cid: (text, meta) for cid, text, meta in self.index.iter_chunks()}
            self._bm25 = BM25([(cid, text) for cid, (text, _) in self._chunks.items()])
        return self._bm25

    def dense(self, query: str, n: int) -> list[tuple[str, float, tuple]]:
        """(chunk id, similarity of its best sentence, (text, metadata, start, end)) for the n best chunks.

        Sentences are matched rather than whole chunks: a question asks about one fact, and a short
        sentence's vector is not diluted by the rest of its chunk (measured: bench/README.md).
        """
        from bot.backends import with_retries
        from bot.prompt import question_lang

        vec = with_retries(lambda: self.embed.get_query_embedding(query), self.settings)
        vec = self.centering.apply([vec], [question_lang(query)], "query")[0]
        ranked = self.index.nearest_chunks(vec, n)
        chunks = self.index.get_chunks([cid for cid, _ in ranked])
        out = []
        for cid, sim in ranked:
            if cid in chunks:
                text, meta = chunks[cid]
                out.append((cid, sim, (text, meta, *_offsets(meta))))
        return out

    def search(self, query: str, k: int | None = None) -> list[Source]:
        cfg = self.settings.retrieval
        k = k or cfg.top_k
        n = max(cfg.candidates, k)
        dense = self.dense(query, n)
        found = {cid: hit for cid, _, hit in dense}
        if cfg.keyword:
            keyword = self._keyword().search(query, n)
            for cid, _ in keyword:
                if cid not in found:
                    text, meta = self._chunks[cid]
                    found[cid] = (text, meta, *_offsets(meta))
            ranked = fuse([([d[0] for d in dense], cfg.dense_weight), ([c for c, _ in keyword], cfg.keyword_weight)])
        else:
            ranked = [(cid, sim) for cid, sim, _ in dense]
        out = []
        for rank, (cid, score) in enumerate(ranked[:k], start=1):
            text, meta, start, end = found[cid]
            out.append(Source(rank=rank, score=score, doc_id=meta.get("doc_id", ""), chunk_id=cid, text=text,
                              title=_none(meta.get("title")), date=_none(meta.get("date")),
                              lang=_none(meta.get("lang")), start=start, end=end))
        return out
