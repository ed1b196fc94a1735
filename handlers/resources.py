"""/resources: where to find support, from the deployer's file. Works in the group and in
private chats, with or without a circle."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, ContextTypes

from bot.context import app_context
from bot.render.resources import resources_messages
from bot.resources import current_resources
from handlers.common import command

Context = ContextTypes.DEFAULT_TYPE


async def resources(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    listed = current_resources(app_context(context).settings.resources_file)
    for text in resources_messages(listed):
        await message.reply_text(text, parse_mode=ParseMode.HTML)


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, command("resources", resources))]
