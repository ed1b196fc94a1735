"""Recurring needs: create a series, make each date's Need when it enters the window, take
or give back the whole series, stop it, skip a date. One transaction per function; the
dates' own Needs are made and changed through bot.services.needs. No Telegram here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.categories import Category
from bot.people import display_name
from bot.series_rules import (
    Rule,
    TimeOfDay,
    decode_rule,
    falls_on,
    first_date,
    next_date,
    post_at,
    start_of,
    time_of_day,
    when_on,
)
from bot.services import needs
from bot.services import reminders as reminder_service
from bot.services.needs import NeedCard, NeedChange
from bot.services.permissions import Action, Place, may
from storage import people
from storage import scheduled as scheduled_store
from storage import series as store
from storage.db import SessionMaker
from storage.models import (
    Circle,
    CircleStatus,
    MessageKind,
    Need,
    NeedSeries,
    NeedStatus,
    Role,
    ScheduledMessage,
)

MIN_DAYS_AHEAD = 1
MAX_DAYS_AHEAD = 28
# A post that waited (the bot was down, the group unreachable) still catches up later:
# it posts the dates that are still to come then.
POST_USEFUL_FOR = timedelta(days=366)
SHOWN_DATES = 3


@dataclass(frozen=True)
class UpcomingDate:
    day: date
    status: NeedStatus | None  # None: not posted yet
    helper_name: str | None = None


@dataclass(frozen=True)
class SeriesView:
    id: int
    circle_id: int
    chat_id: int
    category: Category
    description: str
    requested_by: int
    patient_id: int
    patient_name: str
    rule: Rule
    time: TimeOfDay
    starts_on: date
    timezone: str
    days_ahead: int
    standing_helper_id: int | None
    standing_helper_name: str | None
    stopped: bool
    upcoming: tuple[UpcomingDate, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def next_day(self) -> date | None:
        live = [u.day for u in self.upcoming if u.status != NeedStatus.CANCELLED]
        return live[0] if live else None


def _rule(series: NeedSeries) -> Rule:
    return decode_rule(series.rule)


def _time(series: NeedSeries) -> TimeOfDay:
    return time_of_day(series.precision, series.local_time, series.when_label)


async def _upcoming(
    session: AsyncSession, series: NeedSeries, circle: Circle, now: datetime
) -> tuple[UpcomingDate, ...]:
    assert series.id is not None
    tz = ZoneInfo(circle.timezone)
    rule, at = _rule(series), _time(series)
    today = now.astimezone(tz).date()
    made = {n.occurs_on: n for n in await store.needs_from(session, series.id, today)}
    names = await people.people_by_id(
        session, [n.claimer_id for n in made.values() if n.claimer_id is not None]
    )
    shown: list[UpcomingDate] = []
    day = today - timedelta(days=1)
    while len(shown) < SHOWN_DATES:
        found = next_date(rule, series.starts_on, day)
        if found is None:
            break
        day = found
        if start_of(found, at, tz) <= now:
            continue
        need = made.get(found)
        if need is None:
            shown.append(UpcomingDate(found, None))
        elif need.status != NeedStatus.CANCELLED:
            helper = display_name(names.get(need.claimer_id)) if need.claimer_id else None
            shown.append(UpcomingDate(found, NeedStatus(need.status), helper))
    return tuple(shown)


async def _view(
    session: AsyncSession, series: NeedSeries, circle: Circle, now: datetime
) -> SeriesView:
    assert series.id is not None and circle.id is not None
    names = await people.people_by_id(
        session,
        [u for u in (circle.patient_id, series.standing_helper_id) if u is not None],
    )
    return SeriesView(
        id=series.id,
        circle_id=circle.id,
        chat_id=circle.chat_id,
        category=Category(series.category),
        description=series.description,
        requested_by=series.requested_by,
        patient_id=circle.patient_id,
        patient_name=display_name(names.get(circle.patient_id)),
        rule=_rule(series),
        time=_time(series),
        starts_on=series.starts_on,
        timezone=circle.timezone,
        days_ahead=circle.series_days_ahead,
        standing_helper_id=series.standing_helper_id,
        standing_helper_name=(
            display_name(names.get(series.standing_helper_id))
            if series.standing_helper_id
            else None
        ),
        stopped=series.stopped_at is not None,
        upcoming=await _upcoming(session, series, circle, now),
    )


# --- planning the next post ---------------------------------------------------------------


def _plan_next(session: AsyncSession, series: NeedSeries, circle: Circle, now: datetime) -> None:
    """One SERIES_POST row: when the next date not yet made enters the window."""
    if series.stopped_at is not None or circle.status != CircleStatus.ACTIVE:
        return
    after = series.posted_until or (series.starts_on - timedelta(days=1))
    upcoming = next_date(_rule(series), series.starts_on, after)
    if upcoming is None:
        return  # the series has reached its end date
    due = post_at(upcoming, _time(series), ZoneInfo(circle.timezone), circle.series_days_ahead)
    _plan_post(session, series, circle, due, now)


def _post_now(session: AsyncSession, series: NeedSeries, circle: Circle, now: datetime) -> None:
    _plan_post(session, series, circle, now, now)


def _plan_post(
    session: AsyncSession, series: NeedSeries, circle: Circle, due: datetime, now: datetime
) -> None:
    session.add(
        ScheduledMessage(
            kind=MessageKind.SERIES_POST,
            circle_id=circle.id,
            series_id=series.id,
            recipient_id=None,
            due_at=due,
            expires_at=max(due, now) + POST_USEFUL_FOR,
            created_at=now,
        )
    )


async def replan_circle(session: AsyncSession, circle: Circle, now: datetime) -> None:
    """After /settings changed how many days ahead: each running series' next post moves."""
    assert circle.id is not None
    for series in await store.running_in_circle(session, circle.id):
        assert series.id is not None
        await store.remove_pending_posts(session, series.id)
        _plan_next(session, series, circle, now)


# --- creating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    series: SeriesView
    first: date
    posts_on: datetime  # when the first date's card goes up (now, or later)


async def create(
    sm: SessionMaker,
    *,
    circle_id: int,
    requested_by: int,
    category: Category,
    description: str,
    rule: Rule,
    at: TimeOfDay,
    places: int,
    now: datetime,
) -> Created | None:
    """Store a checked series and plan its first post. None if no date is still to come."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        assert circle is not None and circle.id is not None
        tz = ZoneInfo(circle.timezone)
        first = first_date(rule, at, tz, now)
        if first is None:
            return None
        await people.ensure_membership(session, circle.id, requested_by, now)
        series = await store.add_series(
            session,
            NeedSeries(
                circle_id=circle.id,
                category=category,
                description=description.strip(),
                requested_by=requested_by,
                places=places,
                rule=rule.encode(),
                precision=at.precision,
                local_time=at.local_time,
                when_label=at.label,
                starts_on=first,
                created_at=now,
            ),
        )
        _plan_next(session, series, circle, now)
        view = await _view(session, series, circle, now)
        await session.commit()
        return Created(view, first, post_at(first, at, tz, circle.series_days_ahead))


# --- posting dates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDates:
    """What a post should put in the group now: new dates, and dates made earlier whose card
    never got there."""

    series_id: int
    circle_id: int
    stopped: bool = False
    days: tuple[date, ...] = ()
    cardless: tuple[int, ...] = ()
    standing_helper_id: int | None = None


async def _window_days(
    session: AsyncSession, series: NeedSeries, circle: Circle, now: datetime
) -> tuple[list[date], date]:
    """The dates in the window that have no Need yet, and the last date in the window. Also
    dates at or before posted_until: a process stopped between taking a date and making it
    leaves that date for the next take. A date whose time has passed is let go."""
    assert series.id is not None
    tz = ZoneInfo(circle.timezone)
    rule, at = _rule(series), _time(series)
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    after = max(
        series.starts_on - timedelta(days=1), min(yesterday, series.posted_until or yesterday)
    )
    made = await store.dates_made(session, series.id, after)
    days: list[date] = []
    while True:
        upcoming = next_date(rule, series.starts_on, after)
        if upcoming is None or post_at(upcoming, at, tz, circle.series_days_ahead) > now:
            return days, after
        after = upcoming
        if start_of(upcoming, at, tz) > now and upcoming not in made:
            days.append(upcoming)


async def take_due_dates(sm: SessionMaker, series_id: int, now: datetime) -> DueDates | None:
    """The dates that entered the window, taken once: posted_until moves past them and the
    next post is planned, in one transaction with the series locked."""
    async with sm() as session:
        series = await store.get_series(session, series_id, lock=True)
        if series is None:
            return None
        circle = await session.get(Circle, series.circle_id)
        assert circle is not None and circle.id is not None
        if series.stopped_at is not None:
            await store.remove_pending_posts(session, series_id)
            await session.commit()
            return DueDates(series_id, circle.id, stopped=True)
        days, after = await _window_days(session, series, circle, now)
        after = max(after, series.posted_until or after)
        if after != series.posted_until and after >= series.starts_on:
            await store.set_posted_until(session, series_id, after)
            series.posted_until = after
        cardless = [
            n.id
            for n in await store.live_needs_after(session, series_id, now, without_card=True)
            if n.id
        ]
        await store.remove_pending_posts(session, series_id)
        _plan_next(session, series, circle, now)
        await session.commit()
        return DueDates(
            series_id,
            circle.id,
            days=tuple(days),
            cardless=tuple(cardless),
            standing_helper_id=series.standing_helper_id,
        )


@dataclass(frozen=True)
class MadeDate:
    card: NeedCard
    # The standing helper got it from the start (and their reminders are planned).
    for_helper: int | None = None
    reminders: tuple[datetime, ...] = ()


async def make_date(sm: SessionMaker, series_id: int, day: date, now: datetime) -> MadeDate | None:
    """Make one date's Need (once: a date already there is left alone) and give it to the
    standing helper if there is one. None if nothing was made."""
    async with sm() as session:
        series = await store.get_series(session, series_id)
        if series is None or series.stopped_at is not None:
            return None
        circle = await session.get(Circle, series.circle_id)
        assert circle is not None
        if await store.need_on(session, series_id, day) is not None:
            return None
        when = when_on(day, _time(series), ZoneInfo(circle.timezone))
        category, description = Category(series.category), series.description
        requested_by, places, circle_id = series.requested_by, series.places, series.circle_id
    try:
        card = await needs.post_need(
            sm,
            circle_id=circle_id,
            requested_by=requested_by,
            category=category,
            description=description,
            when=when,
            now=now,
            places=places,
            series_id=series_id,
            occurs_on=day,
        )
    except IntegrityError:
        return None  # another replica made this date a moment ago
    async with sm() as session:
        series = await store.get_series(session, series_id)
        if series is None or series.stopped_at is not None:
            # Stopped while we were making it: it never reaches the group.
            by = series.stopped_by if series is not None else None
            await store.cancel_need(session, card.id, by or requested_by, now)
            await scheduled_store.remove_pending_for_need(
                session, card.id, reminder_service.NEED_KINDS
            )
            await session.commit()
            return None
        helper = series.standing_helper_id
    if helper is None:
        return MadeDate(card)
    change = await needs.claim(sm, needs.Press(card.id, helper, card.chat_id, True, now))
    if change.ok and change.card is not None:
        return MadeDate(change.card, helper, change.reminders)
    return MadeDate(change.card or card)


# --- taking the whole series ---------------------------------------------------------------------


class SeriesRefusal(StrEnum):
    NOT_FOUND = "not_found"
    OTHER_CIRCLE = "other_circle"
    OWN_NEED = "own_need"
    STOPPED = "stopped"
    ALREADY_TAKEN = "already_taken"
    ALREADY_YOURS = "already_yours"
    NOT_YOURS = "not_yours"
    NOT_ALLOWED_STOP = "not_allowed_stop"
    NO_SUCH_DATE = "no_such_date"
    ALREADY_SKIPPED = "already_skipped"
    PAST_DATE = "past_date"


@dataclass(frozen=True)
class SeriesChange:
    view: SeriesView | None
    refusal: SeriesRefusal | None = None
    # Dates changed along with the series: claimed for the helper, or cancelled.
    changes: tuple[NeedChange, ...] = ()
    actor_role: Role | None = None
    skipped_day: date | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


async def _load(
    session: AsyncSession, series_id: int, actor_id: int, chat_id: int, private: bool
) -> tuple[NeedSeries, Circle, Role | None] | SeriesRefusal:
    found = await people.with_circle_and_role(session, NeedSeries, series_id, actor_id)
    if found is None:
        return SeriesRefusal.NOT_FOUND
    series, circle, role = found
    if not Place(chat_id, private).belongs(circle.chat_id, role):
        return SeriesRefusal.OTHER_CIRCLE
    return series, circle, role


async def view(sm: SessionMaker, series_id: int, now: datetime) -> SeriesView | None:
    async with sm() as session:
        series = await store.get_series(session, series_id)
        if series is None:
            return None
        circle = await session.get(Circle, series.circle_id)
        assert circle is not None
        return await _view(session, series, circle, now)


async def _each_date(
    sm: SessionMaker,
    change: Callable[[SessionMaker, needs.Press], Awaitable[NeedChange]],
    need_ids: list[int],
    actor_id: int,
    chat_id: int,
    now: datetime,
) -> tuple[NeedChange, ...]:
    """Each date changed as if this person pressed its own button; the changes that took.
    The press on the series was checked where it was made, so each date only asks that
    they belong to its circle (as a private press does)."""
    made = [
        await change(sm, needs.Press(need_id, actor_id, chat_id, True, now)) for need_id in need_ids
    ]
    return tuple(one for one in made if one.ok)


async def take_all(
    sm: SessionMaker, series_id: int, actor_id: int, chat_id: int, private: bool, now: datetime
) -> SeriesChange:
    """I'll do every date: every open date already posted is claimed for them, and every
    later date is theirs when it is posted."""
    async with sm() as session:
        loaded = await _load(session, series_id, actor_id, chat_id, private)
        if isinstance(loaded, SeriesRefusal):
            return SeriesChange(None, loaded)
        series, circle, role = loaded
        assert circle.id is not None
        role = await people.join_by_pressing(session, circle.id, actor_id, role, now)
        view_now = await _view(session, series, circle, now)
        if not may(role, Action.CLAIM):
            return SeriesChange(view_now, SeriesRefusal.OWN_NEED)
        if series.stopped_at is not None:
            return SeriesChange(view_now, SeriesRefusal.STOPPED)
        won = await store.take_whole(session, series_id, actor_id)
        if not won:
            series = await store.get_series(session, series_id) or series
            refusal = (
                SeriesRefusal.STOPPED
                if series.stopped_at is not None
                else SeriesRefusal.ALREADY_YOURS
                if series.standing_helper_id == actor_id
                else SeriesRefusal.ALREADY_TAKEN
            )
            return SeriesChange(await _view(session, series, circle, now), refusal)
        await session.commit()
        open_ids = [
            n.id
            for n in await store.live_needs_after(session, series_id, now)
            if n.id is not None and n.status == NeedStatus.OPEN
        ]
    changes = await _each_date(sm, needs.claim, open_ids, actor_id, chat_id, now)
    return SeriesChange(await view(sm, series_id, now), changes=changes, actor_role=role)


async def release_all(
    sm: SessionMaker, series_id: int, actor_id: int, chat_id: int, private: bool, now: datetime
) -> SeriesChange:
    """The standing helper gives the series back. Dates they already hold stay theirs (each
    card's ↩️ Release gives one back); later dates are posted open."""
    async with sm() as session:
        loaded = await _load(session, series_id, actor_id, chat_id, private)
        if isinstance(loaded, SeriesRefusal):
            return SeriesChange(None, loaded)
        series, circle, role = loaded
        won = await store.give_back(session, series_id, actor_id)
        series = await store.get_series(session, series_id) or series
        result = SeriesChange(
            await _view(session, series, circle, now),
            None if won else SeriesRefusal.NOT_YOURS,
            actor_role=role,
        )
        await session.commit()
        return result


def _stop_refusal(series: NeedSeries, role: Role | None, actor_id: int) -> SeriesRefusal | None:
    """Why this person may not stop the series or skip one of its dates, if they may not."""
    if series.stopped_at is not None:
        return SeriesRefusal.STOPPED
    if not may(role, Action.STOP_SERIES, is_requester=series.requested_by == actor_id):
        return SeriesRefusal.NOT_ALLOWED_STOP
    return None


async def _load_to_stop(
    session: AsyncSession, series_id: int, actor_id: int, chat_id: int, private: bool, now: datetime
) -> tuple[NeedSeries, Circle, Role | None, SeriesView] | SeriesChange:
    """The series as shown, for someone who may stop it or skip a date; otherwise the
    refusal."""
    loaded = await _load(session, series_id, actor_id, chat_id, private)
    if isinstance(loaded, SeriesRefusal):
        return SeriesChange(None, loaded)
    series, circle, role = loaded
    shown = await _view(session, series, circle, now)
    refusal = _stop_refusal(series, role, actor_id)
    if refusal is not None:
        return SeriesChange(shown, refusal)
    return series, circle, role, shown


async def may_stop(
    sm: SessionMaker, series_id: int, actor_id: int, chat_id: int, private: bool, now: datetime
) -> SeriesChange:
    async with sm() as session:
        loaded = await _load_to_stop(session, series_id, actor_id, chat_id, private, now)
        if isinstance(loaded, SeriesChange):
            return loaded
        _series, _circle, role, shown = loaded
        return SeriesChange(shown, actor_role=role)


async def stop(
    sm: SessionMaker, series_id: int, actor_id: int, chat_id: int, private: bool, now: datetime
) -> SeriesChange:
    """Stop the series: nothing more is posted, and every date still ahead is cancelled
    (dates done or past stay as they are)."""
    async with sm() as session:
        loaded = await _load(session, series_id, actor_id, chat_id, private)
        if isinstance(loaded, SeriesRefusal):
            return SeriesChange(None, loaded)
        series, circle, role = loaded
        if not may(role, Action.STOP_SERIES, is_requester=series.requested_by == actor_id):
            return SeriesChange(
                await _view(session, series, circle, now), SeriesRefusal.NOT_ALLOWED_STOP
            )
        await store.get_series(session, series_id, lock=True)
        won = await store.stop(session, series_id, actor_id, now)
        if not won:
            series = await store.get_series(session, series_id) or series
            return SeriesChange(await _view(session, series, circle, now), SeriesRefusal.STOPPED)
        await store.remove_pending_posts(session, series_id)
        await session.commit()
        ahead = [n.id for n in await store.live_needs_after(session, series_id, now) if n.id]
    changes = await _each_date(sm, needs.cancel, ahead, actor_id, chat_id, now)
    return SeriesChange(await view(sm, series_id, now), changes=changes, actor_role=role)


# --- /series: the running series, and skipping one date -----------------------------------------


async def running(sm: SessionMaker, circle_id: int, now: datetime) -> list[SeriesView]:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        return [
            await _view(session, series, circle, now)
            for series in await store.running_in_circle(session, circle_id)
        ]


async def skip(
    sm: SessionMaker,
    series_id: int,
    day: date,
    actor_id: int,
    chat_id: int,
    private: bool,
    now: datetime,
) -> SeriesChange:
    """Skip one date: a posted date is cancelled like its card's ✖️; a date not posted yet is
    stored as cancelled, so it is never posted."""
    async with sm() as session:
        loaded = await _load_to_stop(session, series_id, actor_id, chat_id, private, now)
        if isinstance(loaded, SeriesChange):
            return loaded
        series, circle, role, shown = loaded
        tz = ZoneInfo(circle.timezone)
        at = _time(series)
        if not falls_on(_rule(series), series.starts_on, day):
            return SeriesChange(shown, SeriesRefusal.NO_SUCH_DATE, skipped_day=day)
        if start_of(day, at, tz) <= now:
            return SeriesChange(shown, SeriesRefusal.PAST_DATE, skipped_day=day)
        existing = await store.need_on(session, series_id, day)
        if existing is None:
            when = when_on(day, at, tz)
            try:
                await store.add_skipped(
                    session,
                    Need(
                        circle_id=series.circle_id,
                        category=series.category,
                        description=series.description,
                        precision=when.precision,
                        starts_at=when.starts_at,
                        ends_at=when.ends_at,
                        when_label=when.label,
                        status=NeedStatus.CANCELLED,
                        requested_by=series.requested_by,
                        cancelled_at=now,
                        cancelled_by=actor_id,
                        created_at=now,
                        places=series.places,
                        series_id=series_id,
                        occurs_on=day,
                    ),
                )
                await session.commit()
            except IntegrityError:
                await session.rollback()
                existing = await store.need_on(session, series_id, day)
            else:
                return SeriesChange(
                    await view(sm, series_id, now), actor_role=role, skipped_day=day
                )
        if existing is None or existing.id is None:
            return SeriesChange(shown, SeriesRefusal.NOT_FOUND)
        if existing.status not in (NeedStatus.OPEN, NeedStatus.CLAIMED):
            return SeriesChange(shown, SeriesRefusal.ALREADY_SKIPPED, skipped_day=day)
        need_id = existing.id
    change = await needs.cancel(sm, needs.Press(need_id, actor_id, chat_id, True, now))
    if not change.ok:
        return SeriesChange(
            await view(sm, series_id, now), SeriesRefusal.ALREADY_SKIPPED, skipped_day=day
        )
    return SeriesChange(
        await view(sm, series_id, now), changes=(change,), actor_role=role, skipped_day=day
    )


# --- settings ----------------------------------------------------------------------------------


def check_days_ahead(days: int) -> bool:
    return MIN_DAYS_AHEAD <= days <= MAX_DAYS_AHEAD


async def withdraw(sm: SessionMaker, series_id: int, need_ids: list[int]) -> None:
    """The first post could not reach the group: the series and its dates are taken back."""
    for need_id in need_ids:
        await needs.withdraw_unposted(sm, need_id)
    async with sm() as session:
        await store.delete_series(session, series_id)
        await session.commit()


async def ensure_planned(sm: SessionMaker, now: datetime) -> int:
    """Every running series of an active circle has its next post planned. For start-up
    (like the morning summaries): it covers a post lost by hand or to a failed send."""
    planned = 0
    async with sm() as session:
        for series in await store.running_everywhere(session):
            assert series.id is not None
            circle = await session.get(Circle, series.circle_id)
            if circle is None or circle.status != CircleStatus.ACTIVE:
                continue
            if await store.pending_post(session, series.id) is not None:
                missing, _ = await _window_days(session, series, circle, now)
                if not missing:
                    continue
                # A date was taken but never made (the bot stopped in between): post now.
                await store.remove_pending_posts(session, series.id)
                _post_now(session, series, circle, now)
                planned += 1
                continue
            if await store.held_post(session, series.id):
                continue  # waiting for the bot to be back in the group
            _plan_next(session, series, circle, now)
            planned += 1
        await session.commit()
    return planned
