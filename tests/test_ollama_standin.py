"""Tests of the Ollama stand-in itself, driven by the official `ollama` Python client."""
import errno
import json
import socket
import time

import httpx
import ollama
import pytest

from tests.ollama_standin import OllamaStandin, free_port, hashed_embedding, refused_url

MODEL = "qwen2.5:3b"
REPLY = "The capital of France is Paris, a city on the Seine."
ASK = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def server():
    with OllamaStandin(models=(MODEL, "nomic-embed-text:latest"), reply=REPLY) as s:
        yield s


@pytest.fixture
def client(server):
    return ollama.Client(host=server.url)


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_streamed_chat_comes_in_chunks_that_join_to_the_reply(client, server):
    parts = list(client.chat(model=MODEL, messages=ASK, stream=True, options={"num_ctx": 8192}))
    assert len(parts) > 3
    assert "".join(p.message.content for p in parts) == REPLY
    assert all(p.done is False for p in parts[:-1])
    last = parts[-1]
    assert last.done is True and last.done_reason == "stop"
    assert last.message.role == "assistant" and last.message.content == ""
    assert last.eval_count and last.prompt_eval_count and last.total_duration and last.eval_duration
    assert last.model == MODEL and last.created_at.endswith("Z")
    assert server.num_ctx == [8192]
    assert server.bodies("/api/chat")[0]["options"]["num_ctx"] == 8192


def test_non_streamed_chat_is_one_object(client, server):
    resp = client.chat(model=MODEL, messages=ASK, stream=False)
    assert resp.message.content == REPLY and resp.message.role == "assistant"
    assert resp.done is True and resp.done_reason == "stop"
    assert server.bodies("/api/chat")[0]["stream"] is False
    assert server.num_ctx == [None]


def test_reply_may_be_a_function_of_the_request(server, client):
    server.reply = lambda req: "echo: " + req["messages"][-1]["content"]
    assert client.chat(model=MODEL, messages=ASK).message.content == "echo: " + ASK[0]["content"]


def test_generate_streams_response_field(client):
    parts = list(client.generate(model=MODEL, prompt="Capital of France?", stream=True))
    assert "".join(p.response for p in parts) == REPLY
    assert parts[-1].done and parts[-1].done_reason == "stop" and parts[-1].context
    assert client.generate(model=MODEL, prompt="x").response == REPLY


def test_raw_wire_format(server):
    assert httpx.get(server.url + "/").text == "Ollama is running"
    assert httpx.get(server.url + "/api/version").json() == {"version": "0.12.0"}
    r = httpx.post(server.url + "/api/chat", json={"model": MODEL, "messages": ASK})
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert list(lines[0]) == ["model", "created_at", "message", "done"]
    assert list(lines[-1]) == ["model", "created_at", "message", "done_reason", "done", "total_duration",
                               "load_duration", "prompt_eval_count", "prompt_eval_duration",
                               "eval_count", "eval_duration"]
    assert httpx.post(server.url + "/api/chat", content=b"").json() == {"error": "missing request body"}
    assert httpx.get(server.url + "/api/nope").status_code == 404


def test_chunk_delay_spreads_the_stream_out(server, client):
    server.chunk_delay = 0.02
    t0 = time.monotonic()
    parts = list(client.chat(model=MODEL, messages=ASK, stream=True))
    assert time.monotonic() - t0 >= 0.02 * (len(parts) - 1)


def test_list_show_and_ps(client, server):
    names = [m.model for m in client.list().models]
    assert names == [MODEL, "nomic-embed-text:latest"]
    show = client.show(MODEL)
    assert show.modelinfo["qwen2.context_length"] == 32768
    assert show.details.family == "qwen2"
    assert client.ps().models == []
    client.chat(model=MODEL, messages=ASK)
    assert [m.model for m in client.ps().models] == [MODEL]


def test_latest_tag_is_optional(client):
    assert client.embed(model="nomic-embed-text", input="hi").embeddings


def test_unknown_model_is_a_404(client):
    with pytest.raises(ollama.ResponseError) as err:
        client.chat(model="llama9:70b", messages=ASK)
    assert err.value.status_code == 404 and "not found" in err.value.error
    with pytest.raises(ollama.ResponseError) as err:
        list(client.chat(model="llama9:70b", messages=ASK, stream=True))
    assert err.value.status_code == 404
    with pytest.raises(ollama.ResponseError) as err:
        client.show("llama9:70b")
    assert err.value.status_code == 404 and err.value.error == "model 'llama9:70b' not found"


def test_embed_shapes_and_similarity(client, server):
    resp = client.embed(model="nomic-embed-text:latest", input=["the cat sat", "the cat sat down", "stock prices"])
    assert len(resp.embeddings) == 3 and all(len(v) == 64 for v in resp.embeddings)
    a, b, c = resp.embeddings
    assert abs(cosine(a, a) - 1) < 1e-9
    assert cosine(a, b) > cosine(a, c)
    assert len(client.embed(model=MODEL, input="one text").embeddings) == 1
    legacy = client.embeddings(model=MODEL, prompt="the cat sat").embedding
    assert list(legacy) == pytest.approx(hashed_embedding("the cat sat"))


def test_custom_embed_fn():
    with OllamaStandin(embed_fn=lambda text: [float(len(text)), 0.0, 1.0]) as s:
        assert ollama.Client(host=s.url).embed(model="qwen2.5:3b", input="abc").embeddings == [[3.0, 0.0, 1.0]]


def test_delay_beyond_client_timeout_times_out():
    with OllamaStandin(delay=2.0) as s:
        with pytest.raises(httpx.TimeoutException):
            ollama.Client(host=s.url, timeout=0.5).chat(model=MODEL, messages=ASK)


def test_nothing_listening_is_a_connection_error():
    with pytest.raises(ConnectionError):
        ollama.Client(host=refused_url()).chat(model=MODEL, messages=ASK)


def test_free_port_can_be_bound_and_refused_url_refuses():
    """free_port's promise is a port this process can listen on; refused_url's, one where a connect is refused."""
    port = free_port()
    with socket.create_server(("127.0.0.1", port)) as listener:
        assert listener.getsockname()[1] == port
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", int(refused_url().rsplit(":", 1)[1]))) == errno.ECONNREFUSED


def test_injected_errors_last_for_count_requests(server, client):
    server.set_error(status=500, body={"error": "out of memory"}, count=2)
    for _ in range(2):
        with pytest.raises(ollama.ResponseError) as err:
            client.chat(model=MODEL, messages=ASK)
        assert err.value.status_code == 500 and err.value.error == "out of memory"
    assert server.fail_next == 0
    assert client.chat(model=MODEL, messages=ASK).message.content == REPLY


def test_injected_error_can_be_limited_to_a_path(server, client):
    server.set_error(status=503, body={"error": "server busy"}, path="/api/embed")
    assert client.chat(model=MODEL, messages=ASK).message.content == REPLY
    with pytest.raises(ollama.ResponseError) as err:
        client.embed(model=MODEL, input="x")
    assert err.value.status_code == 503


def test_mid_stream_error(server, client):
    server.set_error(body={"error": "llama runner process has terminated"}, mid_stream=True)
    got = []
    with pytest.raises(ollama.ResponseError, match="runner process"):
        for part in client.chat(model=MODEL, messages=ASK, stream=True):
            got.append(part.message.content)
    assert got == ["The"]


def test_mid_stream_error_after_n_chunks(server, client):
    """mid_stream=3: the reply's first three word pieces arrive, then the error line."""
    server.set_error(body={"error": "out of memory"}, mid_stream=3)
    got = []
    with pytest.raises(ollama.ResponseError, match="out of memory"):
        for part in client.chat(model=MODEL, messages=ASK, stream=True):
            got.append(part.message.content)
    assert got == ["The", " capital", " of"]


def test_requests_are_recorded(server, client):
    client.list()
    client.chat(model=MODEL, messages=ASK, options={"temperature": 0})
    assert [(r["method"], r["path"]) for r in server.requests] == [("GET", "/api/tags"), ("POST", "/api/chat")]
    assert server.requests[1]["json"]["messages"] == ASK
