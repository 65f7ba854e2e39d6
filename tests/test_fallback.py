"""The fallback note (bot/answer/fallback.py) with the Ollama stand-in over the real seeds: a refusal despite a
very high score gets the sources' closest sentences, a refusal on an unanswerable question stays bare, and an
answer whose claims the sources do not support gets a warning and the same sentences."""
from __future__ import annotations

import pytest

from bot import Bot
from bot.answer.fallback import (EMPTY_WARNING, REFUSAL_HEAD, RESTATES_WARNING, UNANSWERED_WARNING,
                                 UNCITED_WARNING, UNSUPPORTED_WARNING, WITHHELD_WARNING)
from bot.answer.prompt import Prompts, prompts_dir
from bot.answer.refusal import is_refusal
from bot.apps.openai_api import sources_text
from bot.apps.ui_render import answer_markdown
from bot.config import AnswerCheck
from bot.evaluation.metrics import contains_quote
from bot.types import Answer
from tests.conftest import run_cli

# eval/qa.jsonl q042: the evidence passage is the top one, fused score 4.87 (answer.fallback_min_score is 4.1)
ANSWERABLE = "Für welche Oppositionspartei ist Nursultan Ermachanow als Anwalt tätig?"
EVIDENCE = "Nursultan Ermachanow, ein Anwalt der Oppositionspartei El Tiregi"
# q057 and q056: no seed says these; the best passage scores 2.39 for the first
UNANSWERABLE = "What is the population of Kazakhstan?"
# The question is German, so the note is: the bot's words in the user's language, the quotes in the sources'.
NOTE_DE = "Hinweis: Es wurde keine Antwort erzeugt, aber diese Sätze der Quellen passen genau zur Frage"
HOW_OLD = "How old is Kassym-Jomart Tokayev?"
MIN_SCORE = AnswerCheck().fallback_min_score  # the default config's "very high"


def ask(seeded_config, ollama, question: str, **answer) -> Answer:
    return Bot.from_config(seeded_config(llm={"host": ollama.url}, answer=answer)).ask(question)


def _in_source(a: Answer, n: int, quote: str) -> bool:
    return " ".join(quote.split()) in " ".join(a.sources[n - 1].text.split())


def test_refusal_despite_a_very_high_score_gets_the_sources_sentences(seeded_config, ollama):
    ollama.reply = "Die Quellen sagen dazu nichts."
    a = ask(seeded_config, ollama, ANSWERABLE)
    assert a.trace.retrieved[0].score >= MIN_SCORE and EVIDENCE in a.trace.retrieved[0].text  # the case this covers
    assert a.answer == "Die Quellen sagen dazu nichts." and a.mode == "generated" and a.warning is None
    f = a.fallback
    assert f is not None and f.kind == "refusal" and f.text.startswith(NOTE_DE)
    assert 1 <= len(f.quotes) <= 2 and f.similarity >= 0.68
    assert any(contains_quote(q.quote, EVIDENCE) for q in f.quotes)  # the gold evidence, in the source's words
    for q in f.quotes:  # each quote is a sentence of the source it cites, and that citation resolves
        assert _in_source(a, q.n, q.quote) and f"“{q.quote}” [{q.n}]" in f.text
        assert (q.doc_id, q.chunk_id) == (a.sources[q.n - 1].doc_id, a.sources[q.n - 1].chunk_id)
    assert a.citations == []  # the answer's own citations: the refusal has none
    assert [c.n for c in a.listed_citations()] == [q.n for q in f.quotes]  # what front ends list under it
    assert is_refusal(a.answer)  # the model's text is what the eval scores: still a refusal
    body = a.to_json()
    assert body["answer"] == a.answer and body["fallback"]["kind"] == "refusal"
    assert body["fallback"]["quotes"][0]["quote"] == f.quotes[0].quote
    md = answer_markdown(a, 0)  # the chat: the note set apart, its markers linked to the passages
    assert NOTE_DE in md and all(f"(#cite-0-{q.n})" in md for q in f.quotes)
    assert sources_text(a).endswith(f.text)  # /v1: after the Sources list


def test_refusal_on_an_unanswerable_question_stays_bare(seeded_config, ollama):
    ollama.reply = "The sources don't say."
    a = ask(seeded_config, ollama, UNANSWERABLE)
    assert a.trace.retrieved[0].score < MIN_SCORE
    assert a.answer == "The sources don't say." and a.fallback is None and a.warning is None
    assert a.citations == [] and a.to_json()["fallback"] is None


def test_switched_off_no_note(seeded_config, ollama):
    ollama.reply = "Die Quellen sagen dazu nichts."
    a = ask(seeded_config, ollama, ANSWERABLE, fallback=False)
    assert a.fallback is None and a.citations == []


def test_invented_claim_gets_a_warning_and_the_closest_sentences(seeded_config, ollama):
    """With answer.withhold_unfounded off, the made-up answer stays, marked (with it on, see below)."""
    ollama.reply = "Tokayev is 85 years old [1]."
    a = ask(seeded_config, ollama, HOW_OLD, withhold_unfounded=False)
    [claim] = a.claims
    assert claim.supported is False and "85" in claim.reason  # no seed gives his age
    assert a.answer == "Tokayev is 85 years old [1]."  # kept, marked: the front ends flag the claim
    assert a.warning == UNSUPPORTED_WARNING
    f = a.fallback
    assert f.kind == "unsupported" and f.quotes
    for q in f.quotes:
        assert _in_source(a, q.n, q.quote) and any(c.n == q.n for c in a.listed_citations())
    assert [c.n for c in a.citations] == [1]  # the answer's own marker only
    assert a.to_json()["warning"] == UNSUPPORTED_WARNING


def test_partly_supported_answer_gets_no_note(seeded_config, ollama):
    """One supported claim is enough: the note is for answers with nothing the sources back."""
    from tests.test_claims import _cite_the_date

    ollama.reply = _cite_the_date("Tokajew reiste am 28. November nach Moskau [{n}]. Dort traf er Angela Merkel [{n}].")
    a = ask(seeded_config, ollama, "Wann reiste Tokajew nach Moskau?")
    assert [c.supported for c in a.claims] == [True, False]
    assert a.fallback is None and a.warning is None


def test_cli_prints_the_note_after_the_answer(seeded_config, ollama):
    ollama.reply = "Die Quellen sagen dazu nichts."
    proc = run_cli("ask", ANSWERABLE, config=seeded_config(llm={"host": ollama.url}))
    assert proc.returncode == 0, proc.stderr
    answer, rest = proc.stdout.split("\n", 1)
    assert answer == "Die Quellen sagen dazu nichts."
    note, sources = rest.split("\nSources:\n")
    assert note.strip().startswith(NOTE_DE) and "El Tiregi" in note and "[1]" in note
    assert sources.startswith("[1] ")  # the note's source is listed like a cited one


def test_the_note_speaks_the_question_language_else_english(tmp_path):
    """The shipped prompts have the notes in the languages they have refusals in (en, de, pl, no, fr, es, ru);
    Italian, which the prompts name but give no refusal, gets English. A prompts folder from
    before the notes existed (no [notes] table) still loads, and every note is then English."""
    p = Prompts.load(prompts_dir())
    assert p.note("refused", "de").startswith(NOTE_DE) and p.note("refused", "en") == REFUSAL_HEAD
    assert p.note("unsupported", "pl").startswith("Uwaga: źródła nie potwierdzają")
    assert p.note("withheld", "es").startswith("Nota: la respuesta del modelo daba {facts}")
    assert p.note("refused", "it") == REFUSAL_HEAD
    kinds = ("refused", "unsupported", "withheld", "unanswered")  # every refusal language has its own notes
    assert all(p.note(k, lang) != p.note(k, "en") for k in kinds for lang in p.refusals if lang != "en")
    kinds = ("unsupported", "withheld", "unanswered", "uncited", "empty", "restates")  # warnings too; "it": English
    assert all(p.warning(k, lang) != p.warning(k, "en") for k in kinds for lang in p.refusals if lang != "en")
    assert [p.warning(k, "it") for k in kinds] == [UNSUPPORTED_WARNING, WITHHELD_WARNING, UNANSWERED_WARNING,
                                                   UNCITED_WARNING, EMPTY_WARNING, RESTATES_WARNING]
    assert "notes" not in p.refusals and all(isinstance(v, str) for v in p.refusals.values())
    old = tmp_path / "prompts"
    old.mkdir()
    for f in prompts_dir().iterdir():
        text = f.read_text(encoding="utf-8")
        (old / f.name).write_text(text.split("\n[notes.refused]")[0] if f.name == "refusals.toml" else text,
                                  encoding="utf-8")
    assert Prompts.load(old).note("refused", "de") is None  # and fallback_note falls back to REFUSAL_HEAD


def test_an_answer_that_cites_nothing_says_so(seeded_config, ollama):
    """A made-up answer with no marker (the new-user report: "Tokajew pojechał do Moskwy 5 maja 2020 roku.
    Spotkał się tam z Angelą Merkel.") has claims, none cited: nothing to check, so the answer's warning
    says it is unchecked, in Polish as the question is. A refusal with no marker is no such answer: no warning."""

    ollama.reply = "Tokajew pojechał do Moskwy 5 maja 2020 roku. Spotkał się tam z Angelą Merkel."
    a = ask(seeded_config, ollama, "Kiedy Tokajew pojechał do Moskwy?")
    assert a.claims and all(c.supported is None for c in a.claims)
    polish = "odpowiedź nie powołuje się na żadne źródło, więc żadnego z jej stwierdzeń nie można było sprawdzić"
    assert a.warning.startswith(polish) and a.to_json()["warning"] == a.warning
    ollama.reply = "Tokajew went to Moscow on 5 May 2020."  # the same asked in English: the English line
    assert ask(seeded_config, ollama, "When did Tokayev go to Moscow?").warning == UNCITED_WARNING
    ollama.reply = "Źródła tego nie mówią."
    assert ask(seeded_config, ollama, "Ile lat ma Tokajew?").warning is None


def _markers_first(body) -> str:
    """The 1.5B model's way with q137 and q162 (runs of 2026-12-03, temperature 0.1, fixed seed): source numbers
    only to the usual request, an answer when the request's last line asks for full sentences."""
    if body["messages"][-1]["content"].rstrip().endswith("citing sources as [n]:"):
        return "[1] [2] [3] [4]"
    return "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."


def _chats(ollama) -> list[dict]:
    return [r["json"] for r in ollama.requests if r["path"] == "/api/chat"]


def test_an_answer_of_source_numbers_only_is_asked_for_again(seeded_config, ollama):
    """An answer of markers only says nothing, so the bot asks once more with answer_again.txt's last line; the
    second answer streams after the first (as a translation does) and is the Answer's text, the first stays in
    the trace. Only the last line of the request differs, so a prompt cache keeps the system message and the
    sources (checked: every message but the last is the same, and the last one up to its final line)."""
    ollama.reply = _markers_first
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}))
    items = list(bot.stream(ANSWERABLE))
    a, deltas = items[-1], "".join(items[:-1])
    assert a.answer == "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."
    assert a.trace.first_try == "[1] [2] [3] [4]" and a.warning is None
    assert deltas.startswith("[1] [2] [3] [4]\n\n") and deltas.endswith(a.answer)
    first, again = _chats(ollama)
    assert first["messages"][:-1] == again["messages"][:-1]
    head, _, tail = again["messages"][-1]["content"].rpartition("\n")
    assert first["messages"][-1]["content"].startswith(head) and "full sentences" in tail
    assert a.claims and a.claims[0].supported is True  # the second answer is checked like any other


def test_the_second_request_fits_the_context_window_too(seeded_config, ollama):
    """answer_again.txt's last line is longer than answer.txt's, and the second request reuses the sources the
    first was cut to: so the cut is made for the longer of the two. The second run's window leaves exactly the
    first run's prompt for the prompt: cut for the first request alone, that prompt would fit to the token
    and the second request would not (it did, before the fix)."""
    from bot.backends.base import ChatBackend

    def sizes() -> list[int]:
        return [sum(ChatBackend.count_tokens(None, m["content"]) + 8 for m in r["messages"]) for r in _chats(ollama)]

    def ask_in(window: int) -> Answer:
        ollama.requests.clear()
        cfg = seeded_config(llm={"host": ollama.url, "context_window": window, "max_tokens": 256},
                            context={"mode": "chunks"})
        return Bot.from_config(cfg).ask(ANSWERABLE)

    ollama.reply = _markers_first
    a = ask_in(1200)
    tight = sizes()[0]
    assert a.trace.first_try and a.trace.dropped_sources > 0 and tight == a.trace.prompt_tokens
    a = ask_in(tight + 256)
    first, again = sizes()
    assert a.trace.first_try and first < again <= tight
    assert a.answer == "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."


def test_source_numbers_only_twice_is_a_refusal(seeded_config, ollama):
    """Markers again on the second try: the user gets the refusal in the question's language (German here,
    prompts/refusals.toml), which is what such an answer amounts to. Where a passage matches the question
    very closely (q042's evidence, the first test's) the refusal's note quotes the closest sentences; for an
    unanswerable question it stays bare. With the switch off the markers stay, with a warning that they are
    no answer, and only one request is made."""

    ollama.reply = "[1] [2] [3] [4]"
    a = ask(seeded_config, ollama, ANSWERABLE)
    assert a.answer == Prompts.load(prompts_dir()).refusal("de") and is_refusal(a.answer)
    assert a.fallback is not None and a.fallback.kind == "refusal"
    assert any(contains_quote(q.quote, EVIDENCE) for q in a.fallback.quotes)
    assert ask(seeded_config, ollama, UNANSWERABLE).answer == "The sources don't say."
    ollama.requests.clear()
    a = ask(seeded_config, ollama, UNANSWERABLE, retry_non_answers=False)
    assert a.answer == "[1] [2] [3] [4]" and a.warning == EMPTY_WARNING and len(_chats(ollama)) == 1


def test_an_answer_of_numbers_is_not_asked_again(seeded_config, ollama):
    """q024 with the 1.5B model: "[1] 6 [2] 6 [3] 6" to a "how many" question is an answer (a right one there),
    not markers only: one request, and the text is checked as any answer is: kept, or withheld if no given
    source holds 6 (seeds/002 has "seks", which may or may not be among the sources given). q208's "[1] 1 [2]
    1" to "how many journalists" was withheld so once numbers-only answers stopped counting as refusals."""
    ollama.reply = "[1] 6 [2] 6 [3] 6"
    a = ask(seeded_config, ollama, "Wie viele Regionen besuchte Tokajew?")
    assert a.trace.first_try is None and len(_chats(ollama)) == 1
    assert (a.trace.withheld or {}).get("answer", a.answer) == "[1] 6 [2] 6 [3] 6"
    assert a.fallback is None or a.fallback.kind == "withheld"


def test_an_answer_with_a_number_no_source_holds_is_withheld(seeded_config, ollama):
    """q056 with the 1.5B model: "Kassym-Jomart Tokayev is 52 years old. [1][2]". No seed gives his age, so
    no source given holds 52 (checked below, not assumed): the answer is made up. The user gets the refusal
    in the question's language and the note naming what was invented, with the sources' closest sentences;
    the model's text and its checked claim stay in the trace, and the eval scores what the user saw."""

    ollama.reply = "Kassym-Jomart Tokayev is 52 years old. [1][2]"
    a = ask(seeded_config, ollama, HOW_OLD)
    assert not any("52" in s.text for s in a.sources)
    assert a.answer == "The sources don't say." and is_refusal(a.answer)
    assert a.claims == [] and a.citations == []
    assert a.warning == WITHHELD_WARNING.replace("{facts}", "52")
    f = a.fallback
    assert f.kind == "withheld" and f.head.startswith("Note: the model's answer gave 52, which none")
    assert ask(seeded_config, ollama, HOW_OLD, fallback=False).fallback.kind == "withheld"  # its own switch
    assert f.quotes and all(_in_source(a, q.n, q.quote) for q in f.quotes)
    assert a.trace.withheld["answer"] == "Kassym-Jomart Tokayev is 52 years old. [1][2]"
    [claim] = a.trace.withheld["claims"]
    assert claim["supported"] is False and "52" in claim["reason"]
    body = a.to_json(trace=True)
    assert body["fallback"]["kind"] == "withheld" and body["trace"]["withheld"]["answer"].startswith("Kassym")
    md = answer_markdown(a, 0)  # the chat shows the refusal and the note, not the invented age
    assert "52 years old" not in md and "The sources don't say." in md and "none of the sources holds" in md


def test_withheld_note_speaks_the_question_language(seeded_config, ollama):
    """Polish question, Polish refusal and note; the number as the claim gave it, decimal comma and all
    (q064's "2,5 miliardów")."""
    ollama.reply = "Wymiana handlowa wyniosła 2,5 miliarda dolarów [1]."
    a = ask(seeded_config, ollama, "Jaka była wartość wymiany handlowej między Rosją a Kazachstanem w 2021 roku?")
    assert a.answer == "Źródła tego nie mówią."
    assert a.fallback.kind == "withheld" and a.fallback.head.startswith("Uwaga: odpowiedź modelu podała 2,5,")


def test_a_number_another_source_holds_is_no_invention(seeded_config, ollama):
    """A date the cited source lacks but another given source holds: the model cited the wrong source, it did
    not make the date up, so the answer stays (marked unsupported), and so does one whose failing claim has
    no number at all (Merkel): withholding takes only what no source holds."""
    import re

    def wrong_source(body: dict) -> str:
        blocks = re.split(r"(?m)^(?=\[\d+\])", body["messages"][-1]["content"])
        have = [int(b[1:b.index("]")]) for b in blocks if b.startswith("[")]
        with_date = [n for n, b in zip(have, [b for b in blocks if b.startswith("[")]) if "28. November" in b]
        assert with_date and set(have) - set(with_date), "needs one source with the date and one without"
        return f"Tokajew reiste am 28. November nach Moskau [{min(set(have) - set(with_date))}]."

    ollama.reply = wrong_source
    a = ask(seeded_config, ollama, "Wann reiste Tokajew nach Moskau?")
    [claim] = a.claims
    assert claim.supported is False and claim.unfounded == []
    assert a.answer.startswith("Tokajew reiste am 28. November") and a.fallback.kind == "unsupported"
    ollama.reply = "Tokajew traf Angela Merkel [1]."
    a = ask(seeded_config, ollama, "Wen traf Tokajew?")
    assert a.claims[0].supported is False and a.answer == "Tokajew traf Angela Merkel [1]."


def test_a_number_the_question_gives_is_no_invention(seeded_config, ollama):
    """The full eval run of 2026-12-03 withheld two right answers that repeated the question's own facts: q051
    ("… både som ny president i 2019 og etter gjenvalget i 2022?" answered "… i 2019 og … i 2022 [1][2]") and
    q055 ("… w Kazachstanie 8 listopada?"), whose given sources lack that year and date. The user said them:
    the model invented nothing. So "Is Tokayev 52 years old?" answered "Tokayev is 52 years old [1]." stays
    (flagged, as no source says it), while the same answer to "How old is he?" is withheld."""
    ollama.reply = "Kassym-Jomart Tokayev is 52 years old [1]."
    a = ask(seeded_config, ollama, "Is Kassym-Jomart Tokayev 52 years old?")
    assert a.claims[0].supported is False and a.claims[0].unfounded == []
    assert a.answer == "Kassym-Jomart Tokayev is 52 years old [1]." and a.fallback.kind == "unsupported"
    assert ask(seeded_config, ollama, HOW_OLD).fallback.kind == "withheld"


def test_a_second_try_that_fails_midway_ends_in_the_refusal_after_a_blank_line():
    """The LLM failing during the second try (bot/answer/again.py): what it had streamed stays on screen, so
    the refusal follows after a blank line, never glued to half a sentence; failing before any text, the
    refusal follows the blank line second_try opened with."""
    from bot.answer.again import second_try
    from bot.errors import LLMUnavailable

    def failing(words):
        def stream(_messages):
            yield from words
            raise LLMUnavailable("the connection dropped")
        return stream

    for words, shown in ((["Tokajew", " reiste"], "\n\nTokajew reiste\n\nKeine Antwort."), ([], "\n\nKeine Antwort.")):
        gen, out = second_try([], failing(words), 3, "Keine Antwort."), []
        try:
            while True:
                out.append(next(gen))
        except StopIteration as stop:
            assert stop.value == ("Keine Antwort.", "the connection dropped (the second try failed)")
        assert "".join(out) == shown


# q065 of eval/qa.jsonl (unanswerable: no seed says how long the meeting lasted) and the 1.5B model's answer to it
HOW_LONG = "Hvor lenge varte møtet mellom Tokajev og Putin i Moskva etter gjenvalget?"
NO_DURATION = "Tokajev og Putin møtte hverandre i Moskva etter gjenvalget [1]."


def test_an_answer_without_the_time_or_number_asked_for_is_withdrawn(seeded_config, ollama):
    """Asked how long, the model said that they met: true, cited, and no answer. The Norwegian refusal takes its
    place, with the Norwegian note, warning and the sources' closest sentences; the model's text stays in the
    trace. With the switch off the answer stays as it came."""
    ollama.reply = NO_DURATION
    a = ask(seeded_config, ollama, HOW_LONG)
    assert a.answer == "Kildene sier ikke noe om dette." and a.claims == []
    assert a.trace.withheld["answer"] == NO_DURATION
    assert a.fallback.kind == "unanswered" and a.fallback.head.startswith("Merk: Modellens svar oppga ingen tid")
    assert a.fallback.quotes and a.warning == "modellens svar er trukket tilbake: det oppga ingen tid, dato eller " \
        "tall, som spørsmålet spør etter" == a.fallback.warning
    assert ask(seeded_config, ollama, HOW_LONG, withhold_unanswered=False).answer == NO_DURATION


@pytest.mark.parametrize("question, reply", [
    # a weekday, a unit of time (CLDR's "{0} weeks"), a number word: each gives what is asked
    ("Hvilken dag reiste Tokajev til Moskva etter gjenvalget?", "Tokajev reiste til Moskva mandag [1]."),
    ("How long before his trip to Moscow had Tokayev been re-elected?", "Tokayev was re-elected the week before [1]."),
    ("Wie viele Staatsbesuche standen für Tokajew an?", "Tokajew standen zwei Staatsbesuche an [1]."),
    # not a question of time or amount: a sentence with no number answers it
    ("Mit wem sprach Tokajew in Moskau?", "Tokajew sprach in Moskau mit Putin [1]."),
])
def test_an_answer_that_gives_what_is_asked_is_not_withdrawn(seeded_config, ollama, question, reply):
    ollama.reply = reply
    a = ask(seeded_config, ollama, question)
    assert a.answer == reply and (a.fallback is None or a.fallback.kind != "unanswered")


def test_a_looping_answer_ends_its_stream_and_keeps_one_copy(seeded_config, ollama):
    """The 1.5B model wrote "Kasim-Schomart Tokajew, " again and again up to the token limit (q136 of the full
    run). Three copies at the end are a loop: the stream stops there (the stand-in's reply is not read to its
    end), the answer keeps one copy, and the trace keeps what was cut."""
    head, again = "Tokajew traf Putin in Moskau [1]. ", "Kasim-Schomart Tokajew, "
    ollama.reply = head + again * 40
    bot = Bot.from_config(seeded_config(llm={"host": ollama.url}))
    *deltas, a = list(bot.stream("Wen traf Tokajew in Moskau?"))
    assert a.answer == head + again.strip() and a.trace.looped.split() == again.split() * 2
    assert "".join(deltas) == (head + again * 3).rstrip()  # streamed up to the third copy, not the other 37
    ollama.reply = "Tokajew traf Putin in Moskau [1]. Putin traf Tokajew in Moskau [1]."  # said twice is no loop
    assert Bot.from_config(seeded_config(llm={"host": ollama.url})).ask("Wen traf Tokajew?").trace.looped is None


def test_what_is_no_loop():
    """A table's rule repeats no letter; a model that says the same of each source numbers each copy
    differently (q062: "[1] X. [2] X. [3] X."); both are left whole."""
    from bot.answer.loops import loop_start

    assert loop_start("| a | b |\n| --- | --- | --- | --- | --- | --- | --- | --- |") is None
    assert loop_start("[1] Wizyta trwała dwa dni.\n\n[2] Wizyta trwała dwa dni.\n\n[3] Wizyta trwała dwa dni.") is None
    assert loop_start("W regionie Tokajew, Tokajew, Tokajew,") == len("W regionie Tokajew,")  # as it streams


def test_the_source_panel_says_why_its_sentence_is_highlighted(seeded_config, ollama):
    """A new user clicked [1] under a passages answer and read "The highlighted sentence supports the answer":
    there was no answer. The panel now says what the core listed the source for."""
    from bot.apps.ui_render import quote_reason, source_panel

    offline = Bot.from_config(seeded_config(llm={"host": "http://127.0.0.1:1"})).ask(HOW_LONG)
    assert offline.mode == "passages" and quote_reason(offline, 1).startswith("No answer was generated")
    ollama.reply = "Tokajev og Putin møttes i Moskva [1]."
    cited = ask(seeded_config, ollama, "Hvor møtte Tokajev Putin?")
    assert [c.n for c in cited.citations] == [1] and quote_reason(cited, 1).startswith("The answer cites this source")
    ollama.reply = NO_DURATION  # withdrawn: the refusal cites nothing, the note quotes the closest sentences
    noted = ask(seeded_config, ollama, HOW_LONG)
    n = noted.fallback.quotes[0].n
    assert quote_reason(noted, n).startswith("The note quotes this source")
    assert "The note quotes this source" in source_panel("k", f"[{n}]", noted.sources[n - 1],
                                                          noted.fallback.quotes[0].quote, why=quote_reason(noted, n))


def test_a_count_spelt_out_is_no_invention(seeded_config, ollama):
    """q126 of the 2026-12-07 run: a right answer (the delegation visits) ended "Sources [1] and [2] provide
    details about … the relationship between the two countries.", and "two" (2), which no seed spells so,
    took it away. A count spelt out is not read as a made-up figure: the answer stays, marked unsupported if
    the check finds it so; the same answer giving "52" in digits is withheld as before."""
    reply = "Tokajew traf Angela Merkel, und sie sprachen über die Beziehungen der zwei Länder [1]."
    ollama.reply = reply
    a = ask(seeded_config, ollama, "Wen traf Tokajew?")
    assert a.claims[0].supported is False and "2" in a.claims[0].unfounded  # checked below, not assumed
    assert a.answer == reply and a.fallback.kind == "unsupported"
    ollama.reply = reply.replace("der zwei Länder", "seit 52 Jahren")
    assert ask(seeded_config, ollama, "Wen traf Tokajew?").fallback.kind == "withheld"


def _refusal_first(body) -> str:
    """The refusal to the usual request, the answer when the last line asks for full sentences (answer_again.txt)."""
    last = body["messages"][-1]["content"].rstrip()
    return "Die Quellen sagen dazu nichts." if last.endswith("citing sources as [n]:") else \
        "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]."


def test_a_refusal_despite_the_evidence_is_asked_for_again(seeded_config, ollama):
    """q042: the evidence passage scores above answer.fallback_min_score and its sentence is that close to the
    question (the first test's case), so a refusal gets a second try, as an answer of markers does; the
    second answer follows the refusal in the stream and is the Answer's text, checked. A refusal to an
    unanswerable question (best passage 2.39, under the threshold) is not asked again: one request, and the
    refusal stays bare. With answer.retry_refusals off, the refusal stays, with its note."""
    ollama.reply = _refusal_first
    items = list(Bot.from_config(seeded_config(llm={"host": ollama.url})).stream(ANSWERABLE))
    a, deltas = items[-1], "".join(items[:-1])
    assert a.trace.retrieved[0].score >= MIN_SCORE  # the case this covers
    assert a.answer == "Ermachanow ist Anwalt der Oppositionspartei El Tiregi [1]." and a.fallback is None
    assert a.trace.first_try == "Die Quellen sagen dazu nichts." and len(_chats(ollama)) == 2
    assert deltas.startswith("Die Quellen sagen dazu nichts.\n\n") and deltas.endswith(a.answer)
    assert a.claims and a.claims[0].supported is True

    ollama.requests.clear()
    ollama.reply = "The sources don't say."
    a = ask(seeded_config, ollama, UNANSWERABLE)
    assert a.trace.retrieved[0].score < MIN_SCORE
    assert a.answer == "The sources don't say." and a.trace.first_try is None and len(_chats(ollama)) == 1

    ollama.requests.clear()
    ollama.reply = _refusal_first
    a = ask(seeded_config, ollama, ANSWERABLE, retry_refusals=False)
    assert a.answer == "Die Quellen sagen dazu nichts." and a.trace.first_try is None and len(_chats(ollama)) == 1
    assert a.fallback is not None and a.fallback.kind == "refusal"
