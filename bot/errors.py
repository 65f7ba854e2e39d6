"""User-facing errors: one line that says what happened and what to do. Front ends map the type to a status."""

# no index at store.path, or none of its documents left: the same words wherever it is found out
EMPTY_INDEX = "the index is empty: run `bot ingest` first"


class BotError(Exception):
    """An error shown to the user as one line, never as a traceback (an HTTP 503 unless a subclass says else)."""


class QuestionError(BotError):
    """The question itself is unusable: empty, or longer than retrieval.max_question_chars (an HTTP 400)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code  # "question_too_long", or None for an empty question


class LLMUnavailable(BotError):
    """The LLM could not answer (server down, model missing, timeout); the bot falls back to passages."""


class IndexBusy(BotError):
    """Another process is writing the embedded index (an ingest, upload or delete): try again later (a 503)."""
