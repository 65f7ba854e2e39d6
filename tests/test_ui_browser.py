"""The chat UI in a real chromium against `bot chat` in a subprocess: streaming, citations, follow-ups, offline mode."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.browser import (CHROMIUM, CHROMIUM_ARGS, DETAILS, ask, bot_messages, chat_server, open_page,
                           partials, record_stream, shot, wait_answer)
from tests.conftest import SMOLLM, config_over_seeds
from tests.ollama_standin import OllamaStandin, refused_url

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

PL, DE, NO = ("Z kim spotkał się prezydent Kazachstanu w Moskwie?", "Wen traf Tokajew in Moskau?",
              "Hvem møtte Tokajev i Moskva?")
FOLLOW_UP, STANDALONE = "Und worüber sprachen sie?", "Worüber sprachen Tokajew und Putin in Moskau?"
LONG = "Wie lange dauerte der Besuch?"
REPLIES = {
    PL: "Prezydent Tokajew spotkał się w Moskwie z Władimirem Putinem [1].",
    DE: "Tokajew traf in Moskau den russischen Präsidenten Wladimir Putin [1]. Es war sein erster Auslandsbesuch [2].",
    NO: "Tokajev møtte Russlands president Vladimir Putin i Moskva [1].",
    FOLLOW_UP: "Sie sprachen über die strategische Partnerschaft beider Länder [1].",
    LONG: " ".join(["Der Besuch dauerte mehrere Tage."] * 40) + " [1]",
}


def reply(body: dict) -> str:
    """The stand-in LLM: the condense prompt gets STANDALONE, an answer prompt the reply for its question."""
    last = body["messages"][-1]["content"]
    if "Standalone question:" in last:
        return STANDALONE
    asked = re.search(r"^Question: (.*)$", last, re.M)
    return REPLIES.get(asked.group(1).strip() if asked else "", "Keine Angaben [1].")


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def standin():
    with OllamaStandin(models=("gemma3:4b",), reply=reply, chunk_delay=0.06) as server:
        yield server


@pytest.fixture(scope="module")
def make_config(seeded_store, tmp_path_factory):
    """make(**sections) -> a config over a private copy of the seeded store (module-scoped, unlike seeded_config)."""
    def make(**sections):
        return config_over_seeds(seeded_store, tmp_path_factory, "ui", **sections)

    return make


@pytest.fixture(scope="module")
def url(make_config, standin):
    with chat_server(make_config(llm={"host": standin.url, "model": "gemma3:4b"})) as u:
        yield u


@pytest.fixture(scope="module")
def expected_pl(make_config, standin):
    """The Polish answer as the Bot computes it in-process over an identical store: what the page must show."""
    from bot import Bot

    return Bot.from_config(make_config(llm={"host": standin.url, "model": "gemma3:4b"})).ask(PL)


def test_polish_answer_streams_and_its_citation_opens_the_passage(browser, url, expected_pl):
    """The streamed answer grows token by token; clicking [1] shows source 1 with the Bot's supporting sentence
    highlighted; one more click shows the whole document; the copy button copies answer and sources."""
    page = open_page(browser, url)
    shot(page, "01_start")
    record_stream(page)
    ask(page, PL)
    text = wait_answer(page, 1)
    assert norm(REPLIES[PL]) in norm(text)
    states = partials(page)
    assert len(states) >= 3, states  # several growing states, not one jump to the final text
    assert all(norm(REPLIES[PL]).startswith(norm(s)) for s in states), states

    source, cite = expected_pl.sources[0], expected_pl.citations[0]
    assert "Sources" in text and source.doc_id in text
    page.locator('#bot-chat a[href="#cite-0-1"]').first.click()
    panel = page.locator("#bot-source")
    expect(panel.locator("mark.bot-quote")).to_be_visible()
    assert norm(panel.locator("mark.bot-quote").inner_text()) == norm(cite.quote)
    assert norm(source.title) in norm(panel.locator(".bot-src-title").inner_text())
    assert norm(panel.locator(".bot-passage").inner_text()) == norm(source.text)
    meta = panel.locator(".bot-src-meta").inner_text()
    assert source.lang in meta and source.doc_id in meta
    shot(page, "02_citation_panel")

    panel.locator("a.bot-doc-link").click()
    expect(panel.locator(".bot-doc")).to_be_visible()
    assert norm(source.text) in norm(panel.locator(".bot-doc").inner_text())
    assert norm(panel.locator("mark.bot-passage-mark").inner_text()) == norm(source.text)
    shot(page, "03_whole_document")

    page.locator("#bot-chat").get_by_text(DETAILS).click()
    page.locator('#bot-chat a[href^="#src-0-"]').first.click()
    expect(panel.locator(".bot-src-why")).to_have_text("Retrieved, but not cited by the answer.")

    page.locator('#bot-chat button[aria-label="Copy message"]').nth(1).click()
    copied = page.evaluate("window.copied")[-1]
    assert copied.startswith(REPLIES[PL]) and "Sources" in copied and source.doc_id in copied, copied
    page.context.close()


def test_follow_up_is_condensed_and_the_rewrite_is_shown(browser, url, standin):
    """The second question goes to the LLM with the first as history; its details show the standalone rewrite."""
    page = open_page(browser, url)
    ask(page, DE)
    assert norm(REPLIES[DE]) in norm(wait_answer(page, 1))
    ask(page, FOLLOW_UP)
    assert norm(REPLIES[FOLLOW_UP]) in norm(wait_answer(page, 2))
    condense = [b["messages"][-1]["content"] for b in standin.bodies("/api/chat")
                if "Standalone question:" in b["messages"][-1]["content"]]
    assert any(DE in c and FOLLOW_UP in c for c in condense), condense
    page.locator("#bot-chat").get_by_text(DETAILS).nth(1).click()
    expect(page.locator("#bot-chat")).to_contain_text(f"Searched for: {STANDALONE} (rewritten from your follow-up)")
    page.locator('#bot-chat a[href="#cite-1-1"]').first.click()
    expect(page.locator("#bot-source mark.bot-quote")).to_be_visible()
    shot(page, "04_follow_up")

    page.get_by_text("Hvilke signaler sender Tokajev").click()  # an example fills the box
    expect(page.locator("#bot-input textarea")).to_have_value(re.compile("^Hvilke signaler"))
    page.click("#bot-clear")
    expect(page.locator('#bot-chat [data-testid="bot"]')).to_have_count(0)
    expect(page.locator("#bot-source")).to_contain_text("Click a citation")
    page.context.close()


def test_two_sessions_at_once_get_their_own_answers(browser, url):
    """Two browser contexts ask at the same time; each sees only its own question and answer."""
    a, b = open_page(browser, url), open_page(browser, url)
    ask(a, PL)
    ask(b, NO)
    text_a, text_b = wait_answer(a, 1), wait_answer(b, 1)
    assert norm(REPLIES[PL]) in norm(text_a) and "Tokajev møtte" not in text_a
    assert norm(REPLIES[NO]) in norm(text_b) and "Prezydent Tokajew" not in text_b
    assert a.locator('#bot-chat [data-testid="user"]').all_inner_texts() == [PL]
    assert b.locator('#bot-chat [data-testid="user"]').all_inner_texts() == [NO]
    shot(b, "05_second_session")
    a.context.close(), b.context.close()


def test_stop_ends_a_running_answer_and_sources_tab_lists_documents(browser, url):
    """Stop halts a long streamed answer before it finishes; the Sources tab lists the five seeds."""
    page = open_page(browser, url)
    record_stream(page)
    ask(page, LONG)
    expect(page.locator("#bot-chat")).to_contain_text("Der Besuch dauerte", timeout=30_000)
    page.click("#bot-stop")
    page.wait_for_timeout(800)
    stopped = bot_messages(page)[-1]
    page.wait_for_timeout(1500)
    assert bot_messages(page)[-1] == stopped  # it no longer grows
    assert len(norm(stopped)) < len(norm(REPLIES[LONG])) and DETAILS not in stopped

    page.get_by_role("tab", name="Sources").click()
    expect(page.locator("#bot-documents tbody tr")).to_have_count(5)
    expect(page.locator("#bot-documents")).to_contain_text("Astana, 10. April, AZERTAC")
    shot(page, "06_sources_tab")
    page.context.close()


def test_offline_llm_shows_banner_passages_and_errors_in_chat(browser, make_config):
    """With nothing listening at llm.host: a banner naming `ollama serve`, answers marked as passages, and a
    too-long question answered by the one-line error in the chat (not a spinner)."""
    cfg = make_config(llm={"host": refused_url(), "model": "gemma3:4b", "condense": False},
                      retrieval={"max_question_chars": 200})
    with chat_server(cfg) as u:
        page = open_page(browser, u)
        banner = page.locator("#bot-banner")
        expect(banner).to_contain_text("ollama serve")
        expect(page.locator("#bot-status")).to_contain_text("LLM not reachable")
        ask(page, "Who did Tokayev meet in Moscow?")
        text = wait_answer(page, 1)
        assert "Passages, not a generated answer" in text and "not reachable" in text
        page.locator('#bot-chat a[href="#cite-0-1"]').first.click()
        expect(page.locator("#bot-source .bot-passage")).to_be_visible()
        shot(page, "07_offline")
        too_long = ("Tokayev? " * 30).strip()
        ask(page, too_long)
        expect(page.locator('#bot-chat [data-testid="bot"]').last).to_contain_text(
            f"the question is {len(too_long)} characters long; the limit is 200")
        expect(page.locator("#bot-input textarea")).to_have_value("")
        page.context.close()


@pytest.mark.llamacpp
def test_llamacpp_tokens_stream_into_the_page(browser, make_config):
    """Real generation with llama.cpp and SmolLM2: several growing states reach the page, mode 'generated'."""
    pytest.importorskip("llama_cpp")
    with chat_server(make_config(llm={**SMOLLM, "max_tokens": 32, "condense": False})) as u:
        page = open_page(browser, u)
        expect(page.locator("#bot-status")).to_contain_text("llamacpp:")
        expect(page.locator("#bot-banner")).to_be_hidden()
        record_stream(page)
        ask(page, "Who did Tokayev meet in Moscow?")
        page.locator("#bot-chat").get_by_text(DETAILS).wait_for(timeout=180_000)
        states = partials(page)
        assert len(states) >= 3 and len(set(states)) == len(states), states
        page.locator("#bot-chat").get_by_text(DETAILS).click()
        expect(page.locator("#bot-chat")).to_contain_text("· generated ·")
        shot(page, "08_llamacpp")
        page.context.close()
