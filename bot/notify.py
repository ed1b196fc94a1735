"""One path for everything the bot says: who to tell, how, and what to do when Telegram
says no. Nothing here raises for an ordinary Telegram refusal; callers get a result."""

from __future__ import annotations

import logging
from enum import StrEnum

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.services import circles
from storage.db import SessionMaker

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # never started the bot, or blocked it
    FAILED = "failed"  # anything else; the person may still be reachable
    TRY_LATER = "try_later"  # Telegram could not be reached, or kept asking us to wait


class EditResult(StrEnum):
    EDITED = "edited"
    UNCHANGED = "unchanged"
    GONE = "gone"  # the message was deleted or can no longer be edited
    FAILED = "failed"


def _is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def _is_gone(error: BadRequest) -> bool:
    text = error.message.lower()
    return any(
        phrase in text
        for phrase in ("message to edit not found", "message can't be edited", "message not found")
    )


class Notifier:
    def __init__(self, bot: Bot, sm: SessionMaker) -> None:
        self.bot = bot
        self.sm = sm

    async def to_person(
        self, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> Delivery:
        """A private message. UNREACHABLE when the person has not started the bot or blocked
        it; that is remembered so the group can tell them how to start it."""
        try:
            await self.bot.send_message(
                chat_id=user_id,
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except (Forbidden, BadRequest) as error:
            # 403: never started or blocked; 400 "chat not found": never opened a chat. Any
            # other 400 is our mistake, not the person's reachability.
            if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
                log.exception("private message to user %s was refused", user_id)
                return Delivery.FAILED
            log.info("cannot message user %s privately: %s", user_id, error.message)
            await circles.set_reachable(self.sm, user_id, False)
            return Delivery.UNREACHABLE
        # BadRequest is a NetworkError in PTB, so this comes after it.
        except (NetworkError, RetryAfter) as error:
            # Most likely never delivered: worth another try, which scheduled messages get.
            log.warning("private message to user %s not sent: %s", user_id, error)
            return Delivery.TRY_LATER
        except TelegramError:
            log.exception("private message to user %s failed", user_id)
            return Delivery.FAILED
        return Delivery.SENT

    async def to_group(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Message | None:
        """A message to a circle's group. Follows a group that became a supergroup."""
        return (await self.group_delivery(chat_id, text, markup, reply_to))[1]

    async def group_delivery(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> tuple[Delivery, Message | None]:
        for _attempt in range(2):
            try:
                sent = await self.bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    reply_parameters=(
                        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                        if reply_to
                        else None
                    ),
                )
                return Delivery.SENT, sent
            except ChatMigrated as error:
                log.info("group %s became supergroup %s", chat_id, error.new_chat_id)
                await circles.move_chat(self.sm, chat_id, error.new_chat_id)
                chat_id = error.new_chat_id
            except Forbidden as error:
                # Removed from the group (maybe while we were down and missed the update):
                # the circle rests until the bot is added back.
                log.warning("cannot write to group %s: %s", chat_id, error.message)
                await circles.fall_dormant(self.sm, chat_id)
                return Delivery.UNREACHABLE, None
            except BadRequest:
                log.exception("message to group %s was refused", chat_id)
                return Delivery.FAILED, None
            except (NetworkError, RetryAfter) as error:
                log.warning("message to group %s not sent: %s", chat_id, error)
                return Delivery.TRY_LATER, None
            except TelegramError:
                log.exception("message to group %s failed", chat_id)
                return Delivery.FAILED, None
        return Delivery.FAILED, None

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
    ) -> EditResult:
        try:
            await self.bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except BadRequest as error:
            if _is_not_modified(error):
                return EditResult.UNCHANGED
            if _is_gone(error):
                return EditResult.GONE
            log.warning("could not edit message %s in %s: %s", message_id, chat_id, error.message)
            return EditResult.FAILED
        except ChatMigrated as error:
            await circles.move_chat(self.sm, chat_id, error.new_chat_id)
            return EditResult.GONE
        except TelegramError:
            log.exception("could not edit message %s in %s", message_id, chat_id)
            return EditResult.FAILED
        return EditResult.EDITED
