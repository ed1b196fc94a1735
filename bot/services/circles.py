"""Setting up a circle and knowing who is in it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import PersonInfo, display_name
from bot.services import checkin_schedules, reminders
from bot.services.permissions import Action, may
from storage import needs as need_store
from storage import people
from storage import scheduled as scheduled_store
from storage.db import SessionMaker
from storage.models import Circle, CircleStatus, Role


@dataclass(frozen=True)
class CircleView:
    id: int
    chat_id: int
    title: str
    patient_id: int
    patient_name: str
    timezone: str
    invite_code: str
    active: bool

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


async def _view(session: AsyncSession, circle: Circle) -> CircleView:
    patient = await people.get_person(session, circle.patient_id)
    assert circle.id is not None
    return CircleView(
        id=circle.id,
        chat_id=circle.chat_id,
        title=circle.title,
        patient_id=circle.patient_id,
        patient_name=display_name(patient),
        timezone=circle.timezone,
        invite_code=circle.invite_code,
        active=circle.status == CircleStatus.ACTIVE,
    )


@dataclass(frozen=True)
class SetupResult:
    circle: CircleView
    created: bool


async def setup_circle(
    sm: SessionMaker,
    *,
    chat_id: int,
    title: str,
    sender: PersonInfo,
    patient: PersonInfo,
    timezone: str,
    now: datetime,
) -> SetupResult:
    """Create the circle for a group chat, or report the one that exists."""
    async with sm() as session:
        existing = await people.circle_by_chat(session, chat_id)
        if existing is not None:
            return SetupResult(await _view(session, existing), created=False)
        for person in {sender, patient}:
            await people.upsert_person(
                session, person.user_id, person.first_name, person.last_name, person.username, now
            )
        circle = Circle(
            chat_id=chat_id,
            title=title,
            patient_id=patient.user_id,
            timezone=timezone,
            invite_code=secrets.token_urlsafe(9),
            created_at=now,
        )
        session.add(circle)
        try:
            await session.flush()
        except IntegrityError:
            # Two /setup at the same moment: the other one won; report its circle.
            await session.rollback()
            async with sm() as again:
                won = await people.circle_by_chat(again, chat_id)
                assert won is not None
                return SetupResult(await _view(again, won), created=False)
        assert circle.id is not None
        await people.ensure_membership(session, circle.id, patient.user_id, now, Role.PATIENT)
        if sender.user_id != patient.user_id:
            await people.ensure_membership(
                session, circle.id, sender.user_id, now, Role.COORDINATOR
            )
        # The supported person's first morning summary; each one plans the next.
        await reminders.plan_next_digest(session, circle, now)
        view = await _view(session, circle)
        await session.commit()
        return SetupResult(view, created=True)


async def circle_for_chat(sm: SessionMaker, chat_id: int) -> CircleView | None:
    async with sm() as session:
        circle = await people.circle_by_chat(session, chat_id)
        return await _view(session, circle) if circle else None


async def circle_by_id(sm: SessionMaker, circle_id: int) -> CircleView | None:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        return await _view(session, circle) if circle else None


async def note_member(sm: SessionMaker, chat_id: int, person: PersonInfo, now: datetime) -> None:
    """Anyone who writes in the group becomes a known member of its circle."""
    async with sm() as session:
        await people.upsert_person(
            session, person.user_id, person.first_name, person.last_name, person.username, now
        )
        await people.join_by_writing(session, chat_id, person.user_id, now)
        await session.commit()


async def note_private_contact(sm: SessionMaker, person: PersonInfo, now: datetime) -> None:
    """A person writing to the bot privately can now receive private messages."""
    async with sm() as session:
        await people.upsert_person(
            session,
            person.user_id,
            person.first_name,
            person.last_name,
            person.username,
            now,
            can_message=True,
        )
        await session.commit()


async def set_reachable(sm: SessionMaker, user_id: int, reachable: bool) -> None:
    async with sm() as session:
        await people.set_can_message(session, user_id, reachable)
        await session.commit()


async def is_reachable(sm: SessionMaker, user_id: int) -> bool:
    async with sm() as session:
        person = await people.get_person(session, user_id)
        return bool(person and person.can_message)


async def take_start_hint(sm: SessionMaker, user_id: int, now: datetime) -> bool:
    async with sm() as session:
        first = await people.take_start_hint(session, user_id, now)
        await session.commit()
        return first


def is_away(away_until: date | None, today: date) -> bool:
    return away_until is not None and away_until >= today


async def who_is_around(
    sm: SessionMaker, circle_id: int, today: date
) -> tuple[list[tuple[int, str]], list[tuple[str, date]]]:
    """Helpers who can be asked (everyone but the supported person), and who is away."""
    async with sm() as session:
        rows = await people.members_with_people(session, circle_id)
    around: list[tuple[int, str]] = []
    away: list[tuple[str, date]] = []
    for membership, person in rows:
        if membership.role == Role.PATIENT:
            continue
        if membership.away_until is not None and is_away(membership.away_until, today):
            away.append((display_name(person), membership.away_until))
        else:
            around.append((person.user_id, display_name(person)))
    return around, away


async def away_until(sm: SessionMaker, circle_id: int, user_id: int) -> date | None:
    async with sm() as session:
        membership = await people.membership(session, circle_id, user_id)
        return membership.away_until if membership else None


async def set_away(
    sm: SessionMaker, user_id: int, circle_ids: list[int], until: date | None
) -> None:
    async with sm() as session:
        await people.set_away(session, user_id, circle_ids, until)
        await session.commit()


@dataclass(frozen=True)
class Membership:
    circle: CircleView
    role: Role


async def link_by_invite(
    sm: SessionMaker, invite_code: str, person: PersonInfo, now: datetime
) -> Membership | None:
    """/start with a circle's deep-link payload joins that circle (or confirms it)."""
    async with sm() as session:
        circle = await people.circle_by_invite(session, invite_code)
        if circle is None:
            return None
        assert circle.id is not None
        await people.ensure_membership(session, circle.id, person.user_id, now)
        role = await people.role_in(session, circle.id, person.user_id)
        view = await _view(session, circle)
        await session.commit()
        return Membership(view, role or Role.MEMBER)


async def memberships(sm: SessionMaker, user_id: int) -> list[Membership]:
    async with sm() as session:
        pairs = await people.circles_of(session, user_id)
        return [Membership(await _view(session, circle), Role(role)) for circle, role in pairs]


async def role_of(sm: SessionMaker, circle_id: int, user_id: int) -> Role | None:
    async with sm() as session:
        return await people.role_in(session, circle_id, user_id)


class TimezoneOutcome(StrEnum):
    SET = "set"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_ZONE = "unknown_zone"


@dataclass(frozen=True)
class TimezoneResult:
    outcome: TimezoneOutcome
    timezone: str | None = None
    suggestions: tuple[str, ...] = ()


def suggest_zones(text: str, limit: int = 3) -> tuple[str, ...]:
    """'berlin' → ('Europe/Berlin',): people type the city, not the IANA name."""
    wanted = text.strip().replace(" ", "_").lower()
    if not wanted:
        return ()
    zones = sorted(available_timezones())
    exact = [z for z in zones if z.lower().rsplit("/", 1)[-1] == wanted]
    partial = [z for z in zones if wanted in z.lower() and z not in exact]
    return tuple((exact + partial)[:limit])


def canonical_zone(text: str) -> str | None:
    name = text.strip()
    if not name or ("/" not in name and name.upper() != "UTC"):
        # Single words such as "Berlin" are not zones; bare abbreviations mislead (CST).
        return None
    # Only the zones on offer: ZoneInfo also opens a folder ("America/Indiana" raised
    # IsADirectoryError) and the leap-second copies ("right/Europe/Berlin" reads an hour off).
    zones = available_timezones()
    if name in zones:
        return name
    return {z.lower(): z for z in zones}.get(name.lower())


async def set_timezone(
    sm: SessionMaker, circle_id: int, actor_id: int, text: str, now: datetime
) -> TimezoneResult:
    zone = canonical_zone(text)
    async with sm() as session:
        role = await people.role_in(session, circle_id, actor_id)
        if not may(role, Action.SET_TIMEZONE):
            return TimezoneResult(TimezoneOutcome.NOT_ALLOWED)
        if zone is None:
            return TimezoneResult(TimezoneOutcome.UNKNOWN_ZONE, suggestions=suggest_zones(text))
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        circle.timezone = zone
        # "08:00" and day-only needs mean something else in the new zone.
        await reminders.replan_digest(session, circle, now)
        await reminders.replan_circle(session, circle, now)
        await checkin_schedules.replan_in_new_zone(session, circle, now)
        await session.commit()
        return TimezoneResult(TimezoneOutcome.SET, timezone=zone)


class CoordinatorOutcome(StrEnum):
    MADE = "made"
    REMOVED = "removed"
    ALREADY = "already"
    NOT_ONE = "not_one"
    NOT_ALLOWED = "not_allowed"
    IS_PATIENT = "is_patient"


async def set_coordinator(
    sm: SessionMaker,
    circle_id: int,
    actor_id: int,
    target: PersonInfo,
    *,
    make: bool,
    now: datetime,
) -> CoordinatorOutcome:
    async with sm() as session:
        if not may(await people.role_in(session, circle_id, actor_id), Action.SET_COORDINATOR):
            return CoordinatorOutcome.NOT_ALLOWED
        await people.upsert_person(
            session, target.user_id, target.first_name, target.last_name, target.username, now
        )
        await people.ensure_membership(session, circle_id, target.user_id, now)
        current = await people.role_in(session, circle_id, target.user_id)
        if current == Role.PATIENT:
            return CoordinatorOutcome.IS_PATIENT
        wanted = Role.COORDINATOR if make else Role.MEMBER
        if current == wanted:
            await session.commit()
            return CoordinatorOutcome.ALREADY if make else CoordinatorOutcome.NOT_ONE
        await people.set_role(session, circle_id, target.user_id, wanted)
        await session.commit()
        return CoordinatorOutcome.MADE if make else CoordinatorOutcome.REMOVED


async def fall_dormant(sm: SessionMaker, chat_id: int) -> bool:
    """The bot was removed from the group: nothing more is sent for this circle (its
    scheduled messages are held as they come due) until the bot is added back."""
    async with sm() as session:
        circle_id = await people.set_circle_status(session, chat_id, CircleStatus.DORMANT)
        await session.commit()
        return circle_id is not None


async def wake_up(sm: SessionMaker, chat_id: int, now: datetime) -> bool:
    """The bot is back in the group: held messages are due again, the morning summary is
    planned again. False when the chat has no circle (or it was not dormant)."""
    async with sm() as session:
        circle = await people.circle_by_chat(session, chat_id)
        if circle is None or circle.status != CircleStatus.DORMANT:
            return False
        circle.status = CircleStatus.ACTIVE
        assert circle.id is not None
        await scheduled_store.release_held(session, circle.id)
        await reminders.replan_digest(session, circle, now)
        await session.commit()
        return True


async def move_chat(sm: SessionMaker, old_chat_id: int, new_chat_id: int) -> bool:
    """A group upgraded to a supergroup gets a new id; the circle and its cards follow."""
    async with sm() as session:
        moved = await people.move_circle_chat(session, old_chat_id, new_chat_id)
        await need_store.move_cards(session, old_chat_id, new_chat_id)
        await session.commit()
        return moved
