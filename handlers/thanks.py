"""💛 Say thanks: the supported person thanks the helper in the group with one tap."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from bot.callbacks import ThanksButton, decode, is_thanks_button
from bot.context import app_context
from bot.notify import Delivery
from bot.render import needs as need_texts
from bot.render import thanks as texts
from bot.services import thanks as service
from bot.services.needs import NeedCard
from bot.services.thanks import ThanksOutcome
from handlers.common import BUTTON_GONE, answer_press, real_sender, side_by_side

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def keyboard(card: NeedCard) -> InlineKeyboardMarkup | None:
    """The button under the "done" notice to the supported person."""
    return texts.keyboard(card)


async def say_thanks(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    button = decode(query.data)
    user = real_sender(update)
    message = query.message
    if not isinstance(button, ThanksButton) or user is None or message is None:
        await answer_press(query, BUTTON_GONE)
        return
    app = app_context(context)
    now = app.clock.now()
    result = await service.mark(app.sm, button.need_id, user.id, now)
    card = result.card
    if result.outcome != ThanksOutcome.MARKED or card is None:
        await answer_press(query, texts.answer(result.outcome, card), alert=False)
        if result.outcome == ThanksOutcome.ALREADY and card is not None:
            # An old notice still showing the button: show it was sent.
            await app.notifier.edit(
                message.chat.id,
                message.message_id,
                need_texts.done_notice_to_patient(card) + texts.sent_note(),
                None,
            )
        return
    delivery, _sent = await app.notifier.group_delivery(
        card.chat_id, texts.group_thanks(card, now), reply_to=card.card_message_id
    )
    if delivery != Delivery.SENT:
        # Not said: it can be tried again, and the button stays.
        assert result.marked_at is not None
        await service.unmark(app.sm, card.id, result.marked_at)
        await answer_press(query, texts.GROUP_UNREACHABLE, alert=True)
        return
    text = need_texts.done_notice_to_patient(card) + texts.sent_note()
    await side_by_side(
        answer_press(query, texts.answer(ThanksOutcome.MARKED, card)),
        app.notifier.edit(message.chat.id, message.message_id, text, None),
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, CallbackQueryHandler(say_thanks, pattern=is_thanks_button))]
