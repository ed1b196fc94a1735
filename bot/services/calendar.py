"""/calendar: which needs go into a person's calendar file, names resolved. One read-only
transaction; building the file itself is bot.render.calendar's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.categories import Category
from bot.people import display_name
from bot.services import reminders
from bot.services.permissions import Action, may
from bot.timeparse import Precision, When
from storage import calendar as store
from storage import people
from storage.db import SessionMaker
from storage.models import Circle, Need, NeedStatus, Role

# A need cancelled in this time still goes into the file, marked cancelled, so a calendar
# that got it from an earlier file takes it out.
CANCELLED_SHOWN_FOR = timedelta(days=30)


class Scope(StrEnum):
    MINE = "mine"  # the needs where I hold a place
    ALL = "all"  # every upcoming need of the circle


@dataclass(frozen=True)
class Entry:
    need_id: int
    category: Category
    description: str
    when: When
    status: NeedStatus
    timezone: str
    requester_name: str
    patient_name: str
    helpers: tuple[str, ...]
    places: int
    created_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class CalendarView:
    scope: Scope
    # Whose calendar it is: the supported person for ALL, the person asking for MINE.
    owner_name: str
    patient_name: str
    timezone: str
    entries: tuple[Entry, ...]
    # Open or claimed needs in scope without a time: a calendar can't hold them.
    untimed: int
    # They asked for all and may not see it: this is their own calendar instead.
    all_refused: bool = False

    @property
    def active(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.status != NeedStatus.CANCELLED)

    @property
    def empty(self) -> bool:
        return not self.active


def _is_timed(need: Need) -> bool:
    return need.precision != Precision.NONE and need.starts_at is not None


async def build(
    sm: SessionMaker,
    user_id: int,
    circle_id: int | None,
    want_all: bool,
    now: datetime,
) -> CalendarView | None:
    """The calendar this person asked for; None when they belong to no circle. `circle_id`
    is the circle asked about (the group's, or the one they belong to in private)."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id) if circle_id is not None else None
        if circle is None:
            # In private: a circle they lead if they want everything, else any of theirs.
            mine = await people.circles_of(session, user_id)
            if not mine:
                return None
            leads = [c for c, role in mine if may(Role(role), Action.CALENDAR_ALL)]
            circle = (leads or [c for c, _ in mine])[0]
        assert circle.id is not None
        role = await people.role_in(session, circle.id, user_id)
        since = now - CANCELLED_SHOWN_FOR
        scope = Scope.ALL if want_all and may(role, Action.CALENDAR_ALL) else Scope.MINE
        pairs: list[tuple[Need, Circle]]
        if scope == Scope.ALL:
            pairs = [
                (n, circle) for n in await store.needs_of_circle(session, circle.id, now, since)
            ]
        else:
            pairs = list(await store.needs_i_help_with(session, user_id, now, since))
        helper_ids = await store.helpers_of(session, [n.id for n, _ in pairs if n.id is not None])
        wanted: set[int] = {user_id, circle.patient_id}
        for need, of in pairs:
            wanted.update((need.requested_by, of.patient_id))
            wanted.update(helper_ids.get(need.id or 0, []))
            if need.claimer_id is not None:
                wanted.add(need.claimer_id)
        names = await people.people_by_id(session, wanted)

        def name(uid: int) -> str:
            return display_name(names.get(uid))

        entries: list[Entry] = []
        untimed = 0
        for need, of in pairs:
            assert need.id is not None
            if not _is_timed(need):
                if need.status != NeedStatus.CANCELLED:
                    untimed += 1
                continue
            helping = helper_ids.get(need.id) or (
                [need.claimer_id] if need.claimer_id is not None else []
            )
            entries.append(
                Entry(
                    need_id=need.id,
                    category=Category(need.category),
                    description=need.description,
                    when=reminders.need_when(need),
                    status=NeedStatus(need.status),
                    timezone=of.timezone,
                    requester_name=name(need.requested_by),
                    patient_name=name(of.patient_id),
                    helpers=tuple(name(uid) for uid in helping),
                    places=need.places,
                    created_at=need.created_at,
                )
            )
        return CalendarView(
            scope=scope,
            owner_name=name(circle.patient_id) if scope == Scope.ALL else name(user_id),
            patient_name=name(circle.patient_id),
            timezone=circle.timezone,
            entries=tuple(entries),
            untimed=untimed,
            all_refused=want_all and scope == Scope.MINE,
        )
