"""OLLAMA_HOST in every form the README lists (host, host:port, URL), read as Ollama's own client reads it, and
the retry rule of llm.max_retries: timeouts are retried, refused connections are not."""
import sys

import pytest
from ollama._client import _parse_host  # the reference: how the official Python client reads OLLAMA_HOST

from bot import Bot, BotError, load_settings
from tests.conftest import write_config
from tests.ollama_standin import OllamaStandin, free_port

FORMS = ["localhost", "example.com", "1.2.3.4", "example.com:56789", ":56789", "http://example.com",
         "https://example.com", "http://1.2.3.4:56789", "https://example.com:56789/path/", "example.com/",
         "[::1]", "[0001:002:003:0004::1]:56789", "http://[::1]"]


@pytest.mark.parametrize("form", FORMS)
def test_ollama_host_forms_read_as_the_ollama_client_reads_them(tmp_path, monkeypatch, form):
    monkeypatch.setenv("OLLAMA_HOST", form)
    assert load_settings(write_config(tmp_path)).llm.host == _parse_host(form)


@pytest.mark.parametrize("form,host", [("0.0.0.0", "http://127.0.0.1:11434"),
                                       ("0.0.0.0:5000", "http://127.0.0.1:5000"),
                                       (" 127.0.0.1:5000 ", "http://127.0.0.1:5000")])
def test_ollama_host_of_a_server_means_this_machine(tmp_path, monkeypatch, form, host):
    """0.0.0.0 is what an Ollama server listens on; a client calls this machine instead."""
    monkeypatch.setenv("OLLAMA_HOST", form)
    assert load_settings(write_config(tmp_path)).llm.host == host


def test_ollama_host_with_a_bad_port_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "localhost:eleven")
    with pytest.raises(BotError, match="OLLAMA_HOST='localhost:eleven' has no valid port") as err:
        load_settings(write_config(tmp_path))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("form", ["127.0.0.1:{port}", "http://127.0.0.1:{port}", "http://localhost:{port}/"])
def test_each_form_reaches_the_server_it_names(seeded_config, monkeypatch, form):
    """The config points at nothing (a free port); OLLAMA_HOST, in each form, at the stand-in, which answers."""
    with OllamaStandin(models=("gemma3:4b",), reply="Tokajew traf Putin [1].") as server:
        port = server.url.rsplit(":", 1)[1]
        monkeypatch.setenv("OLLAMA_HOST", form.format(port=port))
        bot = Bot.from_config(seeded_config(llm={"host": f"http://127.0.0.1:{free_port()}"}))
        ok, line = bot.llm_status()
        answer = bot.ask("Wen traf Tokajew?")
        assert ok and line.endswith(f":{port} serves gemma3:4b"), line
        assert answer.mode == "generated" and answer.answer == "Tokajew traf Putin [1]."
        assert [r["path"] for r in server.requests].count("/api/chat") == 1


class ConnectCounter:
    """Counts this process's TCP connection attempts to one port, through Python's audit events (PEP 578):
    every socket.connect raises one, whoever calls it, so nothing in the bot is replaced."""

    port: int | None = None
    count = 0

    @classmethod
    def hook(cls, event, args):
        if event == "socket.connect" and cls.port is not None and isinstance(args[1], tuple) \
                and args[1][1] == cls.port:
            cls.count += 1


sys.addaudithook(ConnectCounter.hook)  # audit hooks cannot be removed; this one is idle unless `port` is set


def test_a_refused_connection_is_not_retried(seeded_config):
    """llm.max_retries = 3 allows four attempts, for timeouts; nothing listens at the port, so one connect
    attempt is made and the answer falls back to passages at once."""
    port = free_port()
    bot = Bot.from_config(seeded_config(llm={"host": f"http://127.0.0.1:{port}", "max_retries": 3}))
    ConnectCounter.port, ConnectCounter.count = port, 0
    try:
        answer = bot.ask("Wen traf Tokajew?")
    finally:
        ConnectCounter.port = None
    assert answer.mode == "passages" and "not reachable" in answer.warning
    assert ConnectCounter.count == 1


def test_a_timeout_is_retried_max_retries_times(seeded_config):
    """The stand-in waits 2 s before answering, the bot 0.3 s: with max_retries = 2 it asks three times, then
    falls back to passages and says the LLM did not answer in time."""
    with OllamaStandin(models=("gemma3:4b",), delay=2.0) as server:
        bot = Bot.from_config(seeded_config(llm={"host": server.url, "max_retries": 2, "request_timeout": 0.3}))
        answer = bot.ask("Wen traf Tokajew?")
        chats = [r for r in server.requests if r["path"] == "/api/chat"]
    assert answer.mode == "passages" and "did not answer within 0.3s" in answer.warning
    assert len(chats) == 3
