"""What every handler needs, built once at start-up and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.notify import Notifier
from bot.scheduler import Scheduler
from bot.settings import Settings
from storage.db import SessionMaker


@dataclass
class AppContext:
    settings: Settings
    sm: SessionMaker
    clock: Clock
    notifier: Notifier
    scheduler: Scheduler


def app_context(context: CallbackContext[Any, Any, Any, Any]) -> AppContext:
    return cast(AppContext, context.bot_data["app"])
