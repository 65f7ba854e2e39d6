"""Reads one file into pages of clean text: text and HTML files, PDF (its text layer, page by page), DOCX.

Runs inside the parsing process (bot/ingest/worker.py), so a parser that hangs, crashes or eats memory on
a hostile file costs that file only. Each reader raises ValueError with a one-line reason to skip a file.
PDFs are read with pypdfium2 (Apache-2.0/BSD-3): as accurate as pypdf and pdfminer.six on the PDFs
measured and 13-35x faster (bench/pdf_libs.py, bench/README.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.ingest.clean import CONTROL_RE, check_words, clean_text, read_text

MIN_PDF_CHARS = 20  # a PDF with less text than this in all its pages is a scan (or empty)
_BROKEN_WORD_RE = re.compile("\ufffe\\s*")  # pdfium's mark where a line break cut a word at a hyphen


def _pdf_page_text(text: str) -> str:
    """Words cut at a line end joined again: "manip-/ulation" is one word, "Nachrichten-/Agentur" keeps its
    hyphen (a capital after it: a compound, not hyphenation); control characters dropped."""
    text = _BROKEN_WORD_RE.sub(lambda m: "-" if text[m.end():m.end() + 1].isupper() else "", text)
    return clean_text(CONTROL_RE.sub("", text), markup=False)[0]


@dataclass
class Parsed:
    pages: list[tuple[int | None, str]] = field(default_factory=list)  # (page number or None, clean text)
    date: str | None = None

    def to_json(self) -> dict:
        return {"pages": self.pages, "date": self.date}


def _pdf(path: Path) -> Parsed:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ValueError(f"not a readable PDF ({exc})") from None
    pages = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            pages.append((i + 1, _pdf_page_text(textpage.get_text_range())))
            textpage.close()  # page by page: a 2000-page PDF never holds all its pages open
            page.close()
    finally:
        doc.close()
    if sum(len(t) for _, t in pages) < MIN_PDF_CHARS:
        raise ValueError(f"no text layer in its {len(pages)} page(s), a scanned PDF? Run OCR on it first")
    return Parsed([(n, t) for n, t in pages if t])


def _docx(path: Path) -> Parsed:
    import zipfile

    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValueError(f"not a readable Word document ({exc})") from None
    parts = []
    for block in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(block, Table):
            parts.extend(" | ".join(dict.fromkeys(c.text.strip() for c in row.cells)) for row in block.rows)
        else:
            parts.append(block.text)
    text, date = clean_text("\n\n".join(parts), markup=False)
    return Parsed([(None, text)] if text else [], date)


def parse_file(path: Path) -> Parsed:
    """The file's clean text, page by page where it has pages; ValueError says why a file cannot be used."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        parsed = _pdf(path)
    elif suffix == ".docx":
        parsed = _docx(path)
    else:
        text, date = clean_text(read_text(path))
        parsed = Parsed([(None, text)] if text else [], date)
    check_words("\n".join(text for _, text in parsed.pages))
    return parsed
