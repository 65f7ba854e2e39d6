"""Whether a question asks for an amount or a length of time, and whether an answer gives one
(bot/answer/asks.py)."""
from __future__ import annotations

import pytest

from bot.answer.asks import asks_for_time_or_amount, gives_time_or_amount


@pytest.mark.parametrize("question", [
    "On what date was Tokayev due to travel to Moscow?", "In which years did Tokayev visit Moscow?",
    "According to the photo caption, how long before the article had Tokayev been sworn in?",
    "Mit wie viel Prozent der Stimmen wurde Tokajew wiedergewählt?", "An welchen Tagen war der Besuch geplant?",
    "Ile osób liczyła kazachska delegacja w Paryżu?", "Ilu dziennikarzy towarzyszyło Putinowi?",
    "W jakim dniu tygodnia spotkali się w Astanie?", "I hvilken måned trakk Nazarbajev seg?",
    "Hvor lenge varte møtet?", "¿Cuántos votos obtuvo?", "Сколько длилась встреча?"])
def test_questions_that_ask_how_long_or_how_many(question):
    assert asks_for_time_or_amount(question)


@pytest.mark.parametrize("question", [
    # "when" is answered by an event too ("after his re-election"), with no word of time: not asked for here
    "When did Tokayev travel to Moscow?", "Når skal folkeavstemningen holdes?",
    # the clause that asks is the first with a question word: these ask what happened, not when
    "What happened when Tokayev arrived?", "Hva skjedde når Tokajev kom?", "Что сказал Путин, когда приехал Токаев?",
    "Co się stało, kiedy Tokajew przyjechał?", "Besides Luhansk, which region did Tokayev name?",
    # "how much" asks for a degree as often as for an amount; "ilekroć" (whenever) only begins like "ile"
    "How much did the sanctions affect trade?", "Ilekroć Putin przyjeżdża, kto go wita?"])
def test_questions_that_do_not(question):
    assert not asks_for_time_or_amount(question)


@pytest.mark.parametrize("answer, langs", [
    ("Tokajew reiste am 28. November nach Moskau [1].", ("de",)),  # a date
    ("Wizyta trwała dwa dni [1].", ("pl",)),  # a number word of the answer's language
    ("Film pokazywano w tych dniach [1].", ("pl",)),  # CLDR's "{0} dni", declined: dniach
    ("Das war vor wenigen Tagen [1].", ("de",)),  # "vor {0} Tagen": the unit, not "vor"
    ("Det skjedde i fjor [1].", ("no",)), ("Det skjedde i dag [1].", ("no",)),  # CLDR's relative "i fjor", "i dag"
    ("Tokayev was re-elected last week [1].", ("en",)),  # CLDR's relative "last week"
    ("Tokajev møtte Putin mandag [1].", ("no",)),  # a weekday
    ("Das war gestern [1].", ("en", "de")),  # an answer left in its source's German, to an English question
    # number words declined (XQuAD's Russian answers: четырьмя of четыре, семи of семь, две of два), in a
    # compound (Zweidrittelmehrheit), or with the soft sign unidecode keeps (пять: piat')
    ("Их было четырьмя [1].", ("ru",)), ("Сеть стала из семи уровней [1].", ("ru",)),
    ("Команд было две [1].", ("ru",)), ("Es braucht eine Zweidrittelmehrheit [1].", ("de",)),
    ("Метрополитен открывался в пять этапов [1].", ("ru",)),
])
def test_answers_that_give_a_time_or_an_amount(answer, langs):
    assert gives_time_or_amount(answer, langs)


@pytest.mark.parametrize("answer, langs", [
    ("Tokajev og Putin møtte hverandre i Moskva etter gjenvalget [1].", ("no",)),  # q065's answer to "how long?"
    ("Tokajev reiste til Moskva [1].", ("no",)),  # "ti" (ten) is two letters: only as it is, not in "til"
    ("Die Entscheidung war wohl spontan [1].", ("de",)),  # q205's, to "wie lange dauerte Putins Flug?"
    # "år" (year) is two letters: only as it is, not as the beginning of "årsaken" (the reason); "går" (goes)
    # is no "i går" (yesterday); "letzte" of "letzte Woche" goes with other units too ("letzten Monat")
    ("Årsaken var politisk [1].", ("no",)), ("Tokajev går inn for fred [1].", ("no",)),
    ("Das war die letzte Reise von Putin [1].", ("de",)),
    # a word of time with a long ending is another word: "morgen" (tomorrow) is no Morgenpost
    ("Die Morgenpost berichtete darüber [1].", ("de",)),
    # French "la" and "après" are words of "la semaine dernière", "après-demain", not of time
    ("La visite a eu lieu après la réélection [1].", ("fr",)),
])
def test_answers_that_do_not(answer, langs):
    assert not gives_time_or_amount(answer, langs)
