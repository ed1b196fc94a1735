"""/team: the care team directory. Anyone in the circle may look; the group sees names and
roles, a private chat everything. The supported person and coordinators add, edit, remove."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import TeamAction, TeamButton, decode, is_team_button
from bot.context import AppContext, app_context
from bot.render import team as texts
from bot.services import circles
from bot.services import team as service
from bot.services.permissions import Action, Place, may
from bot.services.team import Add, Edit, Outcome, Remove, Show, Unreadable
from handlers.circle import asked_in_circle
from handlers.common import answer_press, command, is_group, real_sender, side_by_side

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def team(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    private = not is_group(chat)
    can_change = may(await circles.role_of(app.sm, circle.id, user.id), Action.EDIT_TEAM)
    wanted = service.read_command(request.words)
    if isinstance(wanted, Show):
        directory = await service.team(app.sm, circle.id)
        if directory is None:
            return
        for text in texts.team_messages(directory, private=private, can_change=can_change):
            await message.reply_text(text, parse_mode=ParseMode.HTML)
        return
    # Who may change comes first: a member is not coached through the wording in vain.
    if not can_change:
        await message.reply_text(texts.not_allowed(circle.patient_name))
        return
    if isinstance(wanted, Unreadable):
        await message.reply_text(texts.problem_text(wanted), parse_mode=ParseMode.HTML)
        return
    match wanted:
        case Add():
            result = await service.add(app.sm, circle.id, user.id, wanted.draft, app.clock.now())
        case Edit():
            result = await service.edit(app.sm, circle.id, user.id, wanted)
        case Remove():
            result = await service.to_remove(app.sm, circle.id, user.id, wanted.number)
    contact = result.contact
    match result.outcome:
        case Outcome.NOT_ALLOWED | Outcome.GONE | Outcome.ELSEWHERE:
            await message.reply_text(texts.not_allowed(circle.patient_name))
        case Outcome.TOO_MANY:
            await message.reply_text(texts.too_many())
        case Outcome.NO_SUCH_NUMBER:
            number = wanted.number if isinstance(wanted, Edit | Remove) else 0
            count = len(result.team.contacts) if result.team else 0
            await message.reply_text(texts.no_such_number(number, count))
        case Outcome.SAVED if contact is not None and isinstance(wanted, Add):
            await message.reply_text(
                texts.added_text(contact, private=private, role_guessed=wanted.draft.role_guessed),
                parse_mode=ParseMode.HTML,
            )
        case Outcome.SAVED if contact is not None and isinstance(wanted, Edit):
            await message.reply_text(
                texts.edited_text(
                    contact, wanted.field, private=private, cleared=wanted.value is None
                ),
                parse_mode=ParseMode.HTML,
            )
        case Outcome.SHOWN if contact is not None:
            await message.reply_text(
                texts.confirm_remove_text(contact, circle.patient_name),
                parse_mode=ParseMode.HTML,
                reply_markup=texts.confirm_remove_keyboard(contact),
            )


async def team_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, TeamButton) or user is None or not isinstance(message, Message):
        await answer_press(query, texts.BUTTON_GONE)
        return
    app = app_context(context)
    place = Place(message.chat.id, private=not is_group(message.chat))
    result = await service.confirm_remove(
        app.sm, button.contact_id, user.id, place, remove=button.action == TeamAction.REMOVE
    )
    contact = result.contact
    match result.outcome:
        case Outcome.NOT_ALLOWED if result.team is not None:
            await answer_press(query, texts.not_allowed(result.team.patient_name), alert=True)
        case Outcome.ELSEWHERE:
            await answer_press(query, texts.OTHER_CIRCLE, alert=True)
        case Outcome.REMOVED if contact is not None:
            await _answer_and_show(app, query, "Removed ✓", texts.removed_text(contact))
        case Outcome.KEPT if contact is not None:
            await _answer_and_show(app, query, "Kept ✓", texts.kept_text(contact))
        case _:
            await _answer_and_show(app, query, texts.ALREADY_GONE, texts.ALREADY_GONE)


async def _answer_and_show(app: AppContext, query: CallbackQuery, said: str, text: str) -> None:
    """The pop-up and the question's new text, on their way together."""
    message = query.message
    assert message is not None
    await side_by_side(
        answer_press(query, said),
        app.notifier.edit(message.chat.id, message.message_id, text, None),
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("team", team)),
        (0, CallbackQueryHandler(team_button, pattern=is_team_button)),
    ]
