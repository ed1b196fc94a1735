"""/ask and /questions: questions for the next appointment, kept in private chats only."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import QuestionAction, QuestionButton, decode, is_question_button
from bot.context import app_context
from bot.notify import Delivery
from bot.render import circles as circle_texts
from bot.render import questions as texts
from bot.render.common import start_button
from bot.services import circles
from bot.services import questions as service
from bot.services.permissions import Action, may
from bot.services.questions import Outcome, Problem
from handlers.circle import asked_in_circle
from handlers.common import answer_press, command, is_group, real_sender, side_by_side

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def ask(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    role = await circles.role_of(app.sm, circle.id, user.id)
    if is_group(chat):
        # The words may be about health: not saved, not repeated, and nudged to a private chat.
        lead = may(role, Action.ASK_QUESTION)
        await message.reply_text(
            texts.kept_private_in_group(circle.patient_name, lead, typed=bool(request.words)),
            parse_mode=ParseMode.HTML,
            reply_markup=(
                start_button(context.bot.username, circle.invite_code, circle_texts.START_BUTTON)
                if lead
                else None
            ),
        )
        return
    if not may(role, Action.ASK_QUESTION):
        await message.reply_text(texts.not_allowed(circle.patient_name))
        return
    question = request.words
    match service.check_question(question):
        case Problem.EMPTY:
            await message.reply_text(texts.ASK_USAGE)
            return
        case Problem.TOO_LONG:
            await message.reply_text(texts.too_long(len(question.strip())))
            return
    result = await service.ask(app.sm, circle.id, user.id, question, app.clock.now())
    match result.outcome:
        case Outcome.SAVED:
            await message.reply_text(texts.saved(result))
        case Outcome.TOO_MANY:
            await message.reply_text(texts.too_many())
        case _:
            await message.reply_text(texts.not_allowed(circle.patient_name))


async def list_questions(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    result = await service.question_list(app.sm, circle.id, user.id)
    if result.questions is None:
        if is_group(chat):
            await message.reply_text(
                texts.list_in_group(circle.patient_name, may_see=False), parse_mode=ParseMode.HTML
            )
        else:
            await message.reply_text(texts.not_allowed(circle.patient_name))
        return
    text, keyboard = texts.list_message(result.questions)
    if not is_group(chat):
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        return
    # Never in the group: the list goes to the person privately.
    if await app.notifier.to_person(user.id, text, keyboard) == Delivery.SENT:
        await message.reply_text(
            texts.list_in_group(circle.patient_name, may_see=True), parse_mode=ParseMode.HTML
        )
    else:
        await message.reply_text(
            texts.cannot_send_privately(),
            reply_markup=start_button(
                context.bot.username, circle.invite_code, circle_texts.START_BUTTON
            ),
        )


_SAID = {
    (QuestionAction.ANSWERED, Outcome.DONE): texts.MARKED,
    (QuestionAction.ANSWERED, Outcome.ALREADY): texts.ALREADY_ANSWERED,
    (QuestionAction.REOPEN, Outcome.DONE): texts.REOPENED,
    (QuestionAction.REOPEN, Outcome.ALREADY): texts.ALREADY_OPEN,
}


async def question_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, QuestionButton) or user is None or not isinstance(message, Message):
        await answer_press(query, texts.BUTTON_GONE)
        return
    app = app_context(context)
    match button.action:
        case QuestionAction.ANSWERED:
            result = await service.mark_answered(app.sm, button.target_id, user.id, app.clock.now())
        case QuestionAction.REOPEN:
            result = await service.reopen(app.sm, button.target_id, user.id)
        case QuestionAction.SHOW_ANSWERED | QuestionAction.SHOW_OPEN:
            answered = button.action == QuestionAction.SHOW_ANSWERED
            result = await service.question_list(
                app.sm, button.target_id, user.id, answered=answered
            )
    shown = result.questions
    if result.outcome == Outcome.NOT_ALLOWED or shown is None:
        refusal = (
            texts.not_allowed(result.patient_name)
            if result.outcome == Outcome.NOT_ALLOWED
            else texts.BUTTON_GONE
        )
        await answer_press(query, refusal, alert=True)
        return
    text, keyboard = texts.list_message(shown)
    await side_by_side(
        answer_press(query, _SAID.get((button.action, result.outcome))),
        app.notifier.edit(message.chat.id, message.message_id, text, keyboard),
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("ask", ask)),
        (0, command("questions", list_questions)),
        (0, CallbackQueryHandler(question_button, pattern=is_question_button)),
    ]
