"""The Gradio chat UI (`bot chat`): streamed, cited answers, a source panel, status line and the document list."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import gradio as gr

from bot.errors import BotError
from bot.types import Answer, Source
from bot.apps.ui_render import (PANEL_EMPTY, answer_markdown, banner_html, details_markdown, document_panel,
                           documents_table, error_panel, md_text, partial, quote_reason, source_panel,
                           status_html)

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
EXAMPLES = [
    "Who did Tokayev meet on his first trip abroad as president?",
    "Warum reiste Tokajew nach seiner Wahl zuerst nach Moskau?",
    "Z kim spotkał się prezydent Kazachstanu w Moskwie?",
    "Hvilke signaler sender Tokajev med sitt første statsbesøk?",
]
# System fonts only: the UI must not reach out to Google Fonts from an offline machine.
THEME = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


def _panel_js() -> str:
    css = (HERE / "ui.css").read_text(encoding="utf-8")
    return f"const BOT_CSS = {json.dumps(css)};\n" + (HERE / "ui.js").read_text(encoding="utf-8")


def ui_assets() -> dict:
    """Keyword arguments for Blocks.launch / gr.mount_gradio_app (Gradio 6 takes the theme there)."""
    return {"theme": THEME}


def _new_session(collection: str | None = None) -> dict:
    return {"chat": [], "answers": [], "collection": collection}


def _history(answers: list[Answer]) -> list[dict]:
    out = []
    for a in answers:
        out += [{"role": "user", "content": a.question}, {"role": "assistant", "content": a.answer}]
    return out


def _resolve(key: str, answers: list[Answer]) -> tuple[str, Source, str | None, str | None]:
    """A panel key ("cite-I-N" or "src-I-J") -> (label, source, highlighted sentence or None, why)."""
    kind, i, n = key.split("-")
    a = answers[int(i)]
    if kind == "cite":
        quote = next((c.quote for c in a.listed_citations() if c.n == int(n)), None)
        return f"[{n}]", a.sources[int(n) - 1], quote, quote_reason(a, int(n))
    retrieved = a.trace.retrieved if a.trace else a.sources
    return f"retrieved #{int(n) + 1}", retrieved[int(n)], None, None


class ChatUI:
    """Event handlers; everything per person lives in the gr.State passed in, never on this object."""

    def __init__(self, bot):
        self.bot = bot

    def _bot(self, session: dict | None):
        return self.bot.for_collection((session or {}).get("collection"))

    def status(self, session: dict | None = None):
        h = self._bot(session).health()
        return status_html(h), gr.HTML(banner_html(h.llm_ok, h.llm_status), visible=not h.llm_ok)

    def documents(self, session: dict | None = None):
        """The document table, and the uploaded documents one can delete."""
        bot = self._bot(session)
        try:
            docs = bot.documents()
        except BotError as exc:
            return error_panel(str(exc)), gr.Dropdown(choices=[], value=None)
        uploads = [d.doc_id for d in docs if bot.is_upload(d)]
        return documents_table(docs), gr.Dropdown(choices=uploads, value=None)

    def switch(self, name: str):
        """Another collection: a new conversation over its documents (a new name makes an empty one)."""
        try:
            self.bot.for_collection(name or None)
        except BotError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return [], _new_session(name or None), PANEL_EMPTY, gr.Dropdown(choices=self.bot.collections(), value=name)

    def upload(self, paths: list[str] | None, session: dict, progress=gr.Progress(track_tqdm=True)):
        """Index uploaded files into the session's collection; one bad file is reported, the rest go on."""
        bot, lines = self._bot(session), []
        for path in paths or []:
            name = Path(path).name
            progress(0, desc=f"Indexing {name}…")
            try:
                done = bot.upload(name, Path(path).read_bytes(), progress=True)
                lines.append(f"{name}: {'indexed, in place of the earlier upload' if done.replaced else 'indexed'}")
            except BotError as exc:
                lines.append(f"{name}: {exc}")
        return None, md_text("\n".join(lines)), *self.documents(session)

    def delete(self, doc_id: str | None, session: dict):
        bot = self._bot(session)
        try:
            if doc_id:
                bot.delete_document(doc_id)
            message = f"{doc_id}: deleted" if doc_id else "Pick an uploaded document first."
        except BotError as exc:
            message = str(exc)
        return md_text(message), *self.documents(session)

    def respond(self, question: str, session: dict):
        chat, answers = list(session["chat"]), list(session["answers"])
        i, question = len(answers), (question or "").strip()
        if question:
            chat.append({"role": "user", "content": md_text(question)})
        chat.append({"role": "assistant", "content": "*Searching the documents…*"})
        keep = {"collection": session.get("collection")}
        yield "", chat, {"chat": chat, "answers": answers, **keep}
        text, final, message = "", None, "⚠️ No answer came back; try again."
        try:
            for item in self._bot(session).stream(question, _history(answers)):
                if isinstance(item, Answer):
                    final = item
                else:
                    text += item
                    chat[-1] = {"role": "assistant", "content": partial(text, i)}
                    yield gr.skip(), list(chat), {"chat": chat, "answers": answers, **keep}
        except BotError as exc:
            final, message = None, f"⚠️ {exc}"
        except Exception as exc:  # never leave a spinner behind: say what broke, keep details in the log
            log.exception("answering %r failed", question)
            final, message = None, (f"⚠️ Something went wrong: {type(exc).__name__}: {str(exc)[:200]}. "
                                    "Try again; the server log has the details.")
        if final is None:
            chat[-1] = {"role": "assistant", "content": md_text(message)}
        else:
            answers.append(final)
            chat[-1] = {"role": "assistant", "content": answer_markdown(final, i)}
            chat.append({"role": "assistant", "content": details_markdown(final, i),
                         "metadata": {"title": "Search details and other passages", "status": "done"}})
        yield gr.skip(), list(chat), {"chat": chat, "answers": answers, **keep}

    def pick(self, session: dict, evt: gr.EventData):
        """Render the source panel for the link clicked in the page (its key arrives in the event data)."""
        data = evt._data if isinstance(evt._data, dict) else {}
        key = str(data.get("key") or "")
        if not key:
            return gr.skip()
        whole = key.startswith("doc-")
        key = key.removeprefix("doc-")
        try:
            label, source, quote, why = _resolve(key, session["answers"])
        except (ValueError, IndexError):
            return error_panel("That source belongs to an answer that is not finished or was cleared.")
        try:
            doc = self._bot(session).document(source.doc_id)
        except BotError as exc:
            return error_panel(str(exc))
        corpus = doc.corpus if doc else ""
        if whole:
            return document_panel(key, label, source, doc.text if doc else None, corpus)
        return source_panel(key, label, source, quote, corpus, why)


def build_ui(bot) -> gr.Blocks:
    """The chat UI as a gr.Blocks, for launch() or gr.mount_gradio_app(app, build_ui(bot), "/", **ui_assets())."""
    ui = ChatUI(bot)
    # an in-process model (llama.cpp) cannot generate two answers at once: queue the second person
    limit = 1 if bot.llm.exclusive else 2
    with gr.Blocks(title="Bot: cited answers from your documents", analytics_enabled=False) as demo:
        session = gr.State(_new_session())
        with gr.Row():
            gr.Markdown("## Ask your documents\nAsk in any language; answers cite their sources as **[n]**.")
            collection = gr.Dropdown(bot.collections(), value=bot.collection, label="Collection", scale=0,
                                     min_width=220, allow_custom_value=True, elem_id="bot-collection",
                                     info="Type a new name to start an empty collection")
        status = gr.HTML(elem_id="bot-status")
        banner = gr.HTML(visible=False, elem_id="bot-banner")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(elem_id="bot-chat", height=560, show_label=False,
                                             buttons=["copy", "copy_all"], feedback_options=None,
                                             placeholder="Ask a question, or pick an example below.")
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask in any language…", show_label=False, scale=8,
                                             elem_id="bot-input", max_lines=6, autofocus=True)
                            ask = gr.Button("Ask", variant="primary", scale=0, min_width=80, elem_id="bot-ask")
                            stop = gr.Button("Stop", variant="stop", scale=0, min_width=80, elem_id="bot-stop")
                            clear = gr.Button("Clear", scale=0, min_width=80, elem_id="bot-clear")
                        gr.Examples(EXAMPLES, inputs=box, label="Example questions (English, Deutsch, polski, "
                                                                "norsk)")
                    with gr.Column(scale=2):
                        panel = gr.HTML(PANEL_EMPTY, elem_id="bot-source", js_on_load=_panel_js(),
                                        label="Source", container=True, padding=True)
            with gr.Tab("Sources", id="sources"):
                gr.Markdown("The documents in this collection. Upload PDF, Word, text or HTML files here; "
                            "`bot ingest` adds new and changed files of the corpus folders.")
                with gr.Row():
                    files = gr.File(file_count="multiple", file_types=list(bot.settings.corpus.extensions),
                                    label="Upload documents", elem_id="bot-upload", scale=3)
                    with gr.Column(scale=2):
                        uploaded = gr.Dropdown([], label="Uploaded document", elem_id="bot-uploaded")
                        remove = gr.Button("Delete", variant="stop", size="sm", elem_id="bot-delete")
                        refresh = gr.Button("Refresh", size="sm")
                notice = gr.Markdown(elem_id="bot-upload-notice")
                table = gr.HTML(elem_id="bot-documents")

        answering = gr.on([box.submit, ask.click], ui.respond, [box, session], [box, chatbot, session],
                          concurrency_limit=limit, concurrency_id="answer", show_progress="hidden")
        answering.then(ui.status, [session], [status, banner], queue=False)
        stop.click(None, cancels=[answering])
        clear.click(lambda s: ([], _new_session(s.get("collection")), PANEL_EMPTY), [session],
                    [chatbot, session, panel], cancels=[answering], queue=False)
        chatbot.clear(lambda s: (_new_session(s.get("collection")), PANEL_EMPTY), [session], [session, panel],
                      cancels=[answering], queue=False)
        collection.input(ui.switch, [collection], [chatbot, session, panel, collection], cancels=[answering]
                         ).then(ui.status, [session], [status, banner]).then(ui.documents, [session],
                                                                             [table, uploaded])
        files.upload(ui.upload, [files, session], [files, notice, table, uploaded], concurrency_id="ingest",
                     concurrency_limit=1).then(ui.status, [session], [status, banner])
        remove.click(ui.delete, [uploaded, session], [notice, table, uploaded]
                     ).then(ui.status, [session], [status, banner])
        panel.submit(ui.pick, [session], [panel], queue=False)
        demo.load(ui.status, None, [status, banner], queue=False)
        demo.load(ui.documents, None, [table, uploaded], queue=False)
        refresh.click(ui.documents, [session], [table, uploaded], queue=False)
    demo.queue(default_concurrency_limit=2)
    return demo


def launch(bot, host: str | None = None, port: int | None = None) -> None:
    """Serve the chat UI until interrupted (defaults: settings.ui.host and .port, 127.0.0.1:7860)."""
    demo = build_ui(bot)
    demo.launch(server_name=host or bot.settings.ui.host, server_port=port or bot.settings.ui.port,
                show_error=False, quiet=False, **ui_assets())
