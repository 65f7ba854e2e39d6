"""Whether a question asks for a time or an amount, and whether an answer gives one (bot/answer/asks.py)."""
from __future__ import annotations

import pytest

from bot.answer.asks import asks_for_time_or_amount, gives_time_or_amount

LANGS = ("en", "de", "pl", "no")


@pytest.mark.parametrize("question", [
    "On what date was Tokayev due to travel to Moscow?", "In which years did Tokayev visit Moscow?",
    "According to the photo caption, how long before the article had Tokayev been sworn in?",
    "Mit wie viel Prozent der Stimmen wurde Tokajew wiedergewählt?", "An welchen Tagen war der Besuch geplant?",
    "Ile osób liczyła kazachska delegacja w Paryżu?", "W jakim dniu tygodnia spotkali się w Astanie?",
    "I hvilken måned trakk Nazarbajev seg?", "Når skal folkeavstemningen holdes?", "¿Cuántos votos obtuvo?",
    "Сколько длилась встреча?"])
def test_questions_that_ask_when_how_long_or_how_many(question):
    assert asks_for_time_or_amount(question)


@pytest.mark.parametrize("question", [
    # "when" and "når" are conjunctions too: only near the start of the question (or of its clause) they ask
    "What did Putin say when Tokayev arrived?", "Hva sa Putin når Tokajev kom til Moskva?",
    "Wer übernahm das Amt des Staatschefs?", "Z którym przywódcą Tokajew rozmawiał w Paryżu?",
    # a longer word that begins like an interrogative is another word: "ilekroć" (whenever), not "ile"
    "Ilekroć Putin przyjeżdża, kto go wita?"])
def test_questions_that_do_not(question):
    assert not asks_for_time_or_amount(question)


@pytest.mark.parametrize("answer, lang", [
    ("Tokajew reiste am 28. November nach Moskau [1].", "de"),  # a date
    ("Wizyta trwała dwa dni [1].", "pl"),  # a number word of the answer's language
    ("Film pokazywano w tych dniach [1].", "pl"),  # CLDR's "{0} dni", declined: dniach
    ("Das war vor wenigen Tagen [1].", "de"),  # "vor {0} Tagen": the unit, not "vor"
    ("Det skjedde i fjor [1].", "no"),  # CLDR's relative "i fjor" (last year)
    ("Tokayev was re-elected last week [1].", "en"),  # CLDR's relative "last week"
    ("Tokajev møtte Putin mandag [1].", "no"),  # a weekday
])
def test_answers_that_give_a_time_or_an_amount(answer, lang):
    assert gives_time_or_amount(answer, lang, LANGS)


@pytest.mark.parametrize("answer, lang", [
    ("Tokajev og Putin møtte hverandre i Moskva etter gjenvalget [1].", "no"),  # q065's answer to "how long?"
    ("Folkeavstemningen om atomkraftverket i Kasakhstan skal holdes i [1].", "no"),  # q066's, to "when?"
    # "år" (year) is two letters: only as it is, not as the beginning of "årsaken" (the reason); "letzte" of
    # "letzte Woche" goes with other units too ("letzten Monat"), so it is no word of time alone
    ("Årsaken var politisk [1].", "no"), ("Das war die letzte Reise von Putin [1].", "de"),
])
def test_answers_that_do_not(answer, lang):
    assert not gives_time_or_amount(answer, lang, LANGS)
