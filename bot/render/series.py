"""How recurring needs look: the series' buttons on each date's card, and its messages."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.services.needs import NeedCard


def series_row(card: NeedCard) -> list[InlineKeyboardButton]:
    """Extra buttons for a date of a series ("🔁 Every date", "⏹ Stop the series")."""
    return []
