"""A second try for an answer that says nothing: source numbers only, or the question's own words.

The 1.5B test model answered 6 of 175 questions with nothing but markers ("[1] [2] [3] [4]"), and the same
prompt gives the same (temperature 0.1, fixed seed); sent again with its own answer and "answer in words",
it repeated the markers. What changed it was the request's last line: "Answer in German in one to three full
sentences ..." (prompts/answer_again.txt) instead of "Answer in German, citing sources as [n]:". Only that
line differs, so the prompt cache reuses the rest. When the second answer says nothing either, the user
gets the refusal in the question's language, which is what an answer of markers amounts to, and the
fallback note then quotes the closest sentences as it does for any refusal.

It gave 8 more answers of the question's own words ("Kazachstan nie jest pewien w sprawie budowy elektrowni
jądrowej [1]." to "Czego Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej?"), none right;
the same second request made 3 of them right (eval/README.md). A restatement asked twice
stays, with a warning (bot/answer/fallback.py): its claim may be true, so it is no refusal.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import stopwordsiso
from unidecode import unidecode

from bot.answer.asks import asking_word, time_words
from bot.answer.citations import MarkerStream, clean_markers
from bot.answer.claims import plain
from bot.answer.facts import _babel_locale, extract
from bot.answer.refusal import is_refusal
from bot.answer.wording import word_key
from bot.errors import BotError
from bot.lang import NEGATIONS, stopwords

_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_NOT = re.compile(r"(?i)n['’]t\b|\bn['’]")  # English "didn't", French "n'a": the negation inside a word


def only_markers(text: str) -> bool:
    """Nothing but source numbers (or nothing at all): "[1] [2] [3]". An answer of numbers ("[1] 6 [2] 6" to a
    "how many" question) says something and is no case for a second try."""
    return not _WORD.search(plain(text))


def restates(text: str, question: str, lang: str, refusals: Iterable[str] = ()) -> bool:
    """An answer to a wh-question that says nothing the question did not: each of its words is one of the
    question's (on its first five folded letters, `word_key`) or a lower-case function word of the answer's
    language of at most three letters ("w", "er", "die"), and it names no number, date, month, weekday or year
    the question lacks. "Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej [1]." to "Czego
    Kazachstan nie jest pewien w sprawie budowy elektrowni jądrowej?" is one.

    Not one: the answer to a yes/no question ("Hat Tokajew Putin getroffen?" has no question word: "Tokajew hat
    Putin getroffen" answers it) or to a choice (the language's "or" from CLDR, or Polish "czy" inside the
    question); a reply word or a negation the question lacks ("Ja, ...", "... nicht", "didn't"); a refusal
    (the `refusals` configured, and the known patterns); any longer or capitalised word ("zweiten", "Tag", "EU"),
    and a word of time ("now")."""
    words = _WORDS.findall(plain(text))
    asking = asking_word(question)
    if not words or asking in (None, "czy") or is_refusal(text, refusals):
        return False
    qwords = [w.lower() for w in _WORDS.findall(question)]
    asked, low = {word_key(w) for w in qwords}, [w.lower() for w in words]
    stop = stopwordsiso.stopwords(lang) if stopwordsiso.has_lang(lang) else stopwords()
    if (low[0] in stop and word_key(low[0]) not in asked) or (NEGATIONS & set(low)) - set(qwords) \
            or (_NOT.search(text) and not _NOT.search(question)) or _or_word(lang) in qwords or "czy" in qwords[1:]:
        return False
    told = extract(plain(text), (lang, "en"), claim=True, lang=lang)
    known = extract(question, (lang, "en"), claim=True, lang=lang)
    if any(getattr(told, k) - getattr(known, k) for k in ("numbers", "dates", "months", "weekdays", "years")):
        return False
    units, phrases = time_words(lang)  # CLDR's "now", "heute", "teraz": a short word that answers "when?"
    return all(word_key(w.lower()) in asked or (w.islower() and len(w) <= 3 and w in stop
                                                and unidecode(w) not in units | phrases) for w in words)


@lru_cache(maxsize=64)
def _or_word(lang: str) -> str:
    """The language's "or" (CLDR's list pattern "{0} oder {1}"), or "" where Babel has none."""
    loc = _babel_locale(lang)
    pattern = loc.list_patterns.get("or", {}).get("end", "") if loc else ""
    return pattern.replace("{0}", " ").replace("{1}", " ").strip(" ,").lower()


def wants_second_try(cfg, text: str, question: str, lang: str, refusals, evidence: Callable[[], bool]) -> bool:
    """Whether an answer is asked for again: source numbers only, or the question restated
    (answer.retry_non_answers), or a refusal although `evidence()` says the sources hold the answer
    (answer.retry_refusals; fallback.evidence_at_hand, computed only for a refusal)."""
    refusals = list(refusals)
    if cfg.retry_non_answers and (only_markers(text) or restates(text, question, lang, refusals)):
        return True
    return cfg.retry_refusals and is_refusal(text, refusals) and evidence()


def second_try(messages: list[dict], stream: Callable[[list[dict]], Iterable[str]], n_sources: int,
               keep: str) -> Iterator[str]:
    """Stream the second answer after what came ("\\n\\n" first, as a translation follows its original) and
    return (its text, None); or, when it holds only markers or the LLM fails on the way, `keep` (the refusal
    after an answer of markers, the first answer after a restatement: its claim may be true) and the LLM's
    error, if one ended it, for the answer's warning."""
    yield "\n\n"
    parts, shown, text, failed = [], MarkerStream(n_sources), "", None
    try:
        for delta in stream(messages):
            parts.append(delta)
            yield from filter(None, [shown.feed(delta)])
        yield from filter(None, [shown.flush()])
        text = clean_markers("".join(parts), n_sources)
    except BotError as exc:  # what came of it is lost: `keep` is what the first try amounted to
        failed = f"{exc} (the second try failed)"
    if only_markers(text):
        yield ("\n\n" if parts else "") + keep  # after a blank line when text came, as every replacement is
        return keep, failed
    return text, None
