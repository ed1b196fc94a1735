"""/checkin and /checkins: the supported person's check-ins and a carepartner's own weekly
"How are you holding up?", always in private.

A check-in lives in one message that is edited question by question. A typed note or voice
message ends it with a new message (the summary, and for the supported person the choice to
share one line with the group). Nothing else from a check-in is ever said in the group."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, MessageEntity, Update, Voice
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.callbacks import CheckInAction, CheckInButton, decode, is_check_in_button
from bot.context import AppContext, app_context
from bot.notify import Delivery
from bot.render import checkins as texts
from bot.render.circles import NO_CIRCLE_IN_PRIVATE
from bot.render.common import start_button
from bot.services import checkin_schedules, checkins, circles
from bot.services.checkin_schedules import Unreadable
from bot.services.checkins import (
    MAX_NOTE,
    Answered,
    CheckInView,
    Given,
    Line,
    LineProblem,
    Note,
    Outcome,
    SameAsLastTime,
    Score,
    ShareOutcome,
    Sharing,
    SkipNote,
    Step,
    VoiceNote,
)
from handlers.circle import require_circle
from handlers.common import (
    answer_press,
    asked,
    command,
    is_group,
    is_private,
    real_sender,
    side_by_side,
    typed_text,
)
from storage.models import CheckInKind

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

# A note is caught before every other handler group: the member tracker (group -1) matches
# every update and the /need flow (group 0) answers any private text. Words that are not for
# a check-in pass on untouched; words that are stop there.
WORDS_GROUP = -3
# Which message shows each check-in now, so an older copy can be closed when it moves on.
# Only tidiness depends on it: after a restart an old copy keeps its buttons, and pressing
# them is still answered kindly from the database.
_LIVE = "check_in_messages"
_LIVE_LIMIT = 1000
OPEN_PRIVATE_CHAT = "💬 Open our private chat"


def _live(context: Context) -> dict[int, tuple[int, int]]:
    return cast(dict[int, tuple[int, int]], context.bot_data.setdefault(_LIVE, {}))


def _remember(context: Context, check_in_id: int, chat_id: int, message_id: int) -> None:
    live = _live(context)
    live.pop(check_in_id, None)
    live[check_in_id] = (chat_id, message_id)
    while len(live) > _LIVE_LIMIT:
        live.pop(next(iter(live)))


async def _close_other(
    app: AppContext, context: Context, view: CheckInView, keep: int | None, text: str
) -> None:
    """Take the buttons off the copy of this check-in that is not `keep`."""
    shown = _live(context).get(view.id)
    if shown is not None and shown[1] != keep:
        await app.notifier.edit(shown[0], shown[1], text, None)


async def _private_please(message: Message, context: Context) -> None:
    """In the group, check-ins are not even discussed: only where to find them."""
    circle = await circles.circle_for_chat(app_context(context).sm, message.chat.id)
    if circle is None or not context.bot.username:
        await message.reply_text(texts.IN_GROUP_NO_LINK)
        return
    await message.reply_text(
        texts.IN_GROUP,
        reply_markup=start_button(context.bot.username, circle.invite_code, OPEN_PRIVATE_CHAT),
    )


# --- commands ------------------------------------------------------------------------------


async def checkin_command(update: Update, context: Context) -> None:
    command_ = await asked(update)
    if command_ is None:
        return
    if is_group(command_.chat):
        await _private_please(command_.message, context)
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    user = command_.user
    kind = CheckInKind.WELLBEING if circle.patient_id == user.id else CheckInKind.HOLDING_UP
    begun = await checkins.begin(app.sm, circle.id, user.id, kind, app.clock.now())
    if begun is None:
        await command_.message.reply_text(NO_CIRCLE_IN_PRIVATE)
        return
    view = begun.check_in
    if begun.resumed:
        await _close_other(app, context, view, None, texts.CARRIED_ON)
    text, keyboard = texts.prompt(view, begun.resumed)
    sent = await command_.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    _remember(context, view.id, sent.chat.id, sent.message_id)


async def checkins_command(update: Update, context: Context) -> None:
    command_ = await asked(update)
    if command_ is None:
        return
    if is_group(command_.chat):
        await _private_please(command_.message, context)
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    now = app.clock.now()
    user = command_.user
    wanted = checkin_schedules.read_command(command_.words, circle.patient_id == user.id)
    if wanted is None:
        shown = await checkin_schedules.schedule_of(app.sm, circle.id, user.id, now)
        if shown is not None:
            await command_.message.reply_text(
                texts.schedule_text(shown, now), parse_mode=ParseMode.HTML
            )
        return
    result = await checkin_schedules.change_schedule(app.sm, circle.id, user.id, wanted, now)
    if result is None:
        await command_.message.reply_text(NO_CIRCLE_IN_PRIVATE)
        return
    if isinstance(result, checkin_schedules.Problem):
        typed = wanted.typed if isinstance(wanted, Unreadable) else command_.words
        await command_.message.reply_text(
            texts.problem_text(result, typed), parse_mode=ParseMode.HTML
        )
        return
    await app.scheduler.wake()
    await command_.message.reply_text(texts.schedule_saved(result, now), parse_mode=ParseMode.HTML)


# --- buttons -------------------------------------------------------------------------------


def _given(button: CheckInButton) -> Given | None:
    match button.action:
        case CheckInAction.SAME:
            return SameAsLastTime()
        case CheckInAction.SKIP_NOTE:
            return SkipNote()
    step = texts.STEP_OF_ACTION.get(button.action)
    if step is None or button.value not in texts.SCORE_VALUES:
        return None  # not a button we made: answered, and the message left as it is
    return Score(step, int(button.value))


def _showing(view: CheckInView) -> tuple[str, InlineKeyboardMarkup | None]:
    """The check-in's message as it should look now."""
    if view.step == Step.DONE:
        return texts.finished_text(view), texts.finished_keyboard(view)
    return texts.question_text(view), texts.question_keyboard(view)


async def _onanswer_press(
    app: AppContext,
    context: Context,
    query: CallbackQuery,
    chat_id: int,
    message_id: int,
    result: Answered,
) -> None:
    view = result.check_in
    match result.outcome:
        case Outcome.NOT_YOURS:
            await answer_press(query, texts.NOT_YOURS, alert=True)
            return
        case Outcome.GONE:
            await side_by_side(
                answer_press(query, texts.GONE, alert=True),
                app.notifier.edit(chat_id, message_id, texts.GONE, None),
            )
            return
        case Outcome.ABANDONED:
            await side_by_side(
                answer_press(query, texts.ABANDONED, alert=True),
                app.notifier.edit(chat_id, message_id, texts.ABANDONED_SETTLED, None),
            )
            return
        case Outcome.FINISHED:
            # A second tap on the message that now shows the summary must leave it alone;
            # an older copy of the check-in is closed.
            shown = _live(context).get(view.id) if view is not None else None
            if shown is not None and shown[1] != message_id:
                await side_by_side(
                    answer_press(query, texts.FINISHED),
                    app.notifier.edit(chat_id, message_id, texts.FINISHED_SETTLED, None),
                )
            else:
                await answer_press(query, texts.ALREADY_SAVED)
            return
    assert view is not None
    text, keyboard = _showing(view)
    # The next question need not wait for the pop-up's round trip to Telegram.
    await side_by_side(
        answer_press(query, texts.ALREADY_SAVED if result.outcome == Outcome.ALREADY else None),
        _close_other(app, context, view, message_id, texts.CARRIED_ON),
        app.notifier.edit(chat_id, message_id, text, keyboard),
    )
    _remember(context, view.id, chat_id, message_id)


async def check_in_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, CheckInButton) or user is None or message is None:
        await answer_press(query, texts.GONE)
        return
    app = app_context(context)
    now = app.clock.now()
    chat_id, message_id = message.chat.id, message.message_id
    if button.action in texts.STEP_OF_ACTION or button.action in (
        CheckInAction.SAME,
        CheckInAction.SKIP_NOTE,
    ):
        given = _given(button)
        if given is None:
            await answer_press(query, texts.GONE)
            return
        result = await checkins.answer(app.sm, user.id, button.check_in_id, given, now)
        await _onanswer_press(app, context, query, chat_id, message_id, result)
        return
    if button.action == CheckInAction.PRIVATE:
        kept = await checkins.keep_private(app.sm, user.id, button.check_in_id)
        if kept is None:
            await answer_press(query, texts.GONE)
        elif kept.shared:
            await answer_press(query, texts.ALREADY_SHARED, alert=True)
        else:
            await side_by_side(
                answer_press(query),
                app.notifier.edit(chat_id, message_id, texts.kept_private_text(kept), None),
            )
        return
    await _on_share_button(app, query, user.id, button, chat_id, message_id)


def _share_refusal(outcome: ShareOutcome) -> str:
    return {
        ShareOutcome.ALREADY: texts.ALREADY_SHARED,
        ShareOutcome.TOO_LATE: texts.TOO_LATE,
        ShareOutcome.NOT_FINISHED: texts.NOT_FINISHED,
        ShareOutcome.NOT_SHARED_KIND: texts.NOT_SHARED_KIND,
        ShareOutcome.NO_GROUP: texts.NO_GROUP,
        ShareOutcome.NOT_YOURS: texts.NOT_YOURS,
    }.get(outcome, texts.GONE)


def _line_in(message: Message) -> str | None:
    """The line quoted in our own preview; the person cannot change a bot's message."""
    quoted = message.parse_entities([MessageEntity.BLOCKQUOTE])
    return next(iter(quoted.values()), None)


async def _on_share_button(
    app: AppContext,
    query: CallbackQuery,
    user_id: int,
    button: CheckInButton,
    chat_id: int,
    message_id: int,
) -> None:
    now = app.clock.now()
    check_in_id = button.check_in_id
    sharing = await checkins.may_share(app.sm, user_id, check_in_id, now)
    view = sharing.check_in
    if sharing.outcome != ShareOutcome.READY or view is None:
        await answer_press(query, _share_refusal(sharing.outcome), alert=True)
        return
    match button.action:
        case CheckInAction.SHARE:
            text = texts.share_text(view, sharing.group_title)
            keyboard = texts.share_keyboard(view)
            await side_by_side(
                answer_press(query), app.notifier.edit(chat_id, message_id, text, keyboard)
            )
        case CheckInAction.OWN:
            await checkins.write_own_line(app.sm, user_id, check_in_id, now)
            text = texts.write_own_text(sharing.group_title)
            keyboard = texts.private_only_keyboard(view)
            await side_by_side(
                answer_press(query), app.notifier.edit(chat_id, message_id, text, keyboard)
            )
        case CheckInAction.LINE:
            try:
                line = Line(button.value)
            except ValueError:
                await answer_press(query, texts.GONE)
                return
            posted = checkins.line_text(line, view.name)
            await _share(app, query, user_id, sharing, posted, chat_id, message_id)
        case CheckInAction.SEND:
            quoted = _line_in(query.message) if isinstance(query.message, Message) else None
            own = checkins.check_line(quoted or "")
            if isinstance(own, LineProblem):
                await answer_press(query, texts.READ_AGAIN, alert=True)
                return
            posted = checkins.own_line_text(own, view.name)
            await _share(app, query, user_id, sharing, posted, chat_id, message_id)
        case _:
            await answer_press(query, texts.GONE)


async def _share(
    app: AppContext,
    query: CallbackQuery,
    user_id: int,
    sharing: Sharing,
    posted: str,
    chat_id: int,
    message_id: int,
) -> None:
    """The person's tap sends this one line to the group, once."""
    assert sharing.check_in is not None
    check_in_id = sharing.check_in.id
    taken = await checkins.mark_shared(app.sm, user_id, check_in_id, posted, app.clock.now())
    if taken.outcome != ShareOutcome.READY:
        await answer_press(query, _share_refusal(taken.outcome), alert=True)
        return
    delivery, _sent = await app.notifier.group_delivery(sharing.chat_id, texts.group_line(posted))
    if delivery != Delivery.SENT:
        await checkins.unmark_shared(app.sm, check_in_id, posted)
        await answer_press(query, texts.GROUP_FAILED, alert=True)
        return
    text = texts.shared_text(sharing.check_in, posted, sharing.group_title)
    await side_by_side(
        answer_press(query, texts.SENT), app.notifier.edit(chat_id, message_id, text, None)
    )


# --- a note or an own line, typed or spoken ------------------------------------------------


async def check_in_words(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None or user is None or not is_private(update.effective_chat):
        return
    if typed_text(message) is None and message.voice is None:
        return
    app = app_context(context)
    now = app.clock.now()
    view = await checkins.waiting_for_words(app.sm, user.id, now)
    if view is None:
        return
    if typed_text(message) is not None:
        need_since = await checkins.need_flow_waiting_since(app.sm, message.chat.id, user.id)
        if need_since is not None and need_since > (view.finished_at or view.started_at):
            return  # the words answer the /need begun after this check-in
    if view.step == Step.NOTE:
        await _take_note(app, context, message, view)
    else:
        await _take_line(app, message, view)
    raise ApplicationHandlerStop


def _seconds(voice: Voice) -> int:
    # PTB 22 warns on `duration` while it moves from int to timedelta; the serialised value
    # is the number of seconds Telegram sent either way.
    length = voice.to_dict().get("duration", 0)
    return int(length.total_seconds()) if isinstance(length, timedelta) else int(length)


async def _take_note(
    app: AppContext, context: Context, message: Message, view: CheckInView
) -> None:
    given: Given
    if message.voice is not None:
        given = VoiceNote(message.voice.file_id, _seconds(message.voice))
    else:
        given = Note(typed_text(message) or "")
    result = await checkins.answer(app.sm, view.user_id, view.id, given, app.clock.now())
    done = result.check_in
    if result.outcome != Outcome.SAVED or done is None:
        # Finished a moment ago by a tap on Skip: say so rather than swallow the words.
        await message.reply_text(texts.NOTE_TOO_LATE)
        return
    shown = _live(context).pop(view.id, None)
    if shown is not None:
        await app.notifier.edit(shown[0], shown[1], texts.note_settled(done), None)
    text = texts.finished_text(done)
    words = typed_text(message)
    if words is not None and len(words.strip()) > MAX_NOTE:
        text += "\n\n" + texts.NOTE_TRIMMED
    sent = await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=texts.finished_keyboard(done)
    )
    _remember(context, done.id, sent.chat.id, sent.message_id)


async def _take_line(app: AppContext, message: Message, view: CheckInView) -> None:
    words = typed_text(message)
    if words is None:
        await message.reply_text(
            texts.VOICE_FOR_LINE, reply_markup=texts.private_only_keyboard(view)
        )
        return
    line = checkins.check_line(words)
    if isinstance(line, LineProblem):
        await message.reply_text(
            texts.line_problem(line, len(words.strip())),
            reply_markup=texts.private_only_keyboard(view),
        )
        return
    sharing = await checkins.may_share(app.sm, view.user_id, view.id, app.clock.now())
    await message.reply_text(
        texts.own_line_preview(line, view, sharing.group_title),
        parse_mode=ParseMode.HTML,
        reply_markup=texts.own_line_keyboard(view),
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [
        (0, command("checkin", checkin_command)),
        (0, command("checkins", checkins_command)),
        (0, CallbackQueryHandler(check_in_button, pattern=is_check_in_button)),
        (
            WORDS_GROUP,
            MessageHandler(
                filters.UpdateType.MESSAGE
                & filters.ChatType.PRIVATE
                & ((filters.TEXT & ~filters.COMMAND) | filters.VOICE),
                check_in_words,
            ),
        ),
    ]
