"""Loads and validates an eval Q&A set (JSON lines) against its corpus folder."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BotError
from bot.lang import ISO_639_1

# The shipped set's languages (the seeds'): a full eval set needs items in each. A Q&A file may use any
# ISO 639-1 code; reports list whatever languages occur, these first.
LANGS = ("en", "de", "pl", "no")
TYPES = ("fact", "cross_lingual", "temporal", "multi_doc", "unanswerable")
MIN_ITEMS = 40
MIN_PER_LANG = 6
MIN_UNANSWERABLE_SHARE = 0.15

# field -> (type, required); `all_answers` may be left out and then means False.
_FIELDS = {
    "id": (str, True),
    "question": (str, True),
    "lang": (str, True),
    "type": (str, True),
    "answers": (list, True),
    "all_answers": (bool, False),
    "gold_docs": (list, True),
    "evidence": (list, True),
    "rivals": (list, False),  # either-or questions: the other options; the answer must name an accepted one first
}


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    lang: str
    type: str
    answers: tuple[str, ...]
    all_answers: bool
    gold_docs: tuple[str, ...]
    evidence: tuple[str, ...]
    line: int
    rivals: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


class QASetError(BotError, ValueError):
    """One line, "<path>:<line>: what is wrong; how to fix it"."""


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _short(text: str, limit: int = 120) -> str:
    text = _squash(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failer(path: Path, line: int):
    return lambda msg: QASetError(f"{path}:{line}: {msg}")


def load_qa(path: str | Path, corpus_dir: str | Path) -> list[QAItem]:
    """Every item of the JSON-lines file at `path`, checked against the documents in `corpus_dir`."""
    path, corpus_dir = Path(path), Path(corpus_dir)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise QASetError(f"{path}:0: cannot read the Q&A file ({e.strerror}); check the --qa path") from None
    docs: dict[str, str] = {}
    items: list[QAItem] = []
    seen: dict[str, int] = {}
    for n, chunk in enumerate(raw.split(b"\n"), start=1):
        fail = _failer(path, n)
        try:
            text = chunk.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError:
            raise fail("not valid UTF-8; save the file as UTF-8") from None
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise fail(f"invalid JSON ({e.msg} at column {e.colno}); write one JSON object per line") from None
        if not isinstance(obj, dict):
            raise fail("expected a JSON object {...}, got " + type(obj).__name__ + "; write one object per line")
        for name, (kind, required) in _FIELDS.items():
            if name not in obj:
                if required:
                    raise fail(f"missing field '{name}'; every item needs " + ", ".join(
                        k for k, (_, r) in _FIELDS.items() if r))
                continue
            value = obj[name]
            if not isinstance(value, kind):
                raise fail(f"field '{name}' must be a {'string' if kind is str else kind.__name__}, "
                           f"got {type(value).__name__}")
            if kind is list and not all(isinstance(v, str) and v.strip() for v in value):
                raise fail(f"field '{name}' must be a list of non-empty strings")
        item = QAItem(
            id=obj["id"].strip(), question=obj["question"].strip(), lang=obj["lang"], type=obj["type"],
            answers=tuple(obj["answers"]), all_answers=obj.get("all_answers", False),
            gold_docs=tuple(obj["gold_docs"]), evidence=tuple(obj["evidence"]), line=n,
            rivals=tuple(obj.get("rivals", ())),
        )
        if not item.id:
            raise fail("empty 'id'; give every item a unique id such as \"q001\"")
        if item.id in seen:
            raise fail(f"duplicate id '{item.id}' (first used on line {seen[item.id]}); ids must be unique")
        seen[item.id] = n
        if not item.question:
            raise fail("empty 'question'; write the question text")
        if item.lang not in ISO_639_1:
            raise fail(f"unknown lang '{item.lang}'; use a two-letter ISO 639-1 code in lower case, e.g. "
                       + ", ".join(LANGS + ("es", "fr")))
        if item.type not in TYPES:
            raise fail(f"unknown type '{item.type}'; use one of " + ", ".join(TYPES))
        if not item.answerable:
            for name in ("answers", "gold_docs", "evidence", "rivals"):
                if getattr(item, name):
                    raise fail(f"unanswerable item has non-empty '{name}'; "
                               "empty it or change the type")
        else:
            for name in ("answers", "gold_docs", "evidence"):
                if not getattr(item, name):
                    raise fail(f"answerable item has empty '{name}'; fill it in or set type to unanswerable")
        for doc in item.gold_docs:
            if doc not in docs:
                file = corpus_dir / doc
                if Path(doc).name != doc or not file.is_file():
                    where = f"in {corpus_dir}" if corpus_dir.is_dir() else f"(corpus folder {corpus_dir} does not exist)"
                    raise fail(f"gold doc '{doc}' not found {where}; use a file name from the corpus folder")
                docs[doc] = _squash(file.read_text(encoding="utf-8", errors="replace"))
        for quote in item.evidence:
            if not any(_squash(quote) in docs[d] for d in item.gold_docs):
                raise fail(f"evidence quote \"{_short(quote)}\" not found in " + ", ".join(item.gold_docs)
                           + "; copy it exactly from a gold document")
        items.append(item)
    return items


def set_problems(items: list[QAItem]) -> list[str]:
    """Set-level shortfalls of a full eval set (size, languages, unanswerable share); empty when it is fine."""
    problems = []
    if len(items) < MIN_ITEMS:
        problems.append(f"only {len(items)} items; a full eval set needs at least {MIN_ITEMS}")
    for lang in LANGS:
        count = sum(1 for i in items if i.lang == lang)
        if count < MIN_PER_LANG:
            problems.append(f"only {count} items in lang '{lang}'; needs at least {MIN_PER_LANG}")
    unanswerable = sum(1 for i in items if not i.answerable)
    if not items or unanswerable < MIN_UNANSWERABLE_SHARE * len(items):
        problems.append(f"only {unanswerable} of {len(items)} items are unanswerable; "
                        f"needs at least {MIN_UNANSWERABLE_SHARE:.0%}")
    return problems
