"""Recurring needs in the chat: /need … every Tuesday 10:00, and the series' buttons."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes

from bot.services.circles import CircleView

Context = ContextTypes.DEFAULT_TYPE


async def post_from_text(update: Update, context: Context, circle: CircleView, text: str) -> bool:
    """If the /need text describes a series, post it and return True."""
    return False


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return []
