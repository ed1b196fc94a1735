"""Needs and their state changes. Every change of status is one conditional UPDATE, so two
people pressing at the same moment can never both win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Need, NeedDraft, NeedHelper, NeedStatus, ScheduledMessage


async def add_need(session: AsyncSession, need: Need) -> Need:
    session.add(need)
    await session.flush()
    return need


async def get_need(session: AsyncSession, need_id: int) -> Need | None:
    return await session.get(Need, need_id, populate_existing=True)


async def delete_need(session: AsyncSession, need_id: int) -> None:
    await session.execute(delete(NeedHelper).where(col(NeedHelper.need_id) == need_id))
    await session.execute(delete(ScheduledMessage).where(col(ScheduledMessage.need_id) == need_id))
    await session.execute(delete(Need).where(col(Need.id) == need_id))


async def set_card(session: AsyncSession, need_id: int, chat_id: int, message_id: int) -> None:
    await session.execute(
        update(Need)
        .where(col(Need.id) == need_id)
        .values(card_chat_id=chat_id, card_message_id=message_id)
    )


async def _change(
    session: AsyncSession, need_id: int, *conditions: object, **values: object
) -> bool:
    result = await session.execute(
        update(Need).where(col(Need.id) == need_id, *conditions).values(**values)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, need_id: int, user_id: int, now: datetime) -> bool:
    won = await _change(
        session,
        need_id,
        col(Need.status) == NeedStatus.OPEN,
        status=NeedStatus.CLAIMED,
        claimer_id=user_id,
        claimed_at=now,
        taken=1,
    )
    if won:
        session.add(NeedHelper(need_id=need_id, user_id=user_id, claimed_at=now))
        await session.flush()
    return won


async def release(session: AsyncSession, need_id: int, user_id: int) -> bool:
    won = await _change(
        session,
        need_id,
        col(Need.status) == NeedStatus.CLAIMED,
        col(Need.claimer_id) == user_id,
        status=NeedStatus.OPEN,
        claimer_id=None,
        claimed_at=None,
        taken=0,
    )
    if won:
        await session.execute(
            delete(NeedHelper).where(
                col(NeedHelper.need_id) == need_id, col(NeedHelper.user_id) == user_id
            )
        )
    return won


async def _close(
    session: AsyncSession, need_id: int, claimer_id: int, now: datetime, status: NeedStatus
) -> bool:
    return await _change(
        session,
        need_id,
        col(Need.status) == NeedStatus.CLAIMED,
        col(Need.claimer_id) == claimer_id,
        status=status,
        done_at=now,
    )


async def mark_done(session: AsyncSession, need_id: int, claimer_id: int, now: datetime) -> bool:
    return await _close(session, need_id, claimer_id, now, NeedStatus.DONE)


async def mark_missed(session: AsyncSession, need_id: int, claimer_id: int, now: datetime) -> bool:
    return await _close(session, need_id, claimer_id, now, NeedStatus.MISSED)


async def cancel(session: AsyncSession, need_id: int, user_id: int, now: datetime) -> bool:
    return await _change(
        session,
        need_id,
        col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
        status=NeedStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=user_id,
    )


def _still_ahead(now: datetime) -> object:
    # A need with no time stays on the board until it is done or cancelled; a timed one
    # stays until its time (or the end of its range) has passed.
    return or_(
        col(Need.starts_at).is_(None),
        and_(col(Need.ends_at).is_not(None), col(Need.ends_at) > now),
        and_(col(Need.ends_at).is_(None), col(Need.starts_at) > now),
    )


async def upcoming_needs(
    session: AsyncSession, circle_id: int, now: datetime, limit: int
) -> Sequence[Need]:
    """Open and claimed needs still ahead: open first, each group soonest first."""
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.circle_id) == circle_id,
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
            _still_ahead(now),  # type: ignore[arg-type]
        )
        .order_by(
            col(Need.status).desc(),  # "open" sorts after "claimed"; desc puts open first
            col(Need.starts_at).is_(None),
            col(Need.starts_at),
            col(Need.id),
        )
        .limit(limit)
    )
    return rows.all()


async def claimed_by(
    session: AsyncSession, user_id: int, now: datetime, limit: int
) -> Sequence[Need]:
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.claimer_id) == user_id,
            col(Need.status) == NeedStatus.CLAIMED,
            _still_ahead(now),  # type: ignore[arg-type]
        )
        .order_by(col(Need.starts_at).is_(None), col(Need.starts_at), col(Need.id))
        .limit(limit)
    )
    return rows.all()


async def get_draft(session: AsyncSession, chat_id: int, user_id: int) -> NeedDraft | None:
    rows = await session.exec(
        select(NeedDraft).where(
            col(NeedDraft.chat_id) == chat_id, col(NeedDraft.user_id) == user_id
        )
    )
    return rows.first()


async def delete_draft(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    result = await session.execute(
        delete(NeedDraft).where(
            col(NeedDraft.chat_id) == chat_id, col(NeedDraft.user_id) == user_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def move_cards(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    await session.execute(
        update(Need).where(col(Need.card_chat_id) == old_chat_id).values(card_chat_id=new_chat_id)
    )


async def has_claimed_before(session: AsyncSession, circle_id: int, user_id: int) -> bool:
    rows = await session.exec(
        select(Need.id)
        .where(col(Need.circle_id) == circle_id, col(Need.claimer_id) == user_id)
        .limit(1)
    )
    return rows.first() is not None


async def needs_starting_between(
    session: AsyncSession, circle_id: int, start: datetime, end: datetime
) -> Sequence[Need]:
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.circle_id) == circle_id,
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
            col(Need.starts_at) >= start,
            col(Need.starts_at) < end,
        )
        .order_by(col(Need.starts_at), col(Need.id))
    )
    return rows.all()


async def need_by_card(session: AsyncSession, chat_id: int, message_id: int) -> Need | None:
    rows = await session.exec(
        select(Need).where(
            col(Need.card_chat_id) == chat_id, col(Need.card_message_id) == message_id
        )
    )
    return rows.first()


async def set_when(
    session: AsyncSession,
    need_id: int,
    precision: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    label: str | None,
) -> bool:
    return await _change(
        session,
        need_id,
        col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
        precision=precision,
        starts_at=starts_at,
        ends_at=ends_at,
        when_label=label,
    )
