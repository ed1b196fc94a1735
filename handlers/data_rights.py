"""/export, /forget_me and /delete_circle: in a private chat only. Each change is made and
committed by the service first; Telegram is told afterwards, and a refusal there (a group
that removed the bot) changes nothing that was decided."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TimedOut
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import DataAction, DataButton, decode, is_data_button
from bot.context import AppContext, app_context
from bot.render import circles as circle_texts
from bot.render import data_rights as texts
from bot.services import data_rights as service
from bot.services.data_rights import DeleteOutcome, ForgetOutcome, Forgotten
from handlers.cards import show_latest
from handlers.circle import circle_of_update
from handlers.common import answer_press, asked, command, is_group, real_sender

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def _in_group(message: Message, context: Context, name: str) -> bool:
    """In a group nothing is shown or done: only where to ask instead."""
    if not is_group(message.chat):
        return False
    username = context.bot.username
    await message.reply_text(
        texts.in_group(name),
        reply_markup=texts.private_chat_button(username) if username else None,
    )
    return True


async def _show_working(bot: Bot, chat_id: int) -> None:
    try:
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    except (BadRequest, TimedOut) as error:
        log.info("chat action failed: %s", error.message)


async def export_command(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None or await _in_group(request.message, context, "export"):
        return
    app = app_context(context)
    circle = await circle_of_update(update, context)
    export = await service.export(
        app.sm,
        request.user.id,
        circle.id if circle is not None else None,
        app.clock.now(),
        app.settings.default_timezone,
    )
    chat_id = request.chat.id
    await _show_working(context.bot, chat_id)
    # Files are made in a worker thread: a large circle's history must not hold up others.
    document = await asyncio.to_thread(texts.export_json, export)
    archive = await asyncio.to_thread(texts.export_zip, export)
    await request.message.reply_text(texts.export_intro(export), parse_mode=ParseMode.HTML)
    await context.bot.send_document(
        chat_id, document, filename=texts.json_filename(export), caption=texts.JSON_CAPTION
    )
    await context.bot.send_document(
        chat_id, archive, filename=texts.zip_filename(export), caption=texts.ZIP_CAPTION
    )


async def forget_me_command(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None or await _in_group(request.message, context, "forget_me"):
        return
    plan = await service.forget_plan(app_context(context).sm, request.user.id)
    if plan.supported_in:
        await request.message.reply_text(
            texts.supported_person_text(plan.supported_in), parse_mode=ParseMode.HTML
        )
        return
    await request.message.reply_text(
        texts.forget_question(plan),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.forget_keyboard(request.user.id),
    )


async def delete_circle_command(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None or await _in_group(request.message, context, "delete_circle"):
        return
    circle = await circle_of_update(update, context)
    if circle is None:
        await request.message.reply_text(circle_texts.NO_CIRCLE_IN_PRIVATE)
        return
    preview = await service.delete_preview(app_context(context).sm, circle.id, request.user.id)
    match preview:
        case service.CirclePreview():
            await request.message.reply_text(
                texts.delete_question(preview),
                parse_mode=ParseMode.HTML,
                reply_markup=texts.delete_keyboard(preview.circle_id),
            )
        case DeleteOutcome.GONE:
            await request.message.reply_text(texts.ALREADY_DELETED)
        case _:
            await request.message.reply_text(
                texts.delete_not_allowed(circle.patient_name), parse_mode=ParseMode.HTML
            )


# --- the confirmation buttons ------------------------------------------------------------


async def _settle(app: AppContext, message: Message, text: str) -> None:
    """The question is answered: its buttons go, so nothing is left to tap by mistake."""
    await app.notifier.edit(message.chat.id, message.message_id, text, None)


async def _after_forgetting(app: AppContext, forgotten: Forgotten) -> None:
    """Cards no longer name the person; needs back on the board are announced, kindly and
    without saying why."""
    now = app.clock.now()
    for card in forgotten.renamed:
        await show_latest(app, card.id)
    for card in forgotten.reopened:
        await app.notifier.to_group(
            card.chat_id, texts.reopened_in_group(card, now), reply_to=card.card_message_id
        )
    for card, backup_id in forgotten.promoted:
        await app.notifier.to_person(backup_id, texts.backup_on_now(card, now))
    if forgotten.reopened or forgotten.promoted:
        await app.scheduler.wake()


async def _forget(app: AppContext, query: CallbackQuery, message: Message, user_id: int) -> None:
    forgotten = await service.forget(app.sm, user_id, app.clock.now())
    if forgotten.outcome == ForgetOutcome.SUPPORTED_PERSON:
        await answer_press(query)
        plan = await service.forget_plan(app.sm, user_id)
        await _settle(app, message, texts.supported_person_text(plan.supported_in))
        return
    await answer_press(query, "Done ✓")
    await _settle(app, message, texts.forgotten_text(len(forgotten.reopened)))
    await _after_forgetting(app, forgotten)


async def _delete(
    app: AppContext, query: CallbackQuery, message: Message, circle_id: int, user_id: int
) -> None:
    deleted = await service.delete_circle(app.sm, circle_id, user_id)
    match deleted.outcome:
        case DeleteOutcome.GONE:
            await answer_press(query, texts.ALREADY_DELETED)
            await _settle(app, message, texts.ALREADY_DELETED)
        case DeleteOutcome.NOT_ALLOWED:
            await answer_press(query, texts.DELETE_NOT_ALLOWED, alert=True)
        case DeleteOutcome.DELETED:
            await answer_press(query, "Deleted ✓")
            await _settle(app, message, texts.deleted_text(deleted.title, deleted.kept_reminders))
            if deleted.chat_id is not None:
                # Best effort: a group that removed the bot just doesn't hear it.
                await app.notifier.to_group(
                    deleted.chat_id, texts.goodbye_in_group(deleted.patient_name)
                )


async def data_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(pressed, DataButton) or user is None or not isinstance(message, Message):
        await answer_press(query, texts.BUTTON_GONE)
        return
    app = app_context(context)
    match pressed.action:
        case DataAction.FORGET | DataAction.KEEP_ME if pressed.target_id != user.id:
            await answer_press(query, texts.NOT_YOUR_BUTTON, alert=True)
        case DataAction.KEEP_ME:
            await answer_press(query)
            await _settle(app, message, texts.KEPT_ME)
        case DataAction.FORGET:
            await _forget(app, query, message, user.id)
        case DataAction.KEEP_CIRCLE:
            await answer_press(query)
            await _settle(app, message, texts.KEPT_CIRCLE)
        case DataAction.DELETE:
            await _delete(app, query, message, pressed.target_id, user.id)


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("export", export_command)),
        (0, command("forget_me", forget_me_command)),
        (0, command("delete_circle", delete_circle_command)),
        (0, CallbackQueryHandler(data_button, pattern=is_data_button)),
    ]
