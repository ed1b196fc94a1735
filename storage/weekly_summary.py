"""The coordinators' weekly summary: who gets one, whether it is planned, and the needs and
places it counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Circle,
    CircleStatus,
    HelperRole,
    Membership,
    MessageKind,
    MessageState,
    Need,
    NeedHelper,
    Role,
    ScheduledMessage,
)

# A summary in any of these states is the coordinator's next one (or is being sent now).
_LIVE = (MessageState.PENDING, MessageState.SENDING, MessageState.HELD)


async def coordinators(
    session: AsyncSession, circle_id: int | None = None
) -> Sequence[tuple[Circle, int]]:
    """Every coordinator of every active circle (or of one circle), as (circle, user id)."""
    query = (
        select(Circle, Membership.user_id)
        .join(Membership, col(Membership.circle_id) == col(Circle.id))
        .where(
            col(Circle.status) == CircleStatus.ACTIVE,
            col(Membership.role) == Role.COORDINATOR,
        )
        .order_by(col(Circle.id), col(Membership.user_id))
    )
    if circle_id is not None:
        query = query.where(col(Circle.id) == circle_id)
    rows = await session.exec(query)
    return rows.all()


async def planned(session: AsyncSession, circle_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(circle id, coordinator) pairs whose next summary is already there."""
    ids = list(circle_ids)
    if not ids:
        return set()
    rows = await session.exec(
        select(ScheduledMessage.circle_id, ScheduledMessage.recipient_id).where(
            col(ScheduledMessage.kind) == MessageKind.WEEKLY_SUMMARY,
            col(ScheduledMessage.state).in_(_LIVE),
            col(ScheduledMessage.circle_id).in_(ids),
        )
    )
    return {(c, r) for c, r in rows.all() if c is not None and r is not None}


async def needs_since(session: AsyncSession, circle_id: int, since: datetime) -> Sequence[Need]:
    """Needs with anything to count since then: posted, due, done, or a place taken."""
    taken = select(NeedHelper.need_id).where(col(NeedHelper.claimed_at) >= since)
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.circle_id) == circle_id,
            or_(
                col(Need.created_at) >= since,
                col(Need.starts_at) >= since,
                col(Need.done_at) >= since,
                col(Need.claimed_at) >= since,
                col(Need.id).in_(taken),
            ),
        )
        .order_by(col(Need.starts_at), col(Need.id))
    )
    return rows.all()


async def places_of(session: AsyncSession, need_ids: Iterable[int]) -> Sequence[NeedHelper]:
    """The places held on these needs (not backups), earliest first."""
    ids = list(need_ids)
    if not ids:
        return []
    rows = await session.exec(
        select(NeedHelper)
        .where(col(NeedHelper.need_id).in_(ids), col(NeedHelper.role) == HelperRole.HELPER)
        .order_by(col(NeedHelper.claimed_at), col(NeedHelper.id))
    )
    return rows.all()
