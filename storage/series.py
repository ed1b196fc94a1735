"""Recurring needs. Every change of a series' state is one conditional UPDATE, so two
people pressing at once (or two replicas posting) can never both win; a date has at most
one Need, by the unique index on (series_id, occurs_on)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    MessageKind,
    MessageState,
    Need,
    NeedSeries,
    NeedStatus,
    ScheduledMessage,
)

LIVE = (NeedStatus.OPEN, NeedStatus.CLAIMED)


async def add_series(session: AsyncSession, series: NeedSeries) -> NeedSeries:
    session.add(series)
    await session.flush()
    return series


async def get_series(
    session: AsyncSession, series_id: int, lock: bool = False
) -> NeedSeries | None:
    return await session.get(
        NeedSeries, series_id, populate_existing=True, with_for_update=lock or None
    )


async def _change(
    session: AsyncSession, series_id: int, *conditions: object, **values: object
) -> bool:
    result = await session.execute(
        update(NeedSeries)
        .where(col(NeedSeries.id) == series_id, *conditions)  # type: ignore[arg-type]
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_posted_until(session: AsyncSession, series_id: int, day: date) -> None:
    await _change(session, series_id, posted_until=day)


async def take_whole(session: AsyncSession, series_id: int, user_id: int) -> bool:
    return await _change(
        session,
        series_id,
        col(NeedSeries.standing_helper_id).is_(None),
        col(NeedSeries.stopped_at).is_(None),
        standing_helper_id=user_id,
    )


async def give_back(session: AsyncSession, series_id: int, user_id: int) -> bool:
    return await _change(
        session,
        series_id,
        col(NeedSeries.standing_helper_id) == user_id,
        standing_helper_id=None,
    )


async def stop(session: AsyncSession, series_id: int, user_id: int, now: datetime) -> bool:
    return await _change(
        session,
        series_id,
        col(NeedSeries.stopped_at).is_(None),
        stopped_at=now,
        stopped_by=user_id,
    )


async def running_in_circle(
    session: AsyncSession, circle_id: int, limit: int = 50
) -> Sequence[NeedSeries]:
    rows = await session.exec(
        select(NeedSeries)
        .where(col(NeedSeries.circle_id) == circle_id, col(NeedSeries.stopped_at).is_(None))
        .order_by(col(NeedSeries.id))
        .limit(limit)
    )
    return rows.all()


async def needs_from(session: AsyncSession, series_id: int, since: date) -> Sequence[Need]:
    """The series' Need rows on `since` or later, by date."""
    rows = await session.exec(
        select(Need)
        .where(col(Need.series_id) == series_id, col(Need.occurs_on) >= since)
        .order_by(col(Need.occurs_on))
    )
    return rows.all()


async def need_on(session: AsyncSession, series_id: int, day: date) -> Need | None:
    rows = await session.exec(
        select(Need).where(col(Need.series_id) == series_id, col(Need.occurs_on) == day)
    )
    return rows.first()


async def dates_made(session: AsyncSession, series_id: int, since: date) -> set[date]:
    """The dates from `since` on that have their Need (posted, skipped or cancelled)."""
    rows = await session.exec(
        select(col(Need.occurs_on)).where(
            col(Need.series_id) == series_id, col(Need.occurs_on) >= since
        )
    )
    return {day for day in rows.all() if day is not None}


async def live_needs_after(
    session: AsyncSession, series_id: int, now: datetime, *, without_card: bool = False
) -> Sequence[Need]:
    """Open or taken dates still ahead: what stopping cancels. `without_card`: only those
    made whose card never reached the group (it was unreachable)."""
    conditions = [
        col(Need.series_id) == series_id,
        col(Need.status).in_(list(LIVE)),
        col(Need.starts_at) > now,
    ]
    if without_card:
        conditions.append(col(Need.card_message_id).is_(None))
    rows = await session.exec(
        select(Need).where(*conditions).order_by(col(Need.starts_at), col(Need.id))
    )
    return rows.all()


async def add_skipped(session: AsyncSession, need: Need) -> Need:
    """A date not yet posted, skipped: its row exists (cancelled), so it is never posted."""
    session.add(need)
    await session.flush()
    return need


async def cancel_need(session: AsyncSession, need_id: int, user_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Need)
        .where(col(Need.id) == need_id, col(Need.status).in_(list(LIVE)))
        .values(status=NeedStatus.CANCELLED, cancelled_at=now, cancelled_by=user_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def remove_pending_posts(session: AsyncSession, series_id: int) -> None:
    await session.execute(
        delete(ScheduledMessage).where(
            col(ScheduledMessage.series_id) == series_id,
            col(ScheduledMessage.kind) == MessageKind.SERIES_POST,
            col(ScheduledMessage.state) == MessageState.PENDING,
        )
    )


async def pending_post(session: AsyncSession, series_id: int) -> ScheduledMessage | None:
    rows = await session.exec(
        select(ScheduledMessage).where(
            col(ScheduledMessage.series_id) == series_id,
            col(ScheduledMessage.kind) == MessageKind.SERIES_POST,
            col(ScheduledMessage.state) == MessageState.PENDING,
        )
    )
    return rows.first()


async def delete_series(session: AsyncSession, series_id: int) -> None:
    """A series whose first post never reached the group: taken back, nothing half-made."""
    await remove_pending_posts(session, series_id)
    await session.execute(delete(NeedSeries).where(col(NeedSeries.id) == series_id))


async def running_everywhere(session: AsyncSession) -> Sequence[NeedSeries]:
    rows = await session.exec(
        select(NeedSeries).where(col(NeedSeries.stopped_at).is_(None)).order_by(col(NeedSeries.id))
    )
    return rows.all()


async def held_post(session: AsyncSession, series_id: int) -> bool:
    rows = await session.exec(
        select(ScheduledMessage.id).where(
            col(ScheduledMessage.series_id) == series_id,
            col(ScheduledMessage.kind) == MessageKind.SERIES_POST,
            col(ScheduledMessage.state) == MessageState.HELD,
        )
    )
    return rows.first() is not None
