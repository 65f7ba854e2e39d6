"""An answer that came in another language than the question's, put into the question's language.

Small models drift into their sources' language: the 1.5B test model answered 18 of 175 questions in
another language, most of them English questions answered by quoting a German or Norwegian source
(eval/README.md). Asked again in the same conversation to rewrite its answer, it repeats it word for word;
asked to translate it, with nothing else in the prompt, it does. So the answer is translated in one more,
short LLM call (`answer.translate_answers`): its claims as numbered lines without their markers, so that
each translated claim gets its own citations back whatever the model does with brackets. A refusal is
replaced by the configured refusal of the question's language, with no call. Pure functions; the core
makes the call and checks the translated claims as it checks any answer.
"""
from __future__ import annotations

import re

from bot.answer.claims import plain, split_claims
from bot.answer.refusal import is_refusal
from bot.lang import detect_lang

_LINE = re.compile(r"^\W*(\d{1,2})\s*[.:)\]-]\s*(.+)$")
_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")  # a list item's own number or bullet
_DELIMITER = re.compile(r"<\s*/?\s*source\s*>", re.I)  # the prompt's source tags, echoed by the model


def _line(claim) -> str:
    line = " ".join(_ITEM.sub("", _DELIMITER.sub(" ", plain(claim.text))).split())
    return re.sub(r"\s+([:;.,!?])", r"\1", line)  # where a marker stood before a stop


MIN_WORDS = 6  # fewer, and names outweigh the rest: "Tokajew traf Putin [1]." is read as another language


def off_language(text: str, lang: str) -> str | None:
    """The answer's language when it is not `lang`, by the detector `answers.language` scores with; None
    for an answer of fewer than MIN_WORDS words (markers and numbers left out), too short to act on."""
    words = re.findall(r"[^\W\d_]+", plain(text))
    found = detect_lang(plain(text)) if len(words) >= MIN_WORDS else None
    return found if found and found != lang else None


def translation_request(template: str, text: str, n_sources: int, language: str) -> tuple[str, list]:
    """(prompt, the answer's claims) for prompts/translate_answer.txt: one numbered line per claim."""
    claims = split_claims(text, n_sources)
    lines = "\n".join(f"{i}. {_line(c)}" for i, c in enumerate(claims, start=1))
    form = "\n".join(f"{i}. <line {i} in {language}>" for i in range(1, len(claims) + 1))
    return template.format(language=language, format=form, lines=lines), claims


def rebuild(reply: str, claims: list) -> str | None:
    """The answer from the translated lines, each claim's markers put back before its final stop; None when
    a line is missing, empty or runs far longer than its claim (the model did not translate it)."""
    got: dict[int, str] = {}
    for line in reply.splitlines():
        m = _LINE.match(line.strip())
        if m and 1 <= int(m.group(1)) <= len(claims):
            got.setdefault(int(m.group(1)), m.group(2).strip().strip('"“”«»').strip())
    out, item = "", False
    for i, c in enumerate(claims, start=1):
        line = _ITEM.sub("", got.get(i, ""))
        if not re.search(r"\w", line) or len(line) > 3 * len(_line(c)) + 40:
            return None
        markers = "".join(f"[{n}]" for n in c.citations)
        body, stop = (line[:-1], line[-1]) if line[-1] in ".!?:" else (line, ".")
        text = f"{body.rstrip()} {markers}{stop}" if markers else f"{body.rstrip()}{stop}"
        was, item = item, bool(_ITEM.match(plain(c.text)))
        out += f"\n- {text}" if item else f"\n{text}" if was else f" {text}"  # list items stay one a line
    return out.strip() or None


def in_language(text: str, lang: str, n_sources: int, template: str, language: str, refusal: str,
                refusals: list[str], chat) -> tuple[str, str] | None:
    """(the answer in the question's language, the language it came in), or None when it already is in it,
    cannot be told, or the translation fails or is in yet another language. `chat` is the backend's."""
    found = off_language(text, lang)
    if not found or not template:
        return None
    if is_refusal(text, refusals):
        return refusal, found
    prompt, claims = translation_request(template, text, n_sources, language)
    if not claims:
        return None
    fixed = rebuild(chat([{"role": "user", "content": prompt}]), claims)
    if not fixed or off_language(fixed, lang):
        return None
    return fixed, found
