"""A local HTTP stand-in for Ollama's REST API, for tests.

Speaks the JSON shapes of Ollama's docs/api.md (and server/routes.go for the
error bodies): GET /, /api/version, /api/tags, /api/ps; POST /api/show,
/api/chat, /api/generate, /api/embed and the legacy /api/embeddings.
Chat and generate stream NDJSON (chunked, application/x-ndjson) unless the
request says "stream": false.  Every request is recorded in `requests`.

    with OllamaStandin(reply="Paris.") as server:
        client = ollama.Client(host=server.url)
"""
import hashlib
import json
import math
import re
import socket
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "0.12.0"
MODIFIED_AT = "2025-09-18T10:21:33.146893811+02:00"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused_url() -> str:
    """An http://127.0.0.1:PORT url where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def hashed_embedding(text: str, dim: int = 64) -> list:
    """Hashed bag of lowercase word tokens, L2-normalized (similar texts, similar vectors)."""
    vec = [0.0] * dim
    for token in re.findall(r"\w+", text.lower()):
        vec[int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big") % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def family(name: str) -> str:
    """qwen2.5:3b -> qwen2, llama3.2 -> llama3: used as details.family and the model_info prefix."""
    base = name.split(":")[0].split("/")[-1].lower()
    match = re.match(r"[a-z]+\d*", base)
    return match.group() if match else "llama"


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (its timeout fired) may reset the connection between keep-alive requests,
        # outside any handler: that is what the timeout tests do, not a stand-in failure worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class OllamaStandin:
    def __init__(self, models=("qwen2.5:3b",), reply="Hello from the Ollama stand-in.",
                 chunk_delay=0.0, delay=0.0, embed_fn=None, context_length=32768):
        self.models = list(models)
        self.reply = reply                  # str, or callable(request_json) -> str
        self.chunk_delay = chunk_delay      # seconds between streamed chunks
        self.delay = delay                  # seconds before answering chat/generate/embed
        self.embed_fn = embed_fn or hashed_embedding
        self.context_length = context_length
        self.requests = []                  # [{"method", "path", "json"}], in arrival order
        self.num_ctx = []                   # options.num_ctx of each chat/generate (None if unset)
        self.loaded = []                    # models used so far, shown by /api/ps
        self.fail_next = 0                  # injected errors still to serve (see set_error)
        self._error = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = self._thread = None
        self.url = ""

    # -- control ---------------------------------------------------------------
    def start(self) -> "OllamaStandin":
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._stopping.set()            # wakes handlers sleeping on delay / chunk_delay
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()

    def set_error(self, status=500, body=None, count=1, path=None, mid_stream=False):
        """Answer the next `count` /api requests (to `path` only, if given) with `status` and `body`.
        mid_stream=True (or a number n) on a streamed chat/generate: 200, one chunk (or n), then an
        {"error": ...} line, the way Ollama reports a failure after streaming has begun."""
        with self._lock:
            self._error = (status, body or {"error": "injected failure"}, path, mid_stream)
            self.fail_next = count

    def clear_error(self):
        with self._lock:
            self._error, self.fail_next = None, 0

    def bodies(self, path: str) -> list:
        """The JSON bodies sent to `path`, oldest first."""
        return [r["json"] for r in self.requests if r["path"] == path]

    # -- helpers used by the handler ----------------------------------------------
    def _take_error(self, path):
        with self._lock:
            if self.fail_next > 0 and self._error and self._error[2] in (None, path):
                self.fail_next -= 1
                return self._error
        return None

    def _resolve(self, name):
        """Ollama accepts "qwen2.5" for "qwen2.5:latest" and the reverse."""
        name = name or ""
        for candidate in (name, name + ":latest", name.removesuffix(":latest")):
            if candidate in self.models:
                return candidate
        return None

    def _model_entry(self, name):
        fam = family(name)
        return {"name": name, "model": name, "modified_at": MODIFIED_AT, "size": 1929912432,
                "digest": hashlib.sha256(name.encode()).hexdigest(),
                "details": {"parent_model": "", "format": "gguf", "family": fam, "families": [fam],
                            "parameter_size": "3.1B", "quantization_level": "Q4_K_M"}}

    def _show(self, name):
        fam, entry = family(name), self._model_entry(name)
        return {"license": "", "modelfile": f"# Modelfile generated by \"ollama show\"\nFROM {name}\n",
                "parameters": 'stop                           "<|im_end|>"',
                "template": "{{ .Prompt }}", "details": entry["details"],
                "model_info": {"general.architecture": fam, "general.parameter_count": 3085938688,
                               f"{fam}.context_length": self.context_length,
                               f"{fam}.embedding_length": 2048},
                "capabilities": ["embedding"] if "embed" in name else ["completion", "tools"],
                "modified_at": MODIFIED_AT}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"           # keep-alive; streams use chunked encoding, as Ollama's do
    standin: OllamaStandin

    def log_message(self, *args):           # keep test output quiet
        pass

    # -- plumbing ----------------------------------------------------------------
    def _send(self, status, body, content_type="application/json; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, objects):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, obj in enumerate(objects):
            if i:
                self.standin._stopping.wait(self.standin.chunk_delay)
            line = (json.dumps(obj) + "\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        self._route("GET", None)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = "invalid"
        self._route("POST", body)

    def _route(self, method, body):
        s, path = self.standin, self.path.split("?")[0]
        s.requests.append({"method": method, "path": path, "json": body})
        try:
            error = s._take_error(path) if path.startswith("/api/") else None
            streamed = (path in ("/api/chat", "/api/generate") and isinstance(body, dict)
                        and body.get("stream") is not False)
            if error and not (error[3] and streamed):
                return self._send(error[0], error[1])
            handler = getattr(self, f"{method.lower()}_{path.strip('/').replace('/', '_') or 'root'}", None)
            if handler is None:
                return self._send(404, "404 page not found", "text/plain")
            if method == "POST" and not isinstance(body, dict):
                msg = "missing request body" if body is None else "invalid character in request body"
                return self._send(400, {"error": msg})
            handler(body, error) if method == "POST" else handler()
        except (BrokenPipeError, ConnectionResetError):
            pass                            # the client gave up (e.g. its timeout fired)

    # -- GET -----------------------------------------------------------------------
    def get_root(self):
        self._send(200, "Ollama is running", "text/plain; charset=utf-8")

    def get_api_version(self):
        self._send(200, {"version": VERSION})

    def get_api_tags(self):
        self._send(200, {"models": [self.standin._model_entry(m) for m in self.standin.models]})

    def get_api_ps(self):
        expires = datetime.now(timezone.utc).isoformat()
        self._send(200, {"models": [dict(self.standin._model_entry(m), expires_at=expires, size_vram=1929912432,
                                         context_length=4096) for m in self.standin.loaded]})

    # -- POST ----------------------------------------------------------------------
    def _model_or_404(self, body, legacy=False, load=True):
        asked = body.get("model") or body.get("name") or ""
        if not asked:
            self._send(400, {"error": "model is required"})
            return None
        name = self.standin._resolve(asked)
        if name is None:                    # wording of Ollama >= 0.12; /api/embeddings keeps the old one
            msg = f'model "{asked}" not found, try pulling it first' if legacy else f"model '{asked}' not found"
            self._send(404, {"error": msg})
        elif load and name not in self.standin.loaded:
            self.standin.loaded.append(name)
        return name

    def post_api_show(self, body, _error):
        name = self._model_or_404(body, load=False)
        if name:
            self._send(200, self.standin._show(name))

    def post_api_chat(self, body, error):
        self._complete(body, error, chat=True)

    def post_api_generate(self, body, error):
        self._complete(body, error, chat=False)

    def _complete(self, body, error, chat):
        s, start = self.standin, time.monotonic_ns()
        s._stopping.wait(s.delay)
        if not self._model_or_404(body):
            return
        s.num_ctx.append((body.get("options") or {}).get("num_ctx"))
        model, key = body["model"], "message" if chat else "response"

        def piece(text):
            return {"role": "assistant", "content": text} if chat else text

        if (not body.get("messages")) if chat else (not body.get("prompt")):   # empty input loads the model
            return self._send(200, {"model": model, "created_at": now(), key: piece(""),
                                    "done_reason": "load", "done": True})
        text = s.reply(body) if callable(s.reply) else str(s.reply)
        pieces = re.findall(r"\s*\S+|\s+$", text)    # word-ish tokens: "The", " capital", ...
        prompt = json.dumps(body.get("messages")) if chat else body.get("prompt", "")
        total = time.monotonic_ns() - start + 1
        final = {"model": model, "created_at": now(), key: piece(""), "done_reason": "stop", "done": True,
                 **({} if chat else {"context": [1, 2, 3]}),
                 "total_duration": total, "load_duration": total // 10,
                 "prompt_eval_count": max(1, len(prompt.split())), "prompt_eval_duration": total // 5,
                 "eval_count": max(1, len(pieces)), "eval_duration": total // 2}
        if body.get("stream") is False:     # absent or null means stream, as in Ollama
            return self._send(200, dict(final, **{key: piece(text)}))
        chunks = [{"model": model, "created_at": now(), key: piece(p), "done": False} for p in pieces]
        if error:                           # mid-stream failure: what Ollama writes after a 200
            sent = 1 if error[3] is True else int(error[3])
            return self._stream(chunks[:sent] + [{"error": error[1].get("error", "injected failure")}])
        self._stream(chunks + [final])

    def post_api_embed(self, body, _error):
        s, start = self.standin, time.monotonic_ns()
        s._stopping.wait(s.delay)
        if not self._model_or_404(body):
            return
        inputs = body.get("input")
        inputs = ([inputs] if inputs else []) if isinstance(inputs, str) else list(inputs or [])
        if not all(isinstance(i, str) for i in inputs):
            return self._send(400, {"error": "invalid input type"})
        self._send(200, {"model": body["model"], "embeddings": [list(s.embed_fn(t)) for t in inputs],
                         "total_duration": time.monotonic_ns() - start + 1, "load_duration": 1000,
                         "prompt_eval_count": sum(len(t.split()) for t in inputs)})

    def post_api_embeddings(self, body, _error):
        s = self.standin
        s._stopping.wait(s.delay)
        if self._model_or_404(body, legacy=True):
            prompt = body.get("prompt") or ""
            self._send(200, {"embedding": list(s.embed_fn(prompt)) if prompt else []})
