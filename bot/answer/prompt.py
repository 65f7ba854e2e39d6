"""Loads the prompt files once and builds chat messages that fit the model's context window."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot.errors import BotError
from bot.types import Source

_FILES = ("system.txt", "answer.txt", "source.txt", "condense.txt", "refusals.toml")


def prompts_dir(configured: str = "", root: Path | None = None) -> Path:
    """The configured folder, else the copy installed inside the package, else the repository's prompts/."""
    if configured:
        p = Path(configured)
        return p if p.is_absolute() or root is None else root / p
    here = Path(__file__).resolve().parent.parent  # bot/: the installed copy is bot/prompts
    for cand in (here / "prompts", here.parent / "prompts"):
        if (cand / "system.txt").is_file():
            return cand
    raise BotError("prompt files not found: reinstall the package or set prompts.dir in the config")


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    source: str
    condense: str
    refusals: dict[str, str]
    languages: dict[str, str]
    notes: dict[str, dict[str, str]]  # the bot's own notes ([notes.KIND] in refusals.toml) by language
    translate: str = ""  # translate.txt (retrieval.translate); optional, so older prompt folders still load
    translate_answer: str = ""  # translate_answer.txt (answer.translate_answers); optional likewise
    answer_again: str = ""  # answer_again.txt (answer.retry_non_answers); optional likewise: no second try if absent
    warnings: dict[str, dict[str, str]] = field(default_factory=dict)  # [warnings.KIND] in refusals.toml by language

    @classmethod
    def load(cls, folder: Path) -> "Prompts":
        missing = [f for f in _FILES if not (folder / f).is_file()]
        if missing:
            raise BotError(f"prompt folder {folder} lacks {', '.join(missing)}: restore them or fix prompts.dir")
        text = {f: (folder / f).read_text(encoding="utf-8") for f in _FILES}
        ref = tomllib.loads(text["refusals.toml"])
        # the tables of the bot's own words; what is left are the refusals, by language
        languages, notes, warnings = ref.pop("languages", {}), ref.pop("notes", {}), ref.pop("warnings", {})
        optional = [(folder / f).read_text(encoding="utf-8").strip() if (folder / f).is_file() else ""
                    for f in ("translate.txt", "translate_answer.txt", "answer_again.txt")]
        return cls(text["system.txt"].strip(), text["answer.txt"].strip(), text["source.txt"].strip(),
                   text["condense.txt"].strip(), ref, languages, notes, *optional, warnings=warnings)

    def language_name(self, code: str) -> str:
        """The prompt files' name for the language, else CLDR's English name (Babel), e.g. "es" -> "Spanish"."""
        from babel import Locale

        return self.languages.get(code) or Locale("en").languages.get(code) or "the language of the question"

    def note(self, kind: str, code: str) -> str | None:
        """The note `kind` in the question's language, else English; None when the files have neither."""
        texts = self.notes.get(kind, {})
        return texts.get(code) or texts.get("en")

    def warning(self, kind: str, code: str) -> str | None:
        """The warning `kind` in the question's language, else English; None when the files have neither."""
        texts = self.warnings.get(kind, {})
        return texts.get(code) or texts.get("en")

    def refusal(self, code: str) -> str:
        return self.refusals.get(code, self.refusals.get("en", "The sources don't say."))


# A line in a document that looks like a source header ("[9] Title (2024-01, file.txt)") or a citation, and
# the source delimiters: rewritten in the prompt so that a document cannot forge another source or end its own.
_BRACKET_NUMBER = re.compile(r"\[(\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*)\]")
_DELIMITER = re.compile(r"<\s*(/?)\s*(source)\s*>", re.I)


def neutralise(text: str) -> str:
    """Document text made safe to quote between <source> lines: [9] -> (9), <source> -> ‹source›."""
    return _DELIMITER.sub(lambda m: f"‹{m[1]}{m[2]}›", _BRACKET_NUMBER.sub(r"(\1)", text))


def format_source(p: Prompts, n: int, s: Source) -> str:
    title = " ".join(neutralise(s.title or s.doc_id).split())
    return p.source.format(n=n, title=title, date=s.date or "undated", doc_id=neutralise(s.doc_id),
                           text=neutralise(s.text.strip()))


def build_messages(p: Prompts, question: str, lang: str, sources: list[Source], history: list[dict],
                   again: bool = False) -> list[dict]:
    """System message first and the same for every question (prompt caches reuse it); the sources, the question
    and the answer language after it. Older prompt folders may still name {language} in system.txt.

    The refusal wording is in the system message only: with "reply only: <refusal>" as the last line, the
    1.5B test model refused 4 of 8 answerable questions whose evidence it was given (eval/README.md).
    `again`: answer_again.txt's request, for a second try (bot/answer/again.py)."""
    language = p.language_name(lang)
    examples = ", ".join(f'"{x}"' for x in p.refusals.values())  # every language's: the same for all questions
    system = p.system.format(language=language, refusal=p.refusal(lang), refusals=examples)
    body = "\n\n".join(format_source(p, i, s) for i, s in enumerate(sources, start=1))
    template = p.answer_again if again and p.answer_again else p.answer
    user = template.format(sources=body or "(none)", question=question, language=language, refusal=p.refusal(lang))
    return [{"role": "system", "content": system}, *history, {"role": "user", "content": user}]


def fit_messages(p: Prompts, question: str, lang: str, sources: list[Source], history: list[dict],
                 count: Callable[[str], int], budget: int, again: bool = False) -> tuple[list[dict], list[Source], int]:
    """Drop the lowest-ranked sources (then old history, then cut the last source) until the prompt fits.

    `budget` is the context window minus the tokens reserved for the answer. Returns messages, the sources
    kept and the prompt's token count. With `again` (answer.retry_non_answers), the second try's request
    (answer_again.txt, a longer last line) is built from the same sources, so it has to fit too.
    """
    sources, history = list(sources), list(history)
    overhead = 8  # per message: role markers of the chat template

    def size(msgs: list[dict]) -> int:
        return sum(count(m["content"]) + overhead for m in msgs)

    while True:
        msgs = build_messages(p, question, lang, sources, history)
        tokens = size(msgs)
        longest = max(tokens, size(build_messages(p, question, lang, sources, history, again=True))
                      if again and p.answer_again else 0)
        if longest <= budget:
            return msgs, sources, tokens
        if len(sources) > 1:
            sources.pop()
        elif history:
            history = history[2:]
        elif sources and len(sources[0].text) > 200:
            s = sources[0]
            keep = max(200, int(len(s.text) * budget / longest) - 100)
            sources[0] = Source(**{**s.__dict__, "text": s.text[:keep]})
        else:
            raise BotError(f"the question does not fit the model's context window ({budget} tokens for the "
                           "prompt): shorten it or raise llm.context_window")


def condense_prompt(p: Prompts, question: str, history: list[dict]) -> str:
    lines = [f"{m['role']}: {m['content']}" for m in history[-6:]]
    return p.condense.format(history="\n".join(lines), question=question)
