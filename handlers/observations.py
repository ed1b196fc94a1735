"""Helpers' observations after a need: the question to the helper, their reply, and the
supported person's choice of what goes into the report."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.callbacks import ObservationButton, ObservationChoice, decode, is_observation_button
from bot.context import AppContext, app_context
from bot.render import observations as texts
from bot.services import observations as service
from bot.services.circles import CircleView
from handlers.common import (
    Asked,
    answer_press,
    is_group,
    real_sender,
    side_by_side,
    typed_text,
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def ask_helper(app: AppContext, need_id: int) -> None:
    """After a need is done: each helper's private question, if the person wants these."""
    for asking in await service.ask_after_done(app.sm, need_id, app.clock.now()):
        await _ask(app, asking)


async def _ask(app: AppContext, asking: service.Asking) -> None:
    try:
        sent = await app.notifier.bot.send_message(
            asking.helper_id,
            texts.question(asking),
            parse_mode=ParseMode.HTML,
            reply_markup=texts.skip_keyboard(asking.observation_id),
        )
    except TelegramError as error:
        # Not reachable privately: never asked in the group, where it would not be private.
        log.info("could not ask helper %s for an observation: %s", asking.helper_id, error)
        await service.forget_question(app.sm, asking.observation_id)
        return
    await service.asked_in(app.sm, asking.observation_id, sent.message_id)


async def reply(update: Update, context: Context) -> None:
    """A helper's private reply to the question. Other replies are left to other features."""
    message = update.effective_message
    user = real_sender(update)
    if message is None or user is None or message.reply_to_message is None:
        return
    app = app_context(context)
    noticed = await service.answer(
        app.sm,
        user.id,
        message.reply_to_message.message_id,
        typed_text(message) or "",
        app.clock.now(),
    )
    if noticed is None:
        return
    await app.notifier.to_person(
        noticed.patient_id,
        texts.to_patient(noticed),
        texts.choice_keyboard(noticed.observation_id),
    )
    await message.reply_text(texts.thanks(noticed.patient_name))


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(pressed, ObservationButton) or user is None:
        return
    app = app_context(context)
    if pressed.choice == ObservationChoice.SKIP:
        await service.skip(app.sm, pressed.observation_id, user.id)
        steps: list[Awaitable[object]] = [answer_press(query, texts.SKIPPED)]
        if isinstance(message, Message):
            steps.append(
                app.notifier.edit(message.chat.id, message.message_id, texts.SKIPPED, None)
            )
        await side_by_side(*steps)
        return
    in_report = pressed.choice == ObservationChoice.REPORT
    noticed = await service.choose(app.sm, pressed.observation_id, user.id, in_report)
    if noticed is None:
        await answer_press(query, texts.NOT_YOURS, alert=True)
        return
    saved: list[Awaitable[object]] = [answer_press(query, "Saved ✓")]
    if isinstance(message, Message):
        text = texts.chosen(noticed, in_report)
        keyboard = texts.choice_keyboard(noticed.observation_id)
        saved.append(app.notifier.edit(message.chat.id, message.message_id, text, keyboard))
    await side_by_side(*saved)


async def switch_from_settings(request: Asked, app: AppContext, circle: CircleView) -> None:
    """/settings observations on|off — the supported person only, privately."""
    words = request.words.lower().split()
    value = words[1] if len(words) > 1 else ""
    if value not in ("on", "off"):
        await request.message.reply_text(texts.SWITCH_USAGE)
        return
    if is_group(request.chat):
        await request.message.reply_text(texts.ONLY_THE_PERSON)
        return
    now_on = await service.switch(app.sm, circle.id, request.user.id, value == "on")
    if now_on is None:
        await request.message.reply_text(texts.ONLY_THE_PERSON)
        return
    await request.message.reply_text(texts.switched(now_on))


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, CallbackQueryHandler(button, pattern=is_observation_button)),
        # Its own group: the guided /need flow reads private text in group 0.
        (
            2,
            MessageHandler(
                filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                reply,
            ),
        ),
    ]
