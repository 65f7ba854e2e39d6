"""HTTP plumbing shared by the /api and /v1 routes: the error shape, typed-error mapping, SSE, worker threads."""
from __future__ import annotations

import json
from typing import AsyncIterator

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bot.errors import BotError, LLMUnavailable, QuestionError
from bot.types import Answer

_END = object()
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream


class ApiError(Exception):
    """An error answered as {"error": {"message", "type", "code"}} with an HTTP status."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code = status, message, type_, code
        self.headers = dict(headers or {})  # e.g. Allow on a 405


def from_bot_error(exc: BotError, field: str = "question") -> ApiError:
    """The core's typed errors as statuses: a bad question is the client's (400), the rest the server's (503)."""
    if isinstance(exc, QuestionError):
        return ApiError(400, f"{field}: {exc}", code=exc.code)
    if isinstance(exc, LLMUnavailable):
        return ApiError(503, f"the LLM did not answer: {exc}", "llm_unavailable", "llm_unavailable")
    return ApiError(503, str(exc), "service_unavailable")


def error_body(message: str, type_: str, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "code": code}}


def error_response(exc: ApiError) -> JSONResponse:
    headers = dict(exc.headers)
    if exc.status == 503:  # not worth an automatic retry by OpenAI clients: the bot already retried the LLM
        headers["x-should-retry"] = "false"
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.status == 500:  # Starlette re-raises after a crash's answer and the server drops the connection:
        headers["Connection"] = "close"  # say so, or a pooled client's next request fails on it
    return JSONResponse(error_body(exc.message, exc.type, exc.code), status_code=exc.status, headers=headers)


def sse(data: dict | str, event: str | None = None) -> str:
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def stream_error(exc: BaseException) -> dict:
    """The error body for a failure after a stream's headers went out (too late for a status code)."""
    if isinstance(exc, BotError):
        err = from_bot_error(exc)
        return error_body(err.message, err.type, err.code)
    return error_body(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0], "server_error")


class ThreadedBot:
    """The Bot's blocking calls run in worker threads, so several clients are served (and streamed) at once."""

    def __init__(self, bot):
        self.bot = bot

    def check(self, question: str, field: str = "question") -> str:
        """The Bot's own check, as a 400 that names the field."""
        try:
            return self.bot.check_question(question)
        except QuestionError as exc:
            raise from_bot_error(exc, field) from None

    async def stream(self, question: str, history: list[dict], fallback: bool = True
                     ) -> AsyncIterator[str | Answer]:
        """bot.stream's items, each fetched in a worker thread; the final Answer is last."""
        items = self.bot.stream(question, history, fallback)  # llama.cpp: the Bot lets one generate at a time
        try:
            while (item := await run_in_threadpool(next, items, _END)) is not _END:
                yield item
        finally:
            try:
                items.close()  # releases the generation turn when a client goes away mid-answer
            except ValueError:  # still running in its worker thread (a cancelled await): it ends there
                pass

    async def answer(self, question: str, history: list[dict], fallback: bool = True) -> tuple[Answer, int]:
        """The whole Answer and how many text deltas made it."""
        deltas = 0
        async for item in self.stream(question, history, fallback):
            if isinstance(item, Answer):
                return item, deltas
            deltas += 1
        raise ApiError(500, "the answer stream ended without an answer", "server_error")


# the OpenAPI schema says what the server sends: 400s (not FastAPI's 422s) in the error shape, and the rest
ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type", "code"],
    "properties": {"message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": ["string", "null"]}}}}}
_WHY = {400: "invalid request (see README, Errors)", 401: "missing or wrong API key", 404: "no such item or collection",
        409: "not an uploaded document: delete the file in its folder and run `bot ingest`",
        500: "a bug: one line; the server's log has the traceback",
        503: "the index or the LLM is unavailable, or another process writes the index (code index_busy)"}


QUESTIONS = {"AskRequest": "question", "SearchRequest": "query"}  # checked by Bot.check_question


def _strings(prop: dict) -> list[dict]:
    """The string schemas in a property's schema (the property itself, or the string branch of an anyOf)."""
    return [p for p in prop.get("anyOf", [prop]) if p.get("type") == "string"]


def declare_errors(app, keyed: bool, max_chars: int, collection_pattern: str) -> None:
    """Replace app.openapi with one whose operations declare the error statuses the server really sends,
    whose questions say what Bot.check_question accepts (a non-blank text of at most `max_chars`) and whose
    collection names what the config accepts."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = make()
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        for model, field in QUESTIONS.items():
            if model in schema["components"]["schemas"]:
                prop = schema["components"]["schemas"][model]["properties"][field]
                prop.update(minLength=1, maxLength=max_chars, pattern=r"\S")
        named = [p for m in schema["components"]["schemas"].values() for k, p in m.get("properties", {}).items()
                 if k == "collection"]
        named += [p["schema"] for path, ops in schema.get("paths", {}).items() for op in ops.values()
                  for p in op.get("parameters", []) if p["name"] == "collection"
                  or (path.startswith("/api/collections/") and p["in"] == "path" and p["name"] == "name")]
        for prop in named:
            for string in _strings(prop):
                string["pattern"] = f"^(?:{collection_pattern})?$"  # "": the default one
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, ops in schema.get("paths", {}).items():
            api = path.startswith(("/api/", "/v1/"))
            for method, op in ops.items():
                statuses = {500}
                statuses |= {400} if "requestBody" in op or op.get("parameters") else set()
                statuses |= {401} if api and keyed else set()
                # /api: no such collection; /v1/chat/completions: no such model (collection)
                statuses |= {404} if "{" in path or path.startswith(("/api/", "/v1/chat/")) else set()
                statuses |= {409} if method == "delete" and path.startswith("/api/documents/") else set()
                statuses |= {503} if op.get("requestBody") or method == "delete" else set()  # index_busy
                op["responses"].pop("422", None)
                for status in sorted(statuses):
                    op["responses"][str(status)] = {"description": _WHY[status], "content": error}
        return schema

    app.openapi = openapi


def sse_response_doc(what: str) -> dict:
    """The `responses` entry of a route that answers with JSON, or with server-sent events when asked to stream."""
    event = {"type": "object", "required": ["data"], "description": "one event (OpenAPI 3.1: `schema` is per event)",
             "properties": {"event": {"type": "string"}, "data": {"type": "string", "description": "JSON"}}}
    return {200: {"description": f"{what} (JSON), or with stream: server-sent events",
                  "content": {"text/event-stream": {"schema": event}}}}


class NotFoundShape:
    """ASGI middleware: a 404 from the UI mounted at / (Gradio's {"detail": "Not Found"}) in the error shape, and
    a 405 with Allow for any other method on an API path (QUERY, TRACE: the routes list the usual ones only)."""

    def __init__(self, app, allowed: dict[str, set]):
        self.app, self.allowed = app, allowed  # path -> its methods

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        allowed = sorted(self.allowed.get(scope["path"], ()))
        if allowed and scope["method"] not in allowed:
            msg = f"{scope['method']} is not allowed on {scope['path']}: use {', '.join(allowed)}"
            return await error_response(ApiError(405, msg, headers={"Allow": ", ".join(allowed)}))(scope, receive, send)
        held: list[dict] = []

        async def relay(message):
            if message["type"] == "http.response.start" and message["status"] == 404:
                held.append(message)
                return
            if not held:
                return await send(message)
            held.append(message)
            if message.get("more_body"):
                return
            body = b"".join(m.get("body", b"") for m in held[1:])
            if body.replace(b" ", b"") != b'{"detail":"NotFound"}':
                for m in held:
                    await send(m)
                return
            msg = f"no such endpoint: {scope['method']} {scope['path']} (see /docs)"
            await error_response(ApiError(404, msg, "not_found_error"))(scope, receive, send)

        await self.app(scope, receive, relay)
