"""A circle's settings for what the bot says later: when helpers are reminded, when the
group is nudged about needs nobody has taken, the supported person's morning summary, and
how many days ahead each date of a repeating need is posted.

Plain rules (reading "24h 2h", "7:30", who may change what) and one transaction per
change, in which everything already planned is planned again with the new values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.callbacks import SettingKey, SettingsButton
from bot.people import display_name
from bot.services import reminders
from bot.services import series as series_service
from bot.services.permissions import Action, Place, may
from bot.services.planning import format_leads, parse_clock_time, parse_leads
from storage import people
from storage.db import SessionMaker
from storage.models import Circle

MAX_LEADS = 3
SHORTEST_LEAD = 10  # minutes: a reminder any closer would not give time to get going
LONGEST_LEAD = 7 * 24 * 60
# It is a morning summary of the day ahead; planning keeps it useful until midday.
EARLIEST_SUMMARY = time(5, 0)
LATEST_SUMMARY = time(12, 0)


class Setting(StrEnum):
    REMINDERS = "reminders"  # private reminders to the helper who took a need
    NUDGES = "nudges"  # the group, about a need nobody has taken
    SUMMARY = "summary"  # the supported person's morning summary
    SERIES = "series"  # how many days ahead a repeating need's dates are posted


@dataclass(frozen=True)
class Choice:
    """A new value for one setting: leads in minutes (largest first, () = off), or the
    summary's local time (None = off), or the days ahead for repeating needs."""

    setting: Setting
    leads: tuple[int, ...] = ()
    at: time | None = None
    days: int | None = None


@dataclass(frozen=True)
class CircleSettings:
    circle_id: int
    patient_name: str
    reminder_leads: tuple[int, ...]
    nudge_leads: tuple[int, ...]
    summary_at: time | None
    observations_on: bool = False
    series_days_ahead: int = 7


class Problem(StrEnum):
    UNKNOWN_SETTING = "unknown_setting"
    BAD_LEADS = "bad_leads"
    TOO_MANY_LEADS = "too_many_leads"
    LEAD_TOO_SHORT = "lead_too_short"
    LEAD_TOO_LONG = "lead_too_long"
    BAD_TIME = "bad_time"
    NOT_MORNING = "not_morning"
    BAD_DAYS = "bad_days"
    DAYS_OUT_OF_RANGE = "days_out_of_range"


@dataclass(frozen=True)
class Unreadable:
    """Typed settings that could not be read; `setting` is None when even the name was not
    one of ours."""

    problem: Problem
    setting: Setting | None = None


_NAMES = {
    "reminders": Setting.REMINDERS,
    "reminder": Setting.REMINDERS,
    "remind": Setting.REMINDERS,
    "helpers": Setting.REMINDERS,
    "nudges": Setting.NUDGES,
    "nudge": Setting.NUDGES,
    "group": Setting.NUDGES,
    "summary": Setting.SUMMARY,
    "digest": Setting.SUMMARY,
    "morning": Setting.SUMMARY,
    "series": Setting.SERIES,
    "repeating": Setting.SERIES,
    "recurring": Setting.SERIES,
}
_OFF = frozenset({"off", "none", "no", "never", "stop"})
_UNITS = {"m": 1, "h": 60, "d": 24 * 60}
_LEAD = r"(\d{1,5})\s*(m|mins?|minutes?|h|hrs?|hours?|d|days?)"
_LEADS = re.compile(rf"(?:\s*{_LEAD}(?![a-z]))+\s*")
_ONE_LEAD = re.compile(_LEAD)
# "24h, 2h", "24h + 2h", "24h and 2h before" all mean the same two leads.
_FILLER = re.compile(r"[,+&;]|\band\b|\bbefore\b")
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")


def setting_named(word: str) -> Setting | None:
    return _NAMES.get(word.strip().lower())


def check_leads(leads: Sequence[int]) -> tuple[int, ...] | Problem:
    """Distinct, largest first, within limits."""
    distinct = tuple(sorted(set(leads), reverse=True))
    if len(distinct) > MAX_LEADS:
        return Problem.TOO_MANY_LEADS
    if any(lead < SHORTEST_LEAD for lead in distinct):
        return Problem.LEAD_TOO_SHORT
    if any(lead > LONGEST_LEAD for lead in distinct):
        return Problem.LEAD_TOO_LONG
    return distinct


def read_leads(text: str) -> tuple[int, ...] | Problem:
    """ "24h 2h", "24 h, 2 h", "90m", "1d", "off" → minutes before, largest first."""
    words = _FILLER.sub(" ", text.strip().lower())
    if words.strip() in _OFF:
        return ()
    if not _LEADS.fullmatch(words):
        return Problem.BAD_LEADS
    return check_leads([int(amount) * _UNITS[unit[0]] for amount, unit in _ONE_LEAD.findall(words)])


def check_summary_time(at: time) -> time | Problem:
    return at if EARLIEST_SUMMARY <= at <= LATEST_SUMMARY else Problem.NOT_MORNING


def read_summary_time(text: str) -> time | Problem | None:
    """ "7:30", "07:30", "7.30", "7am", "off" → the local time (None: switched off)."""
    words = text.strip().lower()
    if words in _OFF:
        return None
    match = _CLOCK.fullmatch(words)
    if match is None:
        return Problem.BAD_TIME
    hours, minutes, half = match.groups()
    hour = int(hours)
    if half is not None:
        if not 1 <= hour <= 12:
            return Problem.BAD_TIME
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    at = parse_clock_time(f"{hour}:{minutes or '00'}")
    if at is None:
        return Problem.BAD_TIME
    return check_summary_time(at)


_DAYS = re.compile(r"(\d{1,3})\s*(?:d|days?)?(?:\s+(?:ahead|before|early))?")


def read_days_ahead(text: str) -> int | Problem:
    """ "3d", "3 days", "3", "10 days ahead" → days (1–28)."""
    match = _DAYS.fullmatch(text.strip().lower())
    if match is None:
        return Problem.BAD_DAYS
    days = int(match.group(1))
    if not series_service.check_days_ahead(days):
        return Problem.DAYS_OUT_OF_RANGE
    return days


def read_command(words: Sequence[str]) -> Choice | Setting | Unreadable:
    """The words after /settings: a choice to save, or just a setting's name (show its
    choices), or what could not be read."""
    setting = setting_named(words[0]) if words else None
    if setting is None:
        return Unreadable(Problem.UNKNOWN_SETTING)
    value = " ".join(words[1:]).strip()
    if not value:
        return setting
    if setting == Setting.SERIES:
        days = read_days_ahead(value)
        if isinstance(days, Problem):
            return Unreadable(days, setting)
        return Choice(setting, days=days)
    if setting == Setting.SUMMARY:
        at = read_summary_time(value)
        if isinstance(at, Problem):
            return Unreadable(at, setting)
        return Choice(setting, at=at)
    leads = read_leads(value)
    if isinstance(leads, Problem):
        return Unreadable(leads, setting)
    return Choice(setting, leads=leads)


# The value part of a settings button: "<circle id>.<what>". The circle travels with the
# button, so a press always acts on the circle whose settings the message showed.
_KEY_OF = {
    Setting.REMINDERS: SettingKey.REMINDERS,
    Setting.NUDGES: SettingKey.NUDGES,
    Setting.SUMMARY: SettingKey.DIGEST,
}
_SETTING_OF: dict[str, Setting] = {str(key): setting for setting, key in _KEY_OF.items()}
_OFF_VALUE = "off"


def menu_button(circle_id: int, setting: Setting) -> SettingsButton:
    return SettingsButton(SettingKey.MENU, f"{circle_id}.{_KEY_OF[setting]}")


def back_button(circle_id: int) -> SettingsButton:
    return SettingsButton(SettingKey.BACK, str(circle_id))


def choice_button(circle_id: int, choice: Choice) -> SettingsButton:
    if choice.setting == Setting.SUMMARY:
        what = choice.at.strftime("%H%M") if choice.at is not None else _OFF_VALUE
    else:
        what = format_leads(choice.leads) or _OFF_VALUE
    return SettingsButton(_KEY_OF[choice.setting], f"{circle_id}.{what}")


@dataclass(frozen=True)
class Press:
    """A settings button, read: show the menu (setting and choice None), show one
    setting's choices (setting), or save a choice."""

    circle_id: int
    setting: Setting | None = None
    choice: Choice | None = None


def _read_choice(setting: Setting, what: str) -> Choice | None:
    if setting == Setting.SUMMARY:
        if what == _OFF_VALUE:
            return Choice(setting, at=None)
        if len(what) != 4 or not what.isdigit():
            return None
        at = parse_clock_time(f"{what[:2]}:{what[2:]}")
        if at is None or isinstance(check_summary_time(at), Problem):
            return None
        return Choice(setting, at=at)
    if what == _OFF_VALUE:
        return Choice(setting, leads=())
    parts = what.split(",")
    if not all(part.isascii() and part.isdigit() and len(part) <= 5 for part in parts):
        return None
    leads = check_leads([int(part) for part in parts])
    return None if isinstance(leads, Problem) else Choice(setting, leads=leads)


def read_press(button: SettingsButton) -> Press | None:
    """None for a button we did not make (or no longer understand)."""
    circle, _, what = button.value.partition(".")
    # ASCII digits only ("²" is a digit int() cannot read); a circle id is a PostgreSQL INTEGER.
    if not (circle.isascii() and circle.isdigit()) or not 0 < int(circle) < 2**31:
        return None
    circle_id = int(circle)
    match button.key:
        case SettingKey.BACK:
            return Press(circle_id) if not what else None
        case SettingKey.MENU:
            setting = _SETTING_OF.get(what)
            return Press(circle_id, setting=setting) if setting is not None else None
    setting = _SETTING_OF[str(button.key)]
    choice = _read_choice(setting, what)
    return Press(circle_id, setting=setting, choice=choice) if choice is not None else None


class Outcome(StrEnum):
    ALLOWED = "allowed"  # may change them; nothing changed yet
    SAVED = "saved"
    NOT_ALLOWED = "not_allowed"
    OTHER_CIRCLE = "other_circle"  # the button belongs to another circle's chat, or is gone


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    settings: CircleSettings | None = None
    changed: bool = False


def _settings_of(circle: Circle, patient_name: str) -> CircleSettings:
    assert circle.id is not None
    return CircleSettings(
        circle_id=circle.id,
        patient_name=patient_name,
        reminder_leads=parse_leads(circle.reminder_leads),
        nudge_leads=parse_leads(circle.nudge_leads),
        summary_at=parse_clock_time(circle.digest_time) if circle.digest_time else None,
        observations_on=circle.observations_on,
        series_days_ahead=circle.series_days_ahead,
    )


async def _patient_name(session: AsyncSession, circle: Circle) -> str:
    return display_name(await people.get_person(session, circle.patient_id))


async def overview(
    sm: SessionMaker, circle_id: int, viewer_id: int | None
) -> tuple[CircleSettings, bool] | None:
    """The circle's settings, and whether this person may change them."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return None
        role = await people.role_in(session, circle_id, viewer_id) if viewer_id else None
        settings = _settings_of(circle, await _patient_name(session, circle))
        return settings, may(role, Action.CHANGE_SETTINGS)


async def _allowed(
    session: AsyncSession, circle_id: int, actor_id: int, place: Place, *, lock: bool = False
) -> tuple[Circle | None, Outcome]:
    # Locked for a change: two changes at once must not both plan the same messages.
    circle = await session.get(Circle, circle_id, with_for_update=lock)
    if circle is None:
        return None, Outcome.OTHER_CIRCLE
    role = await people.role_in(session, circle_id, actor_id)
    if not place.belongs(circle.chat_id, role):
        return None, Outcome.OTHER_CIRCLE
    if not may(role, Action.CHANGE_SETTINGS):
        return circle, Outcome.NOT_ALLOWED
    return circle, Outcome.ALLOWED


async def open_for_change(sm: SessionMaker, circle_id: int, actor_id: int, place: Place) -> Result:
    """May this person change the settings here? With the settings to show them."""
    async with sm() as session:
        circle, outcome = await _allowed(session, circle_id, actor_id, place)
        if circle is None:
            return Result(outcome)
        return Result(outcome, _settings_of(circle, await _patient_name(session, circle)))


def _apply(circle: Circle, choice: Choice) -> bool:
    """Set the choice on the row; False when it was already so."""
    match choice.setting:
        case Setting.SUMMARY:
            before = circle.digest_time
            circle.digest_time = choice.at.strftime("%H:%M") if choice.at is not None else None
            return circle.digest_time != before
        case Setting.REMINDERS:
            before = circle.reminder_leads
            circle.reminder_leads = format_leads(choice.leads)
            return circle.reminder_leads != before
        case Setting.NUDGES:
            before = circle.nudge_leads
            circle.nudge_leads = format_leads(choice.leads)
            return circle.nudge_leads != before
        case Setting.SERIES:
            before_days = circle.series_days_ahead
            circle.series_days_ahead = choice.days or before_days
            return circle.series_days_ahead != before_days


async def change(
    sm: SessionMaker, circle_id: int, actor_id: int, place: Place, choice: Choice, now: datetime
) -> Result:
    """Save one setting and, in the same transaction, plan again what it governs."""
    async with sm() as session:
        circle, outcome = await _allowed(session, circle_id, actor_id, place, lock=True)
        if circle is None:
            return Result(outcome)
        if outcome != Outcome.ALLOWED:
            return Result(outcome, _settings_of(circle, await _patient_name(session, circle)))
        changed = _apply(circle, choice)
        if changed:
            session.add(circle)
            if choice.setting == Setting.SUMMARY:
                await reminders.replan_digest(session, circle, now)
            elif choice.setting == Setting.SERIES:
                # Each running series' next post moves to its new place in the window.
                await series_service.replan_circle(session, circle, now)
            else:
                await reminders.replan_circle(session, circle, now)
        settings = _settings_of(circle, await _patient_name(session, circle))
        await session.commit()
        return Result(Outcome.SAVED, settings, changed)
