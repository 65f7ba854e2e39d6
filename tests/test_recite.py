"""The claim check points at the given source that says a claim the model cited wrongly, or not at all
(Claim.recite, bot/answer/support.py), and leaves the model's text as it is."""
from __future__ import annotations

from bot.apps.ui_render import answer_markdown
from bot.types import Answer
from tests.test_claims import SEED_DE, SEED_PL, source, vectors  # noqa: F401  (vectors: a fixture)
from bot.answer.claims import split_claims
from bot.answer.support import check_claims


def test_a_claim_cited_to_the_wrong_source_is_pointed_to_the_right_one(vectors):  # noqa: F811
    """[1] is the Polish article (Moscow, Wednesday, no date), [2] the German one (Moscow on 28 November).
    1: "28. November" cited to [1], which has no date: unsupported, and [2] says it, so recite = 2 with its
    sentence. 2: Merkel, whom neither source names: unsupported, nothing to point to. 3: no citation, and
    [2] says Paris on 29 and 30 November: still uncited (supported None), recite = 2. 4: supported by its
    own citation: no hint."""
    sources = [source(SEED_PL, "pl", "2019-04", 1), source(SEED_DE, "de", None, 2)]
    answer = ("Tokajew reiste am 28. November nach Moskau [1]. Dort traf er Angela Merkel [2]. "
              "Am 29. und 30. November reiste Tokajew nach Paris. Tokajew traf Putin in Moskau [2].")
    claims = check_claims(split_claims(answer, 2), sources, vectors, 0.6, "de")
    assert [c.supported for c in claims] == [False, False, None, True]
    assert claims[0].recite["n"] == 2 and "28. November" in claims[0].recite["quote"]
    assert claims[1].recite is None and claims[3].recite is None
    assert claims[2].recite["n"] == 2 and "Paris" in claims[2].recite["quote"]

    a = Answer(question="Wann reiste Tokajew nach Moskau?", answer=answer, citations=[], sources=sources,
               model="m", mode="generated", warning=None, timings={}, claims=claims)
    md = answer_markdown(a, 0)
    assert md.count("[→ [2] says this](#cite-0-2") == 2  # claims 1 and 3, each linked to source 2
    assert [c.n for c in a.listed_citations()] == [2]  # listed under the answer, so the link has a target
    assert a.to_json()["claims"][0]["recite"] == {"n": 2, "quote": claims[0].recite["quote"]}


def test_a_date_in_the_source_does_not_vouch_for_an_invented_claim(vectors):  # noqa: F811
    """A review's case: "Putin schenkte Tokajew am 28. November in Moskau ein Pferd" (Putin gave Tokajew a
    horse) holds the German seed's date, place and both names, so it passes the check against [2], and its
    sentence on the Moscow visit is as close to it (0.69) as to the right Paris claim above (0.68). The
    sentence says nothing of giving or of a horse: two of the claim's words, besides its names and places,
    that the sentence lacks. So no hint points to [2]; the right claim, whose words are all there on their
    first four letters (reiste for reisen), keeps its hint. With the horse cited to [1] (the Polish article), the claim is unsupported and no hint
    either."""
    sources = [source(SEED_PL, "pl", "2019-04", 1), source(SEED_DE, "de", None, 2)]
    horse = "Putin schenkte Tokajew am 28. November in Moskau ein Pferd."
    answer = f"{horse} Am 29. und 30. November reiste Tokajew nach Paris. Tokajew traf Putin in Moskau [2]."
    claims = check_claims(split_claims(answer, 2), sources, vectors, 0.6, "de")
    assert [c.supported for c in claims] == [None, None, True]
    assert claims[0].recite is None and claims[1].recite["n"] == 2
    claims = check_claims(split_claims(horse.replace(".", " [1]."), 2), sources, vectors, 0.6, "de")
    assert claims[0].supported is False and claims[0].recite is None


def test_a_hint_reads_the_claims_words_on_four_letters_and_hyphened_names_in_parts(vectors):  # noqa: F811
    """The second review: "Kassym-Zhomart" counted as two words the sentence lacked ("Kassym", "Zhomart"), so a
    near-quote of [2] lost its hint; and one invented verb beside the seed's date, place and name ("starb",
    died; "verhaftet", arrested) still got one. The claim's words are now all needed, on their first four
    letters (reiste for reisen passes), a name's parts aside."""
    sources = [source(SEED_PL, "pl", "2019-04", 1), source(SEED_DE, "de", None, 2)]
    near = "Präsident Kassym-Zhomart Tokajew wird am 28. November Moskau besuchen."
    claims = check_claims(split_claims(f"{near} Tokajew starb am 28. November in Moskau. Am 28. November wird "
                                       "Tokajew in Moskau verhaftet.", 2), sources, vectors, 0.6, "de")
    assert [c.recite and c.recite["n"] for c in claims] == [2, None, None]
