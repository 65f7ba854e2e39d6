"""Prompt tokens per question, and whether the gold evidence still reaches the prompt, for context variants.

No LLM runs: every question of the Q&A set is retrieved once, then the answer prompt is built as `bot ask`
builds it (bot/answer/prompt.py fit_messages) from whole chunks and from each sentence variant
(bot/answer/context.py). Prints mean/p50/p95 prompt tokens and, for answerable questions, how often an
evidence quote of eval/qa.jsonl is in the prompt ("kept" = of the questions whose whole chunks held it).

    .venv/bin/python bench/prompt_size.py                                  # chunks vs the configured variant
    .venv/bin/python bench/prompt_size.py --variants chunks 2:1 1:1 3:0     # sentences:window variants
    .venv/bin/python bench/prompt_size.py --gguf ~/.cache/bot-models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

--gguf counts with that model's own tokenizer (vocab only, nothing generated); without it the count is the
backend's (Ollama: a cl100k estimate). --ttft N also runs the configured LLM on the first N questions per
variant and times the first answer token (prompt processing dominates it on a CPU):

    BOT_LLM__PROVIDER=llamacpp BOT_LLM__GGUF_PATH=... .venv/bin/python bench/prompt_size.py --variants chunks 8:1 --ttft 6
    BOT_PROMPTS__DIR=old-prompts/ ...                   # the same with another prompt folder, e.g. the old one
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answer.context import shorten  # noqa: E402
from bot.answer.prompt import fit_messages  # noqa: E402
from bot.answer.support import Vectors  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.evaluation.metrics import contains_quote, mean, percentile  # noqa: E402
from bot.evaluation.qaset import load_qa  # noqa: E402
from bot.lang import question_lang  # noqa: E402


def counter(gguf: str | None, bot: Bot):
    if not gguf:
        return bot.llm.count_tokens
    from llama_cpp import Llama

    from bot.backends.ggml_cpu import load_cpu_backend

    load_cpu_backend()  # the CPU variant, as the bot loads it
    vocab = Llama(model_path=str(Path(gguf).expanduser()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def ttft(settings, variant: str, items) -> list[float]:
    """Seconds from bot.stream() to its first text delta (retrieval, context, prompt processing, one token)."""
    if variant == "chunks":
        ctx = settings.context.model_copy(update={"mode": "chunks"})
    else:
        best, window = (int(x) for x in variant.split(":"))
        ctx = settings.context.model_copy(update={"mode": "sentences", "sentences": best, "window": window})
    bot = Bot(settings.model_copy(update={"context": ctx}))
    bot.llm.status()  # load the model before timing
    out = []
    for item in items:
        t0 = time.perf_counter()
        stream = bot.stream(item.question)
        next(stream)
        out.append(time.perf_counter() - t0)
        stream.close()  # stops generating
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None)
    ap.add_argument("--qa", default=None)
    ap.add_argument("--gguf", default=None, help="count tokens with this GGUF's tokenizer")
    ap.add_argument("--variants", nargs="+", default=None, help='"chunks" or SENTENCES:WINDOW, e.g. 2:1')
    ap.add_argument("--ttft", type=int, default=0, metavar="N",
                    help="also time the first answer token of the first N questions per variant (runs the LLM)")
    args = ap.parse_args()
    settings = load_settings(args.config)
    bot = Bot(settings)
    items = load_qa(args.qa or settings.resolve(settings.eval.qa), settings.corpus_paths[0])
    ctx = settings.context
    variants = args.variants or ["chunks", f"{ctx.sentences}:{ctx.window}"]
    count = counter(args.gguf, bot)
    budget = settings.llm.context_window - settings.llm.max_tokens
    size = lambda msgs: sum(count(m["content"]) + 8 for m in msgs)  # noqa: E731 - as fit_messages counts
    vectors = Vectors(bot._embedder(), bot._centering, bot._open_index())
    tokens = {v: [] for v in variants}
    evidence = {v: [] for v in variants}
    seconds = {v: 0.0 for v in variants}
    systems: set[str] = set()
    for item in items:
        retrieved = bot.search(item.question)
        lang = question_lang(item.question)
        for v in variants:
            t0 = time.perf_counter()
            if v == "chunks":
                pool = retrieved
            else:
                best, window = (int(x) for x in v.split(":"))
                pool = shorten(item.question, lang, retrieved, vectors, best, window)
            seconds[v] += time.perf_counter() - t0
            msgs, given, _ = fit_messages(bot.prompts, item.question, lang, pool, [], count, budget)
            tokens[v].append(size(msgs))
            systems.add(msgs[0]["content"])
            if item.answerable:  # quotes are checked against the sources' text as given (before neutralising)
                evidence[v].append(any(contains_quote(s.text, q) for s in given for q in item.evidence))
    base = evidence.get("chunks")  # "kept": of the questions whose whole chunks held the evidence
    print(f"{len(items)} questions ({sum(i.answerable for i in items)} answerable) from "
          f"{args.qa or settings.eval.qa}; tokens by {'the GGUF tokenizer' if args.gguf else bot.llm.name}")
    print(f"{'variant':<10} {'mean':>7} {'p50':>7} {'p95':>7}  {'evidence in prompt':>18}  {'kept':>6}  select s/q")
    for v in variants:
        ev = evidence[v]
        kept = f"{sum(a and b for a, b in zip(base, ev)) / max(1, sum(base)):6.3f}" if base else "     –"
        label = v if v == "chunks" else f"sent {v}"
        print(f"{label:<10} {mean(tokens[v]):7.0f} {percentile(tokens[v], 50):7.0f} {percentile(tokens[v], 95):7.0f}"
              f"  {sum(ev):>8}/{len(ev):<3} {sum(ev) / max(1, len(ev)):.3f}  {kept}  {seconds[v] / len(items):.3f}")
    if args.ttft:
        for v in variants:
            times = ttft(settings, v, items[:args.ttft])
            print(f"time to first token, {v}: p50 {percentile(times, 50):.1f} s, p95 {percentile(times, 95):.1f} s, "
                  f"first question {times[0]:.1f} s (n={len(times)}; "
                  f"{'cold' if len(times) == 1 else 'the later ones reuse the cached prompt prefix'})")
    shared = count(next(iter(systems))) + 8 if len(systems) == 1 else 0
    print(f"system message: {len(systems)} distinct over all questions"
          + (f", {shared} tokens a prompt cache can reuse from one question to the next" if shared else
             " (it names the question's language: a prompt cache reuses it only within one language)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
