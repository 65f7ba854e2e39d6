"""Turns raw web text into clean content plus document metadata (title, date, language, hash)."""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from bot.lang import detect_lang

# Tag names we treat as markup when a tag is broken (no closing ">"): a "<" before any other word is text.
_TAGS = (
    "a|abbr|article|aside|b|blockquote|body|br|button|caption|cite|code|dd|div|dl|dt|em|figcaption|figure|"
    "footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|label|li|link|main|meta|nav|noscript|ol|option|"
    "p|picture|pre|section|select|small|source|span|strong|sub|sup|svg|table|tbody|td|textarea|tfoot|th|thead|"
    "time|title|tr|u|ul|video"
)
_BLOCK_RE = re.compile(r"<(script|style|noscript|svg)\b.*?</\1\s*>", re.I | re.S)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_TAG_RE = re.compile(r"<\s*/?\s*[a-z!][^<>]*>", re.I)
# A tag cut off before its ">": drop "<tag", its attributes, and a dangling `name=` whose value is real text.
_ATTR = r"[_:a-z][\w:.-]*(?:=(?:\"[^\"]*\"|'[^']*')|(?![\w=]))"
_BROKEN_TAG_RE = re.compile(rf"<\s*/?\s*(?:{_TAGS})\b(?:\s+{_ATTR})*(?:\s+[_:a-z][\w:.-]*=)?\s*", re.I)
_TAG_TAIL_RE = re.compile(r"\s*/?>(?=\s*$)|\s*/>", re.M)
_DATE_RE = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*", re.I)
_BULLET_RE = re.compile(r"^\s*[•·▪◦●*]\s+")  # not "-"/"–": those open quoted speech in no/pl text
# "Read more" teasers glued into a paragraph: the teaser sentence up to the marker goes.
_TEASER_RE = re.compile(
    r"(?<=[.!?\"”»])\s+(?:[^.!?]|\.\.\.|…){0,200}?(?:czytaj dalej|read more|weiterlesen|les mer|lue lisää)\s*[»›>]+",
    re.I,
)
# Whole lines that are site furniture, not content (several languages).
_BOILERPLATE = {
    "leave a reply", "leave a comment", "reply", "share", "share this", "share this:", "related posts",
    "advertisement", "annonse", "anzeige", "werbung", "reklama", "kommentar verfassen", "antworten",
    "dodaj komentarz", "skomentuj", "legg igjen en kommentar", "teilen", "udostępnij", "del", "del artikkelen",
    "cancel reply", "subscribe", "newsletter", "cookie settings", "print", "drucken", "drukuj",
}
_MARKER_LINE_RE = re.compile(r"^[^\w]*\w?[^\w]*$")  # "+++", "Y", "***", "—"


@dataclass(frozen=True)
class CleanDoc:
    text: str
    title: str | None
    date: str | None
    lang: str | None
    content_hash: str


def read_text(path: Path) -> str:
    """Read a document as text; raise ValueError for files that are not text."""
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file, not text")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or Windows-1252 text")


def strip_markup(text: str) -> str:
    text = _COMMENT_RE.sub(" ", _BLOCK_RE.sub(" ", text))
    text = _TAG_RE.sub(lambda m: "\n" if re.match(r"<\s*/?\s*(p|div|li|br|h\d|tr)\b", m.group(), re.I) else " ", text)
    text = _BROKEN_TAG_RE.sub("", text)
    text = _TAG_TAIL_RE.sub("", text)
    return html.unescape(text)


def _is_debris(line: str) -> bool:
    low = line.strip().lower().rstrip(" .:!»›")
    return bool(_MARKER_LINE_RE.match(line.strip())) or low in _BOILERPLATE


def clean_text(raw: str) -> tuple[str, str | None]:
    """Return (clean text, date) where date comes from a leading `date YYYY-MM` line, else None."""
    date = None
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            m = _DATE_RE.match(line)
            if m:
                date = m.group(1)
                lines[i] = line[m.end():]
            break
    text = strip_markup("\n".join(lines))
    text = _TEASER_RE.sub("", text)
    out: list[str] = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t\u00a0]+", " ", _BULLET_RE.sub("", line)).strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        if not _is_debris(line):
            out.append(line)
    return "\n".join(out).strip(), date


def make_title(text: str, limit: int = 120) -> str | None:
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    if len(first) <= limit:
        return first or None
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def clean_document(raw: str) -> CleanDoc:
    text, date = clean_text(raw)
    return CleanDoc(
        text=text,
        title=make_title(text),
        date=date,
        lang=detect_lang(text),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
