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
    """Read a document as text; raise ValueError (the reason, one line) for files that are not text."""
    return decode_text(path.read_bytes())


def decode_text(raw: bytes) -> str:
    """UTF-8 first, else the encoding charset_normalizer finds (cp1252, cp1251, Shift-JIS...), then a check
    that what came out reads as text: random bytes decode in some code page, as control characters."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark: NULs are expected
        try:
            return check_text(raw.decode("utf-16"))
        except UnicodeDecodeError:
            raise ValueError("broken UTF-16 text") from None
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(raw))
        if matches:
            # Its first pick can be wrong on short texts (French cp1252 read as mac_latin2): among the cleanest
            # decodings take the one that reads most like a language, cp1252 on a tie.
            fit = [m for m in matches if m.chaos <= matches[0].chaos + 0.05]
            text = str(max(fit, key=lambda m: (m.coherence, m.encoding == "cp1252")))
        else:  # UTF-8 with a few stray bytes stays readable; random bytes become mostly U+FFFD, refused below
            text = raw.decode("utf-8", errors="replace")
    return check_text(text)


CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
MAX_CONTROL_SHARE = 0.01  # text has next to none; random bytes in a code page are ~11% controls
# Measured on clean text: prose 0.05-0.15, 286 HTML manuals at most 0.26, code 0.25, CSS 0.34; random
# characters 0.45-0.57 (and hex fingerprints 0.5, which are no prose either).
MAX_CLASS_SWITCH = 0.42


def _class(c: str) -> int:
    return 0 if c.isalpha() else 1 if c.isdigit() else 2


def class_switch_rate(text: str) -> float:
    """How often neighbouring visible characters change between letter, digit and symbol.

    Words keep letters together; random characters switch about every other one. Measured on samples
    spread over the text so a large file costs little."""
    step = max(1, len(text) // 16)
    pairs = switches = 0
    for start in range(0, len(text), step):
        part = text[start:start + 2000]
        for a, b in zip(part, part[1:]):
            if not a.isspace() and not b.isspace():
                pairs += 1
                switches += _class(a) != _class(b)
    return switches / pairs if pairs else 0.0


def check_text(text: str) -> str:
    """The text itself, or ValueError when it is binary data rather than writing."""
    controls = len(CONTROL_RE.findall(text))
    if controls > max(3, MAX_CONTROL_SHARE * len(text)):
        share = 100 * controls / len(text)
        raise ValueError(f"binary content, not text ({share:.0f}% control or undecodable characters)")
    return text


def check_words(text: str) -> None:
    """ValueError when clean text is random characters (garbage bytes, a PDF font without a text map)."""
    rate = class_switch_rate(text)
    if len(text) >= 200 and rate > MAX_CLASS_SWITCH:
        raise ValueError(f"random characters, not text (letters, digits and symbols alternate at {rate:.2f})")


def strip_markup(text: str) -> str:
    text = _COMMENT_RE.sub(" ", _BLOCK_RE.sub(" ", text))
    text = _TAG_RE.sub(lambda m: "\n" if re.match(r"<\s*/?\s*(p|div|li|br|h\d|tr)\b", m.group(), re.I) else " ", text)
    text = _BROKEN_TAG_RE.sub("", text)
    text = _TAG_TAIL_RE.sub("", text)
    return html.unescape(text)


def _is_debris(line: str) -> bool:
    low = line.strip().lower().rstrip(" .:!»›")
    return bool(_MARKER_LINE_RE.match(line.strip())) or low in _BOILERPLATE


def clean_text(raw: str, markup: bool = True) -> tuple[str, str | None]:
    """Return (clean text, date) where date comes from a leading `date YYYY-MM` line, else None.

    markup=False for text out of a PDF or Word file: there "a < b > c" is text, not a tag."""
    date = None
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            m = _DATE_RE.match(line)
            if m:
                date = m.group(1)
                lines[i] = line[m.end():]
            break
    text = "\n".join(lines)
    text = strip_markup(text) if markup else text
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
    first = text.lstrip().partition("\n")[0]  # not text.split: a 20 MB text would become a list of its lines
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
