"""/calendar: an .ics file of upcoming needs, always sent privately."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, ContextTypes

from bot.context import app_context
from bot.render import calendar as texts
from bot.render import circles as circle_texts
from bot.render.common import start_button
from bot.services import calendar as service
from bot.services import circles
from handlers.common import asked, command, is_group
from storage.db import SessionMaker

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

ALL_WORDS = frozenset({"all", "everything", "everyone", "circle", "full"})


async def calendar_command(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None:
        return
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    now = app.clock.now()
    in_group = is_group(chat)
    group_circle = await circles.circle_for_chat(app.sm, chat.id) if in_group else None
    if in_group and group_circle is None:
        await message.reply_text(circle_texts.NO_CIRCLE_IN_GROUP)
        return
    want_all = bool(request.words) and request.words.split()[0].lower() in ALL_WORDS
    view = await service.build(
        app.sm, user.id, group_circle.id if group_circle else None, want_all, now
    )
    if view is None:
        await message.reply_text(texts.NO_CIRCLE)
        return
    if in_group and not await circles.is_reachable(app.sm, user.id):
        await _offer_start(message, context, group_circle, user.first_name)
        return
    sent = await _send_privately(context, app.sm, user.id, view, now)
    if not in_group:
        return
    if sent:
        await message.reply_text(texts.sent_privately(user.first_name), parse_mode=ParseMode.HTML)
    else:
        await _offer_start(message, context, group_circle, user.first_name)


async def _offer_start(
    message: Message, context: Context, circle: circles.CircleView | None, name: str
) -> None:
    username = context.bot.username
    markup = (
        start_button(username, circle.invite_code, circle_texts.START_BUTTON)
        if circle is not None and username
        else None
    )
    await message.reply_text(
        texts.cannot_message(name), parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _send_privately(
    context: Context, sm: SessionMaker, user_id: int, view: service.CalendarView, now: datetime
) -> bool:
    """The note and the file in the person's private chat; False when they can't be
    messaged there (never started the bot, or blocked it)."""
    bot = context.bot
    try:
        if view.all_refused:
            await bot.send_message(
                user_id, texts.all_refused_text(view.patient_name), parse_mode=ParseMode.HTML
            )
        if view.empty:
            await bot.send_message(user_id, texts.nothing_text(view), parse_mode=ParseMode.HTML)
            return True
        # A circle's months of needs make a small file, but building it is CPU work.
        content = await asyncio.to_thread(texts.ics, view, now)
        await bot.send_document(
            user_id,
            content,
            filename=texts.filename(view),
            caption=texts.caption(view),
            parse_mode=ParseMode.HTML,
        )
    except (Forbidden, BadRequest) as error:
        if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
            raise
        log.info("cannot send a calendar to user %s: %s", user_id, error.message)
        await circles.set_reachable(sm, user_id, False)
        return False
    return True


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, command("calendar", calendar_command))]
