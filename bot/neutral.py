"""Language centering: subtract each language's mean vector so a question finds passages in any language.

Multilingual embedders place texts of one language close together whatever they say, so a Polish question
pulls Polish passages first. Subtracting a per-language centroid, estimated from parallel off-topic
reference sentences (bot/data/lang_reference.json), removes much of that pull (Libovický et al., 2020).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parent / "data" / "lang_reference.json"


class Centering:
    def __init__(self, embed_model, alpha: float):
        self.embed, self.alpha = embed_model, alpha
        self._centroids: dict[str, dict[str, np.ndarray]] | None = None

    def _load(self) -> dict[str, dict[str, np.ndarray]]:
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
        return self._centroids

    def apply(self, vectors: list[list[float]], langs: list[str | None], mode: str) -> list[list[float]]:
        if not self.alpha or not vectors:
            return vectors
        cents = self._load()[mode]
        v = np.asarray(vectors, dtype=np.float32)
        c = np.stack([cents.get(lang or "", cents[""]) for lang in langs])
        out = v - self.alpha * c
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-12
        return out.tolist()
