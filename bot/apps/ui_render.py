"""Turns what Bot returns into the chat UI's Markdown and HTML; pure functions, no Gradio, no state."""
from __future__ import annotations

import html
import re

from bot.answer.citations import MARKER_RE, marker_numbers
from bot.types import Answer, Health, Source



def md_text(text: str) -> str:
    """Model or document text for the chat's Markdown: HTML escaped (Gradio sanitizes too); the rest stays
    readable, because the copy button copies this Markdown source."""
    return html.escape(text or "", quote=False)


def _meta(title: str | None, date: str | None, lang: str | None, doc_id: str, page: int | None = None) -> str:
    name = md_text(title or doc_id).replace("[", "(").replace("]", ")")  # it may sit inside a link's text
    where = f"p. {page}" if page is not None else None
    return " · ".join([name] + [x for x in (where, date, lang) if x] + [f"`{doc_id}`"])


def linked(text: str, i: int, n_sources: int) -> str:
    """Answer text with every valid [n] turned into a link the page's click handler understands."""
    def repl(m: re.Match) -> str:
        nums = marker_numbers(m.group(1))
        if not all(1 <= n <= n_sources for n in nums):
            return m.group(0)
        return "".join(f"[[{n}]](#cite-{i}-{n})" for n in nums)

    return MARKER_RE.sub(repl, md_text(text))


def partial(text: str, i: int, n_hint: int = 50) -> str:
    """A message still streaming: markers link as soon as they are complete."""
    return linked(text, i, n_hint)


UNCITED_TITLE = "the answer cites no source for this, so it was not checked"


def checked(a: Answer, i: int) -> str:
    """The answer with linked markers, each claim its cited sources do not support followed by a warning
    link: its title (shown on hover) is the checker's reason, and a click opens the passage it cites; a
    claim another given source says (Claim.recite) also gets a link to that source, and one citing nothing
    beside cited ones (claims.uncited_beside_cited) a mark saying it was not checked."""
    from bot.answer.claims import uncited_beside_cited

    out, pos, marked = [], 0, [id(c) for c in uncited_beside_cited(a.claims)]
    for c in a.claims:
        at = a.answer.find(c.text, pos)
        uncited = id(c) in marked
        if not (c.supported is False or c.recite or uncited) or at < 0:
            continue
        end = at + len(c.text.rstrip().removesuffix("|").rstrip())  # a table row's mark stays in its cell
        mark = f" [◌ cites no source](# \"{UNCITED_TITLE}\")" if uncited else ""
        if c.supported is False:
            why = md_text(c.reason or "the cited source does not say this").replace('"', "'").replace("\n", " ")
            target = f"#cite-{i}-{c.citations[0]}" if c.citations else "#"
            mark = f' [⚠ not in the source]({target} "{why}")'
        if c.recite:  # another given source says it: the model cited the wrong one, or none
            n = c.recite["n"]
            mark += f' [→ [{n}] says this](#cite-{i}-{n} "found by the claim check, not cited by the model")'
        out.append(linked(a.answer[pos:end], i, len(a.sources)) + mark)
        pos = end
    return "".join(out) + linked(a.answer[pos:], i, len(a.sources))


def answer_markdown(a: Answer, i: int) -> str:
    """The whole assistant message: warning, answer with linked markers, and the cited sources."""
    from bot.answer.claims import all_unsupported

    parts = []
    if a.mode == "passages":
        why = md_text(a.warning or "The LLM did not answer.")
        parts.append(f"> ⚠️ **Passages, not a generated answer.** {why}")
    if all_unsupported(a.claims):
        parts.append("> ⚠️ **The sources this answer cites do not support what it says.** Check the passages "
                     "before relying on it.")
    parts.append(checked(a, i))
    if a.fallback:  # the bot's note, set apart from the model's text
        f = a.fallback
        parts.append(f"> ℹ️ **{md_text(f.head)}**\n" + "\n".join(
            f"> - “{md_text(q.quote)}” [[{q.n}]](#cite-{i}-{q.n})" for q in f.quotes))
    if a.mode == "generated" and a.warning and not (a.fallback and a.warning == a.fallback.warning):
        parts.append(f"*⚠️ {md_text(a.warning)}*")
    if a.listed_citations():
        lines = [f"- [[{c.n}]](#cite-{i}-{c.n}) {_meta(c.title, c.date, a.sources[c.n - 1].lang, c.doc_id, c.page)}"
                 for c in sorted(a.listed_citations(), key=lambda c: c.n)]
        parts.append("**Sources**\n\n" + "\n".join(lines))
    else:
        parts.append("*This answer cites no source.*")
    return "\n\n".join(parts)


def details_markdown(a: Answer, i: int) -> str:
    """The collapsed 'search details' message: the standalone question and the retrieved passages not cited."""
    t = a.trace
    standalone = t.standalone_question if t else a.question
    note = " (rewritten from your follow-up)" if standalone != a.question else ""
    parts = [f"**Searched for:** {md_text(standalone)}{note}"]
    cited = {a.sources[c.n - 1].chunk_id for c in a.citations}
    others = [(j, s) for j, s in enumerate(t.retrieved if t else a.sources) if s.chunk_id not in cited]
    if others:
        lines = []
        for j, s in others:
            snippet = " ".join(s.text.split())[:140]
            meta = _meta(s.title, s.date, s.lang, s.doc_id, s.page)
            lines.append(f"- [{meta}](#src-{i}-{j}) — {md_text(snippet)}…")
        parts.append(f"**Other retrieved passages ({len(others)})**\n\n" + "\n".join(lines))
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.1f} s" for k, v in a.timings.items())
    parts.append(f"*{md_text(a.model)} · {a.mode} · {timing}*")
    return "\n\n".join(parts)


# the source panel ---------------------------------------------------------------------------------------
PANEL_EMPTY = ('<div class="bot-src bot-src-empty">Click a citation like <b>[1]</b> in an answer, or a source '
               'under it, to see the passage here.</div>')


def _highlight(text: str, quote: str) -> str:
    """Escaped text with the supporting sentence marked (matched across whitespace differences)."""
    words = quote.split()
    m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    if not m:
        return html.escape(text)
    return (html.escape(text[:m.start()]) + '<mark class="bot-quote">' + html.escape(m.group(0)) + "</mark>"
            + html.escape(text[m.end():]))


def _head(label: str, s: Source, corpus: str = "") -> str:
    rows = [("Date", s.date or "unknown"), ("Language", s.lang or "unknown"),
            ("File", f"{corpus.rstrip('/')}/{s.doc_id}" if corpus else s.doc_id)]
    if s.page is not None:
        rows.insert(0, ("Page", str(s.page)))
    dl = "".join(f"<dt>{k}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    return (f'<div class="bot-src-title"><span class="bot-src-n">{html.escape(label)}</span> '
            f"{html.escape(s.title or s.doc_id)}</div><dl class=\"bot-src-meta\">{dl}</dl>")


def quote_reason(a: Answer, n: int) -> str:
    """Why source [n]'s sentence is highlighted, from what the core listed it for: the answer's citation, the
    note's quote, the claim check's pointer to a source the answer did not cite, or a passages answer."""
    if a.mode == "passages":
        return "No answer was generated: the highlighted sentence is the passage's closest to the question."
    if any(c.n == n for c in a.citations):
        return "The answer cites this source; the highlighted sentence is the closest to what it cites it for."
    if a.fallback and any(q.n == n for q in a.fallback.quotes):
        return "The note quotes this source: the highlighted sentence is among the closest to the question."
    return ("The answer does not cite this source, but the claim check found one of its claims in the highlighted "
            "sentence.")


def source_panel(key: str, label: str, s: Source, quote: str | None, corpus: str = "", why: str | None = None) -> str:
    """A source with its passage, the sentence `why` says highlighted (a source only retrieved has none)."""
    body = _highlight(s.text, quote) if quote else html.escape(s.text)
    why = html.escape(why or ("The highlighted sentence supports the answer." if quote else
                              "Retrieved, but not cited by the answer."))
    return (f'<div class="bot-src" data-key="{html.escape(key)}">{_head(label, s, corpus)}'
            f'<p class="bot-src-why">{why}</p><blockquote class="bot-passage">{body}</blockquote>'
            f'<a class="bot-doc-link" href="#doc-{html.escape(key)}">Show the whole document</a></div>')


def document_panel(key: str, label: str, s: Source, text: str | None, corpus: str = "") -> str:
    """The whole cleaned document, the cited passage marked."""
    if text is None:
        return (f'<div class="bot-src">{_head(label, s, corpus)}<p class="bot-error">This document is no longer '
                "in the index (it was removed or re-ingested): ask again to get fresh sources.</p></div>")
    start, end = s.start, s.end
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = (html.escape(text[:start]) + '<mark class="bot-passage-mark">' + html.escape(text[start:end])
                + "</mark>" + html.escape(text[end:]))
    else:
        body = _highlight(text, " ".join(s.text.split()[:12]))
    return (f'<div class="bot-src" data-key="doc-{html.escape(key)}">{_head(label, s, corpus)}'
            f'<a class="bot-doc-link" href="#{html.escape(key)}">Back to the passage</a>'
            f'<div class="bot-doc">{body}</div></div>')


def error_panel(message: str) -> str:
    return f'<div class="bot-src"><p class="bot-error">{html.escape(message)}</p></div>'


def documents_table(docs: list) -> str:
    """The indexed documents (DocRecords) as an escaped HTML table."""
    if not docs:
        return '<p class="bot-src-empty">The index is empty: run <code>bot ingest</code>.</p>'
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in
                         (d.title or d.doc_id, d.date or "", d.lang or "", d.chunks, d.doc_id)) + "</tr>"
        for d in docs)
    head = "".join(f"<th>{h}</th>" for h in ("Title", "Date", "Language", "Chunks", "File"))
    return (f'<table class="bot-docs"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            f'<p class="bot-src-why">{len(docs)} documents, {sum(d.chunks for d in docs)} chunks</p>')


# status and banner ---------------------------------------------------------------------------------------
def _code(line: str) -> str:
    """Escaped line with `backticks` shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(line))


def status_html(h: Health) -> str:
    llm = "reachable" if h.llm_ok else "not reachable"
    index = (f"{h.index['documents']} documents, {h.index['chunks']} chunks" if h.index is not None
             else f"unavailable ({html.escape(h.index_error or '')})")
    return (f'<div class="bot-status"><span>Model <b>{html.escape(h.model)}</b></span>'
            f'<span class="{"bot-ok" if h.llm_ok else "bot-down"}">LLM {llm}</span>'
            f"<span>Index: {index}</span></div>")


def banner_html(llm_ok: bool, llm_line: str) -> str:
    if llm_ok:
        return ""
    return (f'<div class="bot-banner" role="alert"><b>The language model is offline.</b> {_code(llm_line)}. '
            "Until it is back, answers are the best matching passages, not generated text.</div>")
