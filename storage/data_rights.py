"""What /export, /forget_me and /delete_circle read and remove: everything of one circle, or
everything of one person. SQL only; who may do what, and what goes in an export, is decided
in bot/services/data_rights.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, or_, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    CheckIn,
    Circle,
    HelperRole,
    Membership,
    MessageKind,
    MessageState,
    Need,
    NeedDraft,
    NeedHelper,
    NeedStatus,
    Observation,
    Person,
    Question,
    ScheduledMessage,
    TeamContact,
)

# Still to come: pending, or held while the circle rests.
WAITING = (MessageState.PENDING, MessageState.HELD)


# ---------------------------------------------------------------- reading for an export


async def needs_of_circle(session: AsyncSession, circle_id: int) -> Sequence[Need]:
    rows = await session.exec(
        select(Need).where(col(Need.circle_id) == circle_id).order_by(col(Need.id))
    )
    return rows.all()


async def waiting_messages(
    session: AsyncSession, circle_id: int, person_id: int
) -> Sequence[ScheduledMessage]:
    """Messages still to come for the circle, and this person's own reminders (which may
    have been set outside the circle's group)."""
    rows = await session.exec(
        select(ScheduledMessage)
        .where(
            col(ScheduledMessage.state).in_(WAITING),
            or_(
                col(ScheduledMessage.circle_id) == circle_id,
                (col(ScheduledMessage.recipient_id) == person_id)
                & (col(ScheduledMessage.kind) == MessageKind.PERSONAL),
            ),
        )
        .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
    )
    return rows.all()


async def check_ins_of(
    session: AsyncSession, user_id: int, *, circle_id: int | None = None, kind: str | None = None
) -> Sequence[CheckIn]:
    statement = select(CheckIn).where(col(CheckIn.user_id) == user_id)
    if circle_id is not None:
        statement = statement.where(col(CheckIn.circle_id) == circle_id)
    if kind is not None:
        statement = statement.where(col(CheckIn.kind) == kind)
    rows = await session.exec(statement.order_by(col(CheckIn.started_at), col(CheckIn.id)))
    return rows.all()


async def questions_of_circle(session: AsyncSession, circle_id: int) -> Sequence[Question]:
    rows = await session.exec(
        select(Question).where(col(Question.circle_id) == circle_id).order_by(col(Question.id))
    )
    return rows.all()


async def answered_observations_of_circle(
    session: AsyncSession, circle_id: int
) -> Sequence[Observation]:
    """Only what a helper actually wrote: a question not answered yet holds nothing."""
    rows = await session.exec(
        select(Observation)
        .where(col(Observation.circle_id) == circle_id, col(Observation.text).is_not(None))
        .order_by(col(Observation.id))
    )
    return rows.all()


async def team_of_circle(session: AsyncSession, circle_id: int) -> Sequence[TeamContact]:
    rows = await session.exec(
        select(TeamContact)
        .where(col(TeamContact.circle_id) == circle_id)
        .order_by(col(TeamContact.id))
    )
    return rows.all()


async def memberships_of(
    session: AsyncSession, user_id: int
) -> Sequence[tuple[Membership, Circle]]:
    rows = await session.exec(
        select(Membership, Circle)
        .join(Circle, col(Circle.id) == col(Membership.circle_id))
        .where(col(Membership.user_id) == user_id)
        .order_by(col(Membership.joined_at), col(Membership.id))
    )
    return rows.all()


async def own_reminders(session: AsyncSession, user_id: int) -> Sequence[ScheduledMessage]:
    rows = await session.exec(
        select(ScheduledMessage)
        .where(
            col(ScheduledMessage.recipient_id) == user_id,
            col(ScheduledMessage.kind) == MessageKind.PERSONAL,
            col(ScheduledMessage.state).in_(WAITING),
        )
        .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
    )
    return rows.all()


def _needs_with_helper(user_id: int, role: HelperRole | None = None) -> Any:
    """Needs this person holds a place on (or stands by for), as a subquery."""
    statement = select(NeedHelper.need_id).where(col(NeedHelper.user_id) == user_id)
    if role is not None:
        statement = statement.where(col(NeedHelper.role) == role)
    return statement


async def helpers_of_circle(session: AsyncSession, circle_id: int) -> Sequence[NeedHelper]:
    """Who held a place on, or stood by for, each need of the circle."""
    rows = await session.exec(
        select(NeedHelper)
        .where(col(NeedHelper.need_id).in_(select(Need.id).where(col(Need.circle_id) == circle_id)))
        .order_by(col(NeedHelper.need_id), col(NeedHelper.id))
    )
    return rows.all()


async def helper_rows_of_person(session: AsyncSession, user_id: int) -> Sequence[NeedHelper]:
    rows = await session.exec(
        select(NeedHelper)
        .where(col(NeedHelper.user_id) == user_id)
        .order_by(col(NeedHelper.need_id), col(NeedHelper.id))
    )
    return rows.all()


async def needs_of_person(session: AsyncSession, user_id: int) -> Sequence[Need]:
    """Needs this person asked for or took on, in any circle."""
    rows = await session.exec(
        select(Need)
        .where(
            or_(
                col(Need.requested_by) == user_id,
                col(Need.claimer_id) == user_id,
                col(Need.id).in_(_needs_with_helper(user_id)),
            )
        )
        .order_by(col(Need.id))
    )
    return rows.all()


async def questions_asked_by(session: AsyncSession, user_id: int) -> Sequence[Question]:
    rows = await session.exec(
        select(Question).where(col(Question.asked_by) == user_id).order_by(col(Question.id))
    )
    return rows.all()


async def observations_written_by(session: AsyncSession, user_id: int) -> Sequence[Observation]:
    rows = await session.exec(
        select(Observation)
        .where(col(Observation.helper_id) == user_id, col(Observation.text).is_not(None))
        .order_by(col(Observation.id))
    )
    return rows.all()


async def count_of(session: AsyncSession, model: type[SQLModel], circle_id: int) -> int:
    table: Table = model.__table__  # type: ignore[attr-defined]
    rows = await session.execute(
        select(func.count()).select_from(table).where(table.c.circle_id == circle_id)
    )
    return int(rows.scalar_one())


# ---------------------------------------------------------------- forgetting a person


async def claimed_needs_of(session: AsyncSession, user_id: int) -> Sequence[Need]:
    """Needs still to do on which this person holds a place."""
    rows = await session.exec(
        select(Need)
        .where(
            col(Need.id).in_(_needs_with_helper(user_id, HelperRole.HELPER)),
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
        )
        .order_by(col(Need.id))
    )
    return rows.all()


async def remove_backups_of(session: AsyncSession, user_id: int) -> list[int]:
    """The person no longer stands by for anything; returns those needs still to do."""
    rows = await session.exec(
        select(NeedHelper.need_id)
        .join(Need, col(Need.id) == col(NeedHelper.need_id))
        .where(
            col(NeedHelper.user_id) == user_id,
            col(NeedHelper.role) == HelperRole.BACKUP,
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
        )
    )
    standing_by = list(rows.all())
    await session.execute(
        delete(NeedHelper).where(
            col(NeedHelper.user_id) == user_id, col(NeedHelper.role) == HelperRole.BACKUP
        )
    )
    return standing_by


async def cards_naming(session: AsyncSession, user_id: int, limit: int) -> list[int]:
    """The most recent needs whose card in a group shows this person's name."""
    rows = await session.exec(
        select(Need.id)
        .where(
            or_(
                col(Need.requested_by) == user_id,
                col(Need.claimer_id) == user_id,
                col(Need.cancelled_by) == user_id,
                col(Need.id).in_(_needs_with_helper(user_id)),
            ),
            col(Need.card_message_id).is_not(None),
        )
        .order_by(col(Need.id).desc())
        .limit(limit)
    )
    return [need_id for need_id in rows.all() if need_id is not None]


async def erase_person(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Everything that is this person's own goes; the Person row stays, nameless, so what
    they did for others is still shown, as by "a former member"."""
    # Their reminders, follow-ups and check-in prompts, and the words of sent /remind ones.
    await session.execute(
        delete(ScheduledMessage).where(col(ScheduledMessage.recipient_id) == user_id)
    )
    await session.execute(delete(CheckIn).where(col(CheckIn.user_id) == user_id))
    await session.execute(delete(Observation).where(col(Observation.helper_id) == user_id))
    await session.execute(delete(NeedDraft).where(col(NeedDraft.user_id) == user_id))
    await session.execute(delete(Membership).where(col(Membership.user_id) == user_id))
    await session.execute(
        update(Person)
        .where(col(Person.user_id) == user_id)
        .values(
            first_name="",
            last_name=None,
            username=None,
            can_message=False,
            start_hint_at=None,
            updated_at=now,
        )
    )


# ---------------------------------------------------------------- deleting a circle


async def lock_circle(session: AsyncSession, circle_id: int) -> Circle | None:
    """The circle, locked until the transaction ends: a claim or a new need waits, then
    finds the circle gone (PostgreSQL; SQLite runs one writer at a time anyway)."""
    rows = await session.exec(select(Circle).where(col(Circle.id) == circle_id).with_for_update())
    return rows.first()


async def people_in_circle(session: AsyncSession, circle_id: int) -> set[int]:
    """Everyone the circle's rows name: members, and anyone its needs, questions,
    observations and check-ins point to (a former member has no membership left)."""
    found: set[int] = set()
    for statement in (
        select(Membership.user_id).where(col(Membership.circle_id) == circle_id),
        select(Need.requested_by).where(col(Need.circle_id) == circle_id),
        select(Need.claimer_id).where(col(Need.circle_id) == circle_id),
        select(Need.cancelled_by).where(col(Need.circle_id) == circle_id),
        select(NeedHelper.user_id).where(
            col(NeedHelper.need_id).in_(select(Need.id).where(col(Need.circle_id) == circle_id))
        ),
        select(Question.asked_by).where(col(Question.circle_id) == circle_id),
        select(Observation.helper_id).where(col(Observation.circle_id) == circle_id),
        select(CheckIn.user_id).where(col(CheckIn.circle_id) == circle_id),
    ):
        rows = await session.exec(statement)
        found.update(uid for uid in rows.all() if uid is not None)
    return found


async def detach_personal_reminders(session: AsyncSession, circle_id: int) -> int:
    """/remind reminders belong to the person who set them, not to the circle."""
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            col(ScheduledMessage.circle_id) == circle_id,
            col(ScheduledMessage.kind) == MessageKind.PERSONAL,
        )
        .values(circle_id=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_circle_rows(session: AsyncSession, circle_id: int) -> None:
    """Every row of every table that belongs to the circle, then the circle. Tables are
    found by their circle_id column, so a table added later is not left behind; they are
    taken in reverse dependency order, so foreign keys are never broken on the way."""
    # Helpers' places belong to the circle through their need.
    of_circle = select(Need.id).where(col(Need.circle_id) == circle_id)
    await session.execute(delete(NeedHelper).where(col(NeedHelper.need_id).in_(of_circle)))
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "circle_id" in table.c:
            await session.execute(delete(table).where(table.c.circle_id == circle_id))
    await session.execute(delete(Circle).where(col(Circle.id) == circle_id))


async def still_known(session: AsyncSession, user_ids: Iterable[int]) -> set[int]:
    """Of these people, those some other circle still has: a membership, or a need,
    question, observation or check-in that names them."""
    wanted = list(set(user_ids))
    if not wanted:
        return set()
    known: set[int] = set()
    for statement in (
        select(Membership.user_id).where(col(Membership.user_id).in_(wanted)),
        select(Need.requested_by).where(col(Need.requested_by).in_(wanted)),
        select(Need.claimer_id).where(col(Need.claimer_id).in_(wanted)),
        select(Need.cancelled_by).where(col(Need.cancelled_by).in_(wanted)),
        select(NeedHelper.user_id).where(col(NeedHelper.user_id).in_(wanted)),
        select(Question.asked_by).where(col(Question.asked_by).in_(wanted)),
        select(Observation.helper_id).where(col(Observation.helper_id).in_(wanted)),
        select(CheckIn.user_id).where(col(CheckIn.user_id).in_(wanted)),
    ):
        rows = await session.exec(statement)
        known.update(uid for uid in rows.all() if uid is not None)
    return known


async def delete_people(session: AsyncSession, user_ids: Iterable[int]) -> None:
    wanted = list(set(user_ids))
    if wanted:
        await session.execute(delete(Person).where(col(Person.user_id).in_(wanted)))
