"""The guided /need flow, one stored step at a time. A draft ends only when posted or
when its author says /cancel: it never times out, and a restart does not lose it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.categories import Category
from bot.timeparse import Precision, When
from storage import needs as store
from storage.db import SessionMaker
from storage.models import NeedDraft


class Step(StrEnum):
    CATEGORY = "category"
    DESCRIBE = "describe"
    DAY = "day"
    PICK_DAY = "pick_day"
    TIME = "time"
    CONFIRM = "confirm"


# Steps that wait for typed text rather than a button.
TEXT_STEPS = frozenset({Step.DESCRIBE, Step.TIME})


@dataclass(frozen=True)
class Draft:
    chat_id: int
    user_id: int
    circle_id: int
    step: Step
    category: Category | None
    description: str | None
    day: date | None
    when: When | None


def _view(row: NeedDraft) -> Draft:
    when = None
    if row.precision is not None:
        when = When(
            precision=Precision(row.precision),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            label=row.when_label,
        )
    return Draft(
        chat_id=row.chat_id,
        user_id=row.user_id,
        circle_id=row.circle_id,
        step=Step(row.step),
        category=Category(row.category) if row.category else None,
        description=row.description,
        day=row.day,
        when=when,
    )


async def start(
    sm: SessionMaker, chat_id: int, user_id: int, circle_id: int, now: datetime
) -> Draft:
    """Begin (or begin again) a draft for this person in this chat."""
    async with sm() as session:
        await store.delete_draft(session, chat_id, user_id)
        row = NeedDraft(
            chat_id=chat_id,
            user_id=user_id,
            circle_id=circle_id,
            step=Step.CATEGORY,
            created_at=now,
        )
        session.add(row)
        await session.commit()
        return _view(row)


async def current(sm: SessionMaker, chat_id: int, user_id: int) -> Draft | None:
    async with sm() as session:
        row = await store.get_draft(session, chat_id, user_id)
        return _view(row) if row else None


async def discard(sm: SessionMaker, chat_id: int, user_id: int) -> bool:
    async with sm() as session:
        removed = await store.delete_draft(session, chat_id, user_id)
        await session.commit()
        return removed


async def _update(sm: SessionMaker, chat_id: int, user_id: int, **values: object) -> Draft | None:
    async with sm() as session:
        row = await store.get_draft(session, chat_id, user_id)
        if row is None:
            return None
        for key, value in values.items():
            setattr(row, key, value)
        await session.commit()
        return _view(row)


async def choose_category(
    sm: SessionMaker, chat_id: int, user_id: int, category: Category
) -> Draft | None:
    return await _update(sm, chat_id, user_id, category=category, step=Step.DESCRIBE)


async def describe(sm: SessionMaker, chat_id: int, user_id: int, text: str) -> Draft | None:
    return await _update(sm, chat_id, user_id, description=text.strip(), step=Step.DAY)


async def ask_for_day(sm: SessionMaker, chat_id: int, user_id: int) -> Draft | None:
    return await _update(sm, chat_id, user_id, step=Step.PICK_DAY)


async def choose_day(sm: SessionMaker, chat_id: int, user_id: int, day: date) -> Draft | None:
    return await _update(sm, chat_id, user_id, day=day, step=Step.TIME)


async def choose_when(sm: SessionMaker, chat_id: int, user_id: int, when: When) -> Draft | None:
    return await _update(
        sm,
        chat_id,
        user_id,
        precision=when.precision,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        when_label=when.label,
        step=Step.CONFIRM,
    )
