"""What the bot will say later about a need, and when. Plain functions of a need's state,
the circle's settings and the current instant: no database, no Telegram.

Every time is computed in the circle's time zone, so "24 h before" and "08:00 every
morning" stay right across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.timeparse import Precision, When, local_to_utc
from storage.models import MessageKind, NeedStatus, ScheduledMessage

DEFAULT_REMINDER_LEADS = (24 * 60, 2 * 60)
DEFAULT_NUDGE_LEADS = (48 * 60, 24 * 60)
DEFAULT_DIGEST_TIME = "08:00"

# A nudge just after the card went up would only repeat it.
NUDGE_NOT_BEFORE = timedelta(hours=1)
# "Did it happen?": a while after the need, never at night, asked at most twice.
FOLLOW_UP_AFTER = timedelta(hours=1)
EXACT_NEED_LENGTH = timedelta(hours=1)
FOLLOW_UP_AGAIN_AFTER = timedelta(hours=24)
FOLLOW_UP_ASKS = 2
FOLLOW_UP_USEFUL_FOR = timedelta(hours=24)
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(9, 0)
# A personal reminder that comes hours late still helps ("call the MS nurse").
PERSONAL_USEFUL_FOR = timedelta(hours=12)
DIGEST_USEFUL_UNTIL = time(12, 0)  # a morning summary in the afternoon is no use
DIGEST_AT_LEAST = timedelta(hours=1)
APPOINTMENT_OFFER_AT = time(17, 0)  # the day before: time to print or gather
# A day-only need ("dinner for Friday") is counted from midday for its reminders.
DAY_NEED_ANCHOR = time(12, 0)


@dataclass(frozen=True)
class Planned:
    kind: MessageKind
    due_at: datetime
    expires_at: datetime
    recipient_id: int | None  # None: the circle's group
    lead: int = 0

    def row(
        self,
        circle_id: int | None,
        now: datetime,
        *,
        need_id: int | None = None,
        text: str | None = None,
    ) -> ScheduledMessage:
        """The scheduled message that carries this plan."""
        return ScheduledMessage(
            kind=self.kind,
            circle_id=circle_id,
            need_id=need_id,
            recipient_id=self.recipient_id,
            due_at=self.due_at,
            expires_at=self.expires_at,
            lead=self.lead,
            text=text,
            created_at=now,
        )


def format_leads(leads: tuple[int, ...]) -> str:
    return ",".join(str(minutes) for minutes in leads)


def parse_leads(stored: str) -> tuple[int, ...]:
    """The stored "1440,120" form; largest first. A part that is not a number is left out
    rather than failing every plan of the circle."""
    parts = (part.strip() for part in stored.split(","))
    return tuple(sorted((int(p) for p in parts if p.isascii() and p.isdecimal()), reverse=True))


def anchor(when: When, tz: ZoneInfo) -> datetime | None:
    """The instant reminders count back from; None for a need with no time."""
    if when.precision == Precision.NONE or when.starts_at is None:
        return None
    if when.precision == Precision.DAY:
        day = when.starts_at.astimezone(tz).date()
        return local_to_utc(datetime.combine(day, DAY_NEED_ANCHOR), tz)
    return when.starts_at


def over_at(when: When) -> datetime | None:
    """When the need's time has passed."""
    if when.starts_at is None:
        return None
    if when.ends_at is not None:
        return when.ends_at
    return when.starts_at + EXACT_NEED_LENGTH


def _out_of_the_night(instant: datetime, tz: ZoneInfo) -> datetime:
    local = instant.astimezone(tz)
    if local.time() >= QUIET_FROM:
        return local_to_utc(datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL), tz)
    if local.time() < QUIET_UNTIL:
        return local_to_utc(datetime.combine(local.date(), QUIET_UNTIL), tz)
    return instant


def _before(start: datetime, minutes: int) -> datetime:
    # Subtracting in UTC keeps "24 h before" exactly 24 hours, also across a DST change.
    return start - timedelta(minutes=minutes)


def reminders(
    when: When, tz: ZoneInfo, claimer_id: int, leads: tuple[int, ...], now: datetime
) -> list[Planned]:
    start = anchor(when, tz)
    if start is None:
        return []
    return [
        Planned(MessageKind.REMINDER, due, start, claimer_id, lead)
        for lead in leads
        if now < (due := _before(start, lead)) < start
    ]


def nudges(when: When, tz: ZoneInfo, leads: tuple[int, ...], now: datetime) -> list[Planned]:
    start = anchor(when, tz)
    if start is None:
        return []
    return [
        Planned(MessageKind.NUDGE, due, start, None, lead)
        for lead in leads
        if now + NUDGE_NOT_BEFORE <= (due := _before(start, lead)) < start
    ]


def follow_up(
    when: When, tz: ZoneInfo, claimer_id: int, now: datetime, ask: int = 1
) -> list[Planned]:
    """The ask-th "Did it happen?"; the first after the need, the next a day later."""
    end = over_at(when)
    if end is None or ask > FOLLOW_UP_ASKS:
        return []
    due = end + FOLLOW_UP_AFTER + (ask - 1) * FOLLOW_UP_AGAIN_AFTER
    due = max(_out_of_the_night(due, tz), now)
    return [Planned(MessageKind.FOLLOW_UP, due, due + FOLLOW_UP_USEFUL_FOR, claimer_id, ask)]


def appointment_offer(when: When, tz: ZoneInfo, patient_id: int, now: datetime) -> list[Planned]:
    """The evening before a medical appointment, the person is offered their report and open
    questions to take along."""
    start = anchor(when, tz)
    if start is None:
        return []
    day_before = start.astimezone(tz).date() - timedelta(days=1)
    due = local_to_utc(datetime.combine(day_before, APPOINTMENT_OFFER_AT), tz)
    if not now < due < start:
        return []
    return [Planned(MessageKind.APPOINTMENT, due, start, patient_id)]


def for_need(
    status: NeedStatus,
    when: When,
    tz: ZoneInfo,
    claimer_id: int | None,
    reminder_leads: tuple[int, ...],
    nudge_leads: tuple[int, ...],
    now: datetime,
    *,
    medical_for: int | None = None,
    helpers: Sequence[int] | None = None,
) -> list[Planned]:
    """Everything still to come for a need in this state. `medical_for` is the supported
    person when the need looks like a medical appointment. `helpers` are the people holding
    its places (default: the claimer alone): each gets their own reminders and "Did it
    happen?". While a place is open the group is nudged, also when some are taken."""
    if helpers is not None:
        holders = list(helpers)
    else:
        holders = [claimer_id] if claimer_id is not None and status == NeedStatus.CLAIMED else []
    live = status in (NeedStatus.OPEN, NeedStatus.CLAIMED)
    offer = appointment_offer(when, tz, medical_for, now) if medical_for and live else []
    if not live or (status == NeedStatus.CLAIMED and not holders):
        return []
    ahead = nudges(when, tz, nudge_leads, now) if status == NeedStatus.OPEN else []
    for helper in holders:
        ahead += reminders(when, tz, helper, reminder_leads, now)
    ahead += offer
    end = over_at(when)
    if end is not None and end + FOLLOW_UP_AFTER > now:
        for helper in holders:
            ahead += follow_up(when, tz, helper, now)
    return ahead


def parse_clock_time(text: str) -> time | None:
    """ "8:00", "08:30", "7" → a time of day; None when it is not one."""
    hours, _, minutes = text.strip().partition(":")
    # isdecimal, not isdigit: "²" is a digit that int() cannot read.
    if not (hours.isascii() and hours.isdecimal()) or (
        minutes and not (minutes.isascii() and minutes.isdecimal())
    ):
        return None
    hour, minute = int(hours), int(minutes or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def next_digest(
    digest_time: str | None, tz: ZoneInfo, patient_id: int, after: datetime
) -> Planned | None:
    """The next morning summary strictly after `after`, or None when switched off."""
    at = parse_clock_time(digest_time) if digest_time else None
    if at is None:
        return None
    # APScheduler's cron trigger knows the zone's rules: on a spring-forward day a time in
    # the gap moves on to the first valid time. It rounds up to whole seconds, so "strictly
    # after" needs only a microsecond.
    trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=tz)
    due: datetime = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    local_after = after.astimezone(tz)
    if due.astimezone(tz).date() == local_after.date() and local_after.time() >= at:
        # Today's summary time has come already: once per day, also when a fall-back
        # change makes that time happen twice.
        tomorrow = local_to_utc(
            datetime.combine(local_after.date() + timedelta(days=1), time()), tz
        )
        due = trigger.get_next_fire_time(None, tomorrow)
    due = due.astimezone(UTC)
    local_day = due.astimezone(tz).date()
    useful_until = max(
        local_to_utc(datetime.combine(local_day, DIGEST_USEFUL_UNTIL), tz),
        due + DIGEST_AT_LEAST,
    )
    return Planned(MessageKind.DIGEST, due, useful_until, patient_id)


def personal(due: datetime, user_id: int) -> Planned:
    return Planned(MessageKind.PERSONAL, due, due + PERSONAL_USEFUL_FOR, user_id)


# --- check-ins ---------------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A check-in prompt that comes hours late (the bot was down) would land in someone's night.
CHECK_IN_USEFUL_FOR = timedelta(hours=3)


@dataclass(frozen=True)
class CheckInSchedule:
    """Every day (day is None) or every week on one day ("sun"), at a local time."""

    day: str | None
    at: time

    @property
    def stored(self) -> str:
        """The circle's form: "daily 19:00" or "weekly sun 18:00"."""
        if self.day is None:
            return f"daily {self.at:%H:%M}"
        return f"weekly {self.day} {self.at:%H:%M}"


def read_check_in_schedule(stored: str | None) -> CheckInSchedule | None:
    """ "daily 19:00", "weekly sun 18:00", and a carepartner's own "sun 18:00"; None when
    switched off or not one of these."""
    words = (stored or "").split()
    if len(words) == 3 and words[0] == "weekly":
        words = words[1:]
    if len(words) != 2:
        return None
    at = parse_clock_time(words[1])
    if at is None:
        return None
    if words[0] == "daily":
        return CheckInSchedule(None, at)
    return CheckInSchedule(words[0], at) if words[0] in WEEKDAYS else None


def next_check_in(
    schedule: str | None,
    tz: ZoneInfo,
    recipient_id: int,
    after: datetime,
    kind: MessageKind = MessageKind.CHECK_IN,
) -> Planned | None:
    """The next check-in strictly after `after`, at most one per local day, or None when
    switched off."""
    read = read_check_in_schedule(schedule)
    if read is None:
        return None
    at = read.at
    # The cron trigger follows the zone's rules (a time in a spring-forward gap moves on to
    # the first valid instant), as for the morning summary.
    trigger = CronTrigger(day_of_week=read.day or "*", hour=at.hour, minute=at.minute, timezone=tz)
    due: datetime = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    local_after = after.astimezone(tz)
    if due.astimezone(tz).date() == local_after.date() and local_after.time() >= at:
        # That day's time has come already: a fall-back night repeating it asks only once.
        next_day = datetime.combine(local_after.date() + timedelta(days=1), time())
        due = trigger.get_next_fire_time(None, local_to_utc(next_day, tz))
    due = due.astimezone(UTC)
    return Planned(kind, due, due + CHECK_IN_USEFUL_FOR, recipient_id)
