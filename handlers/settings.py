"""/settings: when helpers are reminded, when the group is nudged, the morning summary, and
how many days ahead a repeating need's dates are posted."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import SettingsButton, decode, is_settings_button
from bot.context import app_context
from bot.render import settings as texts
from bot.services import settings as service
from bot.services.permissions import Place
from bot.services.settings import Choice, Outcome, Setting, Unreadable
from handlers import observations
from handlers.circle import require_circle
from handlers.common import (
    ANONYMOUS_REPLY,
    answer_press,
    asked,
    command,
    is_group,
    real_sender,
    side_by_side,
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# Helpers' observations are the supported person's own choice, so they are switched apart
# from the circle's settings that coordinators may change.
OBSERVATION_WORDS = frozenset({"observations", "observation", "noticed"})


async def settings_command(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    user = real_sender(update)
    words = context.args or []
    if not words:
        # Anyone may look; only the supported person and coordinators get the buttons.
        shown = await service.overview(app.sm, circle.id, user.id if user else None)
        if shown is None:
            return
        settings, can_change = shown
        await message.reply_text(
            texts.summary_text(settings, can_change),
            parse_mode=ParseMode.HTML,
            reply_markup=texts.menu_keyboard(circle.id) if can_change else None,
        )
        return
    if user is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return
    if words[0].lower() in OBSERVATION_WORDS:
        request = await asked(update)
        if request is not None:
            await observations.switch_from_settings(request, app, circle)
        return
    place = Place(chat.id, private=not is_group(chat))
    # Who may change comes first: a member is not coached through the wording in vain.
    allowed = await service.open_for_change(app.sm, circle.id, user.id, place)
    if allowed.outcome != Outcome.ALLOWED or allowed.settings is None:
        await message.reply_text(texts.not_allowed_reply(circle.patient_name))
        return
    wanted = service.read_command(words)
    if isinstance(wanted, Unreadable):
        typed = " ".join(words[1:])
        await message.reply_text(texts.problem_text(wanted, typed), parse_mode=ParseMode.HTML)
        return
    if wanted == Setting.SERIES:
        # Typed only: any number of days, no buttons to pick from.
        await message.reply_text(
            texts.series_choices_text(allowed.settings), parse_mode=ParseMode.HTML
        )
        return
    if isinstance(wanted, Setting):
        await message.reply_text(
            texts.choices_text(allowed.settings, wanted),
            parse_mode=ParseMode.HTML,
            reply_markup=texts.choices_keyboard(circle.id, wanted),
        )
        return
    result = await service.change(app.sm, circle.id, user.id, place, wanted, app.clock.now())
    if result.outcome != Outcome.SAVED or result.settings is None:
        await message.reply_text(texts.not_allowed_reply(circle.patient_name))
        return
    await app.scheduler.wake()
    await message.reply_text(
        texts.saved_text(result.settings),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.menu_keyboard(circle.id),
    )


async def settings_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    press = service.read_press(button) if isinstance(button, SettingsButton) else None
    user = real_sender(update)
    message = query.message
    if press is None or user is None or message is None:
        await answer_press(query, texts.BUTTON_GONE)
        return
    app = app_context(context)
    place = Place(message.chat.id, private=not is_group(message.chat))
    choice: Choice | None = press.choice
    if choice is None:
        result = await service.open_for_change(app.sm, press.circle_id, user.id, place)
    else:
        result = await service.change(
            app.sm, press.circle_id, user.id, place, choice, app.clock.now()
        )
    settings = result.settings
    if result.outcome == Outcome.OTHER_CIRCLE or settings is None:
        await answer_press(query, texts.OTHER_CIRCLE, alert=True)
        return
    if result.outcome == Outcome.NOT_ALLOWED:
        await answer_press(query, texts.not_allowed(settings.patient_name), alert=True)
        return
    if press.setting is not None and choice is None:
        text = texts.choices_text(settings, press.setting)
        keyboard = texts.choices_keyboard(press.circle_id, press.setting)
    else:
        text = texts.summary_text(settings, can_change=True)
        keyboard = texts.menu_keyboard(press.circle_id)
    await side_by_side(
        answer_press(query, texts.SAVED if choice is not None else None),
        app.notifier.edit(message.chat.id, message.message_id, text, keyboard),
    )
    if choice is not None:
        await app.scheduler.wake()


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("settings", settings_command)),
        (0, CallbackQueryHandler(settings_button, pattern=is_settings_button)),
    ]
