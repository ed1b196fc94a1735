"""Shared pieces of every message: escaping and Telegram's limits."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

# Telegram's limits (Bot API: sendMessage text 1-4096 characters after entity parsing;
# answerCallbackQuery text 0-200 characters).
MESSAGE_LIMIT = 4096
CALLBACK_ANSWER_LIMIT = 200


def e(text: str) -> str:
    """Escape user text for parse_mode=HTML."""
    return escape(text, quote=False)


def joined(names: Sequence[str]) -> str:
    """ "Anna", "Anna and Ben", "Anna, Ben and Carl"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def deep_link(bot_username: str, invite_code: str) -> str:
    return f"https://t.me/{bot_username}?start=c{invite_code}"


def start_button(bot_username: str, invite_code: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, url=deep_link(bot_username, invite_code))]]
    )
