"""Needs and their state changes. Every change of status is one conditional UPDATE, so two
people pressing at the same moment can never both win."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, and_, bindparam, case, func, or_, update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    HelperRole,
    Need,
    NeedDraft,
    NeedHelper,
    NeedStatus,
    ScheduledMessage,
)
from storage.statements import insert_for, run_built


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


def _counted(need: Any, *conditions: Any, **values: Any) -> Any:
    """The need's one conditional UPDATE for a change; it also counts the change in its
    version, which the card follows."""
    return (
        update(Need)
        .where(col(Need.id) == need, *conditions)
        .values(**values, version=col(Need.version) + 1)
    )


def _built_change(*conditions: Any, **values: Any) -> Any:
    """A change that every such press makes, built once (storage/statements.py), for the need
    given as the parameter `need_id`. The need is read back right after it (_sync_claimer or
    get_need), so the session's copy is left alone."""
    return _counted(bindparam("need_id"), *conditions, **values).execution_options(
        synchronize_session=False
    )


async def _change(
    session: AsyncSession, need_id: int, *conditions: object, **values: object
) -> bool:
    """A rarer change, built for this press (see _counted); True if it was made."""
    result = await session.execute(_counted(need_id, *conditions, **values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def note_changed(session: AsyncSession, need_ids: Sequence[int]) -> None:
    """Count a change to these needs' cards made outside their own row (a backup who steps
    down, a person forgotten)."""
    if need_ids:
        await session.execute(
            update(Need).where(col(Need.id).in_(need_ids)).values(version=col(Need.version) + 1)
        )


# The queries every press on a need runs are built once (storage/statements.py).
_VERSION_OF = select(Need.version).where(col(Need.id) == bindparam("need_id"))
_HELPERS_OF = (
    select(NeedHelper)
    .where(col(NeedHelper.need_id).in_(bindparam("need_ids", expanding=True)))
    .order_by(col(NeedHelper.need_id), col(NeedHelper.claimed_at), col(NeedHelper.id))
)
_HELPER_ROW = (
    select(NeedHelper)
    .where(
        col(NeedHelper.need_id) == bindparam("need_id"),
        col(NeedHelper.user_id) == bindparam("user_id"),
    )
    .execution_options(populate_existing=True)
)
_CLAIMED_BEFORE = (
    select(NeedHelper.id)
    .join(Need, col(Need.id) == col(NeedHelper.need_id))
    .where(
        col(Need.circle_id) == bindparam("circle_id"),
        col(NeedHelper.user_id) == bindparam("user_id"),
        col(NeedHelper.role) == HelperRole.HELPER,
    )
    .limit(1)
)


async def version_of(session: AsyncSession, need_id: int) -> int | None:
    rows = await session.exec(_VERSION_OF, params={"need_id": need_id})
    return rows.first()


async def _sync_claimer(session: AsyncSession, need_id: int) -> Need:
    """Need.claimer_id follows the earliest place; returns the need as the change left it.
    A statement of its own, run while the need's row is locked by this transaction: it
    sees every place committed before, on PostgreSQL as on SQLite."""
    rows = await session.execute(_SYNC_CLAIMER, {"need_id": need_id})
    need: Need = rows.scalar_one()
    return need


def _status_with(taken: Any) -> Any:
    return case((taken >= col(Need.places), NeedStatus.CLAIMED.value), else_=NeedStatus.OPEN.value)


_COLUMNS = Need.__table__.c  # type: ignore[attr-defined]
# Still open, or claimed: a need that can be changed.
_NOT_CLOSED = col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED])
# The helper of the earliest place still held (Need.claimer_id).
_FIRST_HELPER = (
    select(NeedHelper.user_id)
    .where(
        col(NeedHelper.need_id) == bindparam("need_id"), col(NeedHelper.role) == HelperRole.HELPER
    )
    .order_by(col(NeedHelper.claimed_at), col(NeedHelper.id))
    .limit(1)
    .scalar_subquery()
)
_SYNC_CLAIMER = (
    update(Need)
    .where(col(Need.id) == bindparam("need_id"))
    .values(
        claimer_id=_FIRST_HELPER,
        claimed_at=case((col(Need.taken) == 0, None), else_=col(Need.claimed_at)),
    )
    .returning(Need)
    # The need comes back as changed (RETURNING): nothing else to bring up to date.
    .execution_options(populate_existing=True, synchronize_session=False)
)
# A claim's conditional UPDATE.
_TAKE_PLACE = _built_change(
    _NOT_CLOSED,
    col(Need.taken) < col(Need.places),
    status=_status_with(col(Need.taken) + 1),
    taken=col(Need.taken) + 1,
    claimer_id=func.coalesce(
        col(Need.claimer_id), bindparam("user_id", type_=_COLUMNS.claimer_id.type)
    ),
    claimed_at=func.coalesce(
        col(Need.claimed_at), bindparam("now", type_=_COLUMNS.claimed_at.type)
    ),
)


async def helper_row(session: AsyncSession, need_id: int, user_id: int) -> NeedHelper | None:
    rows = await session.exec(_HELPER_ROW, params={"need_id": need_id, "user_id": user_id})
    return rows.first()


async def helpers_of(session: AsyncSession, need_ids: Sequence[int]) -> Sequence[NeedHelper]:
    """Helpers and backups of these needs, each need's earliest place first."""
    if not need_ids:
        return []
    rows = await session.exec(_HELPERS_OF, params={"need_ids": list(need_ids)})
    return rows.all()


def people_in(held: Sequence[NeedHelper], role: HelperRole) -> tuple[int, ...]:
    """Who among these rows (helpers_of) holds a place, or stands by, in their order."""
    return tuple(row.user_id for row in held if row.role == role)


@cache
def _place_taken(dialect: str) -> Executable:
    """A claim's place: a new helper row, or the person's backup row turned into one."""
    statement = insert_for(dialect, NeedHelper).values(
        need_id=bindparam("need_id"),
        user_id=bindparam("user_id"),
        role=HelperRole.HELPER,
        claimed_at=bindparam("now"),
    )
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["need_id", "user_id"],
        set_={"role": statement.excluded.role, "claimed_at": statement.excluded.claimed_at},
        where=col(NeedHelper.role) == HelperRole.BACKUP,
    ).returning(col(NeedHelper.id))


async def claim(session: AsyncSession, need_id: int, user_id: int, now: datetime) -> Need | None:
    """Take one place: one conditional UPDATE on taken < places, so two people pressing for
    the last place can never both get it. The same person never holds two places. A person
    standing by as backup who takes a free place stops being the backup.
    Returns the need as the claim left it; None when the claim is lost, and then nothing of
    it is left (a count taken by a second press at once is given back)."""
    won = await session.execute(_TAKE_PLACE, {"need_id": need_id, "user_id": user_id, "now": now})
    if not won.rowcount:  # type: ignore[attr-defined]
        return None
    # The person's place: a new row, or their backup row turned into a place. Nothing comes
    # back if they hold a place already (pressed twice at once): the count is given back.
    place = await run_built(session, _place_taken, need_id=need_id, user_id=user_id, now=now)
    if place.first() is None:
        await session.execute(
            update(Need)
            .where(col(Need.id) == need_id)
            .values(taken=col(Need.taken) - 1, status=_status_with(col(Need.taken) - 1))
        )
        return None
    return await _sync_claimer(session, need_id)


@dataclass(frozen=True)
class GivenBack:
    """A place given back: the need as it left it, and the backup who holds the place now,
    if one stood by."""

    need: Need
    promoted: int | None = None


# A release's statements, built once as every release runs them (storage/statements.py).
_FREE_PLACE = _built_change(
    _NOT_CLOSED, col(Need.taken) > 0, status=NeedStatus.OPEN, taken=col(Need.taken) - 1
)
_PLACE_GONE = delete(NeedHelper).where(
    col(NeedHelper.need_id) == bindparam("need_id"),
    col(NeedHelper.user_id) == bindparam("user_id"),
    col(NeedHelper.role) == HelperRole.HELPER,
)
_FIRST_BACKUP = (
    select(NeedHelper)
    .where(
        col(NeedHelper.need_id) == bindparam("need_id"), col(NeedHelper.role) == HelperRole.BACKUP
    )
    .order_by(col(NeedHelper.claimed_at), col(NeedHelper.id))
    .limit(1)
    .execution_options(populate_existing=True)
)


async def _free_place(session: AsyncSession, need_id: int, user_id: int) -> bool:
    """The need's count goes down with one conditional UPDATE (which also locks its row),
    then the person's place goes; if they held none, the count is put back."""
    locked = await session.execute(_FREE_PLACE, {"need_id": need_id})
    if not locked.rowcount:  # type: ignore[attr-defined]
        return False
    gone = await session.execute(_PLACE_GONE, {"need_id": need_id, "user_id": user_id})
    if not gone.rowcount:  # type: ignore[attr-defined]
        await session.execute(
            update(Need)
            .where(col(Need.id) == need_id)
            .values(taken=col(Need.taken) + 1, status=_status_with(col(Need.taken) + 1))
        )
        return False
    return True


async def give_back(
    session: AsyncSession, need_id: int, user_id: int, now: datetime
) -> GivenBack | None:
    """One helper gives their place back. A backup, if there is one, takes it over in the
    same transaction. None when this person holds no place (a release a moment ago) or the
    need is closed; nothing is changed then."""
    if not await _free_place(session, need_id, user_id):
        return None
    promoted = await _promote_backup(session, need_id, now)
    return GivenBack(await _sync_claimer(session, need_id), promoted)


async def _promote_backup(session: AsyncSession, need_id: int, now: datetime) -> int | None:
    backup = (await session.exec(_FIRST_BACKUP, params={"need_id": need_id})).first()
    if backup is None:
        return None
    taken = await _change(
        session,
        need_id,
        col(Need.taken) < col(Need.places),
        status=_status_with(col(Need.taken) + 1),
        taken=col(Need.taken) + 1,
    )
    if not taken:
        return None
    backup.role = HelperRole.HELPER
    backup.claimed_at = now
    session.add(backup)
    await session.flush()
    return backup.user_id


async def release(session: AsyncSession, need_id: int, user_id: int) -> bool:
    """A place given back, no backup promoted (see give_back for that)."""
    if not await _free_place(session, need_id, user_id):
        return False
    await _sync_claimer(session, need_id)
    return True


async def add_backup(session: AsyncSession, need_id: int, user_id: int, now: datetime) -> bool:
    """Stand by for a need that has a helper: at most one backup per need. The need's row
    is locked first, so two people offering at once can't both become its backup."""
    locked = await _change(
        session,
        need_id,
        col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
        col(Need.taken) > 0,
        taken=col(Need.taken),
    )
    if not locked:
        return False
    existing = (
        await session.exec(
            select(NeedHelper.id).where(
                or_(
                    and_(
                        col(NeedHelper.need_id) == need_id,
                        col(NeedHelper.role) == HelperRole.BACKUP,
                    ),
                    and_(col(NeedHelper.need_id) == need_id, col(NeedHelper.user_id) == user_id),
                )
            )
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        NeedHelper(need_id=need_id, user_id=user_id, role=HelperRole.BACKUP, claimed_at=now)
    )
    await session.flush()
    return True


async def remove_backup(session: AsyncSession, need_id: int, user_id: int) -> bool:
    gone = await session.execute(
        delete(NeedHelper).where(
            col(NeedHelper.need_id) == need_id,
            col(NeedHelper.user_id) == user_id,
            col(NeedHelper.role) == HelperRole.BACKUP,
        )
    )
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    await note_changed(session, [need_id])
    return True


# Done or didn't happen. Any helper or a lead closes the whole need; `first_helper` is the
# first helper as read, so a release in between makes this miss. A need with several places
# may be closed before every place is taken. (A parameter may not share a set column's name.)
_CLOSE = _built_change(
    _NOT_CLOSED,
    col(Need.taken) > 0,
    col(Need.claimer_id) == bindparam("first_helper"),
    status=bindparam("closed_as", type_=_COLUMNS.status.type),
    done_at=bindparam("now", type_=_COLUMNS.done_at.type),
)


async def _close(
    session: AsyncSession, need_id: int, claimer_id: int, now: datetime, status: NeedStatus
) -> bool:
    closed = await session.execute(
        _CLOSE, {"need_id": need_id, "first_helper": claimer_id, "closed_as": status, "now": now}
    )
    return bool(closed.rowcount)  # type: ignore[attr-defined]


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


def still_ahead(now: datetime) -> ColumnElement[bool]:
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
            still_ahead(now),
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
    """Needs this person holds a place on, still ahead, soonest first."""
    rows = await session.exec(
        select(Need)
        .join(NeedHelper, col(NeedHelper.need_id) == col(Need.id))
        .where(
            col(NeedHelper.user_id) == user_id,
            col(NeedHelper.role) == HelperRole.HELPER,
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
            still_ahead(now),
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
    rows = await session.exec(_CLAIMED_BEFORE, params={"circle_id": circle_id, "user_id": user_id})
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
