"""Scheduled messages: rows written when something happens, taken when due.

Taking is one conditional UPDATE (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so two
schedulers, or two replicas, can never take the same row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SessionMaker
from storage.models import MessageKind, MessageState, ScheduledMessage
from storage.statements import run_many

PENDING = MessageState.PENDING
# The PostgreSQL advisory lock whose holder sends scheduled messages (any number, the same
# in every replica).
SENDING_TURN_LOCK = 7_316_021_100


@asynccontextmanager
async def sending_turn(sm: SessionMaker) -> AsyncIterator[bool]:
    """Whether this process may send scheduled messages now.

    Several replicas share one bot token, and Telegram's limits (30 a second, 20 a minute
    per group) are per bot. Each replica paces only itself (bot/pacing.py), so if all of them
    sent the 08:00 storm together they would go over the limits N times. So one replica at a
    time sends: the one holding a PostgreSQL advisory lock, taken for one run and let go at
    its end. A replica that dies loses it with its connection; the others' next wake-up or
    sweep takes over. Sending is capped by Telegram, not by the machine, so nothing is lost
    by sending from one; updates are still handled by every replica. SQLite serves one
    process: it is always its turn."""
    async with sm() as session:
        if session.get_bind().dialect.name != "postgresql":
            yield True
            return
        # Outside any transaction: the run may take minutes and must not hold one open.
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        taken = await connection.scalar(select(func.pg_try_advisory_lock(SENDING_TURN_LOCK)))
        try:
            yield bool(taken)
        finally:
            if taken:
                try:
                    await connection.execute(select(func.pg_advisory_unlock(SENDING_TURN_LOCK)))
                except SQLAlchemyError:
                    # A connection back in the pool still holding the lock would stop every
                    # replica sending; closing it lets the lock go for sure.
                    await connection.invalidate()


_ADD_MESSAGES = insert(ScheduledMessage.__table__)  # type: ignore[attr-defined]


async def add_messages(session: AsyncSession, rows: Iterable[ScheduledMessage]) -> None:
    """One INSERT for all the rows, built once (storage/statements.py): a claim plans three
    or four. Added as ORM objects, each would go alone, to learn its id, which nothing here
    needs."""
    values = [row.model_dump(exclude={"id"}) for row in rows]
    if values:
        await run_many(session, _ADD_MESSAGES, values)


async def remove_pending_for_need(
    session: AsyncSession, need_id: int, kinds: Iterable[MessageKind]
) -> None:
    await session.execute(
        delete(ScheduledMessage).where(
            col(ScheduledMessage.need_id) == need_id,
            col(ScheduledMessage.state) == PENDING,
            col(ScheduledMessage.kind).in_(list(kinds)),
        )
    )


# A claim's or a release's replan (bot/services/reminders.replan_need), built once as every
# claim runs it (storage/statements.py): the group's messages and these people's. No session
# that replans holds scheduled messages, so the ORM need not look for its copies of the rows
# (which cost more than the DELETE itself).
_PENDING_FOR_PEOPLE = (
    delete(ScheduledMessage)
    .where(
        col(ScheduledMessage.need_id) == bindparam("need_id"),
        col(ScheduledMessage.state) == PENDING,
        col(ScheduledMessage.kind).in_(bindparam("kinds", expanding=True)),
        or_(
            col(ScheduledMessage.recipient_id).is_(None),
            col(ScheduledMessage.recipient_id).in_(bindparam("people", expanding=True)),
        ),
    )
    .execution_options(synchronize_session=False)
)


async def remove_pending_for_people(
    session: AsyncSession, need_id: int, people: Iterable[int], kinds: Iterable[MessageKind]
) -> None:
    """What is still to come about this need, of these kinds, for the group and for these
    people."""
    await session.execute(
        _PENDING_FOR_PEOPLE,
        {"need_id": need_id, "people": list(people), "kinds": list(kinds)},
    )


async def remove_pending_of_circle(
    session: AsyncSession, circle_id: int, kinds: Iterable[MessageKind]
) -> None:
    await session.execute(
        delete(ScheduledMessage).where(
            col(ScheduledMessage.circle_id) == circle_id,
            col(ScheduledMessage.state) == PENDING,
            col(ScheduledMessage.kind).in_(list(kinds)),
        )
    )


async def drop_expired(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[ScheduledMessage]:
    """Up to `limit` pending messages whose usefulness ran out (the bot was down), oldest
    first: dropped, never sent."""
    return await _mark_oldest(
        session, now, limit, MessageState.DROPPED, col(ScheduledMessage.expires_at) <= now
    )


async def take_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[ScheduledMessage]:
    """Mark up to `limit` due messages as being sent by us, oldest first, and return them."""
    return await _mark_oldest(session, now, limit, MessageState.SENDING)


async def _mark_oldest(
    session: AsyncSession,
    now: datetime,
    limit: int,
    state: MessageState,
    *conditions: ColumnElement[bool],
) -> Sequence[ScheduledMessage]:
    """Up to `limit` pending rows due by `now` (and meeting these conditions), oldest first,
    skipping rows another transaction holds: moved to `state` and returned in that order."""
    due = (
        select(ScheduledMessage.id)
        .where(
            col(ScheduledMessage.state) == PENDING,
            col(ScheduledMessage.due_at) <= now,
            *conditions,
        )
        .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken: list[ColumnElement[bool]] = [col(ScheduledMessage.id).in_(due.scalar_subquery())]
    if session.get_bind().dialect.name != "sqlite":
        # PostgreSQL may run a plain subquery again while the UPDATE goes (and each run,
        # no longer seeing the rows already taken, finds `limit` more): a MATERIALIZED CTE
        # is run once, so one take is at most `limit` rows and replicas share the work.
        once = due.cte("due").prefix_with("MATERIALIZED")
        # PostgreSQL re-checks a row it waited for. SQLite runs one writer at a time, so the
        # subquery's answer still holds; repeating the state test there would make it walk
        # every pending row instead of fetching these few by id.
        taken = [
            col(ScheduledMessage.id).in_(select(once.c.id)),
            col(ScheduledMessage.state) == PENDING,
        ]
    result = await session.execute(
        update(ScheduledMessage)
        .where(*taken)
        .values(state=state, taken_at=now)
        .returning(ScheduledMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda row: (row.due_at, row.id or 0))


async def finish(
    session: AsyncSession, message_id: int, state: MessageState, now: datetime, late: bool
) -> None:
    await session.execute(
        update(ScheduledMessage)
        .where(col(ScheduledMessage.id) == message_id)
        .values(state=state, sent_at=now if state == MessageState.SENT else None, late=late)
    )


async def try_again_at(session: AsyncSession, message_id: int, when: datetime) -> None:
    await session.execute(
        update(ScheduledMessage)
        .where(col(ScheduledMessage.id) == message_id)
        .values(state=PENDING, due_at=when, tries=ScheduledMessage.tries + 1, taken_at=None)
    )


async def put_back(session: AsyncSession, message_ids: Iterable[int]) -> None:
    """Taken but not yet tried (the bot is stopping): due again, for the next run."""
    await session.execute(
        update(ScheduledMessage)
        .where(
            col(ScheduledMessage.id).in_(list(message_ids)),
            col(ScheduledMessage.state) == MessageState.SENDING,
        )
        .values(state=PENDING, taken_at=None)
    )


async def mark_unsure(session: AsyncSession, taken_before: datetime) -> Sequence[ScheduledMessage]:
    """Rows a stopped process took and never finished. Telegram may or may not have them;
    sending again could double them, so they are set aside and logged instead."""
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            col(ScheduledMessage.state) == MessageState.SENDING,
            col(ScheduledMessage.taken_at) < taken_before,
        )
        .values(state=MessageState.UNSURE)
        .returning(ScheduledMessage)
    )
    return result.scalars().all()


async def next_due(session: AsyncSession) -> datetime | None:
    rows = await session.exec(
        select(func.min(ScheduledMessage.due_at)).where(col(ScheduledMessage.state) == PENDING)
    )
    return rows.first()


async def pending_for_recipient(
    session: AsyncSession, recipient_id: int, kind: MessageKind, limit: int
) -> Sequence[ScheduledMessage]:
    rows = await session.exec(
        select(ScheduledMessage)
        .where(
            col(ScheduledMessage.recipient_id) == recipient_id,
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.state) == PENDING,
        )
        .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
        .limit(limit)
    )
    return rows.all()


async def count_pending_for_recipient(
    session: AsyncSession, recipient_id: int, kind: MessageKind
) -> int:
    rows = await session.exec(
        select(func.count())
        .select_from(ScheduledMessage)
        .where(
            col(ScheduledMessage.recipient_id) == recipient_id,
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.state) == PENDING,
        )
    )
    return rows.one()


async def remove_pending(
    session: AsyncSession, message_id: int, recipient_id: int, kind: MessageKind
) -> bool:
    result = await session.execute(
        delete(ScheduledMessage).where(
            col(ScheduledMessage.id) == message_id,
            col(ScheduledMessage.recipient_id) == recipient_id,
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.state) == PENDING,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pending_for_need(session: AsyncSession, need_id: int) -> Sequence[ScheduledMessage]:
    rows = await session.exec(
        select(ScheduledMessage)
        .where(col(ScheduledMessage.need_id) == need_id, col(ScheduledMessage.state) == PENDING)
        .order_by(col(ScheduledMessage.due_at))
    )
    return rows.all()


async def circles_with_pending(
    session: AsyncSession, kind: MessageKind, circle_ids: Sequence[int]
) -> set[int]:
    rows = await session.exec(
        select(ScheduledMessage.circle_id).where(
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.state) == PENDING,
            col(ScheduledMessage.circle_id).in_(list(circle_ids)),
        )
    )
    return {cid for cid in rows.all() if cid is not None}


async def hold(session: AsyncSession, message_ids: Iterable[int]) -> None:
    await session.execute(
        update(ScheduledMessage)
        .where(col(ScheduledMessage.id).in_(list(message_ids)))
        .values(state=MessageState.HELD, taken_at=None)
    )


async def release_held(session: AsyncSession, circle_id: int) -> int:
    """The circle is back: what was held is due again (and late, or dropped, if its time
    passed)."""
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            col(ScheduledMessage.circle_id) == circle_id,
            col(ScheduledMessage.state) == MessageState.HELD,
        )
        .values(state=PENDING)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
