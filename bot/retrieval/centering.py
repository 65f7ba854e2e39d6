"""Language centering: subtract each language's mean vector so a question finds passages in any language.

Multilingual embedders place texts of one language close together whatever they say, so a Polish question
pulls Polish passages first. Subtracting a per-language centroid, estimated from parallel off-topic
reference sentences (bot/retrieval/data/lang_reference.json), removes much of that pull (Libovický et al.,
2020). The reference covers a few languages only and is not the user's text, so the retriever also subtracts
the collection's own per-language means at query time (`CollectionCentering`), for any language it holds.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parent / "data" / "lang_reference.json"


def _cache_file(embedder_id: str) -> Path:
    """Centroids cost a few hundred embeddings: computed once per embedder and reference file, then cached."""
    key = hashlib.sha256(embedder_id.encode() + REFERENCE.read_bytes()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "bot" / f"centroids-{key}.npz"


class Centering:
    def __init__(self, embed_model, alpha: float, embedder_id: str = ""):
        self.embed, self.alpha, self.embedder_id = embed_model, alpha, embedder_id
        self._centroids: dict[str, dict[str, np.ndarray]] | None = None

    def _load(self) -> dict[str, dict[str, np.ndarray]]:
        if self._centroids is None and self.embedder_id:
            try:
                with np.load(_cache_file(self.embedder_id)) as data:
                    cents: dict[str, dict[str, np.ndarray]] = {"query": {}, "passage": {}}
                    for key in data.files:
                        mode, _, lang = key.partition(":")
                        cents[mode][lang] = data[key]
                    self._centroids = cents
            except (OSError, ValueError, KeyError):
                pass  # absent or unreadable: compute below
        if self._centroids is None:
            ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
            query = {lang: np.mean([self.embed.get_query_embedding(s) for s in sents], axis=0)
                     for lang, sents in ref.items()}
            passage = {lang: np.mean(self.embed.get_text_embedding_batch(sents), axis=0)
                       for lang, sents in ref.items()}
            # Languages without reference sentences get the mean over all languages: half a correction.
            query[""] = np.mean(list(query.values()), axis=0)
            passage[""] = np.mean(list(passage.values()), axis=0)
            self._centroids = {"query": query, "passage": passage}
            if self.embedder_id:
                self._save()
        return self._centroids

    def _save(self) -> None:
        path = _cache_file(self.embedder_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **{f"{m}:{lang}": v for m, d in self._centroids.items() for lang, v in d.items()})
            os.replace(tmp, path)  # atomic: parallel processes never read half a file
        except OSError:
            pass  # a read-only home only costs recomputing next time

    def apply(self, vectors: list[list[float]], langs: list[str | None], mode: str) -> list[list[float]]:
        if not self.alpha or not vectors:
            return vectors
        cents = self._load()[mode]
        v = np.asarray(vectors, dtype=np.float32)
        c = np.stack([cents.get(lang or "", cents[""]) for lang in langs])
        out = v - self.alpha * c
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out.tolist()


def language_means(vectors, langs: list[str]) -> dict[str, np.ndarray]:
    """The mean vector of each language's rows, and under "" the mean of all rows ({} when there are none).

    Rows of unknown language ("") count in the overall mean only: it is what they are centred on.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if not len(v):
        return {}
    labels = np.asarray(langs, dtype=object)
    means = {lang: v[labels == lang].mean(axis=0) for lang in dict.fromkeys(langs)}
    means[""] = v.mean(axis=0)
    return means


class CollectionCentering:
    """The collection's per-language means of its stored sentence vectors, subtracted at query time.

    A passage p of language L scores q·(p - b·m_L) = q·p - b·q·m_L: with b = 1, the question's mean score over
    each language's sentences is zero, so no language is ahead because of what it is written in. The term is
    one number per language and question, added to the stored vectors' scores, so nothing is re-embedded or
    re-stored and Chroma's nearest-neighbour search still finds the candidates. The question itself is
    centred on its own language's mean (the collection's mean when the collection lacks that language).
    """

    def __init__(self, means: dict[str, np.ndarray], chunk_langs: dict[str, str], strength: float):
        self.means, self.chunk_langs, self.strength = means, chunk_langs, strength

    def query(self, vector, lang: str) -> np.ndarray:
        q = np.asarray(vector, dtype=np.float64)
        if not self.strength or not self.means:
            return q
        q = q - self.strength * self.means.get(lang, self.means[""])
        return q / (np.linalg.norm(q) + 1e-12)

    def adjust(self, scores: dict[str, float], query) -> dict[str, float]:
        """Chunk scores (best-sentence cosine against the centred query) less each chunk's language offset."""
        if not self.strength or not self.means:
            return scores
        q = np.asarray(query, dtype=np.float64)
        offset = {lang: self.strength * float(q @ m) for lang, m in self.means.items()}
        return {cid: s - offset.get(self.chunk_langs.get(cid, ""), offset[""]) for cid, s in scores.items()}
