"""The HTTP server: /api (ask, search), OpenAI-compatible /v1, /healthz and the Gradio chat at /, in one process."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import sys
from typing import AsyncIterator, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.apps.http import SSE_HEADERS, ApiError, ThreadedBot, error_response, from_bot_error, sse, stream_error
from bot.apps.openai_api import openai_router
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


class SearchRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    query: str
    k: int | None = Field(None, ge=1, le=50, description="how many passages (default: retrieval.top_k)")


# the app ----------------------------------------------------------------------------------------------------
def _validation_message(exc: RequestValidationError) -> str:
    err = exc.errors()[0]
    if err.get("type") == "json_invalid":
        return f"the request body is not valid JSON ({err.get('ctx', {}).get('error', 'decode error')})"
    where = ".".join(str(p) for p in err.get("loc", ())[1:])
    if not where:
        return "the request body must be a JSON object (sent with Content-Type: application/json)"
    return f"{where}: {err.get('msg', 'invalid value')}"


def create_app(bot, ui: bool = True) -> FastAPI:
    """The FastAPI app: API routes first, then the Gradio chat mounted at / (it catches every other path)."""
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
    async def _http(_req, exc: StarletteHTTPException):
        kind = {401: "authentication_error", 404: "not_found_error"}.get(exc.status_code, "invalid_request_error")
        return error_response(ApiError(exc.status_code, str(exc.detail), kind))

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

    @api.post("/ask", summary="Answer a question with [n] citations (JSON, or server-sent events with stream)")
    async def ask(req: AskRequest):
        question = engine.check(req.question)
        history = [t.model_dump() for t in req.history]
        if not req.stream:
            answer, _ = await engine.answer(question, history)
            return answer.to_json(trace=req.trace)
        items = engine.stream(question, history)
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

    @api.post("/search", summary="Retrieval only, no LLM: the top passages for a query")
    def search(req: SearchRequest):
        query = engine.check(req.query, "query")
        return search_json(query, bot.search(query, req.k))

    @app.get("/healthz", tags=["status"], summary="Index size and LLM status (no API key needed)")
    def healthz():
        health = bot.health()
        return JSONResponse(health.to_json(), status_code=503 if health.status == "error" else 200)

    v1 = openai_router(engine, authorized)
    app.include_router(api)
    app.include_router(v1)
    methods: dict[str, set] = {}
    for route in (*api.routes, *v1.routes):
        methods.setdefault(route.path, set()).update(route.methods)

    @app.api_route("/api/{rest:path}", include_in_schema=False, methods=["GET", "POST", "PUT", "DELETE"])
    @app.api_route("/v1/{rest:path}", include_in_schema=False, methods=["GET", "POST", "PUT", "DELETE"])
    def unknown(request: Request):  # keeps unknown API paths from falling through to the UI mounted at /
        path = request.url.path
        allowed = sorted(methods.get(path, ()))
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}: use {', '.join(allowed)}")
        raise ApiError(404, f"no such endpoint: {request.method} {path} (see /docs)", "not_found_error")

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
    try:  # a clear error now rather than uvicorn's exit after start-up
        with socket.create_server((host, port)):
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
    app = create_app(bot)
    shown = f"[{host}]" if ":" in host else host
    print(f"serving on http://{shown}:{port}  (chat UI /, API docs /docs, OpenAI API /v1)", file=sys.stderr,
          flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    logging.getLogger("uvicorn.error").addFilter(_quiet_shutdown)
    uvicorn.Server(config).run()


def _quiet_shutdown(record: logging.LogRecord) -> bool:
    """On Ctrl-C, open browser tabs keep Gradio's event streams alive; their cancellation is not an error."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError) and "graceful shutdown exceeded" not in record.getMessage()
