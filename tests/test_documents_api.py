"""/api/documents and /api/collections, and picking a collection in /api/ask, /api/search and /v1 (bot/<name>)."""
from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from bot import Bot
from bot.apps.server import create_app
from tests.conftest import SEEDS, write_config

MOSCOW = "001_eddcc00bd52f2ed4.txt"  # Polish, Tokayev's 2019 visit to Putin
ASTANA = "003_f4cabc63b7e92935.txt"  # German, Aliyev's 2023 visit to Astana
NOTE = "Projektnotiz. Das Codewort des Projekts lautet Blaubeere. Es wurde im Mai 2024 gewählt."


@pytest.fixture(scope="module")
def client(tmp_path_factory, request):
    from tests.ollama_standin import OllamaStandin

    folder = tmp_path_factory.mktemp("docs_api")
    for name, seed in (("a", MOSCOW), ("b", ASTANA)):
        (folder / name).mkdir()
        shutil.copy(SEEDS / seed, folder / name / seed)
    with OllamaStandin(models=("gemma3:4b",), reply="Tokajew traf jemanden [1].") as standin:
        cfg = write_config(folder, corpus={"paths": [str(folder / "a")]}, llm={"host": standin.url},
                           server={"api_key": "k3y"}, **{"collections.news": {"paths": [str(folder / "b")]}})
        bot = Bot.from_config(cfg)
        bot.ingest()
        bot.for_collection("news").ingest()
        with TestClient(create_app(bot, ui=False), headers={"Authorization": "Bearer k3y"}) as c:
            yield c


def test_ask_search_and_v1_answer_from_the_collection_asked(client):
    """Each collection holds one seed, so every source must be that seed."""
    for collection, doc in ((None, MOSCOW), ("news", ASTANA)):
        extra = {"collection": collection} if collection else {}
        found = client.post("/api/search", json={"query": "Tokajew", **extra}).json()["results"]
        assert {r["doc_id"] for r in found} == {doc}
        answer = client.post("/api/ask", json={"question": "Wen traf Tokajew?", **extra}).json()
        assert {s["doc_id"] for s in answer["sources"]} == {doc}
        model = "bot/news" if collection else "bot"
        body = client.post("/v1/chat/completions", json={"model": model, "messages": [
            {"role": "user", "content": "Wen traf Tokajew?"}]}).json()
        assert body["model"] == model and {c["doc_id"] for c in body["choices"][0]["message"]["citations"]} == {doc}
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["bot", "bot/news"]
    r = client.post("/v1/chat/completions", json={"model": "bot/nope", "messages": [
        {"role": "user", "content": "Wer?"}]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = client.post("/api/search", json={"query": "Tokajew", "collection": "Nope!"})
    assert r.status_code == 400 and "cannot be used" in r.json()["error"]["message"]


def test_upload_list_ask_delete_through_the_api(client):
    files = [("file", ("notiz.txt", NOTE.encode(), "text/plain")), ("file", ("virus.exe", b"MZ", "x/y"))]
    r = client.post("/api/documents?collection=notes", files=files)
    assert r.status_code == 200, r.text
    assert [(x["file"], x["status"]) for x in r.json()["results"]] == [("notiz.txt", "indexed"),
                                                                       ("virus.exe", "refused")]
    listed = client.get("/api/documents", params={"collection": "notes"}).json()["documents"]
    assert [(d["doc_id"], d["uploaded"]) for d in listed] == [("notiz.txt", True)]
    hit = client.post("/api/search", json={"query": "Wie lautet das Codewort?", "collection": "notes", "k": 1})
    assert hit.json()["results"][0]["doc_id"] == "notiz.txt"
    assert "notes" in [c["name"] for c in client.get("/api/collections").json()["collections"]]
    # the corpus folder's file is the user's, not ours to delete
    r = client.delete(f"/api/documents/{MOSCOW}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"
    assert client.delete("/api/documents/notiz.txt?collection=notes").json()["deleted"] == "notiz.txt"
    assert client.delete("/api/documents/notiz.txt?collection=notes").status_code == 404
    assert client.get("/api/documents?collection=notes").json()["documents"] == []
    assert client.delete("/api/collections/notes").json() == {"deleted": "notes"}
    assert client.get("/api/documents?collection=notes").status_code == 404


def test_a_batch_says_where_each_upload_went_and_refuses_an_overlong_name_alone(client):
    """A name over the file system's 255 bytes failed the whole request with a 500 after the files before it
    were indexed (a new user's try). Now that file alone is refused with a reason naming the fix and no
    repeated name; a path-like name reports the id it is stored under; a second upload of a name says it
    replaced the first."""
    long = "m" * 300 + ".txt"
    files = [("file", ("../../evil.txt", NOTE.encode(), "text/plain")), ("file", (long, b"Tokajew.", "text/plain"))]
    r = client.post("/api/documents?collection=batch", files=files)
    assert r.status_code == 200, r.text
    ok, refused = r.json()["results"]
    assert ok == {"file": "../../evil.txt", "doc_id": "evil.txt", "status": "indexed", "reason": None}
    assert refused["status"] == "refused" and refused["doc_id"] is None
    assert refused["reason"] == "the file name is 304 bytes long, more than 255: rename the file and upload it again"
    again = client.post("/api/documents?collection=batch", files=[("file", ("evil.txt", b"Neu.", "text/plain"))])
    assert again.json()["results"][0]["status"] == "replaced"
    r = client.post("/api/documents?collection=batch", files=[("file", ("a.exe", b"MZ", "x/y"))])
    assert r.json()["error"]["message"].startswith("no file was indexed: a.exe: files of this type are not read;")
    assert client.delete("/api/collections/batch").json() == {"deleted": "batch"}


def test_uploads_that_are_refused_and_the_key(client):
    r = client.post("/api/documents", files=[("file", ("a.exe", b"MZ", "x/y"))])
    assert r.status_code == 400 and "not read" in r.json()["error"]["message"]
    r = client.post("/api/documents", files=[("file", ("n.txt", b"x", "text/plain"))],
                    headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert client.delete("/api/collections/bot").status_code == 400  # the one in use
