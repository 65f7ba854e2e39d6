"""OpenAI-compatible /v1/models and /v1/chat/completions: the bot as a model that any OpenAI client can use."""
from __future__ import annotations

import time
import uuid

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from bot.answer.citations import citation_line
from bot.apps.http import SSE_HEADERS, ApiError, ThreadedBot, from_bot_error, sse, stream_error
from bot.errors import LLMUnavailable
from bot.types import Answer

MODEL_ID = "bot"
SOURCES_HEAD = "\n\nSources:\n"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, the config decides
    model: str = Field(MODEL_ID, description='any id is accepted; the answer names "bot"')
    messages: list[ChatMessage] = Field(min_length=1, description="the last user message is the question")
    stream: StrictBool = False
    stream_options: dict | None = None


def _text(content) -> str:
    """A message's text: a plain string, or the text parts of a list of content parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content or ""


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict]]:
    """(question, history): the last user message, and the user/assistant turns before it.

    System messages are dropped: the bot answers from its sources with its own prompt. A source list the
    server appended to an earlier answer is cut off again, so it does not leak into the next search.
    """
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "messages: the last user/assistant message must be the user's question")
    history = [{"role": r, "content": c.split(SOURCES_HEAD)[0]} for r, c in turns[:-1] if c.strip()]
    return turns[-1][1], history


def sources_text(answer: Answer) -> str:
    """The numbered list of the cited sources, appended to the answer text."""
    cited = {}
    for c in answer.citations:
        cited.setdefault(c.n, c)
    lines = [citation_line(c) for _, c in sorted(cited.items())]
    return SOURCES_HEAD + "\n".join(lines) if lines else ""


def _usage(answer: Answer, deltas: int) -> dict:
    prompt = answer.trace.prompt_tokens if answer.trace else 0
    return {"prompt_tokens": prompt, "completion_tokens": deltas, "total_tokens": prompt + deltas}


def openai_router(engine: ThreadedBot, authorized) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(authorized)])
    created = int(time.time())
    model = {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "bot"}

    @router.get("/models", summary="The one model: bot")
    def models():
        return {"object": "list", "data": [model]}

    @router.get("/models/{model_id}", summary="One model")
    def one_model(model_id: str):
        if model_id != MODEL_ID:
            raise ApiError(404, f"model {model_id!r} does not exist; this server has {MODEL_ID!r}",
                           "not_found_error", "model_not_found")
        return model

    @router.post("/chat/completions", summary="Chat completion: a cited answer to the last user message")
    async def chat(req: ChatRequest):
        question, history = split_messages(req.messages)
        question = engine.check(question, "messages[-1].content")
        cid, now = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        # fallback=False: the client asked for a model's answer, and passages are not one; the core raises
        # LLMUnavailable before anything is streamed, which the app answers as a 503
        if not req.stream:
            answer, deltas = await engine.answer(question, history, fallback=False)
            if answer.cut_short:
                raise from_bot_error(LLMUnavailable(answer.warning or "the answer was cut short"))
            message = {"role": "assistant", "content": answer.answer + sources_text(answer),
                       "citations": [c.to_json() for c in answer.citations]}
            return {"id": cid, "object": "chat.completion", "created": now, "model": MODEL_ID,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
                    "usage": _usage(answer, deltas)}

        items = engine.stream(question, history, fallback=False)
        # Wait for two items: errors before the first, and a stream cut short after one chunk, still get a
        # proper status code, since nothing has been sent yet.
        head = []
        async for item in items:
            head.append(item)
            if isinstance(item, Answer) or len(head) == 2:
                break
        if isinstance(head[-1], Answer) and head[-1].cut_short:
            await items.aclose()
            raise from_bot_error(LLMUnavailable(head[-1].warning or "the answer was cut short"))
        include_usage = bool((req.stream_options or {}).get("include_usage"))

        def chunk(delta: dict | None, finish: str | None = None, **extra) -> str:
            choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None,
                                                  "finish_reason": finish}]
            return sse({"id": cid, "object": "chat.completion.chunk", "created": now, "model": MODEL_ID,
                        "choices": choices, **extra})

        async def events():
            deltas = 0
            try:
                yield chunk({"role": "assistant", "content": ""})
                pending = list(head)
                while True:
                    item = pending.pop(0) if pending else await anext(items)
                    if not isinstance(item, Answer):
                        deltas += 1
                        yield chunk({"content": item})
                        continue
                    citations = [c.to_json() for c in item.citations]
                    yield chunk({"content": sources_text(item), "citations": citations}, "stop")
                    if include_usage:
                        yield chunk(None, usage=_usage(item, deltas))
                    if item.cut_short:  # after streaming began: too late for a status code
                        yield sse(stream_error(LLMUnavailable(item.warning or "the answer was cut short")))
                    break
            except Exception as exc:
                yield sse(stream_error(exc))
            finally:
                await items.aclose()
            yield sse("[DONE]")

        return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)

    return router
