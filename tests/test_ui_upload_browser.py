"""Uploading a PDF in the chat UI (real chromium, `bot chat` in a subprocess): answerable at once with its page
cited, and deleting it from the UI removes it from search."""
from __future__ import annotations

import shutil

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ask, chat_server, open_page, shot, wait_answer
from tests.conftest import write_config
from tests.ollama_standin import OllamaStandin

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = [
    "Jahresbericht der Stadtbibliothek. Die Bibliothek hat im Jahr 2024 neue Öffnungszeiten eingeführt.",
    "Das Codewort des Bibliotheksprojekts lautet Blaubeere. Es wurde im Mai 2024 vom Vorstand gewählt.",
    "Im nächsten Jahr plant die Bibliothek eine Ausstellung über alte Landkarten.",
]
QUESTION = "Wie lautet das Codewort des Bibliotheksprojekts?"


def make_pdf(path) -> None:
    """Three pages, one paragraph each: only page 2 says what the codeword is."""
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_font("dv", fname=FONT)
    pdf.set_font("dv", size=12)
    for text in PAGES:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))


def test_upload_a_pdf_ask_about_page_2_then_delete_it(seeded_store, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    pdf = tmp_path / "bibliothek.pdf"
    make_pdf(pdf)
    shutil.copytree(seeded_store, tmp_path / "chroma")
    with OllamaStandin(models=("gemma3:4b",), reply="Das Codewort lautet Blaubeere [1].") as standin, \
            playwright_api.sync_playwright() as p:
        cfg = write_config(tmp_path, llm={"host": standin.url, "model": "gemma3:4b"})
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with chat_server(cfg) as url:
            page = open_page(browser, url)
            page.get_by_role("tab", name="Sources").click()
            page.locator("#bot-upload input[type=file]").set_input_files(str(pdf))
            expect(page.locator("#bot-upload-notice")).to_contain_text("bibliothek.pdf: indexed", timeout=120_000)
            expect(page.locator("#bot-documents")).to_contain_text("bibliothek.pdf")
            page.get_by_role("tab", name="Chat").click()
            ask(page, QUESTION)
            answer = wait_answer(page, 1)
            shot(page, "upload_pdf_answer")
            # the one cited source is the PDF's second page: the sources line names the file and the page
            assert "Blaubeere" in answer and "bibliothek.pdf" in answer and "p. 2" in answer, answer
            page.get_by_role("tab", name="Sources").click()
            page.locator("#bot-uploaded input").click()
            page.get_by_role("option", name="bibliothek.pdf").click()
            page.locator("#bot-delete").click()
            expect(page.locator("#bot-upload-notice")).to_contain_text("bibliothek.pdf: deleted")
            expect(page.locator("#bot-documents")).not_to_contain_text("bibliothek.pdf")
        browser.close()
    from bot import Bot

    bot = Bot.from_config(cfg)
    assert "bibliothek.pdf" not in {s.doc_id for s in bot.search(QUESTION, 10)}
    assert not (bot.settings.uploads_path / "bibliothek.pdf").exists()
