"""/remind and /reminders: a person's own reminders, always sent privately."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import ReminderButton, decode, is_reminder_button
from bot.context import AppContext, app_context
from bot.notify import Delivery
from bot.render import circles as circle_texts
from bot.render import scheduled as texts
from bot.render.common import start_button
from bot.services import circles, reminders
from bot.services.circles import CircleView
from bot.timeparse import Precision, When, WhenError, local_to_utc, split_need_text
from handlers.circle import circle_of_update
from handlers.common import answer_press, asked, command, is_group, real_sender, side_by_side

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# A reminder for "Friday" with no time comes in the morning of that day.
DAY_REMINDER_AT = time(9, 0)

TOO_LONG = (
    f"That's a bit long for a reminder. Please keep it under {reminders.MAX_PERSONAL_TEXT} "
    "characters."
)
TOO_MANY = (
    f"You already have {reminders.MAX_PERSONAL} reminders waiting. Cancel one in /reminders "
    "first, then try again."
)
NEED_START = (
    "I send reminders privately, and I can't message you yet. Tap the button, press Start, "
    "then send /remind again there."
)


def _zone(app: AppContext, circle: CircleView | None) -> ZoneInfo:
    return circle.zone if circle is not None else ZoneInfo(app.settings.default_timezone)


def _due(when: When, tz: ZoneInfo) -> datetime | None:
    if when.starts_at is None:
        return None
    if when.precision == Precision.DAY:
        day = when.starts_at.astimezone(tz).date()
        return local_to_utc(datetime.combine(day, DAY_REMINDER_AT), tz)
    return when.starts_at


async def remind(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None:
        return
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    wanted = request.words
    if not wanted:
        await message.reply_text(texts.remind_usage())
        return
    circle = await circle_of_update(update, context)
    tz = _zone(app, circle)
    now = app.clock.now()
    try:
        parsed = split_need_text(wanted, tz, now)
    except WhenError as error:
        await message.reply_text(str(error))
        return
    due = _due(parsed.when, tz)
    if due is None or not parsed.description:
        await message.reply_text(texts.remind_usage())
        return
    if due <= now:
        await message.reply_text(
            "That time has already passed. Please choose a time still to come, for example "
            "/remind in 30 minutes stretch"
        )
        return
    if len(parsed.description) > reminders.MAX_PERSONAL_TEXT:
        await message.reply_text(TOO_LONG)
        return
    if is_group(chat) and not await circles.is_reachable(app.sm, user.id):
        markup = (
            start_button(context.bot.username, circle.invite_code, circle_texts.START_BUTTON)
            if circle is not None
            else None
        )
        await message.reply_text(NEED_START, reply_markup=markup)
        return
    try:
        reminder = await reminders.add_personal(
            app.sm, user.id, circle.id if circle else None, due, parsed.description, now
        )
    except reminders.TooMany:
        await message.reply_text(TOO_MANY)
        return
    await app.scheduler.wake()
    if is_group(chat):
        # Only the time in the group: what it is about stays between them and the bot.
        await message.reply_text(
            texts.remind_set_in_group(reminder, tz, now), parse_mode=ParseMode.HTML
        )
    else:
        await message.reply_text(texts.remind_set(reminder, tz, now), parse_mode=ParseMode.HTML)


async def list_reminders(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None:
        return
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    tz = _zone(app, await circle_of_update(update, context))
    now = app.clock.now()
    items = await reminders.personal_reminders(app.sm, user.id)
    text = texts.reminders_list(items, tz, now)
    keyboard = texts.reminders_keyboard(items)
    if not is_group(chat):
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        return
    # A person's reminders are their own business: the list goes to them privately.
    delivery = await app.notifier.to_person(user.id, text, keyboard)
    if delivery == Delivery.SENT:
        await message.reply_text("I've sent you your reminders privately.")
    else:
        await message.reply_text(NEED_START.replace("/remind", "/reminders"))


async def _edit_list(app: AppContext, message: Message, user_id: int, tz: ZoneInfo) -> None:
    items = await reminders.personal_reminders(app.sm, user_id)
    now = app.clock.now()
    await app.notifier.edit(
        message.chat.id,
        message.message_id,
        texts.reminders_list(items, tz, now),
        texts.reminders_keyboard(items),
    )


async def reminder_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    if not isinstance(button, ReminderButton) or user is None:
        return
    app = app_context(context)
    cancelled = await reminders.cancel_personal(app.sm, user.id, button.reminder_id)
    said = "Cancelled." if cancelled else "That one was already sent or cancelled."
    message = query.message
    if not isinstance(message, Message):
        await answer_press(query, said)
        return
    tz = _zone(app, await circle_of_update(update, context))
    await side_by_side(answer_press(query, said), _edit_list(app, message, user.id, tz))


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("remind", remind)),
        (0, command("reminders", list_reminders)),
        (0, CallbackQueryHandler(reminder_button, pattern=is_reminder_button)),
    ]
