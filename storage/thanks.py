"""💛 Say thanks: a done need is thanked once, by one conditional UPDATE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Need, NeedStatus


async def mark_thanked(session: AsyncSession, need_id: int, now: datetime) -> bool:
    """True for the one press that gets to send the thank-you; two quick taps send one."""
    result = await session.execute(
        update(Need)
        .where(
            col(Need.id) == need_id,
            col(Need.status) == NeedStatus.DONE,
            col(Need.thanked_at).is_(None),
        )
        .values(thanked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unmark_thanked(session: AsyncSession, need_id: int, marked_at: datetime) -> bool:
    """The group could not be reached: the thank-you was not said, so it may be tried again."""
    result = await session.execute(
        update(Need)
        .where(col(Need.id) == need_id, col(Need.thanked_at) == marked_at)
        .values(thanked_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
