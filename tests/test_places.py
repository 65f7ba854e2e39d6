"""Places in claims (bot/answer/places.py): a country or city the claim names must be named by a cited passage,
in any language. Cases from the hand-labelled pairs (eval/claims_labelled.jsonl q007, q114) and the seeds."""
from __future__ import annotations

import pytest

from bot.answer.places import place_found, place_of
from tests.test_claims import SEED_DE, SEED_PL, source, verdicts, vectors  # noqa: F401  (vectors: a fixture)

# seeds/000's sentence on the first visit, which does not name Moscow (q007 and q114's cited passage)
FIRST_VISIT = ("Darüber hinaus werden die beiden Staatsoberhäupter per Videokonferenz an dem Forum für interregionale "
               "Zusammenarbeit zwischen Kasachstan und Russland teilnehmen. Dies ist der erste offizielle "
               "Auslandsbesuch von Kassym-Jomart Tokajew nach seiner Wiederwahl zum Präsidenten in einer Stichwahl.")


@pytest.mark.parametrize("word, lang, other", [("Moskwy", "pl", "Moskau"), ("Moskwie", "pl", "Moscow"),
                                               ("Rosji", "pl", "Russland"), ("Paryżu", "pl", "Paris"),
                                               ("Kazachstanu", "pl", "Kasachstan"), ("Kina", "no", "China"),
                                               ("Kyiv", "en", "Kiew"), ("Russlands", "de", "Russia")])
def test_a_declined_place_is_the_same_place_in_another_language(word, lang, other):
    """Polish case endings (Moskwy genitive, Moskwie locative, Rosji, Paryżu, Kazachstanu), Norwegian Kina,
    English Kyiv and the German genitive Russlands name the place CLDR lists as Moskau, Moscow, Russland,
    Paris, Kasachstan, China, Kiew, Russia."""
    assert place_of(word, lang) is not None and place_of(word, lang) == place_of(other)


@pytest.mark.parametrize("word, lang", [("Kongen", "no"), ("Trolig", "no"), ("Hadde", "no"), ("Serving", "en"),
                                        ("Shoulder", "en"), ("Zaczął", "pl"), ("Numer", "pl"), ("Samo", "pl"),
                                        ("Samolot", "pl"), ("Pragnie", "pl"), ("Mądry", "pl"), ("Austritt", "de"),
                                        ("Nummern", "de"), ("Kaserne", "de")])
def test_words_that_begin_like_places_are_words(word, lang):
    """A review's list of sentence-initial or German-noun words that an earlier version read as places (the
    king as Congo, Serving as Serbia, Numer as Nouméa, Samolot as Samoa, Pragnie as Prague, Mądry as
    Portuguese "Madri"): endings only in languages that decline names, only the case endings of nouns, only
    on the claim language's own name, and not on a word far more common than that name."""
    assert place_of(word, lang) is None


def test_names_and_ordinary_words_are_no_places():
    """People (Tokajew, Putin) and lower-case words are left to the name check; an adjective is no place."""
    assert place_of("Tokajew") is None and place_of("Putin") is None
    assert place_of("moskwy") is None  # not capitalised: not read as a place
    # a capitalised German noun beginning like a place (Kinder, Kina's stem "kin" too short to take endings),
    # an English word that folds to a short name (Had: Chad is "had"), a three-letter name that is a word (Man)
    assert place_of("Kinder") is None and place_of("Had") is None and place_of("Man") is None


def test_a_passage_names_a_place_by_its_own_word_or_adjective():
    """Folded passage words: "moskau" names Moscow; "rusise" (russische) names Russia, as passages often say
    "the Russian president" where a claim says Russia; a passage with neither does not name them."""
    assert place_found(place_of("Moskwy", "pl"), {"der", "moskau"})
    assert place_found(place_of("Rosji", "pl"), {"rusise", "prasident"})
    assert not place_found(place_of("Moskwy", "pl"), {"kasahstan", "rusland", "forum"})


def test_a_claim_naming_a_city_the_passage_does_not_is_unsupported(vectors):  # noqa: F811
    """q007 / q114: "Tokajew came to Moscow after his re-election [1]" cites the first-visit sentence, which
    names Kazakhstan and Russia but not Moscow; the same claim cites seeds/000's sentence with "Moskau" and
    is supported (28 November and Moscow both there)."""
    claim = "Tokajew przyjechał do Moskwy po ponownym wyborze na prezydenta [1]."
    got = verdicts(vectors, claim, [source(FIRST_VISIT, "de")], "pl")
    assert got[0][0] is False and "Moskwy" in got[0][1]
    got = verdicts(vectors, "Tokajew przyjechał do Moskwy 28 listopada [1].", [source(SEED_DE, "de")], "pl")
    assert got[0] == (True, None)
    # the quoted Polish sentence: "w Moskwie" is found in the passage's own "Moskwie"
    got = verdicts(vectors, "Tokajew składa w Moskwie swą pierwszą wizytę zagraniczną [1].",
                   [source(SEED_PL, "pl")], "pl")
    assert got[0] == (True, None)


def test_warm_up_builds_the_place_table_before_the_first_answer(seeded_config, ollama):
    """The table is built on first use (0.2-0.3 s; eval/README.md): `bot chat`, `bot serve` and `bot eval`
    call warm_up so that no user's answer, and no measured check time, pays for it."""
    from bot import Bot
    from bot.answer import places

    places._places.cache_clear()
    Bot.from_config(seeded_config(llm={"host": ollama.url})).warm_up()
    assert places._places.cache_info().currsize == 1


# seeds/002 (Norwegian), the sentences of the multi-vector policy (q028's evidence)
MULTIVECTOR = ("Målet er å forfølge det hans administrasjon beskriver som en «multivektor»-utenrikspolitikk – å "
               "balansere mellom Russland, Kina og Vesten. Selv om Tokajev har opprettholdt nære forsvars- og "
               "økonomiske bånd med Moskva siden den russiske invasjonen ble iverksatt, har Kasakhstan tidligere "
               "sendt humanitær hjelp til Kyiv.")


def test_a_country_common_in_other_languages_is_checked_as_a_place(vectors):  # noqa: F811
    """q028, a right answer in English citing the Norwegian passage: "Russia" and "China" are frequent words in
    several languages, so the name check took them for international names (Putin, Paris) and wanted them
    spelt so: "not in [1]: Russia, China" beside a passage saying "Russland, Kina". A word CLDR lists as a
    country or city is checked as a place, in any language's name for it. Naming a country the passage does
    not (Japan for Kina) still fails, and the reason names it."""
    claim = ("Tokayev's administration calls its foreign policy of balancing between Russia, China and the West a "
             "multi-vector policy [1].")
    assert verdicts(vectors, claim, [source(MULTIVECTOR, "no")], "en")[0] == (True, None)
    got = verdicts(vectors, claim.replace("China", "Japan"), [source(MULTIVECTOR, "no")], "en")
    assert got[0][0] is False and "Japan" in got[0][1] and "Russia" not in got[0][1]


def test_a_person_named_like_a_place_is_found_by_their_name(vectors):  # noqa: F811
    """A review of the place check: "Jordan Bardella" beside a passage naming only "Bardella" gave "not in
    [1]: Jordan", as the country Jordan was not there. A word that is both a name and a place is missing
    only when both checks fail: the name is found by its last word (Bardella), so Jordan is not missing.
    A place the passage lacks still fails (Amman for Astana), and the reason names it, not the person."""
    passage = "Bardella, the party's president, met Tokayev in Astana on 3 May."
    claim = "Jordan Bardella met Tokayev in Astana on 3 May [1]."
    assert verdicts(vectors, claim, [source(passage, "en")], "en")[0] == (True, None)
    got = verdicts(vectors, claim.replace("Astana", "Amman"), [source(passage, "en")], "en")
    assert got[0][0] is False and "Amman" in got[0][1] and "Jordan" not in got[0][1]


def test_a_place_after_a_function_word_is_a_place_before_a_name(vectors):  # noqa: F811
    """The second review: checked both ways, "in Minsk Putin" read Minsk as Putin's first name, which is not
    checked, so a claim putting the meeting in Minsk passed against a passage putting it in Moscow. A place
    after a function word ("in", "i") is a place; only elsewhere ("Jordan Bardella", above) may it be a
    first name."""
    passage = "In Moscow Putin and Tokayev met on 28 November to discuss trade."
    got = verdicts(vectors, "In Minsk Putin and Tokayev met on 28 November to discuss trade [1].",
                   [source(passage, "en")], "en")
    assert got[0][0] is False and "Minsk" in got[0][1]
    got = verdicts(vectors, "Tokajev møtte mandag i Minsk Vladimir Putin [1].", [source(MULTIVECTOR, "no")], "no")
    assert got[0][0] is False and "Minsk" in got[0][1]
