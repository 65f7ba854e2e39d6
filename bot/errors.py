"""User-facing errors: one line that says what happened and what to do."""


class BotError(Exception):
    """An error shown to the user as one line, never as a traceback."""


class LLMUnavailable(BotError):
    """The LLM could not answer (server down, model missing, timeout); the bot falls back to passages."""
