"""Recurring needs in the chat: /need … every Tuesday 10:00, the series' buttons, and
/series (the running series, stop one, skip a date)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import Any

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot import series_cards
from bot.callbacks import SeriesAction, SeriesButton, decode, is_series_button
from bot.categories import recognise_category
from bot.context import AppContext, app_context
from bot.notify import Delivery
from bot.places import read_places
from bot.render import needs as need_texts
from bot.render import series as texts
from bot.series_rules import SeriesProblem, falls_on, parse_series_text
from bot.services import needs as need_service
from bot.services import series as service
from bot.services.circles import CircleView
from bot.services.needs import NeedCard
from bot.services.series import SeriesChange, SeriesView
from bot.timeparse import WhenError, parse_when
from handlers.cards import show_latest
from handlers.circle import asked_in_circle
from handlers.common import answer_press, command, is_group, real_sender, side_by_side

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def post_from_text(update: Update, context: Context, circle: CircleView, text: str) -> bool:
    """If the /need text describes a series, post it and return True."""
    message = update.effective_message
    user = real_sender(update)
    chat = update.effective_chat
    if message is None or user is None or chat is None:
        return False
    app = app_context(context)
    now = app.clock.now()
    try:
        parsed = parse_series_text(text, circle.zone, now)
    except (SeriesProblem, WhenError) as error:
        await message.reply_text(str(error))
        return True
    if parsed is None:
        return False
    places = read_places(parsed.description)
    if not 1 <= places.count <= need_service.MAX_PLACES:
        await message.reply_text(need_texts.too_many_places_text(places.count))
        return True
    description = places.description
    problem = need_service.check_description(description)
    if problem is not None:
        await message.reply_text(need_texts.description_problem_text(problem, len(description)))
        return True
    created = await service.create(
        app.sm,
        circle_id=circle.id,
        requested_by=user.id,
        category=recognise_category(description),
        description=description,
        rule=parsed.rule,
        at=parsed.time,
        places=places.count,
        now=now,
    )
    if created is None:
        await message.reply_text(texts.no_dates_left(description))
        return True
    posted = await series_cards.post_due(app.sm, app.notifier, created.series.id, now)
    if posted.delivery != Delivery.SENT and not posted.cards:
        await service.withdraw(app.sm, created.series.id, posted.made)
        await message.reply_text(texts.posting_failed())
        return True
    await app.scheduler.wake()
    await message.reply_text(
        texts.created_text(created.series, created.first, created.posts_on, now),
        parse_mode=ParseMode.HTML,
    )
    return True


async def _show_all(app: AppContext, cards: list[NeedCard]) -> None:
    # One date after another: a month of dates edited at once in one group could meet
    # Telegram's limit on edits, and would hold a database connection each.
    for card in cards:
        await show_latest(app, card.id)


async def _take_all(
    app: AppContext, query: CallbackQuery, change: SeriesChange, user_id: int, name: str
) -> None:
    view = change.view
    assert view is not None
    cards = [c.card for c in change.changes if c.card is not None]
    await side_by_side(
        answer_press(query, "Thank you! Every date is yours 💛"), _show_all(app, cards)
    )
    now = app.clock.now()
    claimed = [card.occurs_on for card in cards if card.occurs_on]
    reply_to = query.message.message_id if query.message and is_group(query.message.chat) else None
    notices = [
        app.notifier.to_person(
            user_id, texts.took_all_to_helper(view, claimed, now), texts.took_all_keyboard(view)
        ),
        app.notifier.to_group(view.chat_id, texts.took_all_to_group(view, name), reply_to=reply_to),
    ]
    if user_id != view.patient_id:
        notices.append(
            app.notifier.to_person(view.patient_id, texts.took_all_to_patient(view, name))
        )
    await side_by_side(*notices)


async def _release_all(
    app: AppContext, query: CallbackQuery, change: SeriesChange, name: str
) -> None:
    view = change.view
    assert view is not None
    answered: list[Awaitable[object]] = [
        answer_press(query, "Given back — thank you for all you did.")
    ]
    message = query.message
    if message is not None:
        text = texts.gave_back_to_helper(view)
        answered.append(app.notifier.edit(message.chat.id, message.message_id, text, None))
    await side_by_side(*answered)
    await side_by_side(
        app.notifier.to_group(view.chat_id, texts.gave_back_to_group(view, name, app.clock.now())),
        app.notifier.to_person(view.patient_id, texts.gave_back_to_patient(view, name)),
    )


async def _show_cancelled_dates(app: AppContext, change: SeriesChange, actor_id: int) -> None:
    """Each date the change cancelled: its card shows it, and whoever had taken it is told
    (unless they did it themselves)."""
    now = app.clock.now()
    for need_change in change.changes:
        card = need_change.card
        if card is None:
            continue
        await show_latest(app, card.id)
        helper = need_change.previous_claimer_id
        if helper is not None and helper != actor_id:
            await app.notifier.to_person(helper, need_texts.cancelled_notice_to_helper(card, now))


async def _stopped(
    app: AppContext,
    query: CallbackQuery,
    change: SeriesChange,
    before: SeriesView | None,
    user_id: int,
    name: str,
) -> None:
    view = change.view
    assert view is not None
    await side_by_side(answer_press(query, "Stopped."), _show_cancelled_dates(app, change, user_id))
    text = texts.stopped_text(view, name, len(change.changes))
    message = query.message
    steps: list[Awaitable[object]] = []
    if message is not None:
        steps.append(app.notifier.edit(message.chat.id, message.message_id, text, None))
        if not is_group(message.chat):
            steps.append(app.notifier.to_group(view.chat_id, text))
    standing = before.standing_helper_id if before else None
    if standing is not None and standing != user_id:
        steps.append(app.notifier.to_person(standing, texts.stopped_to_standing_helper(view, name)))
    if user_id != view.patient_id:
        steps.append(app.notifier.to_person(view.patient_id, texts.stopped_to_patient(view, name)))
    await side_by_side(*steps)


async def series_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, SeriesButton) or user is None or message is None:
        await answer_press(
            query, "This button no longer works. Send /series to see the series now."
        )
        return
    app = app_context(context)
    now = app.clock.now()
    chat = message.chat
    private = not is_group(chat)
    sid = button.series_id
    match button.action:
        case SeriesAction.TAKE_ALL:
            change = await service.take_all(app.sm, sid, user.id, chat.id, private, now)
            if change.ok:
                await _take_all(app, query, change, user.id, user.first_name)
        case SeriesAction.RELEASE_ALL:
            change = await service.release_all(app.sm, sid, user.id, chat.id, private, now)
            if change.ok:
                await _release_all(app, query, change, user.first_name)
        case SeriesAction.STOP:
            change = await service.may_stop(app.sm, sid, user.id, chat.id, private, now)
            if change.ok and change.view is not None:
                await answer_press(query)
                question = texts.stop_question(change.view, now)
                keyboard = texts.stop_keyboard(change.view)
                if private:
                    await app.notifier.to_person(user.id, question, keyboard)
                else:
                    await app.notifier.to_group(
                        chat.id, question, keyboard, reply_to=message.message_id
                    )
        case SeriesAction.STOP_YES:
            before = await service.view(app.sm, sid, now)
            change = await service.stop(app.sm, sid, user.id, chat.id, private, now)
            if change.ok:
                await _stopped(app, query, change, before, user.id, user.first_name)
        case SeriesAction.STOP_NO:
            change = await service.may_stop(app.sm, sid, user.id, chat.id, private, now)
            if change.ok and change.view is not None:
                kept = texts.kept_text(change.view)
                await side_by_side(
                    answer_press(query, "Kept."),
                    app.notifier.edit(chat.id, message.message_id, kept, None),
                )
    if change.refusal is not None:
        await answer_press(query, texts.refusal_text(change.refusal, change.view, now), alert=True)
        return
    await app.scheduler.wake()


# --- /series ---------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"^(\d{1,2})\s+(.+)$")


async def series_command(update: Update, context: Context) -> None:
    found = await asked_in_circle(update, context)
    if found is None:
        return
    request, circle = found
    message, chat, user = request.message, request.chat, request.user
    app = app_context(context)
    now = app.clock.now()
    words = request.words.strip()
    views = await service.running(app.sm, circle.id, now)
    if not words:
        await message.reply_text(
            texts.list_text(views, now),
            parse_mode=ParseMode.HTML,
            reply_markup=texts.list_keyboard(views),
        )
        return
    first, _, rest = words.partition(" ")
    if first.lower() != "skip" or not rest.strip():
        await message.reply_text(texts.SKIP_USAGE)
        return
    rest = rest.strip()
    number: int | None = None
    try:
        when = parse_when(rest, circle.zone, now)
    except WhenError as error:
        # "/series skip 2 Tue 8 Dec": the series' number in the list, then the date.
        numbered = _NUMBER_RE.match(rest)
        if numbered is None:
            await message.reply_text(str(error))
            return
        try:
            when = parse_when(numbered.group(2), circle.zone, now)
        except WhenError as second:
            await message.reply_text(str(second))
            return
        number, rest = int(numbered.group(1)), numbered.group(2)
    assert when.starts_at is not None
    day = when.starts_at.astimezone(circle.zone).date()
    if number is not None:
        if not 1 <= number <= len(views):
            await message.reply_text(texts.no_such_number(len(views)))
            return
        chosen = [views[number - 1]]
    else:
        chosen = [v for v in views if falls_on(v.rule, v.starts_on, day)]
    if not chosen:
        await message.reply_text(texts.no_series_on(rest))
        return
    if len(chosen) > 1:
        numbers = [n for n, v in enumerate(views, start=1) if v in chosen]
        await message.reply_text(texts.which_series(rest, numbers))
        return
    private = not is_group(chat)
    change = await service.skip(app.sm, chosen[0].id, day, user.id, chat.id, private, now)
    if change.refusal is not None or change.view is None:
        assert change.refusal is not None
        await message.reply_text(texts.refusal_text(change.refusal, change.view, now))
        return
    await _show_cancelled_dates(app, change, user.id)
    await message.reply_text(texts.skipped_text(change.view, day, now), parse_mode=ParseMode.HTML)
    await app.scheduler.wake()


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("series", series_command)),
        (0, CallbackQueryHandler(series_button, pattern=is_series_button)),
    ]
