"""Optional LLM query translation for cross-lingual retrieval (`retrieval.translate = true`; off by default).

A question is pulled to passages in its own language: on a mixed-language collection the paragraph on the same
topic written in the question's language often outranks the one that answers it (bench/README.md, XQuAD).
Retrieval within one language does not have that pull (same-language hit@1 0.97 there). So, when the user has
an LLM to spend on it, the question is translated into every other language the collection holds, in one
LLM call, and each passage is scored by the question in its own language (`by_language`). Pure functions:
the core makes the call, the retriever ranks.
"""
from __future__ import annotations

import re
from typing import Callable

from bot.errors import LLMUnavailable

_LINE = re.compile(r"^\W*([a-z]{2})\W{0,3}\s*[:=\-–]\s*(.+)$")


def translate_query(chat: Callable[[list[dict]], str], template: str, language_name: Callable[[str], str],
                    query: str, own: str, collection_langs: set[str]) -> dict[str, str]:
    """{lang: the query in it} for each language the collection holds but the query is not in: one LLM call
    (`chat`, the backend's). An LLM that cannot be reached gives {}: retrieval goes on with the question
    as asked, as it does with the option off."""
    langs = sorted(collection_langs - {own, ""})
    if not langs or not template:
        return {}
    prompt = translation_prompt(template, query, langs, {c: language_name(c) for c in langs})
    try:
        reply = chat([{"role": "user", "content": prompt}])
    except LLMUnavailable:
        return {}
    return parse_translations(reply, langs, query)


def translation_prompt(template: str, question: str, langs: list[str], names: dict[str, str]) -> str:
    """prompts/translate.txt filled in: the languages by name, one `code: ...` line each to answer with."""
    listed = ", ".join(names.get(c, c) for c in langs)
    form = "\n".join(f"{c}: <the question in {names.get(c, c)}>" for c in langs)
    return template.format(languages=listed, format=form, question=question)


def parse_translations(reply: str, langs: list[str], question: str) -> dict[str, str]:
    """{code: translation} for the asked languages found in the reply; a line that only repeats the question
    (the model did not translate), runs far longer than it (the model went on talking) or holds fewer than
    two words (a date, a number: the model answered instead) is left out."""
    out: dict[str, str] = {}
    for line in reply.splitlines():
        m = _LINE.match(line.strip())
        if not m or m.group(1) not in langs or m.group(1) in out:
            continue
        text = m.group(2).strip().strip('"“”«»').strip()
        words = [w for w in re.findall(r"\w+", text) if not w.isdigit()]
        if (len(words) >= 2 and text.casefold() != question.strip().casefold()
                and len(text) <= 3 * len(question) + 40):  # "2018-01-01" or a lone word is no translation
            out[m.group(1)] = text
    return out


def by_language(rankings: dict[str, list[tuple[str, float]]], chunk_lang: dict[str, str],
                own: str) -> list[tuple[str, float]]:
    """One ranking from one per query language ({lang: [(chunk id, fused score), ...]}, best first).

    A passage scores by the question in its own language where there is one (the translation into it, or
    the question itself for passages in the question's language), else by the question as asked. The
    fused scores of the rankings are on one scale (dense z-scores over each query's candidates plus the
    keyword share of the best), so they can be compared across queries.
    """
    best: dict[str, float] = {}
    for lang, ranked in rankings.items():
        for cid, score in ranked:
            passage = chunk_lang.get(cid, "")
            if (passage == lang) or (lang == own and passage not in rankings):
                best[cid] = max(score, best.get(cid, float("-inf")))
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
