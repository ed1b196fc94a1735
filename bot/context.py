"""What every handler needs, built once at start-up and kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.notify import Notifier
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.turns import Turns
from storage.db import SessionMaker


@dataclass
class AppContext:
    settings: Settings
    sm: SessionMaker
    clock: Clock
    notifier: Notifier
    scheduler: Scheduler
    # Changes to one need take turns from the change to its card's edit, so the card a
    # family sees ends on the last change even when two chats press at once.
    need_turns: Turns = field(default_factory=Turns)
    # PostgreSQL: other replicas may change a need while this one edits its card, which
    # their turns cannot see (see handlers/cards.refresh_card).
    shared_database: bool = False


def app_context(context: CallbackContext[Any, Any, Any, Any]) -> AppContext:
    return cast(AppContext, context.bot_data["app"])
