"""The MCP server (official `mcp` SDK): tools `search` and `ask`, the indexed documents as resources; stdio or HTTP."""
from __future__ import annotations

import functools
from typing import Annotated, Any
from urllib.parse import quote, unquote

from pydantic import Field

from bot.errors import BotError

DOC_URI = "bot://documents/"
COLLECTION = Annotated[str | None, Field(description="the collection to answer from (default: the server's; the "
                                                     "collections are those `bot collections` lists)")]
INSTRUCTIONS = ("Answers questions from the user's own indexed documents, in the question's language. `ask` returns "
                "an answer whose [n] markers point to `citations` (document, date and the supporting sentence); "
                "`search` returns the passages only. Cite the documents when you use them.")


def passage_json(s) -> dict:
    """One retrieved passage as the `search` tool returns it (page: only for paged documents)."""
    return {"rank": s.rank, "doc_id": s.doc_id, "title": s.title, "page": getattr(s, "page", None),
            "date": s.date, "lang": s.lang, "score": round(float(s.score), 6), "chunk_id": s.chunk_id,
            "text": s.text}


def answer_json(answer) -> dict:
    """The `ask` tool's result: the answer, its citations and, where the Answer checks them, its claims."""
    full = answer.to_json()
    out = {k: full[k] for k in ("question", "answer", "citations", "mode", "warning", "model")}
    out["fallback"] = full.get("fallback")  # the bot's note beside a refusal or an unsupported answer
    claims = full.get("claims", getattr(answer, "claims", None))
    if claims is not None:
        out["claims"] = [c.to_json() if hasattr(c, "to_json") else c for c in claims]
    if getattr(answer, "cut_short", False):
        out["cut_short"] = True
    return out


def _tool_errors(fn):
    """The core's one-line errors become the tool's error result (isError), never a traceback."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BotError as exc:
            raise ToolError(str(exc)) from None
    return wrapper


def build_mcp(bot):
    """An MCPServer over `bot`. Its sync tools run in worker threads (the SDK's doing), one per call."""
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError
    from mcp_types import Resource

    class BotMCP(MCPServer):
        """Documents are listed from the index on each request, so a later `bot ingest` shows up at once."""

        async def list_resources(self) -> list[Resource]:
            import anyio.to_thread

            try:
                docs = await anyio.to_thread.run_sync(bot.documents)
            except BotError:  # an empty or unreadable index has no documents to list
                return []
            return [Resource(uri=DOC_URI + quote(d.doc_id, safe=""), name=d.doc_id, title=d.title,
                             description=", ".join(x for x in (d.date, d.lang, f"{d.chunks} chunks") if x),
                             mime_type="text/plain") for d in docs]

        async def read_resource(self, uri, context=None):
            import anyio.to_thread

            uri = str(uri)
            doc = None
            if uri.startswith(DOC_URI):
                try:
                    doc = await anyio.to_thread.run_sync(bot.document, unquote(uri[len(DOC_URI):]))
                except BotError:
                    doc = None
            if doc is None:
                raise ResourceNotFoundError(f"no such document: {uri} (list the resources to see the indexed ones)")
            return [ReadResourceContents(content=doc.text, mime_type="text/plain")]

    from importlib.metadata import version

    server = BotMCP(name="bot", title="bot: cited answers from your documents", version=version("bot"),
                    instructions=INSTRUCTIONS, log_level="WARNING")

    def pick(collection: str | None):
        """The Bot of a collection by name (as /api's "collection"); the server's own when none is named."""
        if collection and collection not in bot.collections():
            raise BotError(f"there is no collection {collection!r}: one of {', '.join(bot.collections())}")
        return bot.for_collection(collection or None)

    @server.tool(description="Retrieval only (no LLM unless retrieval.translate is on): the passages of the "
                             "indexed documents that best match the query, best first, each with its document, "
                             "title, page (if any) and date.")
    @_tool_errors
    def search(query: Annotated[str, Field(description="what to look for, in any language")],
               k: Annotated[int | None, Field(ge=1, le=50, description="how many passages (default: the "
                                                                     "config's retrieval.top_k)")] = None,
               collection: COLLECTION = None) -> dict[str, Any]:
        chosen = pick(collection)
        query = chosen.check_question(query)
        return {"query": query, "results": [passage_json(s) for s in chosen.search(query, k)]}

    @server.tool(description="Answer a question from the indexed documents, in the question's language. Each "
                             "claim carries [n] markers; citations[] resolves n to the document, date and the "
                             "supporting sentence. mode 'passages' means no LLM answered (warning says why).")
    @_tool_errors
    def ask(question: Annotated[str, Field(description="the question, in any language")],
            collection: COLLECTION = None) -> dict[str, Any]:
        return answer_json(pick(collection).ask(question))

    return server


class HttpTransport:
    """The streamable HTTP transport as an ASGI app for `bot serve`, behind the server's API key.

    Stateless, with JSON responses: each POST is answered on its own, so no session outlives a request.
    `lifespan` must wrap the app's lifespan (the SDK's task group runs there).
    """

    def __init__(self, bot, check, reject, host: str = "127.0.0.1"):
        self.check, self.reject = check, reject  # check(request) raises; reject(exc) is the error response
        server = build_mcp(bot)
        server.streamable_http_app(stateless_http=True, json_response=True, host=host)
        self.manager = server.session_manager
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        self.asgi = StreamableHTTPASGIApp(self.manager)

    async def __call__(self, scope, receive, send):
        from starlette.requests import Request

        try:
            self.check(Request(scope))
        except Exception as exc:  # a missing or wrong key: the bot's 401
            return await self.reject(exc)(scope, receive, send)
        await self.asgi(scope, receive, send)


def mount_http(app, bot, authorized, host: str) -> None:
    """Serve MCP at /mcp of `bot serve`'s app, behind its API key (the bot's 401 without it)."""
    from contextlib import asynccontextmanager

    from bot.apps.http import ApiError, error_response

    def reject(exc: Exception):
        if isinstance(exc, ApiError):
            return error_response(exc)
        raise exc

    transport = HttpTransport(bot, authorized, reject, host)
    app.router.add_route("/mcp", transport, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi_app):  # the SDK's task group lives as long as the server
        async with transport.manager.run(), inner(asgi_app) as state:
            yield state

    app.router.lifespan_context = lifespan


def run_stdio(bot) -> None:
    """Serve MCP over standard input and output until the client closes them."""
    build_mcp(bot).run("stdio")
