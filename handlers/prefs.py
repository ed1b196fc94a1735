"""/prefs: what help is welcome and what isn't, in the supported person's words."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, ContextTypes

from bot.context import app_context
from bot.render import prefs as texts
from bot.services import prefs as service
from bot.services.prefs import Change, Outcome, Show, Unreadable
from handlers.circle import asked_in_circle
from handlers.common import command

Context = ContextTypes.DEFAULT_TYPE


async def prefs(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, user = request.message, request.user
    app = app_context(context)
    can_change = await service.may_change(app.sm, circle.id, user.id)
    wanted = service.read_command(request.words)
    if isinstance(wanted, Show):
        shown = await service.get_prefs(app.sm, circle.id)
        if shown is not None:
            await message.reply_text(texts.prefs_text(shown, can_change), parse_mode=ParseMode.HTML)
        return
    # Who may change comes first: a member is not coached through the wording in vain.
    if not can_change:
        await message.reply_text(texts.not_allowed(circle.patient_name))
        return
    if isinstance(wanted, Unreadable):
        await message.reply_text(texts.problem_text(wanted))
        return
    assert isinstance(wanted, Change)
    result = await service.change(app.sm, circle.id, user.id, wanted)
    if result.outcome != Outcome.SAVED or result.prefs is None:
        await message.reply_text(texts.not_allowed(circle.patient_name))
        return
    await message.reply_text(
        texts.saved_text(result.prefs, cleared=wanted.text is None), parse_mode=ParseMode.HTML
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, command("prefs", prefs))]
