"""Known-answer tests of the answer scores (bot/evaluation/answer_match.py, metrics.py): each case from issue 14,
worked out by hand, with the reason it must score as it does. The questions are eval/qa.jsonl's own."""
import json
from pathlib import Path

import pytest

from bot.evaluation.answer_match import alias_match, is_correct, is_refusal, words
from bot.evaluation.metrics import aggregate, in_language, lower_is_better
from bot.lang import detect_lang, question_lang

ROOT = Path(__file__).resolve().parent.parent
ITEMS = {o["id"]: o for o in map(json.loads, filter(str.strip, (ROOT / "eval/qa.jsonl").read_text("utf-8").split("\n")))}
REFUSALS = ["The sources don't say.", "Die Quellen sagen dazu nichts.", "Źródła tego nie mówią.",
            "Kildene sier ikke noe om dette."]


def scores(qid: str, answer: str) -> bool:
    """The item's own aliases, question and rivals, as the eval runner passes them."""
    it = ITEMS[qid]
    return alias_match(answer, it["answers"], it.get("all_answers", False), it["question"], it.get("rivals", ()))


def test_q104_an_answer_that_negates_the_accepted_option_fails():
    """q104 asks "first round or runoff?"; "runoff" is accepted. "He won in the first round, not in a runoff"
    names the rival first and negates "runoff": wrong. The reverse order is right."""
    assert not scores("q104", "He won in the first round, not in a runoff [1].")
    assert scores("q104", "He won in a runoff [1].")
    assert scores("q104", "He won in a runoff, not in the first round [1].")
    assert scores("q104", "Laut Informburo in einer Stichwahl [1].")


def test_q104_restating_the_choice_is_no_answer():
    """Copying "in the first round or in a runoff" from the question picks neither option."""
    assert not scores("q104", "Did Tokayev win his re-election in the first round or in a runoff [1]?")


def test_q157_the_first_option_asserted_decides():
    """q157: "early" is accepted, "regular" is its rival. "regular ..., not an early one" asserts the rival;
    "not a regular election but an early one" negates the rival and asserts "early"."""
    assert scores("q157", "It was an early election [1].")
    assert not scores("q157", "It was a regular election, not an early one [1].")
    assert scores("q157", "It was not a regular election but an early one [1].")


def test_q052_moscow_named_first_wins_a_restatement_does_not():
    """q052 (which came first: Moscow visit or the Astana meeting?): the question itself holds "Moskwie".
    An answer naming the Moscow visit as earlier passes although it copies 7 words of the question; one that
    copies the whole choice ("... w Moskwie ... czy ... w Astanie") answers nothing; Astana first is wrong."""
    assert scores("q052", "Pierwsza wizyta Tokajewa w Moskwie po reelekcji odbyła się wcześniej [1].")
    assert not scores("q052", "Pierwsza wizyta Tokajewa w Moskwie po reelekcji czy jego spotkanie z Alijewem "
                              "w Astanie [1][2].")
    assert not scores("q052", "Spotkanie z Alijewem w Astanie odbyło się wcześniej [2].")


def test_q132_an_alias_the_question_holds_counts_only_in_a_new_role():
    """q132 asks where the Azerbaijan-Kazakhstan document was signed; "Azerbejdżanu" is in the question. An
    answer that restates the question (4+ words copied) does not say where; "W Azerbejdżanie" does."""
    assert scores("q132", "Dokument podpisano w Azerbejdżanie [1].")
    assert not scores("q132", "Dokument położył podwaliny pod sojusznicze stosunki Azerbejdżanu i Kazachstanu [1].")


def test_q018_treaty_words_from_the_question_are_no_longer_accepted():
    """q018 asks which treaty: "Vertrag" was accepted and is in the question, so any echo passed. The item
    now accepts what the source adds, the treaty "on relations" (o stosunkach)."""
    assert not scores("q018", "Tokajew war an der Vorbereitung des Vertrags beteiligt [1].")
    assert scores("q018", "Am Vertrag über die Beziehungen zwischen Russland und Kasachstan [1].")


def test_echo_alias_negated_outside_a_choice_item():
    """Without rivals: the echo alias "Vertrag" (in the question "welches Vertrags") negated does not count."""
    q = "Welchen Vertrag unterzeichneten sie?"
    assert not alias_match("Es war kein Vertrag, sondern eine Erklärung [1].", ["Vertrag"], question=q)
    assert alias_match("Einen Vertrag über Zusammenarbeit [1].", ["Vertrag"], question=q)


def test_all_answers_items_take_spelling_variants_and_endings():
    """q201 needs Putin and Alijew: Polish "Putinem i Alijewem" (instrumental) has both; q049 needs "Aliyev",
    and "Alijew" is its German transliteration. One name alone still fails."""
    assert scores("q201", "Tokajew spotkał się z Putinem i Alijewem [1][2].")
    assert not scores("q201", "Tokajew spotkał się z Putinem [1].")
    assert scores("q049", "Putin und Alijew reisten nach Kasachstan [1][2].")
    assert not scores("q049", "Putin und Macron [1].")


def test_q003_a_declined_name_answers_a_one_answer_item():
    """q003 accepts Macron, Makron, Макрон; Polish puts a name after "z" (with) in the instrumental case, so the
    1.5B model's "z Emmanuel Macronem" is a right answer that the exact match missed. A capitalised alias takes
    endings in any item; lower-case ones do not: "four" (the words of a number) is not "fourth"."""
    assert scores("q003", "Tokajew prowadził rozmowy w Paryżu z Emmanuel Macronem [2].")
    assert not scores("q003", "Tokajew prowadził rozmowy w Paryżu z Putinem [2].")
    assert alias_match("Sie sprachen in Paris mit Emmanuel Macron [1].", ["Macron"])
    assert not alias_match("It was his fourth visit [1].", ["four"])
    # what the endings must not let through (a review's cases): a demonym names the people, not the country
    # (q124's "Russia" is not in "despite Russian pressure"; q010's "Rosja" not in "Rosjanie"), and a short
    # alias matches exactly (q020's TASS is not Norwegian "tas", "is taken", once "ss" collapses)
    assert not scores("q124", "He distanced himself from the West, despite Russian pressure [1].")
    assert not alias_match("Rosjanie tam byli [1].", ["Rosja"])
    assert not alias_match("Det tas opp av Reuters [1].", ["TASS"])


def test_variants_stay_strict_for_short_words_and_numbers():
    """An ending is allowed on names of 4+ letters only, and never on a number: "Li" is not "Lim", 8 is not 80."""
    assert not alias_match("Lim und Putin [1].", ["Li", "Putin"], all_answers=True)
    assert not alias_match("80 und Putin [1].", ["8", "Putin"], all_answers=True)


def test_q001_ordinal_and_numeric_dates():
    """q001 accepts "November 28" / "28 November": "November 28th", "28.11.2022", "2022-11-28" and US
    "11/28/2022" are the same day; November 8 is not."""
    for answer in ("November 28th [1].", "On 28.11.2022 [1].", "2022-11-28 [1]", "On 11/28/2022 [1].",
                   "Am 28. November [1]."):
        assert scores("q001", answer), answer
    assert not scores("q001", "On November 8 [1].")
    assert not scores("q001", "On 8.11.2022 [1].")


def test_month_names_come_from_cldr_in_every_case_form():
    """Polish genitive "listopada" and Norwegian "november" are both month 11 (Babel's CLDR names)."""
    assert [w for w, _ in words("28 listopada")] == [w for w, _ in words("28. november")] == ["28", "m11"]
    assert [w for w, _ in words("He may go in May 2022")][:3] == ["he", "may", "go"]  # no number: a word


def test_q189_a_refusal_is_not_the_answer_nie():
    """q189 accepts "nie" (no); the Polish refusal "Źródła tego nie mówią" holds "nie", so refusal is checked
    first: it is a refusal, and the runner scores a refusal of an answerable item as wrong."""
    refusal = "Źródła tego nie mówią."
    it = ITEMS["q189"]
    assert is_refusal(refusal, REFUSALS)
    assert scores("q189", refusal)  # the alias alone matches: why refusal detection must come first
    assert not is_correct(refusal, it["answers"], question=it["question"], phrases=REFUSALS)
    assert is_correct("Nie, była to spontaniczna decyzja [1].", it["answers"], question=it["question"],
                      phrases=REFUSALS)


def test_refusal_detection_does_not_fire_on_a_partial_answer():
    """A cited claim beside "the sources don't say ..." is a partial answer, not a refusal; a refusal with a
    stray marker, or two refusing sentences, is still a refusal."""
    assert not is_refusal("Tokayev met Putin in Moscow [1]. The sources don't say when.", REFUSALS)
    assert not is_refusal("Tokajew wurde wiedergewählt [1]; eine Stichwahl wird nicht erwähnt.", REFUSALS)
    assert is_refusal("The sources don't say. [1]", REFUSALS)
    assert is_refusal("The sources do not mention his salary. They do not contain figures.", REFUSALS)


def test_refusal_rates_and_passages_fallback_by_hand():
    """Rows as the runner writes them. Answerable: refused, answered, passages fallback (None: no answer);
    unanswerable: answered (hallucinated), refused. false_rate = 1/2 answerable answers refused = 0.5;
    hallucination_rate = 1/2 = 0.5; the fallback is in neither and is not a correct refusal decision."""
    rows = [{"false_refusal": True, "refusal_correct": False}, {"false_refusal": False, "refusal_correct": True},
            {"false_refusal": None, "refusal_correct": False},
            {"hallucinated": True, "refusal_correct": False}, {"hallucinated": False, "refusal_correct": True}]
    agg = aggregate(rows)
    assert agg["refusals.false_rate"] == 0.5 and agg["refusals.hallucination_rate"] == 0.5
    assert agg["answers.refusal_accuracy"] == pytest.approx(2 / 5)
    assert lower_is_better("refusals.false_rate") and lower_is_better("refusals.hallucination_rate")


def test_answer_language_share_by_hand():
    """Four answers to Norwegian questions: one Norwegian, one Danish, one too short to tell and one of numbers
    only (the 1.5B model's "[1] 6 [2] 6 …" to q024: no word, so no language; before, it counted as an answer
    in the wrong language), both left out: answers.language = 1/2."""
    answers = ["Tokajev reiste til Moskva for å møte Putin [1].", "Tokajev rejste til Moskva for at mødes med "
               "Putin [1].", "Putin [1].", "[1] 6 [2] 6 [3] 6 [4] 6 [5] 6"]
    flags = [in_language(a, "no") for a in answers]
    assert flags == [True, False, None, None]
    assert aggregate([{"in_language": f} for f in flags])["answers.language"] == 0.5


@pytest.mark.parametrize("text,lang", [("Was geschah 2019?", "de"), ("Hvem vant 2022?", "no"),
                                       ("Ile kosztował 2021?", "pl")])
def test_a_short_question_with_a_number_keeps_its_language(text, lang):
    """Two or three words and a year: padded to the 3 words with letters the detector needs, not left to
    English (the prompt, refusal and notes would all be English)."""
    assert question_lang(text) == lang


@pytest.mark.parametrize("text,lang", [
    ("Hvilke områder skulle Tokajev drøfte med Macron i Paris?", "no"),  # q008: the same words in Danish: a tie
    ("Når skal folkeavstemningen om atomkraftverket i Kasakhstan holdes?", "no"),  # Danish: hvornår, afstemning
    ("Hvilket land leder den militære alliansen CSTO?", "no"),  # Danish: alliancen
    ("På hvilke arenaer er Russland og Kasakhstan de nærmeste allierte, ifølge Putin i 2019?", "no"),  # allierede
    ("Hvad sagde præsidenten om aftalen?", "da"),
    ("Hvem mødtes med Putin i Moskva?", "da"),
    ("Kilderne siger ikke noget om det.", "da"),
    ("Hvem lykønskede Tokajev med sejren?", "da"),
])
def test_norwegian_and_danish_are_told_apart_on_short_text(text, lang):
    assert question_lang(text) == lang and detect_lang(text) == lang


def test_every_norwegian_eval_question_is_detected_as_norwegian():
    """5 of 42 were detected as Danish before; the prompt then asked for a Danish answer."""
    norwegian = [o["question"] for o in ITEMS.values() if o["lang"] == "no"]
    assert len(norwegian) == 42
    assert [q for q in norwegian if question_lang(q) != "no"] == []


def test_the_withheld_share_is_neither_better_nor_worse():
    """answers.withheld describes a run: fewer withheld answers may mean fewer made up or more let through, so
    a baseline comparison does not call its move a regression or an improvement, and it takes no minimum."""
    from bot.evaluation.report import compare
    from bot.evaluation.runner import check_minimums

    rows = compare({"answers.withheld": 0.02, "answers.accuracy": 0.4}, {"answers.withheld": 0.05,
                                                                          "answers.accuracy": 0.3})
    assert [r["name"] for r in rows] == ["answers.accuracy"] and rows[0]["verdict"] == "improvement"
    failed, _ = check_minimums({"answers.withheld": 0.05}, {"answers.withheld": 0.01})
    assert len(failed) == 1 and "cannot take a minimum" in failed[0]
