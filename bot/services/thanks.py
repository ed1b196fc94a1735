"""💛 Say thanks: the supported person thanks whoever helped, in the group, once per need.
Each function is one transaction; the group is told after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.services import needs
from bot.services.needs import NeedCard
from bot.services.permissions import Action, may
from storage import people
from storage import thanks as store
from storage.db import SessionMaker
from storage.models import Need, NeedStatus


class ThanksOutcome(StrEnum):
    MARKED = "marked"  # say it in the group now
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"
    NOT_DONE = "not_done"
    NO_HELPER = "no_helper"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Thanks:
    outcome: ThanksOutcome
    card: NeedCard | None = None
    marked_at: datetime | None = None


def helper_names(card: NeedCard) -> tuple[str, ...]:
    if card.helpers:
        return tuple(name for _uid, name in card.helpers)
    return (card.claimer_name,) if card.claimer_name else ()


def can_thank(card: NeedCard) -> bool:
    return card.status == NeedStatus.DONE and card.thanked_at is None and bool(helper_names(card))


async def mark(sm: SessionMaker, need_id: int, actor_id: int, now: datetime) -> Thanks:
    card = await needs.need_card(sm, need_id)
    if card is None:
        return Thanks(ThanksOutcome.NOT_FOUND)
    async with sm() as session:
        role = await people.role_in(session, card.circle_id, actor_id)
        if not may(role, Action.SAY_THANKS):
            return Thanks(ThanksOutcome.NOT_ALLOWED, card)
        need = await session.get(Need, need_id, populate_existing=True)
        if need is None:
            return Thanks(ThanksOutcome.NOT_FOUND)
        if need.thanked_at is not None:
            return Thanks(ThanksOutcome.ALREADY, card)
        if need.status != NeedStatus.DONE:
            return Thanks(ThanksOutcome.NOT_DONE, card)
        if not helper_names(card):
            return Thanks(ThanksOutcome.NO_HELPER, card)
        won = await store.mark_thanked(session, need_id, now)
        await session.commit()
    if not won:
        return Thanks(ThanksOutcome.ALREADY, card)
    return Thanks(ThanksOutcome.MARKED, card, now)


async def unmark(sm: SessionMaker, need_id: int, marked_at: datetime) -> None:
    async with sm() as session:
        await store.unmark_thanked(session, need_id, marked_at)
        await session.commit()
