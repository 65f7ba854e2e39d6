"""`bot mcp` and `bot serve`'s /mcp, driven by the official MCP Python client: tools, citations, resources, the key."""
from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.conftest import ROOT, SEEDS, config_over_seeds
from tests.ollama_standin import OllamaStandin, free_port
from tests.procs import running

KEY = "mcp-s3cret"
REPLY = "Tokajew traf Putin in Moskau [1]. Das Treffen war kurz [9]."  # [9]: no such source, never shown


@pytest.fixture(scope="module")
def standin():
    with OllamaStandin(models=("gemma3:4b",), reply=REPLY) as server:
        yield server


@pytest.fixture(scope="module")
def config(standin, seeded_store, tmp_path_factory):
    return config_over_seeds(seeded_store, tmp_path_factory, "mcp", llm={"host": standin.url, "max_retries": 0})


def env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "BOT_SERVER__API_KEY", "BOT_CONFIG")}


async def session(client: Client) -> dict:
    """What a client sees: tool names, a search, an answer, a bad call, the resources and one read."""
    tools = await client.list_tools()
    found = await client.call_tool("search", {"query": "Wen traf Tokajew in Moskau?", "k": 3})
    asked = await client.call_tool("ask", {"question": "Wen traf Tokajew in Moskau?"})
    empty = await client.call_tool("ask", {"question": "   "})
    named = await client.call_tool("search", {"query": "Tokajew", "k": 1, "collection": "bot"})
    nope = await client.call_tool("ask", {"question": "Wen traf Tokajew?", "collection": "nope"})
    resources = (await client.list_resources()).resources
    first = await client.read_resource(resources[0].uri)
    return {"tools": {t.name for t in tools.tools}, "search": found, "ask": asked, "empty": empty,
            "named": named, "nope": nope, "resources": resources, "first": first.contents[0].text}


def check(seen: dict) -> None:
    assert seen["tools"] == {"search", "ask"}
    assert not seen["search"].is_error
    results = seen["search"].structured_content["results"]
    assert [r["rank"] for r in results] == [1, 2, 3]
    assert {"doc_id", "title", "page", "date", "text"} <= set(results[0])
    assert {r["doc_id"] for r in results} <= {p.name for p in SEEDS.iterdir()}

    answer = seen["ask"].structured_content
    assert not seen["ask"].is_error and answer["mode"] == "generated"
    assert answer["answer"] == "Tokajew traf Putin in Moskau [1]. Das Treffen war kurz."
    [citation] = answer["citations"]
    assert citation["n"] == 1 and citation["doc_id"] in {p.name for p in SEEDS.iterdir()}
    assert citation["quote"]  # the supporting sentence of the cited passage

    assert seen["empty"].is_error and "question is empty" in seen["empty"].content[0].text
    # a collection by name, as /api's "collection" (it was ignored, answering from the default one)
    assert not seen["named"].is_error and len(seen["named"].structured_content["results"]) == 1
    assert seen["nope"].is_error and seen["nope"].content[0].text.endswith("there is no collection 'nope': one of bot")
    assert sorted(r.name for r in seen["resources"]) == sorted(p.name for p in SEEDS.iterdir())
    assert str(seen["resources"][0].uri).startswith("bot://documents/")
    assert len(seen["first"]) > 500  # the cleaned text of a seed article


def test_stdio_client_lists_tools_searches_and_gets_cited_answers(config):
    params = StdioServerParameters(command=sys.executable, args=["-m", "bot.apps.cli", "mcp", "--config", str(config)],
                                   cwd=str(ROOT), env=env())

    async def run():
        async with Client(params) as client:
            return await session(client)

    check(asyncio.run(asyncio.wait_for(run(), 300)))


@pytest.fixture(scope="module")
def served(config, tmp_path_factory):
    """`bot serve` with an API key; yields its base url."""
    port, log = free_port(), tmp_path_factory.mktemp("served") / "serve.log"
    cmd = [sys.executable, "-m", "bot.apps.cli", "serve", "--config", str(config), "--port", str(port), "--no-ingest"]
    url = f"http://127.0.0.1:{port}"
    with running(cmd, f"{url}/healthz", log, timeout=300, cwd=ROOT,
                 env={**env(), "BOT_SERVER__API_KEY": KEY, "PYTHONUNBUFFERED": "1"}):
        yield url


def test_http_client_with_the_key_gets_the_same_tools_and_citations(served):
    async def run():
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {KEY}"})
        async with http, Client(streamable_http_client(f"{served}/mcp", http_client=http)) as client:
            return await session(client)

    check(asyncio.run(asyncio.wait_for(run(), 300)))


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_http_without_the_key_is_401_in_the_error_shape(served, headers):
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    r = httpx.post(f"{served}/mcp", json=call, headers={"Accept": "application/json, text/event-stream", **headers})
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "invalid_api_key" and r.headers["www-authenticate"] == "Bearer"
