"""A local, source-citing question-answering bot: `from bot import Bot`. Heavy libraries load on first use."""
from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Bot", "Answer", "Citation", "Source", "BotError", "load_settings", "Settings"]

if TYPE_CHECKING:
    from bot.config import Settings, load_settings
    from bot.core import Bot
    from bot.errors import BotError
    from bot.types import Answer, Citation, Source


def __getattr__(name: str):
    if name == "Bot":
        from bot.core import Bot

        return Bot
    if name in ("Answer", "Citation", "Source"):
        from bot import types

        return getattr(types, name)
    if name == "BotError":
        from bot.errors import BotError

        return BotError
    if name in ("load_settings", "Settings"):
        from bot import config

        return getattr(config, name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
