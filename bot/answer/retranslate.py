"""An answer that came in another language than the question's, put into the question's language.

Small models drift into their sources' language: about one answer in ten of the 1.5B test model was in
another language than its question (answers.language 0.899 over 175 questions), most of them English
questions answered by quoting a German or Norwegian source (eval/README.md). More are in the right language
with a clause in a source's ("Die kasachische Nachrichtenagentur TASS melderet, dass ... tür til Moskva mandag
for å møte Russlands president"): 11 of the 168 in the question's language, which the whole answer's
language does not show; those are translated too. Asked again in the same
conversation to rewrite its answer, it repeats it word for word; asked to translate it, with nothing else
in the prompt, it does. So the answer is translated in one more,
short LLM call (`answer.translate_answers`): its claims as numbered lines without their markers, so that
each translated claim gets its own citations back whatever the model does with brackets. A refusal is
replaced by the configured refusal of the question's language, with no call. The core passes in its
backend's chat and checks the translated claims as it checks any answer.
"""
from __future__ import annotations

import re
import time
from typing import Iterable

from bot.answer.claims import plain, split_claims
from bot.answer.facts import extract
from bot.answer.refusal import is_refusal
from bot.errors import LLMUnavailable
from bot.lang import detect_lang, letter_words, sentences

_LINE = re.compile(r"^\W*(\d{1,2})\s*[.:)\]-]\s*(.+)$")
_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")  # a list item's own number or bullet
_DELIMITER = re.compile(r"<\s*/?\s*source\s*>", re.I)  # the prompt's source tags, echoed by the model
_ECHO = re.compile(r"^[<‹]\s*line \d+ in [^>]*>$")  # the prompt's form copied instead of filled in
_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}


def _tidy(text: str) -> str:
    """Text without markers, echoed source tags and the spaces they leave before a stop."""
    return re.sub(r"\s+([:;.,!?])", r"\1", " ".join(_DELIMITER.sub(" ", plain(text)).split()))


def _line(claim) -> str:
    return _ITEM.sub("", _tidy(claim.text))


MIN_WORDS = 6  # fewer, and names outweigh the rest: "Tokajew traf Putin [1]." is read as another language


def off_language(text: str, lang: str, others: Iterable[str] = ()) -> str | None:
    """The answer's language when it is not `lang`, by the detector `answers.language` scores with, or the
    language of a clause of it written in one of `others` (the sources' languages: foreign_clause); None
    for an answer of fewer than MIN_WORDS words (markers and numbers left out), too short to act on."""
    text = plain(text)
    if len(letter_words(text)) < MIN_WORDS:
        return None
    found = detect_lang(text)
    if found and found != lang:
        return found
    return foreign_clause(text, lang, others) if found else None


CLAUSE_WORDS = 4  # words of a clause, names left out, for its language to count (fewer: the detector guesses)
_CLAUSE_CUT = re.compile(r"[,;:()«»“”„\"]|\s[-–]\s")


def foreign_clause(text: str, lang: str, others: Iterable[str]) -> str | None:
    """The language of the first clause of the text (cut at punctuation and quotes; CLAUSE_WORDS words or more
    besides names) that the detector reads as one of `others`, or None. Only the sources' languages count, as
    a model copies from its sources: over 514 three-sentence pieces of XQuAD's paragraphs (4 languages) and
    34 of the seeds, this found a clause in another of their collection's languages in 2, both really
    foreign (a German song title in Spanish text, an English title in German)."""
    from bot.answer.names import is_name

    others = set(others) - {lang}
    if not others:
        return None
    for sent in sentences(plain(text)):
        for part in _CLAUSE_CUT.split(sent):
            words = [w for w in letter_words(part) if not (w[:1].isupper() and is_name(w, lang))]
            if len(words) >= CLAUSE_WORDS and (found := detect_lang(" ".join(words))) in others:
                return found
    return None


def translation_request(template: str, text: str, n_sources: int, language: str,
                        source: str = "another language") -> tuple[str, list]:
    """(prompt, the answer's claims) for prompts/translate_answer.txt: one numbered line per claim. `source`
    names the language the detector read: told only "translate into German", the 1.5B model gave a line that
    was half German, half Norwegian back unchanged (5 of 5 such answers, eval run of 2026-12-03)."""
    claims = split_claims(text, n_sources)
    lines = "\n".join(f"{i}. {_line(c)}" for i, c in enumerate(claims, start=1))
    form = "\n".join(f"{i}. <line {i} in {language}>" for i in range(1, len(claims) + 1))
    return template.format(language=language, source=source, format=form, lines=lines), claims


def _reply_line(text: str) -> str:
    """One translated line as the claim's text: markers and source tags the model wrote dropped (the claim's
    own go back on), a quote around the whole line taken off."""
    text = _tidy(text)
    inner = text[1:-1]
    if len(text) > 1 and _QUOTES.get(text[0]) == text[-1] and text[0] not in inner and text[-1] not in inner:
        text = inner.strip()
    return _ITEM.sub("", text)


def rebuild(reply: str, claims: list) -> str | None:
    """The answer from the translated lines, each claim's markers put back before its final stop; None when
    a line is missing, empty, the prompt's form copied back, or far longer than its claim (the model did not
    translate it). A claim that was a clause of a sentence (no stop of its own) gets none either."""
    got: dict[int, str] = {}
    for line in reply.splitlines():
        m = _LINE.match(line.strip())
        if m and 1 <= int(m.group(1)) <= len(claims) and not _ECHO.match(m.group(2).strip()):
            got.setdefault(int(m.group(1)), _reply_line(m.group(2)))
    out, item = "", False
    for i, c in enumerate(claims, start=1):
        line, own = got.get(i, ""), _line(c)
        if not re.search(r"\w", line) or len(line) > 3 * len(own) + 40:
            return None
        markers = "".join(f"[{n}]" for n in c.citations)
        ends = own[-1:] in (".", "!", "?", ":")
        body, stop = (line[:-1], line[-1]) if line[-1] in ".!?:" else (line, "." if ends else "")
        body = body.rstrip().rstrip(",;")
        text = f"{body} {markers}{stop}" if markers else f"{body}{stop}"
        was, item = item, bool(_ITEM.match(plain(c.text)))
        out += f"\n- {text}" if item else f"\n{text}" if was else f" {text}"  # list items stay one a line
    return out.strip() or None


def in_language(text: str, lang: str, n_sources: int, template: str, language: str, refusal: str,
                refusals: list[str], chat, name=lambda code: code, others: Iterable[str] = ()) -> tuple[str, str] | None:
    """(the answer in the question's language, the language it came in), or None when it already is in it,
    cannot be told, or the translation fails, is in yet another language, still holds a clause in one of
    `others` (the sources' languages) or changes a fact (_facts_changed). `chat` is the backend's."""
    others = tuple(others)
    found = off_language(text, lang, others)
    if not found:
        return None
    if is_refusal(text, refusals):
        return refusal, found
    if not template:
        return None
    prompt, claims = translation_request(template, text, n_sources, language, name(found))
    if not claims:
        return None
    fixed = rebuild(chat([{"role": "user", "content": prompt}]), claims)
    if not fixed or off_language(fixed, lang, others) or _facts_changed(text, fixed, (found, lang)):
        return None
    return fixed, found


_ITEMS = re.compile(_ITEM.pattern, re.M)  # _ITEM at the start of every line of a whole answer
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)")  # 10 000, 1 500 000 (pl, no, fr, ru)


def _facts_changed(text: str, fixed: str, langs: tuple[str, str]) -> bool:
    """The translation puts another number, date or year in place of one of the answer's: the 1.5B model turned
    Norwegian "fire" (four) into German "fünf" (q179), and the claim check then withheld the answer for a five
    no source holds. A translation that changes a fact is no translation, so the answer stays as the model
    wrote it. Only a replaced fact counts: a number word read in one language and not the other ("to", two
    in Norwegian, a preposition in English) adds or drops one without changing any. The answer is read in
    both languages (it may be mostly in the question's, with a clause in a source's); a list's item numbers,
    which the translation writes as bullets, are no facts; "10 000" is 10000 and "10:30" is 10.30 on both
    sides, as the languages write them."""
    def read(t: str, lang: str):
        t = _GROUPED.sub(lambda m: re.sub(r"\D", "", m.group()), _ITEMS.sub("", t))
        t = re.sub(r"(\d):(\d)", r"\1.\2", t)
        return extract(plain(t), (*langs, "en"), claim=True, lang=lang)

    was, also, now = read(text, langs[0]), read(text, langs[1]), read(fixed, langs[1])
    for k in ("numbers", "dates", "years"):
        old = getattr(was, k) | getattr(also, k)
        if old - getattr(now, k) and getattr(now, k) - old:
            return True
    return False


def answer_in_language(text: str, lang: str, n_sources: int, prompts, chat, count_tokens,
                       max_tokens: int, others: Iterable[str] = ()) -> tuple[tuple[str, str] | None, float]:
    """in_language with the prompt files (`prompts`, answer/prompt.py's Prompts), and the seconds spent in
    the LLM call (0 when none was made). Not for an answer near `max_tokens`: its translation, which may
    need more tokens, would be cut short and thrown away after the user had waited for it. An LLM gone
    since it answered leaves the answer as it came."""
    spent = [0.0]

    def timed(messages: list[dict]) -> str:
        t0 = time.perf_counter()
        try:
            return chat(messages)
        finally:
            spent[0] += time.perf_counter() - t0

    if count_tokens(text) > 0.75 * max_tokens:
        return None, 0.0
    try:
        got = in_language(text, lang, n_sources, prompts.translate_answer, prompts.language_name(lang),
                          prompts.refusal(lang), list(prompts.refusals.values()), timed, prompts.language_name,
                          others)
    except LLMUnavailable:
        got = None
    return got, spent[0]
