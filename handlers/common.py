"""Small helpers shared by the handler modules: who sent this, and where."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, filters

from bot.people import PersonInfo
from bot.render.common import CALLBACK_ANSWER_LIMIT, shorten

log = logging.getLogger(__name__)

# Telegram's stand-in for an anonymous group admin: we cannot tell who that is.
ANONYMOUS_ADMIN_ID = 1087968824


def person_of(user: User) -> PersonInfo:
    return PersonInfo(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
    )


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == Chat.PRIVATE


def real_sender(update: Update) -> User | None:
    """The person behind an update, or None for bots and anonymous admins."""
    user = update.effective_user
    if user is None or user.is_bot or user.id == ANONYMOUS_ADMIN_ID:
        return None
    return user


ANONYMOUS_REPLY = (
    "I can't tell who you are when you post as the group. "
    "Please send this again from your own account."
)


def command(
    name: str, callback: Callable[[Update, Any], Coroutine[Any, Any, None]]
) -> CommandHandler[Any, None]:
    """A command handler for new messages only: editing "/need …" must not post it again."""
    return CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE)


@dataclass(frozen=True)
class Asked:
    """A command as a person sent it."""

    message: Message
    chat: Chat
    user: User
    words: str  # everything after the command, as typed (line breaks kept)


async def asked(update: Update) -> Asked | None:
    """The command, its chat and its sender; None (after a kind reply to an anonymous
    admin) when there is no one to answer."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return None
    user = real_sender(update)
    if user is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return None
    parts = (typed_text(message) or "").split(maxsplit=1)
    return Asked(message, chat, user, parts[1].strip() if len(parts) > 1 else "")


def typed_text(message: Message) -> str | None:
    """What the person typed, without NUL characters: PostgreSQL cannot store them and
    Telegram has no use for them."""
    return message.text.replace("\x00", "") if message.text is not None else None


BUTTON_GONE = "This button no longer works."


async def side_by_side(*steps: Awaitable[object]) -> None:
    """Run steps that do not depend on each other at once, and wait for all of them.

    Most of a step's time is its round trip to Telegram; one after another, a press that
    answers, edits the card and tells two people took four round trips, and the next update
    of the same chat waited for all four. Every step ends before this returns (nothing runs
    on behind the update); the first failure, if any, is raised after that."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def answer_press(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press, so the button stops spinning: a little pop-up with the text
    (an alert the person must close, if `alert`), or nothing to read."""
    try:
        await query.answer(shorten(text, CALLBACK_ANSWER_LIMIT) if text else None, show_alert=alert)
    except BadRequest as error:
        # "query is too old": the person pressed long ago (or during a restart). The press
        # itself has been handled; only the little pop-up is lost.
        log.info("callback answer failed: %s", error.message)


async def stale_button(update: Update, _context: Any) -> None:
    """A press no feature took (an old button, another bot's, data a client made up): a kind
    answer, so the button stops spinning."""
    query = update.callback_query
    if query is None:
        return
    await answer_press(query, BUTTON_GONE)


def stale_buttons() -> CallbackQueryHandler[Any, None]:
    """Added after every feature's handlers in group 0, so it gets only what they left."""
    return CallbackQueryHandler(stale_button)


def _offered_on(message: Message, data: str) -> bool:
    markup = message.reply_markup
    if markup is None:
        return False
    return any(button.callback_data == data for row in markup.inline_keyboard for button in row)


async def refuse_buttons_not_on_their_message(update: Update, _context: Any) -> None:
    """A press whose data is not a button of the pressed message did not come from that
    message (a modified client can send any data for any message): no handler may act on it,
    or it would edit a need's card as if it were a list or a question. Telegram sends the
    message's current buttons with each press, so the check needs no memory of our own."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return  # an inaccessible (very old) message: the handlers check the data themselves
    if _offered_on(query.message, query.data or ""):
        return
    log.info("a press with data not on its message was refused")
    await answer_press(query, BUTTON_GONE)
    raise ApplicationHandlerStop


def button_guard() -> CallbackQueryHandler[Any, None]:
    """Runs before every feature's handlers (an earlier group)."""
    return CallbackQueryHandler(refuse_buttons_not_on_their_message)
