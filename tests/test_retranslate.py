"""An answer in another language than the question's, translated into it (bot/answer/retranslate.py).

The LLM is the Ollama stand-in: it answers the question in English and the translation request with the
numbered lines it was asked for, so what is checked is what the bot does with them.
"""
import json

import pytest

from bot.answer.retranslate import off_language, rebuild, translation_request

TEMPLATE = "Translate into {language}.\n{format}\n\n{lines}"


def test_the_claims_go_out_numbered_and_come_back_with_their_markers():
    answer = "Tokayev travelled to Moscow on 28 November [1]. There he met Putin [1][2]."
    prompt, claims = translation_request(TEMPLATE, answer, 2, "Norwegian")
    # the markers stay with the bot, not with the model: the lines carry only the claims' words
    assert "1. Tokayev travelled to Moscow on 28 November.\n2. There he met Putin." in prompt
    reply = "1. Tokajev reiste til Moskva 28. november.\n2. Der møtte han Putin."
    assert rebuild(reply, claims) == "Tokajev reiste til Moskva 28. november [1]. Der møtte han Putin [1][2]."
    # a line missing, or one far longer than its claim (the model talked instead), is no translation
    assert rebuild("1. Tokajev reiste til Moskva 28. november.", claims) is None
    assert rebuild(reply.replace("Der møtte han Putin.", "Der " + "og " * 60), claims) is None


def test_a_list_keeps_its_lines_and_echoed_source_tags_are_dropped():
    answer = "Sie sprachen über Folgendes [2]:\n1. Handel [2]\n2. Energie [2]\nBeides wächst seit 2021 [1]."
    prompt, claims = translation_request(TEMPLATE, answer, 2, "English")
    # the items' own numbers are not sent (they would read as the line numbers)
    assert prompt.endswith("1. Sie sprachen über Folgendes:\n2. Handel\n3. Energie\n4. Beides wächst seit 2021.")
    rebuilt = rebuild("1. They talked about the following:\n2. Trade\n3. Energy\n4. Both have grown since 2021.",
                      claims)
    # items without a stop get none (a stop is put back only where the claim had one)
    assert rebuilt == ("They talked about the following [2]:\n- Trade [2]\n- Energy [2]\n"
                       "Both have grown since 2021 [1].")
    # the model's echo of the prompt's source tags is no part of a claim
    prompt, _ = translation_request(TEMPLATE, "<source>[3]</source> Kasachstan verbot den Export.", 3, "English")
    assert prompt.endswith("\n\n1. Kasachstan verbot den Export.")


def test_what_the_model_adds_or_copies_is_not_taken_for_a_translation():
    _, claims = translation_request(TEMPLATE, "Tokajew traf Putin in Moskau [1] und Macron in Paris [2].", 2,
                                    "English")
    # a sentence cut into two claims (two sources) comes back as one sentence, not "Moscow [1]. and Macron"
    assert rebuild("1. Tokayev met Putin in Moscow\n2. and Macron in Paris.", claims) == (
        "Tokayev met Putin in Moscow [1] and Macron in Paris [2].")
    # the prompt's form copied back is no translation, whatever language it is in
    assert rebuild("1. <line 1 in English>\n2. <line 2 in English>", claims) is None
    # markers the model writes itself are dropped: each claim gets back its own, once
    assert rebuild("1. Tokayev met Putin in Moscow [1][7]\n2. and Macron in Paris [2].", claims) == (
        "Tokayev met Putin in Moscow [1] and Macron in Paris [2].")
    # a quote inside the line keeps both its marks; one around the whole line is taken off
    _, claims = translation_request(TEMPLATE, 'Er sagte: "Wir werden siegen." [1]', 1, "English")
    assert rebuild('1. He said: "We will win."', claims) == 'He said: "We will win." [1]'
    _, claims = translation_request(TEMPLATE, "Er traf Putin [1].", 1, "English")
    assert rebuild('1. "He met Putin."', claims) == "He met Putin [1]."


def test_only_a_wrong_language_counts():
    assert off_language("Tokajew reiste am 28. November nach Moskau [1].", "de") is None
    assert off_language("Tokajew reiste am 28. November nach Moskau [1].", "en") == "de"
    assert off_language("Tokajew traf Putin in Moskau [1].", "pl") is None  # too short to tell


# q040 of the 2026-12-03 run: a Norwegian answer that copies a clause of the German source it cites
MIXED = ("Kasakhstan har forbudt eksporten av 106 typer høyteknologiske varer til Russland, die im Krieg "
         "eingesetzt werden können [1].")


def test_a_clause_in_a_sources_language_counts_as_another_language():
    """The answer as a whole reads as Norwegian (answers.language counted it so); its second clause is the
    German source's, word for word. Only the sources' languages count (a model copies from its sources), and
    names do not (they are spelt alike in many languages)."""
    from bot.answer.retranslate import foreign_clause
    from bot.evaluation.metrics import in_language, mixed_language

    assert in_language(MIXED, "no") is True
    assert foreign_clause(MIXED, "no", ["de", "pl"]) == "de" and off_language(MIXED, "no", ["de"]) == "de"
    assert foreign_clause(MIXED, "no", ["pl", "en"]) is None and off_language(MIXED, "no") is None
    clean = "Kasakhstan har forbudt eksporten av 106 typer høyteknologiske varer til Russland, som kan brukes i krigen [1]."
    assert foreign_clause(clean, "no", ["de"]) is None
    # four words besides the names: "und" and "trafen" are too few to tell a language by
    assert foreign_clause("Tokajev møtte Putin i Moskva, Kassym-Jomart Tokajew und Wladimir Putin trafen.", "no",
                          ["de"]) is None
    assert [mixed_language(a, "no", ["de"]) for a in (MIXED, clean, "Tokajew reiste am 28. November nach Moskau "
                                                                     "und traf dort Putin [1].")] == [True, False, None]


def _mixed(body: dict) -> str:
    """MIXED, citing the source with the German sentence it copies; then the translation."""
    import re

    prompt = body["messages"][-1]["content"]
    if "Translate each numbered line fully into Norwegian" in prompt:
        assert "written partly in German" in prompt
        return "1. Kasakhstan har forbudt eksporten av 106 typer høyteknologiske varer til Russland som kan brukes i krigen."
    n = next(int(m) for m, b in re.findall(r"(?ms)^\[(\d+)\](.*?)(?=^\[\d+\]|\Z)", prompt)
             if "106 Arten" in b)
    return MIXED.replace("[1]", f"[{n}]")


def test_an_answer_in_the_right_language_with_a_clause_copied_from_a_source_is_translated(seeded_config, ollama):
    from bot import Bot

    ollama.reply = _mixed
    answer = Bot.from_config(seeded_config(llm={"host": ollama.url})).ask(
        "Hvor mange typer varer omfatter Kasakhstans forbud mot eksport av høyteknologiske produkter til Russland?")
    n = answer.trace.translated_from["answer"].split("[")[1][0]
    assert answer.trace.translated_from["lang"] == "de"
    assert answer.answer == ("Kasakhstan har forbudt eksporten av 106 typer høyteknologiske varer til Russland som kan "
                             f"brukes i krigen [{n}].")


def _scripted(body: dict) -> str:
    """English, citing the source with "28. November" (retrieval decides its number); then the translation."""
    from tests.test_claims import _cite_the_date

    if "Translate each numbered line fully into German" in body["messages"][-1]["content"]:
        # the request names the language the detector read (a mixed line was given back unchanged without it)
        assert "written partly in English" in body["messages"][-1]["content"]
        return "1. Tokajew reiste am 28. November nach Moskau."
    return _cite_the_date("Tokayev travelled to Moscow on 28 November [{n}].")(body)


def test_a_german_question_answered_in_english_gets_the_german(seeded_config, ollama):
    from bot import Bot
    from bot.types import Answer

    ollama.reply = _scripted
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}))
    items = list(bot.stream("Wann reiste Tokajew nach Moskau?"))
    answer = items[-1]
    assert isinstance(answer, Answer)
    streamed = "".join(x for x in items if isinstance(x, str))
    # the user saw the English as it came, then the translation; the answer itself is the German
    n = answer.trace.translated_from["answer"].split("[")[1][0]  # the source the English answer cited
    assert streamed.startswith("Tokayev travelled")
    assert streamed.endswith(f"\n\nTokajew reiste am 28. November nach Moskau [{n}].")
    assert answer.answer == f"Tokajew reiste am 28. November nach Moskau [{n}]."
    out = answer.to_json(trace=True)
    assert out["trace"]["translated_from"] == {"lang": "en",
                                               "answer": f"Tokayev travelled to Moscow on 28 November [{n}]."}
    assert "translate_answer_s" in out["timings"]
    # the claims checked are the German ones; the seeds' German passage has Moscow on 28 November
    assert [c["text"] for c in out["claims"]] == [f"Tokajew reiste am 28. November nach Moskau [{n}]."]
    assert out["claims"][0]["supported"] is True, out["claims"][0]


def test_a_refusal_in_another_language_is_the_configured_one_without_a_call(seeded_config, ollama):
    from bot import Bot

    ollama.reply = "The sources do not say it."
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}))
    before = len(ollama.requests)
    answer = bot.ask("Hvem er statsminister i Norge?")
    assert answer.answer == bot.prompts.refusal("no")
    assert len(ollama.requests) - before == 1  # the answer's own call only


def test_translation_can_be_turned_off(seeded_config, ollama):
    from bot import Bot

    ollama.reply = _scripted
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}, answer={"translate_answers": False}))
    answer = bot.ask("Wann reiste Tokajew nach Moskau?")
    assert answer.answer.startswith("Tokayev travelled to Moscow on 28 November [")
    assert json.dumps(answer.to_json(trace=True)["trace"]["translated_from"]) == "null"


def test_a_translation_that_changes_a_fact_is_dropped(seeded_config, ollama):
    """The translation gives the 29th where the answer said the 28th (the 1.5B model turned Norwegian "fire",
    four, into German "fünf" so): no translation, so the answer stays as written, in English, and is checked
    as such (the seeds' German passage has Moscow on 28 November: supported). A translation that keeps the
    date is taken (the test above)."""
    from bot import Bot

    def reply(body: dict) -> str:
        if "Translate each numbered line" in body["messages"][-1]["content"]:
            return "1. Tokajew reiste am 29. November nach Moskau."
        return _scripted(body)

    ollama.reply = reply
    answer = Bot.from_config(seeded_config(llm={"host": ollama.url})).ask("Wann reiste Tokajew nach Moskau?")
    assert answer.answer.startswith("Tokayev travelled to Moscow on 28 November [")
    assert answer.trace.translated_from is None and answer.claims[0].supported is True


@pytest.mark.parametrize("answer,translation,langs,changed", [
    # Norwegian "fire" (four) as German "fünf" (q179): a fact replaced
    ("Kasakhstan har ikke anerkjent annekteringen av fire ukrainske regioner [2].",
     "Kasachstan hat die Annexion von fünf ukrainischen Regionen nicht anerkannt [2].", ("no", "de"), True),
    ("Tokajev reiste til Moskva 28. november [1].", "Tokajew reiste am 29. November nach Moskau [1].", ("no", "de"), True),
    # faithful: the same date in other words; "to" (two) read as Norwegian, "zwei" as German
    ("Tokajev reiste til Moskva 28. november 2019 [1].", "Tokajew reiste am 28. November 2019 nach Moskau [1].",
     ("no", "de"), False),
    ("Tokajev avla to statsbesøk [1].", "Tokajew stattete zwei Staatsbesuche ab [1].", ("no", "de"), False),
    # mostly English with a Norwegian clause (the detector's "no"): "three" is read as English too
    ("Tokayev came with three ministers to meet Putin, og de snakket sammen i flere timer [1].",
     "Tokayev came with three ministers to meet Putin, and they talked together for several hours [1].",
     ("no", "en"), False),
    ("W spotkaniu wzięło udział 10 000 osób [1].", "An dem Treffen nahmen 10.000 Menschen teil [1].", ("pl", "de"),
     False),
    ("Tokajew traf Putin um 10.30 Uhr [1].", "Tokayev met Putin at 10:30 [1].", ("de", "en"), False),
    # a list's item numbers are no facts ("3." would hide the "drei"); "four hours" as "drei Stunden" is one
    ("1. He went on 28 November [1].\n2. He met Putin for four hours [2].\n3. They signed 5 agreements [1].",
     "- Er reiste am 28. November [1].\n- Er traf Putin drei Stunden lang [2].\n"
     "- Sie unterzeichneten 5 Abkommen [1].",
     ("en", "de"), True),
])
def test_which_translations_change_a_fact(answer, translation, langs, changed):
    from bot.answer.retranslate import _facts_changed

    assert _facts_changed(answer, translation, langs) is changed
