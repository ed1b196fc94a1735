"""When check-ins are asked: the supported person's schedule ("daily 19:00", "weekly sun
18:00", paused for a while) and carepartners' own weekly one, read from what people type
and planned as scheduled messages in the circle's time zone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import planning
from bot.services.checkins import paused
from bot.services.planning import WEEKDAYS, CheckInSchedule, Planned, parse_clock_time
from bot.timeparse import local_to_utc
from storage import people
from storage import scheduled as store
from storage.db import SessionMaker
from storage.models import (
    Circle,
    Membership,
    MessageKind,
    MessageState,
    ScheduledMessage,
)

DEFAULT_PAUSE_DAYS = 7
MAX_PAUSE_DAYS = 12 * 7


class Problem(StrEnum):
    UNREADABLE = "unreadable"
    BAD_TIME = "bad_time"
    NO_TIME = "no_time"
    NO_DAY = "no_day"
    BAD_PAUSE = "bad_pause"
    PAUSE_TOO_LONG = "pause_too_long"
    NOTHING_TO_PAUSE = "nothing_to_pause"
    WEEKLY_ONLY = "weekly_only"  # a carepartner's own check-in is weekly
    FOR_CAREPARTNERS = "for_carepartners"  # the supported person typed "me …"


@dataclass(frozen=True)
class Unreadable:
    problem: Problem
    typed: str = ""


@dataclass(frozen=True)
class SetSchedule:
    schedule: CheckInSchedule | None  # None: off


@dataclass(frozen=True)
class Pause:
    days: int


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class SetOwn:
    """A carepartner's own weekly "How are you holding up?"."""

    schedule: CheckInSchedule | None  # None: off


Wanted = SetSchedule | Pause | Resume | SetOwn | Unreadable

_OFF = frozenset({"off", "stop", "none", "no", "never", "disable"})
_RESUME = frozenset({"resume", "on", "start", "continue", "unpause", "back"})
_DAILY = frozenset({"daily", "everyday"})
_WEEKLY = frozenset({"weekly"})
_FILLER = frozenset({"at", "on", "every", "each", "day", "week", "a", "the", "from", "around"})
_ME = frozenset({"me", "mine", "my", "myself", "own"})
_DAY_ALIASES = {"weds": "wed", "thur": "thu", "thurs": "thu", "tues": "tue"}
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?(am|pm|a\.m\.|p\.m\.)?")
_PAUSE = re.compile(r"(\d{1,3}|a|an|one|two)?(d|days?|w|wks?|weeks?|fortnight)?")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2}


def weekday(word: str) -> str | None:
    """ "sun", "Sunday", "sundays", "thurs" → "sun"."""
    word = word.strip(".,").lower()
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    for name in (word, word.removesuffix("s")):
        if len(name) >= 3:
            for day, full in zip(WEEKDAYS, _DAY_NAMES, strict=True):
                if full.startswith(name):
                    return day
    return None


def read_time(text: str) -> time | None:
    """ "19:00", "7pm", "7 pm", "19.30", "6:30pm", "noon" → a time of day."""
    words = text.replace(" ", "").lower()
    if words in ("noon", "midday"):
        return time(12, 0)
    match = _CLOCK.fullmatch(words)
    if match is None:
        return None
    hours, minutes, half = match.groups()
    hour = int(hours)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    return parse_clock_time(f"{hour}:{minutes or '00'}")


def read_schedule(words: Sequence[str]) -> CheckInSchedule | Unreadable:
    """ "daily 19:00", "every day 7pm", "weekly sun 18:00", "sunday 6pm", "19:00"."""
    typed = " ".join(words)
    daily = weekly = False
    day: str | None = None
    rest: list[str] = []
    lowered = [w.strip(",").lower() for w in words]
    for word in lowered:
        if word in _DAILY:
            daily = True
        elif word in _WEEKLY:
            weekly = True
        elif (found := weekday(word)) is not None:
            if day is not None and day != found:
                return Unreadable(Problem.UNREADABLE, typed)
            day = found
        elif word in _FILLER:
            if word == "day" and "every" in lowered:
                daily = True
            if word == "week":
                weekly = True
        else:
            rest.append(word)
    if daily and (weekly or day is not None):
        return Unreadable(Problem.UNREADABLE, typed)
    if not rest:
        return Unreadable(Problem.NO_TIME, typed)
    at = read_time(" ".join(rest))
    if at is None:
        # "25:00" was meant as a time; "banana" was not.
        looks_like_time = any(ch.isdigit() for ch in "".join(rest))
        return Unreadable(
            Problem.BAD_TIME if looks_like_time else Problem.UNREADABLE,
            " ".join(rest) if looks_like_time else typed,
        )
    if weekly and day is None:
        return Unreadable(Problem.NO_DAY, typed)
    return CheckInSchedule(day, at)


def read_pause(words: Sequence[str]) -> int | Unreadable:
    """ "" (a week), "7d", "7 days", "2w", "a week", "10" → days."""
    typed = " ".join(words)
    text = "".join(w.lower() for w in words if w.lower() not in ("for", "please"))
    if not text:
        return DEFAULT_PAUSE_DAYS
    match = _PAUSE.fullmatch(text)
    if match is None:
        return Unreadable(Problem.BAD_PAUSE, typed)
    amount, unit = match.groups()
    if amount is None:
        count = 1  # "pause week"
    elif amount.isdigit():
        count = int(amount)
    else:
        count = _NUMBERS[amount]
    if count <= 0:
        return Unreadable(Problem.BAD_PAUSE, typed)
    days = count * (14 if unit == "fortnight" else 7 if unit and unit[0] == "w" else 1)
    if days > MAX_PAUSE_DAYS:
        return Unreadable(Problem.PAUSE_TOO_LONG, typed)
    return days


def read_command(text: str, for_supported_person: bool) -> Wanted | None:
    """What `/checkins …` asks for; None to just show the schedule. A carepartner's words
    are about their own weekly check-in, with or without "me"."""
    words = text.split()
    if not words:
        return None
    first = words[0].lower()
    about_me = first in _ME
    if about_me:
        words = words[1:]
        if for_supported_person:
            return Unreadable(Problem.FOR_CAREPARTNERS, text)
        if not words:
            return None
        first = words[0].lower()
    if len(words) == 1 and first in _OFF:
        return SetSchedule(None) if for_supported_person else SetOwn(None)
    if not for_supported_person:
        if first in _DAILY or first == "pause" or first in _RESUME:
            return Unreadable(Problem.WEEKLY_ONLY, text)
        own = read_schedule(words)
        if isinstance(own, CheckInSchedule) and own.day is None:
            return Unreadable(Problem.WEEKLY_ONLY, text)
        return SetOwn(own) if isinstance(own, CheckInSchedule) else own
    if first == "pause":
        days = read_pause(words[1:])
        return Pause(days) if isinstance(days, int) else days
    if len(words) == 1 and first in _RESUME:
        return Resume()
    schedule = read_schedule(words)
    return SetSchedule(schedule) if isinstance(schedule, CheckInSchedule) else schedule


def own_stored(schedule: CheckInSchedule) -> str:
    """A carepartner's weekly check-in as stored on their membership: "sun 18:00"."""
    return f"{schedule.day} {schedule.at:%H:%M}"


@dataclass(frozen=True)
class ScheduleView:
    for_supported_person: bool
    timezone: str
    schedule: CheckInSchedule | None
    resumes_on: date | None  # paused: the first local day with check-ins again
    next_at: datetime | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _rows(planned: Planned | None, circle_id: int, now: datetime) -> list[ScheduledMessage]:
    return [] if planned is None else [planned.row(circle_id, now)]


async def _pending(
    session: AsyncSession, kind: MessageKind, circle_id: int, recipient_id: int
) -> ScheduledMessage | None:
    rows = await session.exec(
        select(ScheduledMessage)
        .where(
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.circle_id) == circle_id,
            col(ScheduledMessage.recipient_id) == recipient_id,
            col(ScheduledMessage.state) == MessageState.PENDING,
        )
        .order_by(col(ScheduledMessage.due_at))
        .limit(1)
    )
    return rows.first()


async def _plan_wellbeing(
    session: AsyncSession, circle: Circle, after: datetime, now: datetime
) -> Planned | None:
    assert circle.id is not None
    if await _pending(session, MessageKind.CHECK_IN, circle.id, circle.patient_id) is not None:
        return None  # planned already (the schedule changed while one was being sent)
    start = after
    if circle.checkins_paused_until is not None and circle.checkins_paused_until > after:
        # A check-in at the very minute the pause ends is still asked.
        start = circle.checkins_paused_until - timedelta(microseconds=1)
    planned = planning.next_check_in(
        circle.checkin_schedule, ZoneInfo(circle.timezone), circle.patient_id, start
    )
    await store.add_messages(session, _rows(planned, circle.id, now))
    return planned


async def _plan_holding_up(
    session: AsyncSession, circle: Circle, membership: Membership, after: datetime, now: datetime
) -> Planned | None:
    assert circle.id is not None
    if await _pending(session, MessageKind.HOLDING_UP, circle.id, membership.user_id) is not None:
        return None
    planned = planning.next_check_in(
        membership.holding_up_schedule,
        ZoneInfo(circle.timezone),
        membership.user_id,
        after,
        MessageKind.HOLDING_UP,
    )
    await store.add_messages(session, _rows(planned, circle.id, now))
    return planned


async def plan_after(session: AsyncSession, row: ScheduledMessage, now: datetime) -> None:
    """A scheduled check-in, however it ended (asked, skipped, failed, dropped while the bot
    was down), is followed by the next one. Also while the circle is dormant: the prompt is
    skipped then, and the chain is there when the circle wakes."""
    if row.circle_id is None or row.recipient_id is None:
        return
    circle = await session.get(Circle, row.circle_id)
    if circle is None:
        return
    after = max(now, row.due_at)
    if row.kind == MessageKind.CHECK_IN and circle.patient_id == row.recipient_id:
        await _plan_wellbeing(session, circle, after, now)
    elif row.kind == MessageKind.HOLDING_UP:
        membership = await people.membership(session, row.circle_id, row.recipient_id)
        if membership is not None:
            await _plan_holding_up(session, circle, membership, after, now)


async def _remove_pending(
    session: AsyncSession, kind: MessageKind, circle_id: int, recipient_id: int
) -> None:
    await session.execute(
        delete(ScheduledMessage).where(
            col(ScheduledMessage.kind) == kind,
            col(ScheduledMessage.circle_id) == circle_id,
            col(ScheduledMessage.recipient_id) == recipient_id,
            # Held too (the bot was out of the group): the old schedule's prompt would
            # otherwise come back beside the new one when the bot is added again.
            col(ScheduledMessage.state).in_([MessageState.PENDING, MessageState.HELD]),
        )
    )


async def _schedule_view(
    session: AsyncSession, circle: Circle, user_id: int, now: datetime
) -> ScheduleView:
    assert circle.id is not None
    tz = ZoneInfo(circle.timezone)
    if user_id == circle.patient_id:
        pending = await _pending(session, MessageKind.CHECK_IN, circle.id, user_id)
        is_paused = paused(circle, now) and circle.checkin_schedule is not None
        until = circle.checkins_paused_until
        return ScheduleView(
            for_supported_person=True,
            timezone=circle.timezone,
            schedule=planning.read_check_in_schedule(circle.checkin_schedule),
            resumes_on=until.astimezone(tz).date() if is_paused and until is not None else None,
            next_at=pending.due_at if pending is not None else None,
        )
    membership = await people.membership(session, circle.id, user_id)
    pending = await _pending(session, MessageKind.HOLDING_UP, circle.id, user_id)
    return ScheduleView(
        for_supported_person=False,
        timezone=circle.timezone,
        schedule=planning.read_check_in_schedule(
            membership.holding_up_schedule if membership is not None else None
        ),
        resumes_on=None,
        next_at=pending.due_at if pending is not None else None,
    )


async def schedule_of(
    sm: SessionMaker, circle_id: int, user_id: int, now: datetime
) -> ScheduleView | None:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return None
        return await _schedule_view(session, circle, user_id, now)


async def change_schedule(
    sm: SessionMaker, circle_id: int, user_id: int, wanted: Wanted, now: datetime
) -> ScheduleView | Problem | None:
    """Save a new schedule, pause or resume, and plan what is ahead again. The supported
    person's schedule is theirs to set; a carepartner sets only their own."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None or circle.id is None:
            return None
        supported = circle.patient_id == user_id
        match wanted:
            case Unreadable(problem=problem):
                return problem
            case SetSchedule(schedule=schedule) if supported:
                circle.checkin_schedule = schedule.stored if schedule is not None else None
                circle.checkins_paused_until = None
            case Pause(days=days) if supported:
                if circle.checkin_schedule is None:
                    return Problem.NOTHING_TO_PAUSE
                tz = ZoneInfo(circle.timezone)
                back_on = now.astimezone(tz).date() + timedelta(days=days)
                circle.checkins_paused_until = local_to_utc(datetime.combine(back_on, time()), tz)
            case Resume() if supported:
                circle.checkins_paused_until = None
            case SetOwn(schedule=schedule) if not supported:
                membership = await people.membership(session, circle.id, user_id)
                if membership is None:
                    return None
                membership.holding_up_schedule = (
                    own_stored(schedule) if schedule is not None else None
                )
                session.add(membership)
                await session.flush()
                await _remove_pending(session, MessageKind.HOLDING_UP, circle.id, user_id)
                await _plan_holding_up(session, circle, membership, now, now)
                await session.commit()
                return await _schedule_view(session, circle, user_id, now)
            case _:
                return Problem.FOR_CAREPARTNERS if supported else Problem.WEEKLY_ONLY
        session.add(circle)
        await session.flush()
        await _remove_pending(session, MessageKind.CHECK_IN, circle.id, circle.patient_id)
        await _plan_wellbeing(session, circle, now, now)
        await session.commit()
        return await _schedule_view(session, circle, user_id, now)


async def replan_in_new_zone(session: AsyncSession, circle: Circle, now: datetime) -> None:
    """After /timezone: "19:00" now means 19:00 in the new zone, for everyone's check-ins."""
    assert circle.id is not None
    await _remove_pending(session, MessageKind.CHECK_IN, circle.id, circle.patient_id)
    await _plan_wellbeing(session, circle, now, now)
    for membership, _person in await people.members_with_people(session, circle.id):
        if membership.holding_up_schedule is not None:
            await _remove_pending(session, MessageKind.HOLDING_UP, circle.id, membership.user_id)
            await _plan_holding_up(session, circle, membership, now, now)
