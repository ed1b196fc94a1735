"""/need on its own: category, description, day, time, confirm — one step at a time.

In a group the bot can only read messages that reply to it (privacy mode), so the
questions that need typing come with a ForceReply aimed at the person asking."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from typing import Any

from telegram import CallbackQuery, ForceReply, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.callbacks import WizardButton, WizardStep, decode, is_wizard_button
from bot.categories import CATEGORY_EMOJI, CATEGORY_NAME, Category
from bot.context import AppContext, app_context
from bot.places import read_places
from bot.render import needs as need_texts
from bot.render import wizard as texts
from bot.services import circles, drafts
from bot.services import needs as need_service
from bot.services.circles import CircleView
from bot.services.drafts import Draft, Step
from bot.services.needs import NeedCard
from bot.timeparse import (
    NO_TIME,
    PARTS_OF_DAY,
    When,
    WhenError,
    day_when,
    parse_time_on_day,
    part_of_day_when,
)
from handlers.cards import publish
from handlers.common import (
    answer_press,
    command,
    is_group,
    real_sender,
    side_by_side,
    typed_text,
)
from storage.models import NeedStatus

Context = ContextTypes.DEFAULT_TYPE


def _force_reply(in_group: bool) -> ForceReply | None:
    return ForceReply(selective=True, input_field_placeholder="Type here…") if in_group else None


async def begin(update: Update, context: Context, circle: CircleView) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None or user is None:
        return
    app = app_context(context)
    await drafts.start(app.sm, message.chat.id, user.id, circle.id, app.clock.now())
    await message.reply_text(
        texts.ask_category(circle.patient_name),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.category_keyboard(),
    )


def _local_today(circle: CircleView, now: datetime) -> date:
    return now.astimezone(circle.zone).date()


def _preview(draft: Draft, circle: CircleView, user: User) -> NeedCard:
    assert draft.category is not None and draft.description is not None
    places = read_places(draft.description)
    return NeedCard(
        id=0,
        circle_id=circle.id,
        chat_id=circle.chat_id,
        category=draft.category,
        description=places.description,
        when=draft.when or NO_TIME,
        status=NeedStatus.OPEN,
        requested_by=user.id,
        requester_name=user.first_name,
        patient_id=circle.patient_id,
        patient_name=circle.patient_name,
        claimer_id=None,
        claimer_name=None,
        cancelled_by_name=None,
        card_chat_id=None,
        card_message_id=None,
        timezone=circle.timezone,
        places=places.count,
    )


async def _ask_to_confirm(
    message: Message, draft: Draft, circle: CircleView, user: User, now: datetime
) -> None:
    preview = need_texts.card_text(_preview(draft, circle, user), now)
    await message.reply_text(
        texts.confirm(preview), parse_mode=ParseMode.HTML, reply_markup=texts.confirm_keyboard()
    )


async def _settle(query: CallbackQuery, text: str) -> None:
    """Turn a question the person has answered into a plain line, so old buttons vanish."""
    # Not modified, or deleted meanwhile: the flow goes on either way.
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)


def _owner_of(message: Message | None, presser: int) -> int:
    """Wizard questions in a group reply to the asker's message; in private, it's the chat."""
    if message is None:
        return presser
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id
    return presser


async def wizard_button(update: Update, context: Context) -> None:
    query = update.callback_query
    user = real_sender(update)
    if query is None or user is None or not isinstance(query.message, Message):
        return
    button = decode(query.data)
    assert isinstance(button, WizardButton)
    message = query.message
    if _owner_of(message, user.id) != user.id:
        await answer_press(query, texts.NOT_YOURS, alert=True)
        return
    app = app_context(context)
    draft = await drafts.current(app.sm, message.chat.id, user.id)
    if draft is None:
        await side_by_side(
            answer_press(query, texts.EXPIRED, alert=True), _settle(query, texts.EXPIRED)
        )
        return
    circle = await circles.circle_by_id(app.sm, draft.circle_id)
    if circle is None:
        await drafts.discard(app.sm, message.chat.id, user.id)
        await answer_press(query, texts.EXPIRED, alert=True)
        return
    # The next question need not wait for the press's answer to reach Telegram.
    await side_by_side(
        answer_press(query), _on_button(app, query, message, user, draft, circle, button)
    )


async def _on_button(
    app: AppContext,
    query: CallbackQuery,
    message: Message,
    user: User,
    draft: Draft,
    circle: CircleView,
    button: WizardButton,
) -> None:
    chat_id, in_group = message.chat.id, is_group(message.chat)
    asker = message.reply_to_message or message
    now = app.clock.now()
    if button.step == WizardStep.STOP:
        await drafts.discard(app.sm, chat_id, user.id)
        await _settle(query, texts.STOPPED)
        return
    if button.step == WizardStep.CATEGORY and draft.step == Step.CATEGORY:
        try:
            category = Category(button.value)
        except ValueError:
            return
        await drafts.choose_category(app.sm, chat_id, user.id, category)
        await _settle(query, f"{CATEGORY_EMOJI[category]} {CATEGORY_NAME[category]}")
        await asker.reply_text(
            texts.ask_description(category, in_group), reply_markup=_force_reply(in_group)
        )
        return
    if button.step == WizardStep.DAY and draft.step in (Step.DAY, Step.PICK_DAY):
        today = _local_today(circle, now)
        if button.value == "pick":
            await drafts.ask_for_day(app.sm, chat_id, user.id)
            await query.edit_message_reply_markup(texts.pick_day_keyboard(today))
            return
        if button.value == "none":
            updated = await drafts.choose_when(app.sm, chat_id, user.id, NO_TIME)
            await _settle(query, "🗓 No specific time")
            if updated is not None:
                await _ask_to_confirm(asker, updated, circle, user, now)
            return
        day = _day_from_button(button.value, today)
        if day is None:
            return
        await drafts.choose_day(app.sm, chat_id, user.id, day)
        await _settle(query, f"🗓 {day:%a %-d %b}")
        await asker.reply_text(
            texts.ask_time(day, in_group),
            reply_markup=texts.time_keyboard(),
        )
        return
    if button.step == WizardStep.TIME and draft.step == Step.TIME and draft.day is not None:
        if button.value != "day" and button.value not in PARTS_OF_DAY:
            return  # not one of our buttons ("w:time:" raised WhenUnclear)
        when = (
            day_when(draft.day, circle.zone)
            if button.value == "day"
            else part_of_day_when(draft.day, button.value, circle.zone)
        )
        if _is_over(when, now):
            await asker.reply_text(
                "That part of the day is already over — please pick a later time, "
                "or another day with /need."
            )
            return
        updated = await drafts.choose_when(app.sm, chat_id, user.id, when)
        await _settle(query, f"🕰 {'Any time that day' if button.value == 'day' else button.value}")
        if updated is not None:
            await _ask_to_confirm(asker, updated, circle, user, now)
        return
    if button.step == WizardStep.POST and draft.step == Step.CONFIRM:
        await _post(app, query, message, user, draft, circle)
        return
    # A button from an earlier step pressed again: nothing to do, the flow has moved on.


def _day_from_button(value: str, today: date) -> date | None:
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    try:
        day = datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None
    return day if day >= today else None


def _is_over(when: When, now: datetime) -> bool:
    end = when.ends_at or when.starts_at
    return end is not None and end <= now


async def _post(
    app: AppContext,
    query: CallbackQuery,
    message: Message,
    user: User,
    draft: Draft,
    circle: CircleView,
) -> None:
    assert draft.category is not None and draft.description is not None
    when = draft.when or NO_TIME
    if _is_over(when, app.clock.now()):
        await query.edit_message_text(
            "That time has passed while we were talking — send /need to post it with a new time."
        )
        await drafts.discard(app.sm, message.chat.id, user.id)
        return
    # Remove the draft first: a double tap on "Post it" must not post twice.
    if not await drafts.discard(app.sm, message.chat.id, user.id):
        return
    # "2 people to help move the bed": several places, as with /need and words.
    places = read_places(draft.description)
    card = await publish(
        app, circle, user.id, draft.category, places.description, when, places.count
    )
    if card is None:
        await _settle(query, "I couldn't post in the group just now. Please try /need again.")
        return
    await _settle(
        query, texts.posted_elsewhere(circle.title) if not is_group(message.chat) else texts.POSTED
    )


async def wizard_text(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    typed = typed_text(message) if message is not None else None
    if message is None or user is None or typed is None:
        return
    in_group = is_group(message.chat)
    if in_group:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return  # ordinary conversation in the group
    app = app_context(context)
    draft = await drafts.current(app.sm, message.chat.id, user.id)
    if draft is None:
        if not in_group:
            await message.reply_text(texts.NOT_UNDERSTOOD)
        return
    circle = await circles.circle_by_id(app.sm, draft.circle_id)
    if circle is None:
        return
    now = app.clock.now()
    if draft.step == Step.DESCRIBE:
        count = read_places(typed).count
        if not 1 <= count <= need_service.MAX_PLACES:
            await message.reply_text(
                need_texts.too_many_places_text(count), reply_markup=_force_reply(in_group)
            )
            return
        problem = need_service.check_description(read_places(typed).description)
        if problem is not None:
            await message.reply_text(
                need_texts.description_problem_text(problem, len(typed.strip())),
                reply_markup=_force_reply(in_group),
            )
            return
        await drafts.describe(app.sm, message.chat.id, user.id, typed)
        await message.reply_text(texts.ask_day(), reply_markup=texts.day_keyboard())
        return
    if draft.step == Step.TIME and draft.day is not None:
        try:
            when = parse_time_on_day(typed, draft.day, circle.zone, now)
        except WhenError as error:
            await message.reply_text(str(error), reply_markup=_force_reply(in_group))
            return
        updated = await drafts.choose_when(app.sm, message.chat.id, user.id, when)
        if updated is not None:
            await _ask_to_confirm(message, updated, circle, user, now)
        return
    await message.reply_text(texts.USE_BUTTONS)


async def cancel(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None or user is None:
        return
    removed = await drafts.discard(app_context(context).sm, message.chat.id, user.id)
    await message.reply_text(texts.STOPPED if removed else texts.NOTHING_TO_CANCEL)


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("cancel", cancel)),
        (0, CallbackQueryHandler(wizard_button, pattern=is_wizard_button)),
        (
            0,
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, wizard_text
            ),
        ),
    ]
