"""The `bot` command line: a thin front end over Bot; every subcommand's help comes from its docstring."""
from __future__ import annotations

import json
import os
import sys
import textwrap
from typing import Callable

from bot.apps.cli_args import build_parser
from bot.errors import BotError, IndexBusy

COMMANDS: dict[str, Callable] = {}


def command(fn: Callable) -> Callable:
    COMMANDS[fn.__name__.removeprefix("cmd_")] = fn
    return fn


def _bot(args):
    from bot.core import Bot

    return Bot.from_config(args.config).for_collection(args.collection)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


@command
def cmd_ingest(args) -> int:
    """Index the corpus folders from the config (or the given files/folders) into Chroma.

    Incremental: unchanged files are skipped, changed ones re-embedded, deleted ones removed.
    """
    summary = _bot(args).ingest(args.paths or None, rebuild=args.rebuild, progress=not args.quiet,
                                verbose=args.verbose)
    if args.json:
        _print_json(summary.__dict__)
    else:
        for line in [f"skipped {s}" for s in summary.skipped] + [f"warning: {w}" for w in summary.warnings]:
            print(line, file=sys.stderr)
        print(summary.line())
    return 0


@command
def cmd_search(args) -> int:
    """Retrieval only (no LLM unless retrieval.translate is on): the top passages for a question.

    With --json and no question, reads one question per line from standard input and prints one JSON
    object per line, loading the models once.
    """
    from bot.types import search_json

    bot = _bot(args)
    if args.question is None:
        if not args.json:
            raise BotError("no question given: pass one, or use --json to read questions from standard input")
        sys.stdin.reconfigure(errors="replace")  # a line of bad bytes is a question like any other
        for line in sys.stdin:
            q = line.rstrip("\n")
            if not q.strip():
                continue
            try:
                q = bot.check_question(q)
                _print_json(search_json(q, bot.search(q, args.k)))
            except BotError as exc:  # one bad line must not end a batch of hundreds
                _print_json({"query": q, "results": [], "error": str(exc)})
        return 0
    question = bot.check_question(args.question)  # bytes argv could not decode become U+FFFD
    results = bot.search(question, args.k)
    if args.json:
        _print_json(search_json(question, results))
        return 0
    for r in results:
        meta = ", ".join(x for x in (r.doc_id, f"p. {r.page}" if r.page is not None else "", r.date, r.lang) if x)
        print(f"{r.rank}. [{r.score:.4f}] {r.title or r.doc_id} ({meta})")
        print(textwrap.indent(textwrap.fill(" ".join(r.text.split()), 100), "   "))
    return 0


@command
def cmd_ask(args) -> int:
    """Answer a question in its own language, with [n] citations and the cited sources.

    Without a reachable LLM it answers with the best passages and a warning saying how to fix that.
    Exits 1 when the LLM failed in the middle of the answer (the warning says why).
    """
    from bot.answer.citations import citation_line
    from bot.types import Answer

    bot = _bot(args)
    if args.json:
        answer = bot.ask(args.question)
        _print_json(answer.to_json(trace=args.trace))
        return 1 if answer.cut_short else 0
    answer = None
    for item in bot.stream(args.question):
        if isinstance(item, Answer):
            answer = item
        elif sys.stdout.isatty():
            print(item, end="", flush=True)
    print(answer.answer if not sys.stdout.isatty() else "")  # a terminal has seen the text: end its line
    if answer.fallback:
        print(f"\n{answer.fallback.text}")
    if answer.warning:
        print(f"warning: {answer.warning}", file=sys.stderr)
    _print_unsupported(answer.claims)
    if answer.listed_citations():
        print("\nSources:")
        for c in answer.listed_citations():
            print(citation_line(c))
            print(textwrap.indent(textwrap.fill(f"“{c.quote}”", 100), "    "))
    return 1 if answer.cut_short else 0


def _print_unsupported(claims) -> None:
    """Mark the claims the cited sources do not support, each with the checker's reason, and those citing nothing."""
    from bot.answer.claims import all_unsupported, uncited_beside_cited

    bad = [c for c in claims if c.supported is False]
    lines = [f"✗ {c.text} ({c.reason}" + (f"; [{c.recite['n']}] says it)" if c.recite else ")") for c in bad]
    hints = [f"→ {c.text} (cites nothing; [{c.recite['n']}] says it)" for c in claims if c.supported is None
             and c.recite] + [f"? {c.text} (cites nothing)" for c in uncited_beside_cited(claims)]
    for heading, group in (("Not supported by the cited sources:" if not all_unsupported(claims) else
                            "None of this answer's claims is supported by the sources it cites:", lines),
                           ("Not checked, or said by a source the answer does not cite:", hints)):
        if group:
            print(f"\n{heading}")
        for line in dict.fromkeys(group):  # a model that repeats itself gets each line once
            print(textwrap.indent(textwrap.fill(line, 100, subsequent_indent="  "), "  "))


@command
def cmd_doctor(args) -> int:
    """Check the config, the index and the LLM, and print the command that fixes each problem."""
    from bot.config import load_settings
    from bot.core import Bot

    problems = 0

    def report(ok: bool, line: str) -> None:
        nonlocal problems
        problems += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {line}")

    try:
        settings = load_settings(args.config)
        about = f"(embedder {settings.embedding.provider}, LLM {Bot(settings).model_name})"
        gone = [str(p) for p in settings.corpus_paths if not p.exists()] if not settings.config_file else []
        why = f", but their corpus {gone[0]} does not exist: run from the bot's folder or pass --config" if gone else ""
        report(not gone, f"config: {settings.config_file}  {about}" if settings.config_file else
               f"config: no config.toml in {settings.root}: using the built-in defaults {about}{why}")
    except BotError as exc:
        report(False, f"config: {exc}")
        return 1
    h = Bot(settings).for_collection(args.collection).health()
    where = settings.store.url or str(settings.store_path)
    if h.index is None:
        report(False, f"index: {h.index_error}")
    elif h.index["documents"]:
        report(True, f"index at {where}: {h.index['documents']} documents, {h.index['chunks']} chunks, "
                     f"embedder {h.index['embedder']}")
    else:
        report(False, f"index at {where} is empty: run `bot ingest`")
    report(h.llm_ok, f"LLM: {h.llm_status}")
    print("all good" if not problems else f"{problems} problem(s); `bot ask` still answers with passages")
    return 0 if not problems else 1


@command
def cmd_collections(args) -> int:
    """List the collections with their sizes, or delete one (--delete NAME).

    A collection is an index of its own: [collections.NAME] in the config gives it corpus folders, and files
    uploaded through the API or the chat land in it; `--collection NAME` picks one for any other command.
    """
    bot = _bot(args)  # --collection OTHER --delete NAME: how the collection in use is deleted
    if args.delete:
        bot.drop_collection(args.delete)
        print(json.dumps({"deleted": args.delete}) if args.json else f"deleted collection {args.delete}",
              file=sys.stdout if args.json else sys.stderr)
        return 0
    for row in bot.collection_sizes():
        print(json.dumps(row) if args.json else f"{row['name']}\t{row['documents']} documents\t{row['chunks']} chunks")
    return 0


def _start(args, run: Callable) -> int:
    """Bring the index up to date (unless --no-ingest), then run a long-lived front end."""
    bot, summary = _bot(args), None
    try:
        summary = None if args.no_ingest else bot.ingest(progress=True)
    except IndexBusy as exc:  # `bot ingest` runs in a shell: serve the index as it is, it stays answerable
        print(f"warning: {exc}; serving the index as it is", file=sys.stderr)
    if summary:
        print(*[f"skipped {s}" for s in summary.skipped], *[f"warning: {w}" for w in summary.warnings],
              summary.line(), sep="\n", file=sys.stderr)
    try:  # the first user's answer should not pay for loading the embedder and the check's data
        bot.warm_up()
    except BotError as exc:
        print(f"warning: {exc}", file=sys.stderr)
    run(bot, host=args.host, port=args.port)
    return 0


@command
def cmd_chat(args) -> int:
    """Start the Gradio chat UI (indexes new or changed documents first)."""
    from bot.apps.ui import launch

    return _start(args, launch)


@command
def cmd_serve(args) -> int:
    """Start the HTTP API (/api, OpenAI-compatible /v1, MCP /mcp) with the chat UI at / (indexes changes first)."""
    from bot.apps.server import serve

    return _start(args, serve)


@command
def cmd_mcp(args) -> int:
    """Serve the bot to MCP clients (Claude Desktop, IDEs, agents) over stdio: tools search, ask; documents.

    Over HTTP, `bot serve` has the same server at /mcp, behind server.api_key. See README, MCP.
    """
    from bot.apps.mcp_server import run_stdio

    run_stdio(_bot(args))
    return 0


@command
def cmd_eval(args) -> int:
    """Score retrieval, answers and citations on a Q&A set and write a report (see eval/README)."""
    from bot.evaluation.runner import main as eval_main

    return eval_main(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser(COMMANDS).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bot search ... | head`): stop quietly, as Unix tools do, and keep Python
        # from failing again while it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by the closed pipe
    except Exception as exc:  # never a traceback for users; BOT_DEBUG=1 shows it for us
        if os.environ.get("BOT_DEBUG"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"error: unexpected {type(exc).__name__}: {first} (rerun with BOT_DEBUG=1 to see where)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
