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

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code = status, message, type_, code


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
    # 503s are not worth an automatic retry by OpenAI clients: the bot already retried the LLM itself
    headers = {"x-should-retry": "false"} if exc.status == 503 else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
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
