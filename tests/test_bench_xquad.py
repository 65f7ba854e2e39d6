"""bench/xquad.py's scoring by gold document, checked by hand (the benchmark itself is not a test)."""
import importlib.util

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("bench_xquad", ROOT / "bench" / "xquad.py")
xquad = importlib.util.module_from_spec(spec)
spec.loader.exec_module(xquad)


def test_gold_rank_is_the_first_chunk_from_a_gold_document():
    assert xquad.gold_rank(["b.txt", "a.txt", "c.txt", "a.txt"], {"a.txt"}) == 2
    assert xquad.gold_rank(["b.txt", "c.txt"], {"a.txt", "c.txt"}) == 2
    assert xquad.gold_rank(["b.txt"], {"a.txt"}) is None
    assert xquad.gold_rank([], {"a.txt"}) is None


def test_scores_worked_example():
    """Ranks 1, 3, none, 6: hit@1 1/4; hit@5 2/4 (rank 6 is out); MRR (1 + 1/3 + 0 + 1/6) / 4 = 0.375."""
    s = xquad.scores([1, 3, None, 6])
    assert s == pytest.approx({"n": 4, "hit@1": 0.25, "hit@5": 0.5, "mrr": 0.375})


def test_parse_set_reads_toml_values_and_refuses_a_bare_key():
    assert xquad.parse_set(["retrieval.keyword=false", "retrieval.candidates=40", "llm.model=qwen2.5:3b"]) == {
        "retrieval": {"keyword": False, "candidates": 40}, "llm": {"model": "qwen2.5:3b"}}
    with pytest.raises(SystemExit, match="SECTION.KEY=VALUE"):
        xquad.parse_set(["keyword=false"])


def test_spread_takes_even_steps_through_the_file():
    """A file ordered by language (a, a, b, b, c, c, d, d) sampled to 4 gets one of each: items 0, 2, 4, 6."""
    items = list("aabbccdd")
    assert xquad.spread(items, 4) == ["a", "b", "c", "d"]
    assert xquad.spread(items, None) == items and xquad.spread(items, 9) == items
