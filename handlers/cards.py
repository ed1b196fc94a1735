"""Posting a need's card in the group and keeping it up to date."""

from __future__ import annotations

from bot.categories import Category
from bot.context import AppContext
from bot.notify import EditResult
from bot.render import needs as texts
from bot.services import needs as service
from bot.services.circles import CircleView
from bot.services.needs import NeedCard
from bot.timeparse import When


async def publish(
    app: AppContext,
    circle: CircleView,
    requested_by: int,
    category: Category,
    description: str,
    when: When,
    places: int = 1,
) -> NeedCard | None:
    """Store the need, then post its card. None when the group could not be reached."""
    now = app.clock.now()
    card = await service.post_need(
        app.sm,
        circle_id=circle.id,
        requested_by=requested_by,
        category=category,
        description=description,
        when=when,
        now=now,
        places=places,
    )
    sent = await app.notifier.to_group(
        card.chat_id, texts.card_text(card, now), texts.card_keyboard(card)
    )
    if sent is None:
        await service.withdraw_unposted(app.sm, card.id)
        return None
    await service.record_card_message(app.sm, card.id, sent.chat_id, sent.message_id)
    await app.scheduler.wake()
    return card


# Each showing past the first answers a change made by someone else in the meantime; a need
# changing this often is shown as it is after a few, and its next change shows it again.
_MOST_SHOWINGS = 4


async def refresh_card(app: AppContext, card: NeedCard) -> None:
    """Show the card's new state; if its message is gone, post it again.

    Within this process a need's changes take turns up to their card's edit. Another replica
    sharing the database can still change the need while this edit is on its way, and its
    own edit may reach Telegram first and be overwritten by this older one. So afterwards the
    need's version is read again, and the newer state shown: whichever edit lands last, the
    replica that made it looks once more, and the card ends on the last change."""
    for _ in range(_MOST_SHOWINGS):
        await _show(app, card)
        if not app.shared_database:
            return
        if await service.need_version(app.sm, card.id) in (None, card.version):
            return
        latest = await service.need_card(app.sm, card.id)
        if latest is None:
            return
        card = latest


async def _show(app: AppContext, card: NeedCard) -> None:
    now = app.clock.now()
    text = texts.card_text(card, now)
    keyboard = texts.card_keyboard(card)
    if card.card_chat_id is not None and card.card_message_id is not None:
        result = await app.notifier.edit(card.card_chat_id, card.card_message_id, text, keyboard)
        if result != EditResult.GONE:
            return
    if keyboard is None:
        return  # a finished need whose card was deleted: nothing left to act on
    sent = await app.notifier.to_group(card.chat_id, text, keyboard)
    if sent is not None:
        await service.record_card_message(app.sm, card.id, sent.chat_id, sent.message_id)


async def show_latest(app: AppContext, need_id: int) -> None:
    """Show the need's card as it is now, in the need's turn. For changes made outside a
    press's turn (a whole series at once, a person forgotten): a press on the same need from
    another chat may have changed it since, and its edit must not be overwritten."""
    async with app.need_turns.turn(need_id):
        card = await service.need_card(app.sm, need_id)
        if card is not None:
            await refresh_card(app, card)
