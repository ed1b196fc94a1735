"""/away: a member says they are away until a date, so the circle doesn't ask them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, ContextTypes

from bot.context import app_context
from bot.render import away as texts
from bot.services import circles
from bot.timeparse import WhenError, parse_when
from handlers.circle import asked_in_circle
from handlers.common import command, is_group

Context = ContextTypes.DEFAULT_TYPE

# Long enough for a long trip or a hospital stay; past that, /away off and on again.
LONGEST_AWAY = timedelta(days=366)


async def away(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    now = app.clock.now()
    today = now.astimezone(circle.zone).date()
    # In the group: this circle. Privately: every circle the person belongs to.
    if is_group(chat):
        circle_ids = [circle.id]
    else:
        circle_ids = [m.circle.id for m in await circles.memberships(app.sm, user.id)]
    wanted = request.words
    words = wanted.lower()
    if not wanted:
        until = await circles.away_until(app.sm, circle.id, user.id)
        shown = until if until is not None and circles.is_away(until, today) else None
        await message.reply_text(texts.status(shown), parse_mode=ParseMode.HTML)
        return
    if words in ("off", "back", "no", "stop"):
        await circles.set_away(app.sm, user.id, circle_ids, None)
        await message.reply_text(texts.welcome_back(user.first_name), parse_mode=ParseMode.HTML)
        return
    phrase = wanted[len("until") :].strip() if words.startswith("until") else wanted
    try:
        when = parse_when(phrase, circle.zone, now)
    except WhenError:
        await message.reply_text(texts.UNCLEAR, parse_mode=ParseMode.HTML)
        return
    if when.starts_at is None:
        await message.reply_text(texts.UNCLEAR, parse_mode=ParseMode.HTML)
        return
    until = when.starts_at.astimezone(circle.zone).date()
    if until < today:
        await message.reply_text(texts.UNCLEAR, parse_mode=ParseMode.HTML)
        return
    if until - today > LONGEST_AWAY:
        await message.reply_text(texts.TOO_FAR, parse_mode=ParseMode.HTML)
        return
    await circles.set_away(app.sm, user.id, circle_ids, until)
    await message.reply_text(texts.away_set(user.first_name, until), parse_mode=ParseMode.HTML)


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, command("away", away))]
