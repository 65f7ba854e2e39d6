"""The HTTP server: /api (ask, search), OpenAI-compatible /v1, /healthz and the Gradio chat at /, in one process."""
from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import sys
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.apps.http import (SSE_HEADERS, ApiError, NotFoundShape, ThreadedBot, declare_errors, error_response,
                           from_bot_error, sse, sse_response_doc, stream_error)
from bot.apps.documents_api import documents_router, pick
from bot.apps.openai_api import openai_router
from bot.config import _COLLECTION_NAME as COLLECTION_NAME  # what for_collection accepts
from bot.errors import BotError
from bot.types import Answer, search_json

# request bodies ---------------------------------------------------------------------------------------------
class Turn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    question: str = Field(description="the question, in any language")
    history: list[Turn] = Field(default_factory=list, description="earlier turns, oldest first")
    stream: bool = Field(False, description="answer as server-sent events: delta..., then answer")
    trace: bool = Field(False, description="add the trace (rewritten question, prompt) to the Answer")
    collection: str | None = Field(None, description="the collection to ask (default: store.collection)")


# JSON Schema's integer includes 36.0, which strict pydantic refuses; "5" and 5.5 stay refused
Count = Annotated[int, Field(ge=1, le=50),
                  BeforeValidator(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)]


class SearchRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    query: str
    k: Count | None = Field(None, description="how many passages, 1-50 (default: retrieval.top_k)")
    collection: str | None = Field(None, description="the collection to search (default: store.collection)")


# the app ----------------------------------------------------------------------------------------------------
def _validation_message(exc: RequestValidationError) -> str:
    err = max(exc.errors(), key=lambda e: len(e.get("loc", ())))  # in a union: the branch that got furthest
    if err.get("type") == "json_invalid":
        return f"the request body is not valid JSON ({err.get('ctx', {}).get('error', 'decode error')})"
    # without pydantic's union branch tags, e.g. messages.0.content.list[ContentPart].0.text
    where = ".".join(str(p) for p in err.get("loc", ())[1:] if not (isinstance(p, str) and "[" in p or p == "str"))
    if not where:
        return "the request body must be a JSON object (sent with Content-Type: application/json)"
    return f"{where}: {err.get('msg', 'invalid value')}"


def create_app(bot, ui: bool = True, host: str | None = None) -> FastAPI:
    """The FastAPI app: API routes and /mcp first, then the Gradio chat mounted at / (it catches every other path).

    `host` is where it will listen: the MCP transport refuses other Host headers when that is localhost.
    """
    from importlib.metadata import version

    from bot import __doc__ as summary

    engine = ThreadedBot(bot)
    api_key = bot.settings.server.api_key
    app = FastAPI(title="bot", summary=summary, version=version("bot"),
                  description="Cited answers over your documents. Errors: `{\"error\": {\"message\", \"type\", "
                              "\"code\"}}`. See README, HTTP server.")

    @app.exception_handler(ApiError)
    async def _api_error(_req, exc: ApiError):
        return error_response(exc)

    @app.exception_handler(BotError)
    async def _bot_error(_req, exc: BotError):  # the core's typed errors; the fix is in the message
        return error_response(from_bot_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req, exc: RequestValidationError):
        return error_response(ApiError(400, _validation_message(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException):
        kind = {401: "authentication_error", 404: "not_found_error"}.get(exc.status_code, "invalid_request_error")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {req.method} {req.url.path} (see /docs)"
        return error_response(ApiError(exc.status_code, message, kind, headers=exc.headers))

    @app.exception_handler(Exception)
    async def _crash(_req, exc: Exception):
        first = str(exc).splitlines()[0] if str(exc) else ""
        return error_response(ApiError(500, f"unexpected {type(exc).__name__}: {first}", "server_error"))

    def authorized(request: Request) -> None:
        if not api_key:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), api_key.encode()):
            raise ApiError(401, "missing or wrong API key: send the header `Authorization: Bearer <server.api_key>`",
                           "authentication_error", "invalid_api_key")

    api = APIRouter(prefix="/api", tags=["bot"], dependencies=[Depends(authorized)])

    @api.post("/ask", summary="Answer a question with [n] citations (JSON, or server-sent events with stream)",
              responses=sse_response_doc("the Answer"))
    async def ask(req: AskRequest):
        question = engine.check(req.question)
        history = [t.model_dump() for t in req.history]
        on = ThreadedBot(pick(bot, req.collection))
        if not req.stream:
            answer, _ = await on.answer(question, history)
            return answer.to_json(trace=req.trace)
        items = on.stream(question, history)
        first = await anext(items)  # errors before the first item still get a proper status code

        async def events():
            try:
                item = first
                while True:
                    if isinstance(item, Answer):
                        yield sse(item.to_json(trace=req.trace), "answer")
                        return
                    yield sse({"text": item}, "delta")
                    item = await anext(items)
            except Exception as exc:  # after the headers went out: say it in the stream
                yield sse(stream_error(exc), "error")
            finally:
                await items.aclose()

        return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)

    @api.post("/search", summary="Retrieval only (no LLM unless retrieval.translate is on): the top passages "
                                 "for a query")
    def search(req: SearchRequest):
        query = engine.check(req.query, "query")
        return search_json(query, pick(bot, req.collection).search(query, req.k))

    @app.get("/healthz", tags=["status"], summary="Index size and LLM status (no API key needed)",
             responses={503: {"description": 'the index cannot be read: the same body, "status": "error"',
                              "content": {"application/json": {"schema": {"type": "object"}}}}})
    def healthz():
        health = bot.health()
        return JSONResponse(health.to_json(), status_code=503 if health.status == "error" else 200)

    v1 = openai_router(engine, authorized)
    docs = documents_router(bot, authorized)
    app.include_router(api)
    app.include_router(docs)
    app.include_router(v1)
    methods: dict[str, set] = {}
    for route in (*api.routes, *docs.routes, *v1.routes):
        methods.setdefault(route.path, set()).update(route.methods)

    methods["/healthz"] = {"GET"}
    every = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]

    @app.api_route("/api/{rest:path}", include_in_schema=False, methods=every)
    @app.api_route("/v1/{rest:path}", include_in_schema=False, methods=every)
    @app.api_route("/healthz", include_in_schema=False, methods=[*every[1:], "HEAD"])
    def unknown(request: Request):  # keeps unknown API paths from falling through to the UI mounted at /
        path = request.url.path
        allowed = sorted(methods.get(path, ()))
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}: use {', '.join(allowed)}",
                           headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, f"no such endpoint: {request.method} {path} (see /docs)", "not_found_error")

    from bot.apps.mcp_server import mount_http

    mount_http(app, bot, authorized, host or bot.settings.server.host)
    declare_errors(app, keyed=bool(api_key), max_chars=bot.settings.retrieval.max_question_chars,
                   collection_pattern=COLLECTION_NAME.pattern)
    app.add_middleware(NotFoundShape, allowed=methods)

    if ui:
        import gradio as gr

        from bot.apps.ui import build_ui, ui_assets

        def auth(_user: str, password: str) -> bool:  # any user name; the password is the API key
            return secrets.compare_digest(str(password).encode(), api_key.encode())

        gr.mount_gradio_app(app, build_ui(bot), path="/", auth=auth if api_key else None,
                            auth_message="Password: the server's API key (server.api_key)" if api_key else None,
                            **ui_assets())
    return app


def serve(bot, host: str | None = None, port: int | None = None) -> None:
    """Serve the app with uvicorn until interrupted (defaults: server.host, server.port)."""
    import uvicorn

    cfg = bot.settings.server
    host, port = host or cfg.host, port or cfg.port
    host = host.strip("[]")  # an IPv6 address as in a URL
    try:  # a clear error now rather than uvicorn's exit after start-up
        with socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET):
            pass
    except OSError as exc:
        raise BotError(f"cannot listen on {host}:{port} ({exc.strerror}): pass another --port or stop what "
                       "uses it") from None
    if host not in ("127.0.0.1", "localhost", "::1") and not cfg.api_key:
        print(f"warning: serving on {host} without an API key; anyone who can reach it can use it "
              "(set server.api_key or BOT_SERVER__API_KEY)", file=sys.stderr)
    try:  # load the embedder and open the index now, not on the first request
        bot.stats()
    except BotError as exc:
        print(f"warning: {exc}", file=sys.stderr)
    app = create_app(bot, host=host)
    shown = f"[{host}]" if ":" in host else host
    print(f"serving on http://{shown}:{port}  (chat UI /, API docs /docs, OpenAI API /v1, MCP /mcp)",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    logging.getLogger("uvicorn.error").addFilter(_quiet_shutdown)
    uvicorn.Server(config).run()


def _quiet_shutdown(record: logging.LogRecord) -> bool:
    """On Ctrl-C, open browser tabs keep Gradio's event streams alive; their cancellation is not an error."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError) and "graceful shutdown exceeded" not in record.getMessage()
