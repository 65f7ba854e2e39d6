"""A real Ollama answers with citations; skipped unless one runs at OLLAMA_HOST with the configured model pulled."""
import httpx
import pytest

from bot import Bot, load_settings
from bot.backends.ollama import OllamaBackend

pytestmark = pytest.mark.ollama


def real_ollama_host() -> str:
    """The host the bot would use (OLLAMA_HOST, else the default); skips when no Ollama with the model answers."""
    settings = load_settings(None, llm={"provider": "ollama"})
    host = settings.llm.host
    try:
        httpx.get(f"{host}/api/version", timeout=1.0).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.skip(f"no Ollama answers at {host}/api/version within 1 s ({type(exc).__name__}); "
                    "start one with `ollama serve` or set OLLAMA_HOST")
    ok, line = OllamaBackend(settings).status(timeout=2.0)
    if not ok:
        pytest.skip(f"{line}")
    return host


def test_real_ollama_answers_with_citations(request):
    host = real_ollama_host()
    # only now build the seeded store: a skip above costs nothing
    cfg = request.getfixturevalue("seeded_config")(llm={"host": host})
    answer = Bot.from_config(cfg).ask("Who did Tokayev meet in Astana in April 2023?")
    assert answer.mode == "generated", answer.warning
    assert answer.answer.strip()
    assert answer.citations, answer.answer
    assert all(1 <= c.n <= len(answer.sources) for c in answer.citations)
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)
