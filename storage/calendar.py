"""What goes into a /calendar file: the needs a person helps with, or all of a circle's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Circle, HelperRole, Need, NeedHelper, NeedStatus
from storage.needs import still_ahead

ACTIVE = (NeedStatus.OPEN, NeedStatus.CLAIMED)


def _in_calendar(now: datetime, cancelled_since: datetime) -> ColumnElement[bool]:
    # As on the board: a timed need stays until its time (or its range) has passed; a need
    # with no time is counted separately, since a calendar can't show it. Needs cancelled
    # lately come too, so a calendar that has them can take them out.
    return and_(
        still_ahead(now),
        or_(
            col(Need.status).in_(ACTIVE),
            and_(
                col(Need.status) == NeedStatus.CANCELLED,
                col(Need.cancelled_at) >= cancelled_since,
            ),
        ),
    )


def _helps_with(user_id: int) -> ColumnElement[bool]:
    places = select(NeedHelper.need_id).where(
        col(NeedHelper.user_id) == user_id, col(NeedHelper.role) == HelperRole.HELPER
    )
    return or_(col(Need.claimer_id) == user_id, col(Need.id).in_(places))


async def needs_i_help_with(
    session: AsyncSession, user_id: int, now: datetime, cancelled_since: datetime
) -> Sequence[tuple[Need, Circle]]:
    """Needs where this person holds a place, still ahead; plus those cancelled lately, so a
    calendar that has them can take them out."""
    rows = await session.exec(
        select(Need, Circle)
        .join(Circle, col(Circle.id) == col(Need.circle_id))
        .where(
            _helps_with(user_id),
            _in_calendar(now, cancelled_since),
        )
        .order_by(col(Need.starts_at), col(Need.id))
    )
    return rows.all()


async def needs_of_circle(
    session: AsyncSession, circle_id: int, now: datetime, cancelled_since: datetime
) -> Sequence[Need]:
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.circle_id) == circle_id,
            _in_calendar(now, cancelled_since),
        )
        .order_by(col(Need.starts_at), col(Need.id))
    )
    return rows.all()


async def helpers_of(session: AsyncSession, need_ids: Iterable[int]) -> dict[int, list[int]]:
    """Who holds each need's places, earliest first."""
    ids = list(need_ids)
    if not ids:
        return {}
    rows = await session.exec(
        select(NeedHelper)
        .where(col(NeedHelper.need_id).in_(ids), col(NeedHelper.role) == HelperRole.HELPER)
        .order_by(col(NeedHelper.claimed_at), col(NeedHelper.id))
    )
    found: dict[int, list[int]] = {}
    for row in rows.all():
        found.setdefault(row.need_id, []).append(row.user_id)
    return found
