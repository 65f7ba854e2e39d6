"""Inputs that once crashed the server or the CLI: lone surrogates, non-string text parts, a 500's connection,
markers to no source while streaming, the schema against what is sent, wrong methods, odd paths, IPv6."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import ROOT, config_over_seeds, run_cli
from tests.ollama_standin import OllamaStandin, free_port
from tests.procs import running

# [9] and 17 point to no source (5 are given): the bot must never show them
REPLY = "Tokajew traf Putin in Moskau [1]. Sie sprachen lange [9]. Es ging um Gas [2, 17]."
CLEAN = "Tokajew traf Putin in Moskau [1]. Sie sprachen lange. Es ging um Gas [2]."


@pytest.fixture(scope="module")
def standin():
    with OllamaStandin(models=("gemma3:4b",), reply=REPLY) as server:
        yield server


@pytest.fixture(scope="module")
def config(standin, seeded_store, tmp_path_factory):
    return config_over_seeds(seeded_store, tmp_path_factory, "inputs",
                             llm={"host": standin.url, "max_retries": 0, "condense": False},
                             retrieval={"max_question_chars": 300})


@pytest.fixture(scope="module")
def live(config):
    """The real app with the chat UI, served by uvicorn in a thread: (base url, the Bot behind it)."""
    import uvicorn

    from bot import Bot
    from bot.apps.server import create_app

    bot = Bot.from_config(config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(bot), host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", bot
    server.should_exit = True
    thread.join(20)


def post_raw(url: str, body: str, **kw) -> httpx.Response:
    """POST a JSON text as written: httpx's own encoder would refuse a lone surrogate."""
    return httpx.post(url, content=body.encode(), headers={"content-type": "application/json"}, timeout=120, **kw)


def data_lines(r: httpx.Response) -> list:
    return [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:") and line != "data: [DONE]"]


# lone surrogates --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, body, field", [
    ("/api/search", r'{"query": "Tokajew \ud800 Putin", "k": 2}', "query"),
    ("/api/ask", r'{"question": "Tokajew \udfff Putin?", "history": [{"role": "user", "content": "Hi \ud800"}]}',
     "question"),
])
def test_lone_surrogates_are_replaced_on_the_api(live, path, body, field):
    r = post_raw(live[0] + path, body)
    assert r.status_code == 200, r.text
    assert "\ufffd" in r.json()[field] and r.json()[field].startswith("Tokajew \ufffd")


def test_lone_surrogates_are_replaced_on_v1(live):
    body = (r'{"messages": [{"role": "user", "content": "Wer? \udc80"}, {"role": "assistant", "content": "Er."},'
            r' {"role": "user", "content": [{"type": "text", "text": "Tokajew \ud800 Putin?"}]}]}')
    r = post_raw(live[0] + "/v1/chat/completions", body)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"].startswith(CLEAN)


# content parts that are not text ----------------------------------------------------------------------------
@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": [{"type": "text", "text": 5}]}],
    [{"role": "user", "content": [{"type": "text", "text": None}]}],
    [{"role": "user", "content": [{"type": "text", "text": 1.5}]}, {"role": "assistant", "content": "Ja."},
     {"role": "user", "content": "Wer?"}],  # in a history turn
])
def test_non_string_text_parts_are_400(live, messages):
    r = httpx.post(live[0] + "/v1/chat/completions", json={"model": "bot", "messages": messages}, timeout=60)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["message"].startswith("messages.0.content.0")


def test_other_parts_are_still_ignored(live):
    content = [{"type": "image_url", "image_url": {"url": "data:,"}}, {"type": "text", "text": "Wen traf Tokajew?"}]
    r = httpx.post(live[0] + "/v1/chat/completions", json={"messages": [{"role": "user", "content": content}]},
                   timeout=120)
    assert r.status_code == 200, r.text


# a crash ---------------------------------------------------------------------------------------------------
def test_a_500_closes_its_connection_and_the_pool_carries_on(live, monkeypatch):
    url, bot = live

    def broken(*_a, **_k):  # a bug in the core: no input reaches one any more, so it is planted here
        raise RuntimeError("planted bug\nsecond line")

    monkeypatch.setattr(bot, "search", broken)
    with httpx.Client(timeout=60) as client:
        r = client.post(url + "/api/search", json={"query": "Tokajew"})
        assert r.status_code == 500 and r.headers["connection"] == "close"
        assert r.json()["error"] == {"message": "unexpected RuntimeError: planted bug", "type": "server_error",
                                     "code": None}
        monkeypatch.undo()
        assert client.post(url + "/api/search", json={"query": "Tokajew", "k": 1}).status_code == 200


# markers to no source ---------------------------------------------------------------------------------------
def test_streamed_v1_shows_the_same_markers_as_the_whole_answer(live):
    question = {"model": "bot", "messages": [{"role": "user", "content": "Wen traf Tokajew?"}]}
    whole = httpx.post(live[0] + "/v1/chat/completions", json=question, timeout=120).json()
    with httpx.stream("POST", live[0] + "/v1/chat/completions", json={**question, "stream": True}, timeout=120) as r:
        chunks = data_lines(r)
    pieces = [c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]]
    assert "".join(pieces) == whole["choices"][0]["message"]["content"]
    assert "".join(pieces).startswith(CLEAN + "\n\nSources:\n[1] ")
    assert not any("[9" in p or "17" in p for p in pieces)


def test_streamed_api_deltas_add_up_to_the_answer(live):
    with httpx.stream("POST", live[0] + "/api/ask", json={"question": "Wen traf Tokajew?", "stream": True},
                      timeout=120) as r:
        events = data_lines(r)
    assert "".join(e["text"] for e in events[:-1]) == events[-1]["answer"] == CLEAN


# the schema, methods and paths ------------------------------------------------------------------------------
def test_schema_declares_the_400s_and_the_event_stream(live):
    schema = httpx.get(live[0] + "/openapi.json").json()
    assert '"422"' not in json.dumps(schema)
    for path in ("/api/ask", "/api/search", "/v1/chat/completions"):
        responses = schema["paths"][path]["post"]["responses"]
        assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert {"500", "503"} <= set(responses)
    for path in ("/api/ask", "/v1/chat/completions"):
        assert "text/event-stream" in schema["paths"][path]["post"]["responses"]["200"]["content"]
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["message", "type", "code"]
    # statuses these routes send (a new user saw each one) that the schema left out
    assert "404" in schema["paths"]["/v1/chat/completions"]["post"]["responses"]  # model_not_found
    deleted = schema["paths"]["/api/documents/{doc_id}"]["delete"]["responses"]
    assert {"409", "503"} <= set(deleted)  # not_uploaded, index_busy
    assert "503" in schema["paths"]["/api/collections/{name}"]["delete"]["responses"]


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "/api/ask", "POST"), ("DELETE", "/v1/chat/completions", "POST"), ("PATCH", "/api/search", "POST"),
    ("POST", "/v1/models", "GET"), ("POST", "/healthz", "GET"), ("HEAD", "/healthz", "GET"),
])
def test_wrong_methods_are_405_with_allow(live, method, path, allow):
    r = httpx.request(method, live[0] + path, json={})
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert method == "HEAD" or r.json()["error"]["type"] == "invalid_request_error"  # HEAD: headers only


@pytest.mark.parametrize("path", ["//api/ask", "/nope", "//v1/models", "/api"])
def test_unknown_paths_get_the_bot_error_shape(live, path):
    r = httpx.post(live[0] + path, json={})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["type"] == "not_found_error" and path in r.json()["error"]["message"]


def test_serve_on_ipv6_localhost(config, tmp_path):
    port = free_port()
    cmd = [sys.executable, "-m", "bot.apps.cli", "serve", "--config", str(config), "--host", "::1",
           "--port", str(port), "--no-ingest"]
    env = {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "BOT_SERVER__API_KEY")}
    with running(cmd, f"http://[::1]:{port}/healthz", tmp_path / "serve.log", timeout=300, cwd=ROOT, env=env):
        assert httpx.get(f"http://[::1]:{port}/healthz").json()["index"]["documents"] == 5


# the CLI ----------------------------------------------------------------------------------------------------
def test_cli_search_replaces_bytes_it_cannot_decode(config):
    r = run_cli("search", "--json", "-k", "1", "Tokajew \udcff Putin", config=config)  # argv byte 0xff
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["query"] == "Tokajew \ufffd Putin"


def test_cli_search_batch_goes_on_after_a_bad_line(config):
    lines = b"Tokajew \xff Putin\n" + b"x" * 400 + b"\nWer ist Tokajew?\n"  # bad bytes, too long, fine
    r = subprocess.run([sys.executable, "-m", "bot.apps.cli", "search", "--json", "-k", "1", "--config",
                        str(config)], input=lines, capture_output=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [o["query"][:8] for o in out] == ["Tokajew ", "x" * 8, "Wer ist "]
    assert out[0]["query"] == "Tokajew \ufffd Putin" and len(out[0]["results"]) == 1
    assert "the limit is 300" in out[1]["error"] and out[1]["results"] == []
    assert len(out[2]["results"]) == 1


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_cli_ask_cut_short_says_why_in_one_line_and_exits_1(config, standin, json_flag):
    standin.set_error(500, {"error": "out of memory"}, count=1, path="/api/chat", mid_stream=3)
    try:
        r = run_cli("ask", *json_flag, "Wen traf Tokajew?", config=config)
    finally:
        standin.clear_error()
    assert r.returncode == 1, (r.stdout, r.stderr)
    expected = "Ollama stopped with an error: out of memory (the answer was cut short)"
    if json_flag:
        body = json.loads(r.stdout)
        assert body["answer"] == "Tokajew traf Putin" and body["warning"] == expected
    else:
        assert r.stdout.startswith("Tokajew traf Putin\n")
        assert r.stderr.strip().splitlines() == [f"warning: {expected}"]


def test_cli_ask_when_ollama_drops_the_connection_mid_answer(config, tmp_path):
    """Ollama dies after one chunk, halfway through the next: one line that says so, not a RemoteProtocolError."""
    import socket

    line = json.dumps({"model": "gemma3:4b", "created_at": "2024-01-01T00:00:00Z", "done": False,
                       "message": {"role": "assistant", "content": "Tokajew traf"}}).encode() + b"\n"
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed at the end of the test
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                if b"/api/chat" in head.split(b"\r\n")[0]:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n50\r\npartial" % (len(line), line))
                else:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        host = "http://127.0.0.1:%d" % listener.getsockname()[1]
        r = run_cli("ask", "Wen traf Tokajew?", config=config, env={"OLLAMA_HOST": host})
    finally:
        listener.close()
    assert r.returncode == 1 and r.stdout.startswith("Tokajew traf\n"), (r.stdout, r.stderr)
    assert r.stderr.strip().splitlines() == [
        f"warning: the connection to Ollama at {host} broke off: check that `ollama serve` is still running, "
        "then ask again (the answer was cut short)"]
