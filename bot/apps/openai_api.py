"""OpenAI-compatible /v1/models and /v1/chat/completions: the bot as a model that any OpenAI client can use."""
from __future__ import annotations

import time
import uuid

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from bot.answer.citations import citation_line
from bot.apps.http import SSE_HEADERS, ApiError, ThreadedBot, from_bot_error, sse, sse_response_doc, stream_error
from bot.errors import LLMUnavailable
from bot.types import Answer

MODEL_ID = "bot"
SOURCES_HEAD = "\n\nSources:\n"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")  # image and other parts are accepted, and ignored
    type: str
    text: StrictStr | None = None

    @model_validator(mode="after")
    def _text_is_text(self):
        if self.type == "text" and self.text is None:
            raise ValueError("a text part needs its `text` as a string")
        return self


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, the config decides
    model: str = Field(MODEL_ID, description='"bot/NAME" asks collection NAME; any other id the default one')
    messages: list[ChatMessage] = Field(min_length=1, description="the last user message is the question")
    stream: StrictBool = False
    stream_options: dict | None = None


def _text(content) -> str:
    """A message's text: a plain string, or the text parts of a list of content parts."""
    if isinstance(content, list):
        return "".join(p.text for p in content if p.type == "text")
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
    """The numbered list of the cited sources, appended to the answer text, then the bot's fallback note (after
    the list, so a client sending the message back as history leaves it out with the list)."""
    cited = {}
    for c in answer.listed_citations():  # the answer's, then the sources only its fallback note quotes
        cited.setdefault(c.n, c)
    lines = [citation_line(c) for _, c in sorted(cited.items())]
    note = f"\n\n{answer.fallback.text}" if answer.fallback else ""
    return (SOURCES_HEAD + "\n".join(lines) if lines else "") + note


def _checked(answer: Answer) -> dict:
    """What an OpenAI message or the stream's last chunk carries beside the text: citations, claims, warning."""
    return {"citations": [c.to_json() for c in answer.citations], "claims": [c.to_json() for c in answer.claims],
            "warning": answer.warning}


def _usage(answer: Answer, deltas: int) -> dict:
    prompt = answer.trace.prompt_tokens if answer.trace else 0
    return {"prompt_tokens": prompt, "completion_tokens": deltas, "total_tokens": prompt + deltas}


def openai_router(engine: ThreadedBot, authorized) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(authorized)])
    created = int(time.time())
    bot = engine.bot

    def model_ids() -> list[str]:
        """"bot" is the default collection; "bot/NAME" each collection by name."""
        return [MODEL_ID, *(f"{MODEL_ID}/{name}" for name in bot.collections() if name != bot.collection)]

    def model(model_id: str) -> dict:
        return {"id": model_id, "object": "model", "created": created, "owned_by": "bot"}

    def on(model_id: str) -> tuple[ThreadedBot, str]:
        """The engine and the model id to answer with: "bot/NAME" picks a collection, any other id the default."""
        if not model_id.startswith(f"{MODEL_ID}/"):
            return engine, MODEL_ID
        name = model_id.split("/", 1)[1]
        if name == bot.collection:
            return engine, model_id
        if model_id not in model_ids():
            raise ApiError(404, f"model {model_id!r} does not exist: GET /v1/models lists them (bot/<collection>)",
                           "not_found_error", "model_not_found")
        return ThreadedBot(bot.for_collection(name)), model_id

    @router.get("/models", summary="The models: bot (the default collection) and bot/<name> per collection")
    def models():
        return {"object": "list", "data": [model(m) for m in model_ids()]}

    @router.get("/models/{model_id:path}", summary="One model")
    def one_model(model_id: str):
        if model_id not in model_ids():
            raise ApiError(404, f"model {model_id!r} does not exist: GET /v1/models lists them",
                           "not_found_error", "model_not_found")
        return model(model_id)

    @router.post("/chat/completions", summary="Chat completion: a cited answer to the last user message",
                 responses=sse_response_doc("a chat.completion"))
    async def chat(req: ChatRequest):
        question, history = split_messages(req.messages)
        question = engine.check(question, "messages[-1].content")
        chosen, model_id = on(req.model)
        cid, now = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        # fallback=False: the client asked for a model's answer, and passages are not one; the core raises
        # LLMUnavailable before anything is streamed, which the app answers as a 503
        if not req.stream:
            answer, deltas = await chosen.answer(question, history, fallback=False)
            if answer.cut_short:
                raise from_bot_error(LLMUnavailable(answer.warning or "the answer was cut short"))
            message = {"role": "assistant", "content": answer.answer + sources_text(answer), **_checked(answer)}
            return {"id": cid, "object": "chat.completion", "created": now, "model": model_id,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
                    "usage": _usage(answer, deltas)}

        items = chosen.stream(question, history, fallback=False)
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
            return sse({"id": cid, "object": "chat.completion.chunk", "created": now, "model": model_id,
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
                    yield chunk({"content": sources_text(item), **_checked(item)}, "stop")
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
