"""💛 Say thanks: the supported person thanks the helper in the group with one tap."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler

from bot.services.needs import NeedCard


def keyboard(card: NeedCard) -> InlineKeyboardMarkup | None:
    """The button under the "done" notice to the supported person."""
    return None


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return []
