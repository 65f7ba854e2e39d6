"""Language centering from the collection's own vectors: per-language means and the query-time offsets."""
import numpy as np
import pytest

from bot.retrieval.centering import CollectionCentering, language_means


def test_language_means_worked_example():
    means = language_means([[1, 0], [0, 1], [1, 1]], ["de", "de", "en"])
    assert set(means) == {"de", "en", ""}
    assert means["de"] == pytest.approx([0.5, 0.5])
    assert means["en"] == pytest.approx([1.0, 1.0])
    assert means[""] == pytest.approx([2 / 3, 2 / 3])  # all rows, not the mean of the language means


def test_language_means_of_nothing():
    assert language_means([], []) == {}


def test_adjust_subtracts_each_chunks_language_offset():
    means = {"de": np.array([1.0, 0.0]), "en": np.array([0.0, 1.0]), "": np.array([0.5, 0.5])}
    cc = CollectionCentering(means, {"a": "de", "b": "en"}, strength=1.0)
    q = [0.6, 0.8]  # offsets: de 0.6, en 0.8, unknown language 0.7
    out = cc.adjust({"a": 0.9, "b": 0.9, "c": 0.5}, q)
    assert out == pytest.approx({"a": 0.3, "b": 0.1, "c": -0.2})
    half = CollectionCentering(means, {"a": "de", "b": "en"}, strength=0.5).adjust({"a": 0.9}, q)
    assert half == pytest.approx({"a": 0.6})
    assert CollectionCentering(means, {}, strength=0.0).adjust({"a": 0.9}, q) == {"a": 0.9}


def test_query_is_centred_on_its_language_then_normalised():
    means = {"de": np.array([0.0, 1.0]), "": np.array([0.5, 0.5])}
    cc = CollectionCentering(means, {}, strength=1.0)
    r = 1 / np.sqrt(2)
    assert cc.query([1.0, 0.0], "de") == pytest.approx([r, -r])  # [1, -1] normalised
    assert cc.query([1.0, 0.0], "fr") == pytest.approx([r, -r])  # not in the collection: [0.5, -0.5] normalised
    assert CollectionCentering(means, {}, 0.0).query([1.0, 0.0], "de") == pytest.approx([1.0, 0.0])
    assert CollectionCentering({}, {}, 1.0).query([1.0, 0.0], "de") == pytest.approx([1.0, 0.0])


def test_full_strength_leaves_every_language_a_zero_mean_score():
    """With strength 1 a question's scores average zero over each language's sentences: no language is ahead
    for being that language."""
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(30, 8)) + np.repeat(rng.normal(size=(3, 8)) * 3, 10, axis=0)  # three shifted groups
    langs = ["de"] * 10 + ["es"] * 10 + ["ru"] * 10
    ids = [f"c{i}" for i in range(30)]
    cc = CollectionCentering(language_means(vecs, langs), dict(zip(ids, langs)), strength=1.0)
    q = rng.normal(size=8)
    out = cc.adjust({cid: float(v @ q) for cid, v in zip(ids, vecs)}, q)
    for lang in ("de", "es", "ru"):
        assert np.mean([s for cid, s in out.items() if cc.chunk_langs[cid] == lang]) == pytest.approx(0.0, abs=1e-9)
