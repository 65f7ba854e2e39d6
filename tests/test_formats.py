"""PDF and Word files: a PDF made here is ingested page by page and cited with its page; a DOCX with a table is
searchable; a scanned PDF (no text layer) and broken files are skipped with a reason."""
from __future__ import annotations

import io
import zipfile

import pytest

from bot import Bot
from bot.answer.citations import citation_line, cite
from bot.apps.ui_render import answer_markdown, source_panel
from bot.types import Answer
from tests.conftest import write_config

fpdf = pytest.importorskip("fpdf")
docx = pytest.importorskip("docx")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = [
    "Jahresbericht der Stadtbibliothek Tromsø. Die Bibliothek hat im Jahr 2024 neue Öffnungszeiten eingeführt "
    "und ist nun auch sonntags geöffnet.",
    "Das Codewort des Bibliotheksprojekts lautet Blaubeere. Es wurde im Mai 2024 vom Vorstand gewählt, "
    "nachdem die Leser abgestimmt hatten.",
    "Im nächsten Jahr plant die Bibliothek eine Ausstellung über alte Landkarten des Nordens, "
    "zusammen mit dem Polarmuseum.",
]


def make_pdf(path, pages: list[str], image_only: bool = False) -> None:
    pdf = fpdf.FPDF()
    pdf.add_font("dv", fname=FONT)
    pdf.set_font("dv", size=12)
    for text in pages:
        pdf.add_page()
        if image_only:  # what a scanner makes: a picture of the page, no text
            from PIL import Image, ImageDraw

            img = Image.new("RGB", (600, 200), "white")
            ImageDraw.Draw(img).text((10, 10), text[:60], fill="black")
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            pdf.image(buf, x=10, y=10, w=180)
        else:
            pdf.multi_cell(0, 8, text)
    pdf.output(str(path))


def make_docx(path) -> None:
    doc = docx.Document()
    doc.add_heading("Protokoll der Vorstandssitzung", level=1)
    doc.add_paragraph("Der Vorstand beschloss, die Bücherei in Hammerfest um einen Lesesaal zu erweitern.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Posten", "Betrag"
    table.cell(1, 0).text, table.cell(1, 1).text = "Lesesaal Ausbau", "48000 Kronen"
    doc.add_paragraph("Die Arbeiten beginnen im Herbst.")
    doc.save(str(path))


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    """(bot, summary) over a corpus of one text PDF, one DOCX, one scanned PDF and two broken files."""
    tmp = tmp_path_factory.mktemp("formats")
    corpus = tmp / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "bericht.pdf", PAGES)
    make_docx(corpus / "protokoll.docx")
    make_pdf(corpus / "scan.pdf", PAGES[:2], image_only=True)
    (corpus / "kaputt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a word document")
    (corpus / "kaputt.docx").write_bytes(buf.getvalue())
    bot = Bot.from_config(write_config(tmp, corpus={"paths": [str(corpus)]}))
    return bot, bot.ingest()


def test_each_file_is_ingested_or_skipped_with_its_reason(formats):
    bot, summary = formats
    why = {s.split(": ", 1)[0].rsplit("/", 1)[-1]: s.split(": ", 1)[1] for s in summary.skipped}
    assert set(why) == {"scan.pdf", "kaputt.pdf", "kaputt.docx"}, why
    assert why["scan.pdf"].startswith("no text layer in its 2 page(s), a scanned PDF?")
    assert why["kaputt.pdf"].startswith("not a readable PDF")
    assert why["kaputt.docx"].startswith("not a readable Word document")
    assert [r.doc_id for r in bot.documents()] == ["bericht.pdf", "protokoll.docx"]


def test_pdf_pages_become_chunk_pages(formats):
    bot, _ = formats
    doc = bot.document("bericht.pdf")
    assert [p in doc.text for p in ("Blaubeere", "Polarmuseum", "sonntags")] == [True, True, True]
    for n, page_text in enumerate(PAGES, start=1):
        hits = [h for h in bot.search(page_text, k=5) if h.doc_id == "bericht.pdf"]
        assert hits[0].page == n and hits[0].text.split()[:3] == page_text.split()[:3]
        assert doc.text[hits[0].start:hits[0].end] == hits[0].text
        assert hits[0].to_json()["page"] == n


def test_a_citation_names_the_page(formats):
    bot, _ = formats
    sources = bot.search("Wie lautet das Codewort des Bibliotheksprojekts?", k=3)
    assert sources[0].doc_id == "bericht.pdf" and sources[0].page == 2
    [c] = cite("Das Codewort ist Blaubeere [1].", sources)
    assert c.page == 2 and c.to_json()["page"] == 2
    assert citation_line(c) == f"[1] {c.title} (bericht.pdf, p. 2)"
    answer = Answer(question="Codewort?", answer="Das Codewort ist Blaubeere [1].", citations=[c], sources=sources,
                    model="m", mode="generated", warning=None, timings={})
    assert "· p. 2 ·" in answer_markdown(answer, 0)
    assert "<dt>Page</dt><dd>2</dd>" in source_panel("k", "1", sources[0], c.quote)


def test_docx_paragraphs_and_tables_are_searchable(formats):
    bot, _ = formats
    doc = bot.document("protokoll.docx")
    assert doc.title == "Protokoll der Vorstandssitzung"
    assert "Lesesaal Ausbau | 48000 Kronen" in doc.text
    hit = bot.search("Wie viel kostet der Ausbau des Lesesaals?", k=3)[0]
    assert hit.doc_id == "protokoll.docx" and hit.page is None and "48000 Kronen" in hit.text


def test_words_pdfium_marks_as_cut_at_a_line_end_are_joined():
    """pdfium puts U+FFFE where a line break cut a word at a hyphen (seen in the TeX manual libtasn1.pdf and in
    fpdf2's justified columns): hyphenation goes, a compound's own hyphen stays."""
    from bot.ingest.readers import _pdf_page_text

    assert _pdf_page_text("Encoding Rules (DER) manip\ufffeulation.\r\nCopyright") == \
        "Encoding Rules (DER) manipulation.\nCopyright"
    assert _pdf_page_text("Die Kasachische Nachrichten\ufffeAgentur berichtet") == \
        "Die Kasachische Nachrichten-Agentur berichtet"
