"""A claim naming one person on both sides of a clause ("Tokajev gratulerte Tokajev"), which a small model
writes when it garbles a sentence about two people: the names and the similarity both pass it, so the
checker looks for the repeat itself. Passages are from seeds/; each verdict is reasoned beside it.
"""
from bot.answer.names import named_twice
from tests.test_claims import SEED_AZ, SEED_DE, source, vectors, verdicts  # noqa: F401 - vectors is a fixture

# seeds/000, the sentence naming who congratulated Tokajew
CONGRATULATED = ("Sowohl Wladimir Putin als auch Emmanuel Macron gehörten zu den ausländischen Staatsoberhäuptern, "
                 "die Kassym-Jomart Tokajew zu seinem Sieg bei den vorgezogenen Präsidentschaftswahlen in "
                 "Kasachstan gratulierten.")


def test_one_person_on_both_sides_is_flagged_in_any_spelling(vectors):
    # q004 of the real run, in Norwegian against the German passage: Putin and Macron congratulated Tokajew;
    # "Tokajev was among those who congratulated Tokajev" says he congratulated himself.
    got = verdicts(vectors, "Tokajev var blant dem som gratulerte Tokajev med seieren i presidentvalget [1].",
                   [source(CONGRATULATED, "de")], "no")
    assert got[0][0] is False and "Tokajev twice" in got[0][1]
    # q014, Polish: "Tokajev takes part in talks with Tokajew" (instrumental -em); the passage has him meet
    # Aliyev. The declined form is the same man.
    got = verdicts(vectors, "Tokajev bierze udział w rozmowach z Tokajewem w Astanie [1].",
                   [source(SEED_AZ, "de")], "pl")
    assert got[0][0] is False and "twice" in got[0][1]
    # the same claims with the other man named are what the passages say
    got = verdicts(vectors, "Putin var blant dem som gratulerte Tokajev med seieren i presidentvalget [1].",
                   [source(CONGRATULATED, "de")], "no")
    assert got[0] == (True, None)


def test_two_clauses_two_people_or_a_passage_that_repeats_the_name_pass(vectors):
    # Two clauses, each with Tokajew once: an ordinary sentence, not a garble.
    got = verdicts(vectors, "Tokajew wird am 28. November Moskau besuchen, und Tokajew wird Putin treffen [1].",
                   [source(SEED_DE, "de")], "de")
    assert got[0] == (True, None)
    # An English possessive is someone else: "Tokayev's counterpart"
    got = verdicts(vectors, "Tokajew traf in Moskau Tokajew's Amtskollegen Putin [1].", [source(SEED_DE, "de")], "de")
    assert got[0][0] is not False or "twice" not in got[0][1]
    # A passage that itself names one man twice in a sentence may be restated.
    luther = "Luther wrote The Judgement of Martin Luther on Monastic Vows in 1521."
    assert verdicts(vectors, "Luther wrote The Judgement of Martin Luther on Monastic Vows [1].",
                    [source(luther, "en")], "en")[0] == (True, None)


def test_first_names_and_genitives_tell_two_people_apart():
    assert named_twice([["Ilham", "Aliyev"], ["Heydar", "Aliyev"]]) is None
    assert named_twice([["Ivan", "Petrov"], ["Ivana", "Petrova"]]) is None
    assert named_twice([["Putin"], ["Putins"]]) is None  # "Putin bestätigte Putins Teilnahme"
    assert named_twice([["Ilham", "Aliyev"], ["Aliyev"]]) == "Aliyev"
    assert named_twice([["Putin"], ["Tokajew"]]) is None
    assert named_twice([["Tokajev"], ["Tokajewem"]]) == "Tokajev"
