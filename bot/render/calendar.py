"""/calendar: the .ics file (RFC 5545, built with icalendar) and the words around it.

Each need is one event with a stable UID ("need-42@carecircle"), so importing a newer file
updates the events already in a phone's calendar instead of adding them twice. Times carry
the circle's zone (TZID) with its VTIMEZONE, so they stay right across daylight saving."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bot.categories import CATEGORY_EMOJI, CATEGORY_NAME
from bot.render.common import e, joined
from bot.services.calendar import CalendarView, Entry, Scope
from bot.services.planning import EXACT_NEED_LENGTH
from bot.timeparse import Precision
from storage.models import NeedStatus

PRODID = "-//CareCircle//CareCircle bot//EN"
UID_DOMAIN = "carecircle"
# VTIMEZONE rules cover this much before the first and after the last event.
ZONE_MARGIN = timedelta(days=366)


def uid(need_id: int) -> str:
    return f"need-{need_id}@{UID_DOMAIN}"


def summary(entry: Entry, scope: Scope) -> str:
    text = f"{CATEGORY_EMOJI[entry.category]} {CATEGORY_NAME[entry.category]} — {entry.description}"
    if scope == Scope.ALL:
        # The supported person's calendar: who is coming is the point.
        text += f" ({joined(entry.helpers)})" if entry.helpers else " (still open)"
    return text


def description(entry: Entry) -> str:
    if entry.requester_name == entry.patient_name:
        lines = [f"Asked by {entry.patient_name}."]
    else:
        lines = [f"Asked by {entry.requester_name} for {entry.patient_name}."]
    if entry.status == NeedStatus.CANCELLED:
        lines.append("This was cancelled.")
    elif entry.helpers:
        missing = entry.places - len(entry.helpers)
        lines.append(f"Helping: {joined(entry.helpers)}.")
        if missing > 0:
            lines.append(f"Still {missing} more wanted.")
    else:
        lines.append("Nobody has offered yet.")
    lines.append("From CareCircle — send /calendar again any time for an up-to-date file.")
    return "\n".join(lines)


def _event(entry: Entry, scope: Scope, now: datetime) -> Event:
    when = entry.when
    assert when.starts_at is not None
    tz = entry.zone
    event = Event()
    event.add("uid", uid(entry.need_id))
    event.add("summary", summary(entry, scope))
    event.add("description", description(entry))
    if when.precision == Precision.DAY:
        day = when.starts_at.astimezone(tz).date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        start = when.starts_at.astimezone(tz)
        end = when.ends_at.astimezone(tz) if when.ends_at else start + EXACT_NEED_LENGTH
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("dtstamp", now)
    event.add("created", entry.created_at)
    # Nothing records each change of a need, so the file says "as of now": LAST-MODIFIED is
    # the moment it was made, and SEQUENCE counts minutes since the need was posted. Both
    # only ever grow, so a newer file always wins over an older one for the same UID.
    event.add("last-modified", now)
    event.add("sequence", max(0, int((now - entry.created_at).total_seconds() // 60)))
    match entry.status:
        case NeedStatus.CANCELLED:
            event.add("status", "CANCELLED")
        case NeedStatus.CLAIMED:
            event.add("status", "CONFIRMED")
        case _:
            event.add("status", "TENTATIVE")
    event.add("transp", "OPAQUE")
    return event


def ics(view: CalendarView, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name(view))
    calendar.add("x-wr-timezone", view.timezone)
    for entry in view.entries:
        calendar.add_component(_event(entry, view.scope, now))
    days = [en.when.starts_at.date() for en in view.entries if en.when.starts_at is not None]
    first: date = min([now.date(), *days]) - ZONE_MARGIN
    last: date = max([now.date(), *days]) + ZONE_MARGIN
    calendar.add_missing_timezones(first_date=first, last_date=last)
    content: bytes = calendar.to_ical()
    return content


def calendar_name(view: CalendarView) -> str:
    if view.scope == Scope.ALL:
        return f"Help for {view.patient_name}"
    return f"{view.owner_name}'s help for {view.patient_name}"


def filename(view: CalendarView) -> str:
    text = unicodedata.normalize("NFKD", view.owner_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    return f"carecircle-{slug}.ics" if slug else "carecircle.ics"


def _needs(count: int) -> str:
    return "1 need" if count == 1 else f"{count} needs"


def _untimed_line(view: CalendarView) -> str:
    if not view.untimed:
        return ""
    have = "has" if view.untimed == 1 else "have"
    its = "it" if view.untimed == 1 else "them"
    return (
        f"\n{_needs(view.untimed)} with no set time {'isn’t' if view.untimed == 1 else 'aren’t'} "
        f"in it — a calendar needs a time, and /board still {have} {its}."
    )


def caption(view: CalendarView) -> str:
    count = len(view.active)
    if view.scope == Scope.ALL:
        open_count = sum(1 for en in view.active if en.status == NeedStatus.OPEN)
        still_open = f" ({open_count} still open)" if open_count else ""
        head = (
            f"📅 <b>{e(view.patient_name)}'s calendar</b>: {_needs(count)} coming up{still_open}."
        )
    else:
        head = f"📅 <b>Your calendar</b>: {_needs(count)} you're helping with."
    return (
        f"{head}\nOpen the file to add {'it' if count == 1 else 'them'} to your phone's calendar. "
        "Sending /calendar again later updates the same events — nothing is doubled."
        f"{e(_untimed_line(view))}"
    )


def nothing_text(view: CalendarView) -> str:
    if view.scope == Scope.ALL:
        text = (
            f"Nothing with a time is coming up for {e(view.patient_name)} just now, "
            "so there's no calendar to send."
        )
    else:
        text = (
            "You're not helping with anything coming up just now, so there's nothing to put in "
            "a calendar. /board shows what's open."
        )
    return text + e(_untimed_line(view))


def all_refused_text(patient_name: str) -> str:
    return (
        f"The calendar with every need is for {e(patient_name)} and the coordinators. "
        "Here is yours instead: the needs you're helping with."
    )


def sent_privately(name: str) -> str:
    return f"📅 {e(name)}, I've sent your calendar to you privately."


def cannot_message(name: str) -> str:
    return (
        f"📅 {e(name)}, I can't send you a message privately yet. Tap the button to start a "
        "chat with me, then send /calendar again."
    )


NO_CIRCLE = (
    "You're not in a circle yet, so there's no calendar to send. Ask for the group's "
    "invite link, or add me to your family group and send /setup there."
)
