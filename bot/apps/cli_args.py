"""The `bot` command line's arguments: subcommands, their options and the one-line usage errors."""
from __future__ import annotations

import argparse
from typing import Callable


def positive(text: str) -> int:
    """argparse type for counts: -k 0 or -k -3 would otherwise fall back to defaults or slice from the end."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n} is not 1 or more")
    return n


def port(text: str) -> int:
    """argparse type for --port: a number a socket can bind (0 lets the system pick a free one)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{n} is not a port: use 0 (any free one) to 65535")
    return n


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """Usage mistakes get the same one-line `error:` as every other bad input, pointing at --help."""
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser(commands: dict[str, Callable]) -> argparse.ArgumentParser:
    """The `bot` parser: one subcommand per entry of `commands`, its help taken from the function's docstring."""
    p = _Parser(prog="bot", description=__import__("bot").__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str) -> argparse.ArgumentParser:
        fn = commands[name]
        doc = fn.__doc__ or ""
        sp = sub.add_parser(name, help=doc.splitlines()[0], description=doc,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.toml)")
        sp.add_argument("--collection", help="the collection to use (default: store.collection; see README)")
        return sp

    sp = add("ingest")
    sp.add_argument("paths", nargs="*", help="files or folders (default: corpus.paths from the config)")
    sp.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.add_argument("-v", "--verbose", action="store_true", help="a line per document written")
    sp.add_argument("--json", action="store_true", help="print the summary as JSON")
    sp = add("search")
    sp.add_argument("question", nargs="?", help="the question (omit with --json to read lines from stdin)")
    sp.add_argument("-k", type=positive, default=None, help="how many passages (default: retrieval.top_k)")
    sp.add_argument("--json", action="store_true", help="machine-readable output (see README, JSON contract)")
    sp = add("ask")
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true", help="machine-readable output (see README, JSON contract)")
    sp.add_argument("--trace", action="store_true", help="with --json: add the trace (prompt, rewritten query)")
    add("doctor")
    add("mcp")
    sp = add("collections")
    sp.add_argument("--delete", metavar="NAME", help="delete that collection: its index and its uploaded files")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    for name, section in (("chat", "ui"), ("serve", "server")):
        sp = add(name)
        sp.add_argument("--host", help=f"address to bind (default: {section}.host, 127.0.0.1)")
        sp.add_argument("--port", type=port, help=f"port (default: {section}.port)")
        sp.add_argument("--no-ingest", action="store_true", help="start without indexing new or changed files")
    sp = add("eval")
    sp.add_argument("--qa", help="Q&A file (default: eval.qa from the config)")
    sp.add_argument("--retrieval-only", action="store_true", help="score retrieval only; needs no LLM")
    sp.add_argument("--out", help="folder for runs (default: eval.out, eval/runs)")
    sp.add_argument("--baseline", help="an earlier run folder to compare against")
    sp.add_argument("--limit", type=positive, help="score only the first N questions")
    return p
