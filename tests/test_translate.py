"""Optional LLM query translation (retrieval.translate, bot/retrieval/translate.py): the reply parsed by hand,
the per-language scoring worked by hand, and the whole path over the seeds with the Ollama stand-in."""
from __future__ import annotations

from bot import Bot
from bot.retrieval.translate import by_language, parse_translations
from tests.ollama_standin import refused_url

QUESTION = "On what date was Tokayev due to travel to Moscow?"
REPLY = ("Here are the translations:\n"
         "de: An welchem Datum sollte Tokajew nach Moskau reisen?\n"
         "- no: Hvilken dato skulle Tokajev reise til Moskva?\n"
         "pl: On what date was Tokayev due to travel to Moscow?\n"  # not translated: left out
         "fr: À quelle date Tokaïev devait-il se rendre à Moscou ?\n")  # not asked for: left out


def test_the_reply_gives_one_translation_per_asked_language():
    got = parse_translations(REPLY, ["de", "no", "pl"], QUESTION)
    assert got == {"de": "An welchem Datum sollte Tokajew nach Moskau reisen?",
                   "no": "Hvilken dato skulle Tokajev reise til Moskva?"}
    assert parse_translations("de: " + "sehr " * 80, ["de"], QUESTION) == {}  # the model went on talking
    # the tiny model's reply to this prompt: a date for each language, no translation at all
    assert parse_translations("de: 2018-01-01\nno: 2018-01-01", ["de", "no"], QUESTION) == {}


def test_each_passage_scores_by_the_question_in_its_own_language():
    """en question; a German passage d1 scores 1.0 by the English query but 2.5 by the German one: it takes
    2.5 and goes first. The English passage e1 keeps its English score 2.0, though the German query ranks it
    3.0 (a passage is scored in its own language only). r1 is Russian, with no Russian query: the English
    question's 1.2 counts. d2 is only in the English ranking: no German score, so it is left out."""
    rankings = {"en": [("e1", 2.0), ("d2", 1.8), ("r1", 1.2), ("d1", 1.0)],
                "de": [("e1", 3.0), ("d1", 2.5)]}
    langs = {"e1": "en", "d1": "de", "d2": "de", "r1": "ru"}
    assert by_language(rankings, langs, "en") == [("d1", 2.5), ("e1", 2.0), ("r1", 1.2)]


def test_search_with_translations_over_the_seeds(seeded_config, ollama):
    """One LLM call asks for the seeds' three languages other than the question's (de, no, pl; the prompt
    names them), its translations are in the trace, and each German passage found has the German query's
    score. With the LLM unreachable, the search is the one without translation."""
    ollama.reply = REPLY
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}, retrieval={"translate": True}))
    found = bot.search(QUESTION)
    prompts = [b["messages"][-1]["content"] for b in ollama.bodies("/api/chat")]
    assert len(prompts) == 1 and "German, Norwegian, Polish" in prompts[0] and QUESTION in prompts[0]
    german = bot._retriever.rank("An welchem Datum sollte Tokajew nach Moskau reisen?", 5, "de")
    by_de = dict(german)
    de_found = [s for s in found if s.lang == "de"]
    assert de_found and all(abs(s.score - by_de[s.chunk_id]) < 1e-9 for s in de_found)

    answer = bot.ask(QUESTION)
    assert answer.trace.translations == {"de": "An welchem Datum sollte Tokajew nach Moskau reisen?",
                                         "no": "Hvilken dato skulle Tokajev reise til Moskva?"}
    assert answer.to_json(trace=True)["trace"]["translations"] == answer.trace.translations
    assert "translate_s" in answer.trace.timings

    plain = Bot.from_config(seeded_config(llm={"host": ollama.url})).search(QUESTION)
    down = Bot.from_config(seeded_config(llm={"host": refused_url()}, retrieval={"translate": True}))
    assert [s.chunk_id for s in down.search(QUESTION)] == [s.chunk_id for s in plain]
