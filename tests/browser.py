"""Helpers for the browser tests: start `bot chat` in a subprocess, drive its page with Playwright and chromium."""
from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path


from tests.ollama_standin import free_port
from tests.procs import running

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = ROOT / "tests" / "screenshots"
DETAILS = "Search details and other passages"  # the collapsed message that ends every finished answer
# Records what the copy buttons write, so a test can read it without clipboard permissions.
RECORD_CLIPBOARD = """
window.copied = [];
Object.defineProperty(navigator, "clipboard", {configurable: true,
  value: {writeText: async (text) => { window.copied.push(text); }}});
"""


@contextmanager
def chat_server(config: Path, timeout: float = 120):
    """`bot chat --config CONFIG --port FREE --no-ingest` in a subprocess; yields its URL once it answers HTTP."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "OLLAMA_HOST"}
    env.update(PYTHONUNBUFFERED="1", GRADIO_ANALYTICS_ENABLED="False")
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "bot.apps.cli", "chat", "--config", str(config), "--port", str(port), "--no-ingest"]
    with running(cmd, url, config.parent / f"chat-{port}.log", timeout, cwd=ROOT, env=env):
        yield url


def open_page(browser, url: str, width: int = 1400, height: int = 1000):
    """A fresh browser context (its own Gradio session) on the chat page, loaded and with its status line."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(RECORD_CLIPBOARD)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#bot-status .bot-status")
    return page


def ask(page, question: str) -> None:
    page.fill("#bot-input textarea", question)
    page.press("#bot-input textarea", "Enter")


def wait_answer(page, count: int) -> str:
    """Wait until `count` answers are finished; returns the text of the last answer message."""
    page.locator("#bot-chat").get_by_text(DETAILS).nth(count - 1).wait_for()
    return bot_messages(page)[-2]


def bot_messages(page) -> list[str]:
    return page.locator('#bot-chat [data-testid="bot"]').all_inner_texts()


def record_stream(page) -> None:
    """Start recording every distinct text the newest bot message shows (to see tokens arrive one by one)."""
    page.evaluate("""() => {
      window.seen = [];
      const look = () => {
        const msgs = document.querySelectorAll('#bot-chat [data-testid="bot"]');
        const text = msgs.length ? msgs[msgs.length - 1].innerText : "";
        if (text && text !== window.seen[window.seen.length - 1]) window.seen.push(text);
      };
      new MutationObserver(look).observe(document.getElementById("bot-chat"),
                                         {subtree: true, childList: true, characterData: true});
    }""")


def partials(page) -> list[str]:
    """The texts the newest bot message showed while streaming (not the placeholder, not the final render)."""
    return [s for s in page.evaluate("window.seen")
            if not any(x in s for x in ("Searching the documents", "Sources", DETAILS))]


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{re.sub(r'[^a-z0-9_-]+', '_', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
