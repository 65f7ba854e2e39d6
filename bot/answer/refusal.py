"""Tells a refusal ("the sources don't say") from an answer: the core's fallback and the eval's scores share it."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from bot.answer.citations import MARKER_RE
from bot.lang import sentences

# Letters that NFKD does not split into base + accent, folded by hand (Polish, Norwegian, German, ...).
_FOLD = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "œ": "oe",
                       "ı": "i"})

# Refusal wordings seen from models beside the configured phrases (prompts/refusals.toml); matched on
# word boundaries after normalization, so "don't say" also catches "The sources don't say when".
REFUSAL_PATTERNS = (
    # en
    "don't say", "do not say", "does not say", "doesn't say", "don't contain", "do not contain",
    "does not contain", "doesn't contain", "don't mention", "do not mention", "does not mention",
    "doesn't mention", "don't provide", "do not provide", "does not provide", "no information",
    "not mentioned", "cannot answer", "can't answer",
    # de
    "keine Informationen", "keine Angaben", "sagen dazu nichts", "sagen nichts", "nicht erwähnt",
    "enthalten keine", "enthalten nicht", "geht nicht hervor", "nicht beantworten",
    # pl
    "nie zawierają", "nie zawiera", "nie mówią", "brak informacji", "nie podają", "nie wspominają",
    "nie ma informacji",
    # no
    "inneholder ikke", "sier ikke", "sier ingenting", "ingen informasjon", "nevner ikke", "ikke nevnt",
    "oppgir ikke",
)


def normalize(text: str) -> str:
    """Lowercase, strip accents, punctuation to spaces, whitespace squashed: "NAZARBÁJEW!" -> "nazarbajew"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(text.split())


def strip_markers(text: str) -> str:
    return MARKER_RE.sub(" ", text)


def tokens(text: str) -> list[str]:
    return normalize(strip_markers(text)).split()


def _has_phrase(text: str, phrases: Iterable[str]) -> bool:
    haystack = f" {normalize(strip_markers(text))} "
    return any(p and f" {p} " in haystack for p in phrases)


def is_refusal(answer: str, phrases: Iterable[str] = ()) -> bool:
    """The answer says the sources do not hold the answer, and answers nothing besides.

    A clause with a configured phrase or a known refusal pattern refuses; a partial answer ("He met Putin [1].
    The sources don't say when.") has another clause that cites a source, and is not a refusal.
    """
    patterns = [normalize(p) for p in (*phrases, *REFUSAL_PATTERNS)]
    clauses = [c for s in sentences(answer) for c in re.split(r"[;:]|,\s*(?:but|aber|ale|men|however)\b", s)]
    refusing = [c for c in clauses if _has_phrase(c, patterns)]
    cited_claims = [c for c in clauses if c not in refusing and MARKER_RE.search(c) and len(tokens(c)) >= 2]
    return bool(refusing) and not cited_claims
