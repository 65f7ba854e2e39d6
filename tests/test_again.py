"""The second try (bot/answer/again.py) for an answer that only restates its question, as 25 of the 1.5B test
model's 399 answers in eleven runs did (none of them right; eval/README.md): what counts as a restatement, and
the Bot asking once more, with the Ollama stand-in over the real seeds."""
from __future__ import annotations

import pytest

from bot import Bot
from bot.answer.again import restates
from bot.answer.fallback import RESTATES_WARNING

# eval/qa.jsonl q042, whose evidence passage the seeds hold (tests/test_fallback.py)
QUESTION = "Für welche Oppositionspartei ist Nursultan Ermachanow als Anwalt tätig?"
ECHO = "Nursultan Ermachanow ist als Anwalt für die Oppositionspartei tätig [1]."
ANSWER = "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."


@pytest.mark.parametrize("answer,question,lang,expected", [
    # q139 of the full run: every word is the question's, the asked "wykonalności" is missing
    ("Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej, mimo gotowości Rosatomu do pomocy. [1]",
     "Czego Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej, mimo gotowości Rosatomu do pomocy?",
     "pl", True),
    # q119: "in several spheres" for "in which spheres" restates it too, but a function word of more than three
    # letters may be the answer ("second", "once", "ersten"), so the rule lets it stand: a miss it accepts
    ("Besides traditional sectors, Putin said Russia and Kazakhstan have been working together in several spheres. [1]",
     "Besides traditional sectors, in which spheres did Putin say Russia and Kazakhstan have been working together?",
     "en", False),
    ("Tokayev was elected in the second round [1].", "In which round was Tokayev elected?", "en", False),
    ("Putins Besuch dauerte einen Tag [1].", "Wie lange dauerte Putins Besuch?", "de", False),  # capitalised
    ("Kasachstan will der EU beitreten [1].", "Wem will Kasachstan beitreten?", "de", False),
    ("Putin visited Kazakhstan in May [1].", "When did Putin visit Kazakhstan?", "en", False),  # a month
    ("Tokayev will visit Moscow now [1].", "When will Tokayev visit Moscow?", "en", False),  # CLDR's "now"
    # a yes/no question (no question word) is answered by its own words: "yes"
    ("Tokajew hat Putin in Astana getroffen [1].", "Hat Tokajew Putin in Astana getroffen?", "de", False),
    ("Tokajew wygrał w pierwszej turze [1].", "Czy Tokajew wygrał w pierwszej turze, czy w drugiej?", "pl", False),
    ("Pierwsza wizyta Tokajewa w Moskwie po reelekcji [1].",  # q052: a choice, "czy" inside the question
     "Co odbyło się wcześniej: pierwsza wizyta Tokajewa w Moskwie po reelekcji czy jego pierwsza wizyta w Moskwie "
     "jako nowy prezydent?", "pl", False),
    ("Kazakhstan didn't support the war [1].", "What did Kazakhstan support, the war?", "en", False),
    ("The sources don't say.", "What do the sources say about Tokayev's wife?", "en", False),  # a refusal
    ("Die Quellen sagen dazu nichts.", "Was sagen die Quellen über Tokajews Frau?", "de", False),
    # q192: "står bak bildene" with the agency left out; "bildene" twice is still the question's word
    ("Bildene står bak bildene i collagen av Putins besøk i Kasakhstan. [1]",
     "Hvilket bildebyrå står bak bildene i collagen av Putins besøk i Kasakhstan?", "no", True),
    (ECHO, QUESTION, "de", True),
    # a negation or a reply word the question lacks
    ("Kasachstan unterstützt den Krieg Russlands nicht [1].", "Welchen Krieg unterstützt Kasachstan?", "de", False),
    ("Ja, Kasachstan unterstützt den Krieg [1].", "Welchen Krieg unterstützt Kasachstan?", "de", False),
    # the choice of one alternative: CLDR's English "or" is in the question
    ("Tokayev won in the first round [1].", "In which round did Tokayev win, the first or a runoff?", "en", False),
    # a number the question lacks ("dwa", 2): an answer, right or invented
    ("Wizyta Putina w Kazachstanie trwała dwa dni [1].", "Ile dni trwała listopadowa wizyta Putina w Kazachstanie?",
     "pl", False),
    # names the question lacks
    ("Tokajew prowadził rozmowy w Paryżu z Emmanuelem Macronem [2].",
     "Z którym przywódcą Tokajew miał prowadzić rozmowy w Paryżu?", "pl", False),
    ("[1] [2]", QUESTION, "de", False),  # markers only: only_markers' case, asked again as such
])
def test_an_answer_that_restates_its_question(answer, question, lang, expected):
    assert restates(answer, question, lang) is expected


def _echo_first(body) -> str:
    """The restatement to the usual request, an answer when the last line asks for full sentences (again.txt)."""
    return ECHO if body["messages"][-1]["content"].rstrip().endswith("citing sources as [n]:") else ANSWER


def _chats(ollama) -> list[dict]:
    return [r["json"] for r in ollama.requests if r["path"] == "/api/chat"]


def test_a_restated_question_is_asked_for_again(seeded_config, ollama):
    """The second answer streams after the first, is the Answer's text and is checked; the first stays in
    the trace. Asked twice, the restatement stays (it is no refusal: its claim may be true) with a warning
    that it says nothing the question did not; so it does with the switch off, after one request."""
    ollama.reply = _echo_first
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}))
    items = list(bot.stream(QUESTION))
    a, deltas = items[-1], "".join(items[:-1])
    assert a.answer == ANSWER and a.trace.first_try == ECHO and a.warning is None
    assert deltas.startswith(ECHO + "\n\n") and deltas.endswith(ANSWER) and len(_chats(ollama)) == 2
    # the trace holds both requests as sent: the second is the first with only its last line changed
    first, again = _chats(ollama)[0]["messages"], _chats(ollama)[1]["messages"]
    assert a.trace.prompt == first and a.trace.prompt_again == again and first[:-1] == again[:-1] != []
    assert first[-1] != again[-1] and a.to_json(trace=True)["trace"]["prompt_again"] == again
    assert a.claims and a.claims[0].supported is True

    ollama.reply = ECHO
    a = bot.ask(QUESTION)
    assert a.answer == ECHO and a.trace.first_try == ECHO
    assert a.warning == "die Antwort wiederholt nur die Frage: sie sagt nichts, was nicht schon in der Frage steht"
    ollama.requests.clear()
    off = Bot.from_config(seeded_config(llm={"host": ollama.url}, answer={"retry_non_answers": False}))
    a = off.ask(QUESTION)
    assert a.answer == ECHO and a.trace.first_try is None and a.trace.prompt_again is None and len(_chats(ollama)) == 1
    assert a.warning.startswith("die Antwort wiederholt nur die Frage")
    ollama.reply = "Nursultan Ermachanow is a lawyer for an opposition party [1]."  # English: the code's words
    assert off.ask("Which opposition party is Nursultan Ermachanow a lawyer for?").warning == RESTATES_WARNING


def test_a_second_try_that_fails_keeps_the_restatement_and_says_so(seeded_config, ollama):
    """The LLM failing during the second try (after two chunks, as Ollama reports a failure once streaming has
    begun): the restatement stays the answer, and the warning says the second try failed rather than only
    that the answer restates the question (a new user saw the stray words and no word of the failure)."""
    def reply(body) -> str:
        ollama.set_error(mid_stream=2, path="/api/chat")  # the next request, the second try, fails
        return ECHO

    ollama.reply = reply
    a = Bot.from_config(seeded_config(llm={"host": ollama.url})).ask(QUESTION)
    assert a.answer == ECHO and a.trace.first_try == ECHO and len(_chats(ollama)) == 2
    assert a.warning.endswith("(the second try failed)")
