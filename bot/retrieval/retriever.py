"""Hybrid retrieval: dense sentence vectors from Chroma combined with folded-keyword BM25."""
from __future__ import annotations

import json
import time

import numpy as np

from bot.config import Settings
from bot.lang import question_lang
from bot.retrieval.bm25 import BM25, without_common_words
from bot.retrieval.centering import Centering, CollectionCentering, language_means
from bot.retrieval.latent import KEY, LatentIndex, unpack
from bot.retrieval.store import Index
from bot.retrieval.translate import by_language
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
    """Weighted reciprocal rank fusion of several ranked id lists (retrieval.fusion = "rrf")."""
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def combine(dense: dict[str, float], keyword: dict[str, float], dense_weight: float = 1.0,
            keyword_weight: float = 1.0, latent: dict[str, float] | None = None,
            latent_weight: float = 0.0) -> list[tuple[str, float]]:
    """Weighted sum of normalised scores (retrieval.fusion = "score", the default).

    Dense similarities become z-scores over the candidate pool, BM25 scores a share of the best one. Unlike
    rank fusion this keeps how much better the first candidate is: a chunk that holds the question's rare
    names and numbers outranks one that is only a little closer in the vector space, which is where
    cross-lingual vectors are least reliable (measured: bench/README.md). A chunk missing from one ranking
    scores that ranking's floor. Latent-term scores (latent.py) count as a share of the best, as BM25's do,
    less one when any is above zero: a shortfall from the best candidate's, so the top of the list scores
    about what it would without them and one threshold on the fused score (answer.fallback_min_score)
    serves indexes with and without latent terms. The order is the same either way.
    """
    if not dense and not keyword and not latent:
        return []
    vals = list(dense.values()) or [0.0]
    mean = sum(vals) / len(vals)
    std = (sum((v - mean) ** 2 for v in vals) / len(vals)) ** 0.5 or 1.0
    floor = min(vals)
    top = max(keyword.values(), default=0.0) or 1.0
    latent = latent or {}
    peak = max(latent.values(), default=0.0)
    best, shortfall = peak or 1.0, 1.0 if peak > 0 else 0.0  # none, or all zero: nothing taken off
    scores = {cid: dense_weight * (dense.get(cid, floor) - mean) / std + keyword_weight * keyword.get(cid, 0.0) / top
              + latent_weight * (latent.get(cid, 0.0) / best - shortfall) for cid in {**dense, **keyword, **latent}}
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class Retriever:
    def __init__(self, settings: Settings, index: Index, embed_model, centering: Centering):
        self.settings, self.index, self.embed, self.centering = settings, index, embed_model, centering
        self._bm25: BM25 | None = None
        self._bm25_version: int | None = None
        self._langs: CollectionCentering | None = None
        self._langs_version: int | None = None
        self._latent: LatentIndex | None = None
        self._latent_version: int | None = None
        self._latent_read = 0.0

    def _keyword(self) -> BM25:
        version = self.index.version()
        if self._bm25 is None or version != self._bm25_version:
            self._bm25_version = version
            chunks = list(self.index.iter_chunks())
            self._bm25 = BM25([(cid, text) for cid, text, _ in chunks], langs=[m.get("lang") or "" for *_, m in chunks])
        return self._bm25

    def _latent_index(self) -> LatentIndex:
        """Every current chunk's stored latent terms, read again whenever the collection changes.

        All or none: in an index some of whose chunks were written without them (before they existed, or with
        latent_weight 0) those chunks would score zero and lose to the rest, so then none count until an
        ingest of the whole corpus has added them (ingest/chunking.add_latent_terms).
        """
        version = self.index.version()
        # Adding them in place, or a rebuild of the same files, keeps the version: an index found without
        # terms is looked at again after a while, so a running server takes them up.
        stale = self._latent is not None and not self._latent.ids and time.monotonic() - self._latent_read > 30
        if self._latent is None or version != self._latent_version or stale:
            self._latent_read = time.monotonic()
            ids, rows, langs = [], [], []
            for cid, _, meta in self.index.iter_chunks():
                if not meta.get(KEY):
                    ids, rows, langs = [], [], []
                    break
                ids.append(cid)
                rows.append(unpack(meta[KEY]))
                langs.append(meta.get("lang") or "")
            self._latent = LatentIndex(ids, rows, langs, self.settings.retrieval.latent_language_share)
            self._latent_version = version
        return self._latent

    def _latent_scores(self, query: str, candidates: list[str]) -> dict[str, float]:
        """The candidates' latent-term scores for the question; {} when they are off or none is stored.

        They re-rank the candidates the other two rankings found rather than add their own: on XQuAD the
        chunks only they found never reached the top 5 (bench/README.md).
        """
        terms = getattr(self.embed, "latent_terms", None)
        if not self.settings.retrieval.latent_weight or terms is None:
            return {}
        index = self._latent_index()
        found = terms([query]) if index.ids else []
        return index.scores(*found[0], candidates) if found else {}

    def _collection_centering(self) -> CollectionCentering:
        """Per-language means of the stored sentence vectors, recomputed whenever the collection changes.

        One pass over every stored vector, like the keyword index's pass over every chunk; without it the
        reference centring leaves questions pulled to passages in their own language (measured on XQuAD's
        mixed-language paragraphs: bench/README.md).
        """
        strength = self.settings.retrieval.collection_centering
        version = self.index.version()
        if self._langs is None or version != self._langs_version:
            doc_lang = {d: r.lang or "" for d, r in self.index.registry().items()} if strength else {}
            chunk_langs, langs, vecs = {}, [], []
            for cid, doc_id, vec in (self.index.sentence_vectors() if strength else ()):
                chunk_langs[cid] = doc_lang.get(doc_id, "")
                langs.append(chunk_langs[cid])
                vecs.append(vec)
            self._langs, self._langs_version = CollectionCentering(language_means(vecs, langs), chunk_langs,
                                                                   strength), version
        return self._langs

    def query_vector(self, query: str, lang: str | None = None) -> list[float]:
        """The question's vector, blended with that of the question without the collection's common words.

        A collection about one person names them, and their country, in most passages; a question names them
        too, and the embedder weighs names so heavily that every such passage looks close. The blend keeps
        the names (some questions need them) but lets the rest of the question decide (measured:
        bench/README.md).
        """
        from bot.backends import with_retries

        cfg = self.settings.retrieval
        texts = [query]
        if cfg.common_word_weight:
            stripped = without_common_words(query, self._keyword(), cfg.common_word_share)
            if stripped != query:
                texts.append(stripped)
        vecs = [with_retries(lambda t=t: self.embed.get_query_embedding(t), self.settings) for t in texts]
        lang = lang or question_lang(query)
        vecs = np.asarray(self.centering.apply(vecs, [lang] * len(vecs), "query"))
        vec = vecs[0] if len(vecs) == 1 else (1 - cfg.common_word_weight) * vecs[0] + cfg.common_word_weight * vecs[1]
        return self._collection_centering().query(vec / (np.linalg.norm(vec) + 1e-12), lang).tolist()

    def search(self, query: str, k: int | None = None, translations: dict[str, str] | None = None) -> list[Source]:
        """The k best chunks for the query; with `translations` ({lang: the query in it}, see translate.py)
        each passage is scored by the query in its own language where there is one."""
        k = k or self.settings.retrieval.top_k
        ranked = self.rank(query, k)
        if translations:
            own = question_lang(query)
            rankings = {lang: self.rank(text, k, lang) for lang, text in translations.items() if lang != own}
            rankings[own] = ranked
            bm25 = self._keyword()  # its pass over the chunks keeps each one's language
            ranked = by_language(rankings, dict(zip(bm25.ids, bm25.langs)), own)
        return self._sources(ranked[:k])

    def rank(self, query: str, k: int, lang: str | None = None) -> list[tuple[str, float]]:
        """Every candidate chunk for the query with its fused score, best first; `lang` the query's language
        when known (a translation), else detected.

        Dense retrieval matches sentences rather than whole chunks: a question asks about one fact, and a
        short sentence's vector is not diluted by the rest of its chunk, so a chunk scores as its best
        sentence (measured: bench/README.md).
        """
        cfg = self.settings.retrieval
        n = max(cfg.candidates, k)
        vec = self.query_vector(query, lang)
        langs = self._collection_centering()
        dense = langs.adjust(dict(self.index.nearest_chunks(vec, n)), vec)
        keyword = {}
        if cfg.keyword:
            keyword = dict(self._keyword().search(query, n, lang or question_lang(query),
                                                  cfg.own_language_keyword_weight))
        latent = self._latent_scores(query, [*dense, *keyword]) if cfg.fusion == "score" else {}
        if not keyword and not latent:
            ranked = sorted(dense.items(), key=lambda kv: -kv[1])
        elif cfg.fusion == "rrf":  # without latent terms: measured in score fusion only, a weight for shares
            by_dense = sorted(dense, key=lambda c: -dense[c])
            ranked = fuse([(by_dense, cfg.dense_weight), (list(keyword), cfg.keyword_weight)])
        else:
            # Chunks only the keyword ranking found still get their true dense score, not a guess.
            missing = [cid for cid in keyword if cid not in dense]
            dense.update(langs.adjust(self.index.chunk_similarities(vec, missing), vec))
            ranked = combine(dense, keyword, cfg.dense_weight, cfg.keyword_weight, latent, cfg.latent_weight)
        return ranked

    def _sources(self, ranked: list[tuple[str, float]]) -> list[Source]:
        texts = self.index.get_chunks([cid for cid, _ in ranked])
        out = []
        for cid, score in ranked:
            if cid not in texts:  # removed by another process since the ranking was made
                continue
            text, meta = texts[cid]
            start, end = _offsets(meta)
            out.append(Source(rank=len(out) + 1, score=float(score), doc_id=meta.get("doc_id", ""), chunk_id=cid,
                              text=text, title=_none(meta.get("title")), date=_none(meta.get("date")),
                              lang=_none(meta.get("lang")), start=start, end=end, page=meta.get("page")))
        return out
