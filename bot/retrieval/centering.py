"""Language centering: subtract each language's mean vector so a question finds passages in any language.

Multilingual embedders place texts of one language close together whatever they say, so a Polish question
pulls Polish passages first. Subtracting a per-language centroid, estimated from parallel off-topic
reference sentences (bot/data/lang_reference.json), removes much of that pull (Libovický et al., 2020).
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
