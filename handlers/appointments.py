"""The day-before-an-appointment offer: one tap sends the person their report."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import ReportButton, decode, is_report_button
from bot.context import app_context
from bot.services import circles
from bot.services.appointments import REPORT_WEEKS
from bot.services.permissions import Action, may
from handlers.common import answer_press, is_group, real_sender
from handlers.report import send_report

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

NOT_YOURS = "This report is only for the person it is about."


async def report_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(pressed, ReportButton) or user is None or message is None:
        return
    app = app_context(context)
    circle = await circles.circle_by_id(app.sm, pressed.circle_id)
    role = await circles.role_of(app.sm, pressed.circle_id, user.id)
    # Health information: only the supported person, only in their private chat.
    allowed = (
        circle is not None and may(role, Action.OWN_HEALTH_DATA) and not is_group(message.chat)
    )
    await answer_press(query, None if allowed else NOT_YOURS, alert=not allowed)
    if not allowed or circle is None:
        return
    await send_report(
        context.bot, app.sm, message.chat.id, circle.id, REPORT_WEEKS, app.clock.now()
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, CallbackQueryHandler(report_button, pattern=is_report_button))]
