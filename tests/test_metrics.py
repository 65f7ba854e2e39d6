"""Known-answer tests of the eval's pure metric functions (bot/metrics.py), each worked out by hand."""
import pytest

from bot.evaluation import metrics
from bot.evaluation.metrics import (aggregate, alias_match, citation_scores, contains_quote, doc_recall, evidence_rank, hit_at,
                         is_refusal, normalize, parse_judge, percentile, reciprocal_rank, token_f1)

REFUSALS = ["The sources don't say.", "Die Quellen sagen dazu nichts.", "Źródła tego nie mówią.",
            "Kildene sier ikke noe om dette."]


def test_normalize_folds_case_accents_punctuation_and_letters_nfkd_keeps():
    """NFKD strips the acute of Á; ł, ø and ß have no decomposition and are folded by the table."""
    assert normalize("NAZARBÁJEW") == normalize("Nazarbajew") == "nazarbajew"
    assert normalize("  Paryż,\n\tŁódź!") == "paryz lodz"
    assert normalize("Tromsø / Straße") == "tromso strasse"
    assert normalize("28. November") == normalize("28 november") == "28 november"


def test_alias_matches_across_spellings_and_markers():
    """Case, accents and the [1] marker do not matter: "NAZARBÁJEW[1]" holds the alias "Nazarbajew"."""
    assert alias_match("Der Vorgänger war NAZARBÁJEW[1].", ["Nazarbajew"])
    assert alias_match("Tokajew reist nach Paryżu [2].", ["Paris", "Paryżu"])
    assert not alias_match("Tokajew reist nach Berlin [2].", ["Paris", "Paryżu"])


def test_alias_match_needs_word_boundaries():
    """ "8 November" sits inside "28 November" as a substring, but not on a word boundary: no match."""
    assert not alias_match("Er reist am 28. November [1].", ["8. November"])
    assert alias_match("Er reist am 8. November [1].", ["8. November"])
    assert not alias_match("Rasputin [1].", ["Putin"])  # a name inside another word is no match; a declined
    assert alias_match("z Putinem [1].", ["Putin"])      # name's ending after it is (tests/test_answer_scores q003)


def test_all_answers_needs_every_alias():
    """all_answers=true: "Putin" alone is half of ["Putin", "Macron"], so it fails; both pass."""
    assert not alias_match("Putin gratulierte [1].", ["Putin", "Macron"], all_answers=True)
    assert alias_match("Putin und Macron gratulierten [1].", ["Putin", "Macron"], all_answers=True)
    assert alias_match("Putin gratulierte [1].", ["Putin", "Macron"], all_answers=False)


def test_token_f1_by_hand():
    """Answer tokens: tokajew reist am 28 november nach moskau (7; the [1] is dropped).

    Against "28. November" (2 tokens): common 2, P = 2/7, R = 2/2 = 1, F1 = 2PR/(P+R) = (4/7)/(9/7) = 4/9.
    Against "November 28" the same bag of tokens: also 4/9. Against "Moskau" (1 token): P = 1/7, R = 1,
    F1 = (2/7)/(8/7) = 1/4. The best alias wins: 4/9.
    """
    answer = "Tokajew reist am 28. November nach Moskau [1]."
    assert token_f1(answer, ["28. November"]) == pytest.approx(4 / 9)
    assert token_f1(answer, ["Moskau"]) == pytest.approx(1 / 4)
    assert token_f1(answer, ["Moskau", "November 28", "Paris"]) == pytest.approx(4 / 9)
    assert token_f1(answer, ["Paris"]) == 0.0


def test_token_f1_all_answers_scores_against_the_aliases_together():
    """Gold "Putin Macron" (2 tokens) vs answer "Putin und Macron" (3): common 2, P = 2/3, R = 1, F1 = 0.8."""
    assert token_f1("Putin und Macron [1].", ["Putin", "Macron"], all_answers=True) == pytest.approx(0.8)


def test_refusals_in_four_languages_and_not_answers():
    """The configured phrases and common wordings count as refusals; a real answer does not."""
    assert is_refusal("The sources don't say. [1]", REFUSALS)
    assert is_refusal("The provided sources do not contain information about his salary.")
    assert is_refusal("Die Quellen enthalten keine Informationen über sein Gehalt.")
    assert is_refusal("Źródła nie zawierają informacji o jego pensji.")
    assert is_refusal("Kildene inneholder ikke noe om lønnen hans.")
    assert is_refusal("Kildene sier ikke noe om dette.", REFUSALS)
    assert not is_refusal("Tokajew traf Putin in Moskau [1].", REFUSALS)


def test_unanswerable_scoring_rule():
    """Refusal accuracy = (refused != answerable): a refused unanswerable item and an answered
    answerable one are right; an answerable one refused is wrong. Mean of [1, 1, 0] = 2/3."""
    cases = [("The sources don't say.", False), ("Putin [1].", True), ("Die Quellen sagen dazu nichts.", True)]
    rows = [{"refusal_correct": is_refusal(text, REFUSALS) != answerable} for text, answerable in cases]
    assert [r["refusal_correct"] for r in rows] == [True, True, False]
    assert aggregate(rows)["answers.refusal_accuracy"] == pytest.approx(2 / 3)


def test_citation_to_a_non_gold_source_halves_precision():
    """Two citations: doc A is a gold document (right), doc B is neither gold nor holds the evidence
    (wrong): precision = 1/2 = 0.5, and the answer does cite a gold source."""
    cited = [("A.txt", "Putin met Tokayev."), ("B.txt", "Something else entirely.")]
    assert citation_scores(cited, ["A.txt"], ["Putin met Tokayev"]) == (0.5, True)


def test_citation_of_a_chunk_holding_the_evidence_counts_even_from_another_doc():
    """Doc C is not gold but its text holds the evidence quote (split over lines): right, precision 1."""
    assert citation_scores([("C.txt", "x Putin met\n  Tokayev y")], ["A.txt"], ["Putin met Tokayev"]) == (1.0, True)
    assert citation_scores([], ["A.txt"], ["q"]) == (None, False)


def test_hit_at_k_and_mrr_on_a_hand_made_ranking():
    """Ranking [noise, noise, EVIDENCE, noise]: the evidence is at rank 3, so hit@1 = 0, hit@3 = 1,
    hit@5 = 1 and RR = 1/3. A second question finds nothing: RR 0. MRR = (1/3 + 0)/2 = 1/6."""
    texts = ["Macron in Paris.", "Weather in Astana.", "Am 28. November\nwird das Staatsoberhaupt reisen", "x"]
    rank = evidence_rank(texts, ["Am 28. November wird das Staatsoberhaupt reisen"])
    assert rank == 3
    assert (hit_at(rank, 1), hit_at(rank, 3), hit_at(rank, 5)) == (0.0, 1.0, 1.0)
    assert reciprocal_rank(rank) == pytest.approx(1 / 3)
    none = evidence_rank(texts, ["not there"])
    assert none is None and reciprocal_rank(none) == 0.0
    agg = aggregate([{"rr": reciprocal_rank(rank)}, {"rr": reciprocal_rank(none)}])
    assert agg["retrieval.mrr"] == pytest.approx(1 / 6)


def test_contains_quote_ignores_whitespace_only():
    assert contains_quote("Putin  traf\nTokajew.", "Putin traf Tokajew")
    assert not contains_quote("Putin traf Tokajev.", "Putin traf Tokajew")


def test_doc_recall_at_k():
    """Gold {A, B}; the top 2 docs are [A, A]: 1 of 2 gold docs = 0.5; the top 3 add B: 1.0."""
    assert doc_recall(["A", "A", "B"], ["A", "B"], 2) == 0.5
    assert doc_recall(["A", "A", "B"], ["A", "B"], 3) == 1.0


def test_percentiles_by_hand():
    """Values 1..10 sorted; p50 sits at position (10-1)*0.5 = 4.5 -> between 5 and 6 -> 5.5.
    p95 at (10-1)*0.95 = 8.55 -> 9 + 0.55*(10-9) = 9.55. One value is every percentile."""
    vals = [7, 1, 10, 3, 2, 9, 4, 6, 8, 5]
    assert percentile(vals, 50) == pytest.approx(5.5)
    assert percentile(vals, 95) == pytest.approx(9.55)
    assert percentile([0.4], 95) == 0.4
    assert percentile([], 50) is None


def test_aggregate_leaves_out_what_was_not_measured():
    """Unanswerable rows carry no hit@5 (None/absent): the mean of [1, 0] is 0.5, not 1/3."""
    agg = aggregate([{"hit@5": 1.0}, {"hit@5": 0.0}, {"refused": True}],
                    [{"retrieve_s": 0.1}, {"retrieve_s": 0.3}, {"retrieve_s": 0.2}])
    assert agg["retrieval.evidence_hit@5"] == 0.5
    assert "answers.alias_match" not in agg and "latency.generate_p50" not in agg
    assert agg["latency.retrieve_p50"] == pytest.approx(0.2)


def test_parse_judge_reply():
    assert parse_judge("SCORE: 1\nREASON: The passage says so.") == (1, "The passage says so.")
    assert parse_judge("score = 0\nreason: wrong date") == (0, "wrong date")
    assert parse_judge("0\nThe answer names Berlin.") == (0, "The answer names Berlin.")
    assert parse_judge("I think it is fine")[0] is None


def test_lower_is_better_names():
    assert metrics.lower_is_better("latency.retrieve_p95")
    assert metrics.lower_is_better("citations.uncited_answers") and metrics.lower_is_better("citations.uncited_claims")
    assert not metrics.lower_is_better("retrieval.mrr")
