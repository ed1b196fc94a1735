"""People, circles and who belongs to which."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import TypeVar

from sqlalchemy import Executable, and_, bindparam, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Circle, CircleStatus, Membership, Need, NeedSeries, Person, Role
from storage.statements import insert_for, insert_on_conflict, run_built

# What a button can be about: each belongs to one circle.
OfACircle = TypeVar("OfACircle", Need, NeedSeries)


# What every update runs is built once (storage/statements.py).
@cache
def _person_seen(dialect: str, sets_can_message: bool) -> Executable:
    statement = insert_for(dialect, Person).values(
        user_id=bindparam("user_id"),
        first_name=bindparam("first_name"),
        last_name=bindparam("last_name"),
        username=bindparam("username"),
        updated_at=bindparam("now"),
        can_message=bindparam("can_message"),
    )
    changed = ["first_name", "last_name", "username", "updated_at"]
    if sets_can_message:
        changed.append("can_message")
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["user_id"], set_={name: statement.excluded[name] for name in changed}
    )


@cache
def _member_by_writing(dialect: str) -> Executable:
    columns = Membership.__table__.c  # type: ignore[attr-defined]
    circle = select(
        col(Circle.id),
        bindparam("user_id", type_=columns.user_id.type),
        literal(Role.MEMBER.value, columns.role.type),
        bindparam("now", type_=columns.joined_at.type),
    ).where(col(Circle.chat_id) == bindparam("chat_id"))
    return (  # type: ignore[no-any-return]
        insert_for(dialect, Membership)
        .from_select(["circle_id", "user_id", "role", "joined_at"], circle)
        .on_conflict_do_nothing(index_elements=["circle_id", "user_id"])
    )


async def upsert_person(
    session: AsyncSession,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    now: datetime,
    *,
    can_message: bool | None = None,
) -> None:
    """Store the person as Telegram shows them now; `can_message` is changed only if given."""
    await run_built(
        session,
        _person_seen,
        can_message is not None,
        user_id=user_id,
        first_name=first_name[:255],
        last_name=last_name[:255] if last_name else None,
        username=username[:64] if username else None,
        now=now,
        can_message=bool(can_message),
    )


async def set_can_message(session: AsyncSession, user_id: int, can_message: bool) -> None:
    await session.execute(
        update(Person).where(col(Person.user_id) == user_id).values(can_message=can_message)
    )


async def get_person(session: AsyncSession, user_id: int) -> Person | None:
    return await session.get(Person, user_id)


_PEOPLE_BY_ID = select(Person).where(col(Person.user_id).in_(bindparam("ids", expanding=True)))


async def people_by_id(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Person]:
    wanted = {uid for uid in user_ids if uid is not None}
    if not wanted:
        return {}
    rows = await session.exec(_PEOPLE_BY_ID, params={"ids": list(wanted)})
    return {person.user_id: person for person in rows}


async def join_by_pressing(
    session: AsyncSession, circle_id: int, user_id: int, role: Role | None, now: datetime
) -> Role:
    """Pressing a button in the group makes a person a member, as writing there does: their
    role, after adding them as a member if they had none."""
    if role is not None:
        return role
    await ensure_membership(session, circle_id, user_id, now)
    return Role.MEMBER


async def ensure_membership(
    session: AsyncSession, circle_id: int, user_id: int, now: datetime, role: Role = Role.MEMBER
) -> None:
    """Add the person to the circle if they are not in it; never demotes an existing role."""
    statement = (
        insert_on_conflict(session, Membership)
        .values(circle_id=circle_id, user_id=user_id, role=role, joined_at=now)
        .on_conflict_do_nothing(index_elements=["circle_id", "user_id"])
    )
    await session.execute(statement)


async def join_by_writing(session: AsyncSession, chat_id: int, user_id: int, now: datetime) -> None:
    """Whoever writes in a circle's group is a member of it (never demoted): one INSERT that
    finds the circle by its chat itself, as every group message runs it."""
    await run_built(session, _member_by_writing, chat_id=chat_id, user_id=user_id, now=now)


async def set_role(session: AsyncSession, circle_id: int, user_id: int, role: Role) -> None:
    await session.execute(
        update(Membership)
        .where(col(Membership.circle_id) == circle_id, col(Membership.user_id) == user_id)
        .values(role=role)
    )


async def role_in(session: AsyncSession, circle_id: int, user_id: int) -> Role | None:
    row = await session.exec(
        select(Membership.role).where(
            col(Membership.circle_id) == circle_id, col(Membership.user_id) == user_id
        )
    )
    role = row.first()
    return Role(role) if role else None


@cache
def _with_circle_and_role(table: type[OfACircle]) -> Executable:
    """Built once per table, as every press runs it."""
    return (
        select(table, Circle, Membership.role)
        .join(Circle, col(Circle.id) == col(table.circle_id))
        .outerjoin(
            Membership,
            and_(
                col(Membership.circle_id) == col(table.circle_id),
                col(Membership.user_id) == bindparam("user_id"),
            ),
        )
        .where(col(table.id) == bindparam("row_id"))
        .execution_options(populate_existing=True)
    )


async def with_circle_and_role(
    session: AsyncSession, table: type[OfACircle], row_id: int, user_id: int
) -> tuple[OfACircle, Circle, Role | None] | None:
    """A need or a series, its circle and the person's role there, in one query: every
    press on their buttons starts here."""
    rows = await session.execute(
        _with_circle_and_role(table), {"row_id": row_id, "user_id": user_id}
    )
    found = rows.first()
    if found is None:
        return None
    row, circle, role = found
    return row, circle, Role(role) if role else None


_CIRCLE_BY_CHAT = select(Circle).where(col(Circle.chat_id) == bindparam("chat_id"))


async def circle_by_chat(session: AsyncSession, chat_id: int) -> Circle | None:
    rows = await session.exec(_CIRCLE_BY_CHAT, params={"chat_id": chat_id})
    return rows.first()


async def circle_id_of_chat(session: AsyncSession, chat_id: int) -> int | None:
    rows = await session.exec(select(Circle.id).where(col(Circle.chat_id) == chat_id))
    return rows.first()


async def only_circle_id_of(session: AsyncSession, user_id: int) -> int | None:
    """The circle a person belongs to, if they belong to just one."""
    rows = await session.exec(
        select(Membership.circle_id).where(col(Membership.user_id) == user_id).limit(2)
    )
    found = rows.all()
    return found[0] if len(found) == 1 else None


async def circle_by_invite(session: AsyncSession, invite_code: str) -> Circle | None:
    rows = await session.exec(select(Circle).where(col(Circle.invite_code) == invite_code))
    return rows.first()


async def circles_of(session: AsyncSession, user_id: int) -> Sequence[tuple[Circle, str]]:
    """The circles a person belongs to with their role, the ones they lead first."""
    rows = await session.exec(
        select(Circle, Membership.role)
        .join(Membership, col(Membership.circle_id) == col(Circle.id))
        .where(col(Membership.user_id) == user_id)
        .order_by(col(Membership.joined_at).desc())
    )
    order = {Role.PATIENT: 0, Role.COORDINATOR: 1, Role.MEMBER: 2}
    return sorted(rows.all(), key=lambda pair: order.get(Role(pair[1]), 3))


async def coordinators_of(session: AsyncSession, circle_id: int) -> list[int]:
    rows = await session.exec(
        select(Membership.user_id).where(
            col(Membership.circle_id) == circle_id, col(Membership.role) == Role.COORDINATOR
        )
    )
    return list(rows.all())


async def move_circle_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    result = await session.execute(
        update(Circle).where(col(Circle.chat_id) == old_chat_id).values(chat_id=new_chat_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def take_start_hint(session: AsyncSession, user_id: int, now: datetime) -> bool:
    """True only the first time: the group is shown how to start the bot once per person."""
    result = await session.execute(
        update(Person)
        .where(col(Person.user_id) == user_id, col(Person.start_hint_at).is_(None))
        .values(start_hint_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def members_with_people(
    session: AsyncSession, circle_id: int
) -> Sequence[tuple[Membership, Person]]:
    rows = await session.exec(
        select(Membership, Person)
        .join(Person, col(Person.user_id) == col(Membership.user_id))
        .where(col(Membership.circle_id) == circle_id)
        .order_by(col(Membership.joined_at), col(Membership.id))
    )
    return rows.all()


async def set_away(
    session: AsyncSession, user_id: int, circle_ids: Sequence[int], until: date | None
) -> None:
    await session.execute(
        update(Membership)
        .where(col(Membership.user_id) == user_id, col(Membership.circle_id).in_(list(circle_ids)))
        .values(away_until=until)
    )


async def membership(session: AsyncSession, circle_id: int, user_id: int) -> Membership | None:
    rows = await session.exec(
        select(Membership).where(
            col(Membership.circle_id) == circle_id, col(Membership.user_id) == user_id
        )
    )
    return rows.first()


async def dormant_among(session: AsyncSession, circle_ids: Iterable[int]) -> set[int]:
    rows = await session.exec(
        select(Circle.id).where(
            col(Circle.id).in_(list(circle_ids)), col(Circle.status) == CircleStatus.DORMANT
        )
    )
    return {circle_id for circle_id in rows.all() if circle_id is not None}


async def set_circle_status(
    session: AsyncSession, chat_id: int, status: CircleStatus
) -> int | None:
    """The circle of this chat, now in this status; None when the chat has no circle."""
    circle = await circle_by_chat(session, chat_id)
    if circle is None:
        return None
    circle.status = status
    return circle.id
