"""The coordinators' weekly summary: how the week's help went, written as care.

Every coordinator of an active circle gets one privately, Monday 09:00 in the circle's time
zone. It counts the past seven days (needs posted, taken, done, how long they waited, which
were still open a day before their time) and how the help of the last 30 days was spread,
so fading support is noticed early. Never a ranking."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.people import display_name
from bot.services import planning, reminders
from bot.services.permissions import Action, may
from bot.services.planning import Planned
from bot.timeparse import local_to_utc
from storage import people
from storage import weekly_summary as store
from storage.db import SessionMaker
from storage.models import (
    Circle,
    CircleStatus,
    MessageKind,
    Need,
    NeedHelper,
    NeedStatus,
)

SEND_DAY = "mon"
SEND_AT = time(9, 0)
# Sent late (the bot was down) it still helps the same day; after that the next one comes.
USEFUL_FOR = timedelta(hours=12)
WEEK = timedelta(days=7)
SPREAD_OVER = timedelta(days=30)
# "Still open a day before": nobody had taken it this long before its time.
OPEN_BEFORE = timedelta(hours=24)


def next_summary(tz: ZoneInfo, recipient_id: int, after: datetime) -> Planned:
    """The next Monday 09:00 in the circle's zone strictly after `after`. Like the morning
    digest: APScheduler's cron trigger knows the zone's daylight-saving rules, and a local
    time that happens twice in the autumn is used once."""
    trigger = CronTrigger(
        day_of_week=SEND_DAY, hour=SEND_AT.hour, minute=SEND_AT.minute, timezone=tz
    )
    due: datetime = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    local_after = after.astimezone(tz)
    if due.astimezone(tz).date() == local_after.date() and local_after.time() >= SEND_AT:
        next_day = datetime.combine(local_after.date() + timedelta(days=1), time())
        due = trigger.get_next_fire_time(None, local_to_utc(next_day, tz))
    due = due.astimezone(UTC)
    return Planned(MessageKind.WEEKLY_SUMMARY, due, due + USEFUL_FOR, recipient_id)


async def ensure_planned(sm: SessionMaker, now: datetime, circle_id: int | None = None) -> int:
    """Every coordinator of every active circle (or of one) has their next summary planned.
    Idempotent: a coordinator whose next one is there (or being sent) gets nothing new."""
    async with sm() as session:
        pairs = await store.coordinators(session, circle_id)
        have = await store.planned(session, {c.id for c, _ in pairs if c.id is not None})
        count = 0
        for circle, user_id in pairs:
            assert circle.id is not None
            if (circle.id, user_id) in have:
                continue
            planned = next_summary(ZoneInfo(circle.timezone), user_id, now)
            session.add(planned.row(circle.id, now))
            have.add((circle.id, user_id))
            count += 1
        await session.commit()
        return count


# --- the numbers ----------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklySummary:
    patient_name: str
    timezone: str
    start: datetime
    end: datetime
    posted: int
    claimed: int
    done: int
    # Needs whose first place was taken this week: the middle of their waits.
    median_wait: timedelta | None
    # Descriptions of needs nobody had taken a day before their time.
    open_day_before: tuple[str, ...]
    due: int  # needs whose time fell in the week
    # The last 30 days: (name, times helped), in alphabetical order; never a ranking.
    spread: tuple[tuple[str, int], ...]

    @property
    def empty(self) -> bool:
        return self.posted == 0 and self.due == 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _first_taken(need: Need, places: Sequence[NeedHelper]) -> datetime | None:
    # Released places are deleted, so the earliest held place is when it was first taken
    # for good; Need.claimed_at covers needs from before places were recorded.
    if places:
        return min(p.claimed_at for p in places)
    return need.claimed_at


def count(
    needs: Sequence[Need],
    places: Sequence[NeedHelper],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
) -> tuple[int, int, int, timedelta | None, tuple[str, ...], int, Counter[int]]:
    """The week's numbers and the 30 days' helps per person. Plain function of rows."""
    by_need: dict[int, list[NeedHelper]] = {}
    for place in places:
        by_need.setdefault(place.need_id, []).append(place)
    spread_start = end - SPREAD_OVER
    posted = claimed = done = due = 0
    waits: list[float] = []
    open_late: list[str] = []
    helps: Counter[int] = Counter()
    for need in needs:
        assert need.id is not None
        held = by_need.get(need.id, [])
        first = _first_taken(need, held)
        if start <= need.created_at < end:
            posted += 1
        if first is not None and start <= first < end:
            claimed += 1
            waits.append(max((first - need.created_at).total_seconds(), 0.0))
        if need.status == NeedStatus.DONE and need.done_at and start <= need.done_at < end:
            done += 1
        at = planning.anchor(reminders.need_when(need), tz)
        if at is not None and start <= at < end and need.status != NeedStatus.CANCELLED:
            due += 1
            day_before = at - OPEN_BEFORE
            if need.created_at <= day_before and (first is None or first > day_before):
                open_late.append(need.description)
        if need.status in (NeedStatus.DONE, NeedStatus.CLAIMED):
            finished_lately = need.done_at is not None and spread_start <= need.done_at < end
            helpers = [p for p in held if finished_lately or spread_start <= p.claimed_at < end]
            taken_lately = first is not None and spread_start <= first < end
            if not held and need.claimer_id is not None and (finished_lately or taken_lately):
                helps[need.claimer_id] += 1
            for place in helpers:
                helps[place.user_id] += 1
    wait = timedelta(seconds=statistics.median(waits)) if waits else None
    return posted, claimed, done, wait, tuple(open_late), due, helps


@dataclass(frozen=True)
class Prepared:
    summary: WeeklySummary | None  # None: nothing happened this week
    # The next week's summary; None when this person no longer coordinates the circle.
    then: Planned | None


async def prepare(
    sm: SessionMaker, circle_id: int, recipient_id: int, due_at: datetime, now: datetime
) -> Prepared:
    """The summary to send now, and the next one. Counts up to now (later than due when
    the bot was down), so nothing falls between two weeks."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None or circle.status != CircleStatus.ACTIVE:
            return Prepared(None, None)
        role = await people.role_in(session, circle_id, recipient_id)
        if not may(role, Action.WEEKLY_SUMMARY):
            return Prepared(None, None)
        tz = ZoneInfo(circle.timezone)
        then = next_summary(tz, recipient_id, max(now, due_at))
        end = now
        start = end - WEEK
        needs = await store.needs_since(session, circle_id, end - SPREAD_OVER - WEEK)
        places = await store.places_of(session, [n.id for n in needs if n.id is not None])
        posted, claimed, done, wait, open_late, due, helps = count(needs, places, tz, start, end)
        if posted == 0 and due == 0:
            return Prepared(None, then)
        names = await people.people_by_id(session, [circle.patient_id, *helps])
        spread = tuple(
            sorted(
                ((display_name(names.get(uid)), times) for uid, times in helps.items()),
                key=lambda pair: pair[0].lower(),
            )
        )
        summary = WeeklySummary(
            patient_name=display_name(names.get(circle.patient_id)),
            timezone=circle.timezone,
            start=start,
            end=end,
            posted=posted,
            claimed=claimed,
            done=done,
            median_wait=wait,
            open_day_before=open_late,
            due=due,
            spread=spread,
        )
        return Prepared(summary, then)
