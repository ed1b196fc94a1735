"""Putting a series' dates in the group: used when a series is created (its first dates go
up at once) and by the scheduled SERIES_POST (each later date as it enters the window).
Telegram is called after each date's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.notify import Delivery, Notifier
from bot.render import needs as need_texts
from bot.render import series as texts
from bot.services import circles, needs
from bot.services import series as service
from bot.services.needs import NeedCard
from storage.db import SessionMaker


@dataclass
class Posted:
    delivery: Delivery
    cards: list[NeedCard] = field(default_factory=list)
    # The needs made this time (posted or not), so a failed first post can be taken back.
    made: list[int] = field(default_factory=list)


async def post_due(sm: SessionMaker, notifier: Notifier, series_id: int, now: datetime) -> Posted:
    """Make and post the dates that entered the window (and any date whose card never got
    to the group). UNREACHABLE leaves them for the next try."""
    shown = await service.view(sm, series_id, now)
    if shown is None or shown.stopped:
        return Posted(Delivery.SENT)
    circle = await circles.circle_by_id(sm, shown.circle_id)
    if circle is None or not circle.active:
        return Posted(Delivery.UNREACHABLE)
    due = await service.take_due_dates(sm, series_id, now)
    if due is None or due.stopped:
        return Posted(Delivery.SENT)
    items: list[tuple[NeedCard, int | None, tuple[datetime, ...]]] = []
    for need_id in due.cardless:
        card = await needs.need_card(sm, need_id)
        if card is not None:
            items.append((card, None, ()))
    made: list[int] = []
    for day in due.days:
        date_made = await service.make_date(sm, series_id, day, now)
        if date_made is not None:
            made.append(date_made.card.id)
            items.append((date_made.card, date_made.for_helper, date_made.reminders))
    posted = Posted(Delivery.SENT, made=made)
    for card, helper, reminders in items:
        delivery, message = await notifier.group_delivery(
            card.chat_id, need_texts.card_text(card, now), need_texts.card_keyboard(card)
        )
        if delivery != Delivery.SENT or message is None:
            posted.delivery = delivery
            return posted
        await needs.record_card_message(sm, card.id, message.chat_id, message.message_id)
        posted.cards.append(card)
        if helper is not None:
            await notifier.to_person(helper, texts.date_is_yours(card, reminders, now))
    return posted
