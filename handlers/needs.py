"""Needs in the chat: /need with words, the card's buttons, /board and /mine."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import NeedAction, NeedButton, Origin, decode, is_need_button
from bot.categories import recognise_category
from bot.context import AppContext, app_context
from bot.notify import Delivery
from bot.places import read_places
from bot.render import circles as circle_texts
from bot.render import needs as texts
from bot.render import scheduled as scheduled_texts
from bot.render.common import start_button
from bot.services import circles
from bot.services import needs as service
from bot.services import prefs as prefs_service
from bot.services.needs import NeedCard, NeedChange, Refusal
from bot.services.permissions import Action, may
from bot.timeparse import WhenError, parse_when, split_need_text
from handlers import need_wizard, observations, series, thanks
from handlers.cards import publish, refresh_card
from handlers.circle import asked_in_circle, require_circle
from handlers.common import (
    ANONYMOUS_REPLY,
    answer_press,
    command,
    is_group,
    real_sender,
    side_by_side,
)

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

NOT_A_LEAD_IN_PRIVATE = (
    "To ask for help, post /need in the group — or ask the person we're supporting or a "
    "coordinator to post it."
)


async def need(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    if not is_group(chat):
        role = await circles.role_of(app.sm, circle.id, user.id)
        if not may(role, Action.POST_NEED_FROM_PRIVATE):
            await message.reply_text(NOT_A_LEAD_IN_PRIVATE)
            return
    text = request.words
    if not text:
        await need_wizard.begin(update, context, circle)
        return
    if await series.post_from_text(update, context, circle, text):
        return
    now = app.clock.now()
    try:
        parsed = split_need_text(text, circle.zone, now)
    except WhenError as error:
        await message.reply_text(str(error))
        return
    places = read_places(parsed.description)
    if not 1 <= places.count <= service.MAX_PLACES:
        await message.reply_text(texts.too_many_places_text(places.count))
        return
    problem = service.check_description(places.description)
    if problem is not None:
        await message.reply_text(texts.description_problem_text(problem, len(places.description)))
        return
    category = recognise_category(places.description)
    card = await publish(
        app, circle, user.id, category, places.description, parsed.when, places.count
    )
    if card is None:
        await message.reply_text(
            "I couldn't post in the group just now. Please check I'm still in it and try again."
        )
        return
    if not is_group(chat):
        await message.reply_text(
            texts.posted_in_group_notice(card, circle.title), parse_mode=ParseMode.HTML
        )


async def when(update: Update, context: Context) -> None:
    """/when <new time>, as a reply to a need's card."""
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    reply = message.reply_to_message
    need_id = (
        await service.need_of_card(app.sm, chat.id, reply.message_id)
        if reply is not None and is_group(chat)
        else None
    )
    wanted = request.words
    if need_id is None or not wanted:
        await message.reply_text(texts.WHEN_USAGE)
        return
    now = app.clock.now()
    try:
        new_when = parse_when(wanted, circle.zone, now)
    except WhenError as error:
        await message.reply_text(str(error))
        return
    async with app.need_turns.turn(need_id):
        press = service.Press(need_id, user.id, chat.id, False, now)
        change = await service.change_time(app.sm, press, new_when)
        card = change.card
        if change.refusal is not None or card is None:
            assert change.refusal is not None
            await message.reply_text(texts.refusal_text(change.refusal, card))
            return
        await refresh_card(app, card)
    await message.reply_text(texts.moved_reply(card, now), parse_mode=ParseMode.HTML)
    # Every helper hears of the new time, with their own reminders; so does a backup.
    told = dict(change.helper_reminders)
    for person in (*told, *card.backup_ids):
        if person != user.id:
            await app.notifier.to_person(
                person,
                texts.moved_notice_to_helper(card, user.first_name, now, told.get(person, ())),
            )
    await app.scheduler.wake()


async def board(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    now = app.clock.now()
    the_board = await service.board(app.sm, circle.id, now)
    await message.reply_text(
        texts.board_text(the_board, circle.patient_name, now),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.board_keyboard(the_board),
    )


async def mine(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None:
        return
    if user is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return
    app = app_context(context)
    now = app.clock.now()
    mine_board = await service.mine(app.sm, user.id, now)
    await message.reply_text(
        texts.mine_text(mine_board, now, user.id),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.mine_keyboard(mine_board),
    )


async def _refresh_origin(
    app: AppContext, query: CallbackQuery, button: NeedButton, card: NeedCard, user_id: int
) -> None:
    """A press on /board or /mine also updates that list."""
    message = query.message
    if message is None or button.origin == Origin.CARD:
        return
    now = app.clock.now()
    text: str
    keyboard: InlineKeyboardMarkup | None
    if button.origin == Origin.NUDGE:
        text, keyboard = scheduled_texts.nudge_taken_text(card, now), None
    elif button.origin == Origin.FOLLOW_UP:
        text, keyboard = scheduled_texts.follow_up_answered(card, now), None
    elif button.origin == Origin.BOARD:
        the_board = await service.board(app.sm, card.circle_id, now)
        text = texts.board_text(the_board, card.patient_name, now)
        keyboard = texts.board_keyboard(the_board)
    else:
        mine_board = await service.mine(app.sm, user_id, now)
        text = texts.mine_text(mine_board, now, user_id)
        keyboard = texts.mine_keyboard(mine_board)
    await app.notifier.edit(message.chat.id, message.message_id, text, keyboard)


async def need_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, NeedButton) or user is None or message is None:
        await answer_press(query, "This button no longer works. Try /board for the current needs.")
        return
    app = app_context(context)
    now = app.clock.now()
    chat = message.chat
    private = not is_group(chat)
    # The need's turn lasts from the change to its card's edit: a press from another chat
    # on the same need waits, so it cannot edit the card first and be overwritten.
    async with app.need_turns.turn(button.need_id):
        press = service.Press(button.need_id, user.id, chat.id, private, now)
        change = await _PRESSES[button.action](app.sm, press)
        card = change.card
        if change.refusal is not None:
            answer = answer_press(query, texts.refusal_text(change.refusal, card), alert=True)
            if card is None or change.refusal in (Refusal.OTHER_CIRCLE, Refusal.NOT_FOUND):
                await answer
                return
        else:
            assert card is not None
            answer = answer_press(query, _CONFIRMATIONS[_what_was_done(button, card, user.id)])
        # After a refusal too: the person pressed on an out-of-date card or list.
        await side_by_side(answer, refresh_card(app, card))
    if change.refusal is not None:
        await _refresh_origin(app, query, button, card, user.id)
        return
    action = _what_was_done(button, card, user.id)
    await side_by_side(
        _refresh_origin(app, query, button, card, user.id),
        _tell_people(app, context, action, change, user.id, user.first_name, now),
    )
    await app.scheduler.wake()


def _what_was_done(button: NeedButton, card: NeedCard, user_id: int) -> NeedAction:
    if button.action == NeedAction.BACKUP and user_id not in card.backup_ids:
        return NeedAction.UNBACKUP  # the backup pressed again: they stepped down
    return button.action


# What each button does to its need.
_PRESSES = {
    NeedAction.CLAIM: service.claim,
    NeedAction.RELEASE: service.release,
    NeedAction.DONE: service.mark_done,
    NeedAction.CANCEL: service.cancel,
    NeedAction.MISSED: service.mark_missed,
    NeedAction.BACKUP: service.backup,
    NeedAction.UNBACKUP: service.unbackup,
}

_CONFIRMATIONS = {
    NeedAction.CLAIM: "Thank you! It's yours 💛",
    NeedAction.RELEASE: "Released — thank you for letting us know.",
    NeedAction.DONE: "Marked as done — thank you!",
    NeedAction.CANCEL: "Cancelled.",
    NeedAction.MISSED: "Thanks for letting us know.",
    NeedAction.BACKUP: "Thank you — you're the backup 🛟",
    NeedAction.UNBACKUP: texts.BACKUP_STEPPED_DOWN,
}


async def _tell_people(
    app: AppContext,
    context: Context,
    action: NeedAction,
    change: NeedChange,
    actor_id: int,
    actor_name: str,
    now: datetime,
) -> None:
    """Everyone the press concerns hears of it, each message on its way at once."""
    card = change.card
    assert card is not None
    to_person = app.notifier.to_person
    patient_hears = actor_id != card.patient_id  # not of their own press
    steps: list[Awaitable[object]] = []
    match action:
        case NeedAction.CLAIM:
            if patient_hears:
                notice = texts.claimed_notice_to_patient(card, now, actor_name)
                steps.append(to_person(card.patient_id, notice))
            steps.append(_thank_helper(app, context, change, actor_id, actor_name, now))
        case NeedAction.RELEASE if change.promoted_id is not None:
            # The backup takes over at once, whatever the hour: the group is not asked.
            backup = dict(card.helpers).get(change.promoted_id, "Your backup")
            notice = texts.promoted_notice_to_backup(
                card, actor_name, now, change.promoted_reminders
            )
            steps.append(to_person(change.promoted_id, notice))
            if patient_hears:
                notice = texts.promoted_notice_to_patient(card, actor_name, backup, now)
                steps.append(to_person(card.patient_id, notice))
        case NeedAction.RELEASE:
            notice = texts.released_notice_to_group(card, actor_name, now)
            steps.append(app.notifier.to_group(card.chat_id, notice, reply_to=card.card_message_id))
            if patient_hears:
                notice = texts.released_notice_to_patient(card, actor_name, now)
                steps.append(to_person(card.patient_id, notice))
        case NeedAction.DONE:
            if patient_hears:
                notice = texts.done_notice_to_patient(card)
                steps.append(to_person(card.patient_id, notice, thanks.keyboard(card)))
            if change.observations_on:  # off by default: no need to look again then
                steps.append(observations.ask_helper(app, card.id))
        case NeedAction.MISSED:
            if patient_hears:
                notice = scheduled_texts.missed_notice_to_patient(card, now)
                steps.append(to_person(card.patient_id, notice))
        case NeedAction.CANCEL:
            # Everyone who held a place or stood by hears it was cancelled.
            told = dict.fromkeys([*change.previous_helpers, *change.previous_backups])
            if not told and change.previous_claimer_id is not None:
                told[change.previous_claimer_id] = None
            notice = texts.cancelled_notice_to_helper(card, now)
            steps.extend(to_person(helper, notice) for helper in told if helper != actor_id)
        case NeedAction.BACKUP:
            notice = texts.backup_notice(card, now)
            keyboard = texts.backup_keyboard(card)
            steps.append(_to_helper(app, context, card, actor_id, actor_name, notice, keyboard))
            notice = texts.backup_notice_to_patient(card, actor_name, now)
            steps.append(to_person(card.patient_id, notice))
        case NeedAction.UNBACKUP:
            return  # the card and the pop-up say it; nobody else needs a message
    await side_by_side(*steps)


async def _thank_helper(
    app: AppContext,
    context: Context,
    change: NeedChange,
    helper_id: int,
    name: str,
    now: datetime,
) -> None:
    card = change.card
    assert card is not None
    # A first-time helper also hears what help is welcome and what isn't (/prefs).
    first = change.first_claim
    prefs = await prefs_service.get_prefs(app.sm, card.circle_id) if first else None
    thanks_text = texts.claimed_notice_to_helper(
        card, now, first_time=first, reminders=change.reminders, prefs=prefs, helper_id=helper_id
    )
    await _to_helper(app, context, card, helper_id, name, thanks_text)


async def _to_helper(
    app: AppContext,
    context: Context,
    card: NeedCard,
    helper_id: int,
    name: str,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    """A helper's private message; if they never started the bot, the group is shown how."""
    if await app.notifier.to_person(helper_id, text, keyboard) == Delivery.UNREACHABLE:
        await _invite_to_private_chat(app, context, card, helper_id, name)


async def _invite_to_private_chat(
    app: AppContext, context: Context, card: NeedCard, user_id: int, name: str
) -> None:
    circle = await circles.circle_for_chat(app.sm, card.chat_id)
    if circle is None:
        return
    # This counts as the one time they are shown how: their reminders won't repeat it.
    await circles.take_start_hint(app.sm, user_id, app.clock.now())
    await app.notifier.to_group(
        card.chat_id,
        texts.cannot_message_helper(user_id, name),
        start_button(context.bot.username, circle.invite_code, circle_texts.START_BUTTON),
        reply_to=card.card_message_id,
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("need", need)),
        (0, command("board", board)),
        (0, command("mine", mine)),
        (0, command("when", when)),
        (0, CallbackQueryHandler(need_button, pattern=is_need_button)),
    ]
