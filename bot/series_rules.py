"""Recurring needs: reading "ride to physio every Tuesday 10:00" and listing its dates.

Pure functions, no database. A rule is a set of weekdays and a week interval (1 = every
week, 2 = every other week), anchored on the series' first date; it may end on a date.
Each date keeps its local time: across a daylight-saving change the UTC instant moves,
the wall clock does not.

Stored form (NeedSeries.rule): "weekly:<interval>:<days>[:<last date>]", days as
"mon,thu" in week order, e.g. "weekly:1:tue", "weekly:2:mon,thu:2027-03-01".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.timeparse import (
    PARTS_OF_DAY,
    Precision,
    When,
    WhenError,
    local_to_utc,
    parse_when,
    part_of_day_when,
)

DAY_CODES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS: Final = frozenset(range(5))
EVERY_DAY: Final = frozenset(range(7))
WEEKEND: Final = frozenset({5, 6})

_DAY_WORDS: Final[dict[str, int]] = {}
for _index, _code in enumerate(DAY_CODES):
    _full = DAY_NAMES[_index].lower()
    for _word in (_code, _full, _full + "s", _code + "s"):
        _DAY_WORDS[_word] = _index
_DAY_WORDS.update({"tues": 1, "weds": 2, "wednes": 2, "thur": 3, "thurs": 3})

_EVERY_RE: Final = re.compile(r"\b(?:every|each)\b", re.IGNORECASE)
# What may follow "every" for the text to be a series at all ("every now and then" is not).
_SERIES_START_RE: Final = re.compile(
    r"\s+(?:other\b|second\b|alternate\b|2nd\b|fortnight\b|(?:two|2)\s+weeks\b|week\b|day\b|"
    r"weekday|weekend|[a-z]*day\b|[a-z]*days\b|(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|"
    r"sun)\b)",
    re.IGNORECASE,
)
_CLOCK_RE: Final = re.compile(
    r"(?:\b(?:at|from|around)\s+)?\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)"
    r"|(?:\b(?:at|from|around)\s+)?\b(\d{1,2})[:.](\d{2})\b",
    re.IGNORECASE,
)
_AT_HOUR_RE: Final = re.compile(
    r"\b(?:at|around)\s+(\d{1,2})(?:\s*o'?clock)?\b(?![:.]\d)", re.IGNORECASE
)
_NOON_RE: Final = re.compile(r"(?:\b(?:at|around)\s+)?\b(noon|midday)\b", re.IGNORECASE)
_PART_RE: Final = re.compile(
    r"(?:\b(?:in\s+the|at|at\s+the)\s+)?\b(morning|afternoon|evening|tonight|night)s?\b",
    re.IGNORECASE,
)
_UNTIL_RE: Final = re.compile(r"\b(?:until|till|til|through|up\s+to)\b\s+(.+)$", re.IGNORECASE)
_CONNECTORS_RE: Final = re.compile(
    r"(?:[\s,;:\-–—]+|\b(?:on|at|for|by|from|around|about|in|the|and|starting)\b)+$",
    re.IGNORECASE,
)
_PART_ALIASES: Final = {"tonight": "evening", "night": "evening"}


class SeriesProblem(WhenError):
    """Raised with a kind, user-facing message in str(e): what to change, with an example."""


EXAMPLE: Final = '"/need ride to physio every Tuesday 10:00"'


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]  # 0 = Monday
    interval: int = 1  # weeks: 1 every week, 2 every other week
    last: date | None = None  # the last date it may fall on (inclusive)

    def encode(self) -> str:
        days = ",".join(DAY_CODES[d] for d in sorted(self.days))
        text = f"weekly:{self.interval}:{days}"
        return f"{text}:{self.last.isoformat()}" if self.last else text

    def describe(self) -> str:
        """ "every Tuesday", "every other Mon and Thu", "every weekday", "every day"."""
        other = "every other " if self.interval == 2 else "every "
        if self.days == EVERY_DAY:
            return "every day" if self.interval == 1 else "every day, every other week"
        if self.days == WEEKDAYS:
            return other + "weekday" if self.interval == 1 else "every weekday, every other week"
        if self.days == WEEKEND:
            return other + "weekend"
        ordered = sorted(self.days)
        if len(ordered) == 1:
            return other + DAY_NAMES[ordered[0]]
        names = [SHORT_NAMES[d] for d in ordered]
        return other + ", ".join(names[:-1]) + " and " + names[-1]


def decode_rule(stored: str) -> Rule:
    parts = stored.split(":")
    if len(parts) not in (3, 4) or parts[0] != "weekly":
        raise ValueError(f"not a series rule: {stored!r}")
    interval = int(parts[1])
    days = frozenset(DAY_CODES.index(code) for code in parts[2].split(","))
    if interval not in (1, 2) or not days:
        raise ValueError(f"not a series rule: {stored!r}")
    last = date.fromisoformat(parts[3]) if len(parts) == 4 else None
    return Rule(days, interval, last)


@dataclass(frozen=True)
class TimeOfDay:
    """When on each date: an exact local time, or a part of the day."""

    precision: Precision  # EXACT or PART_OF_DAY
    at: time | None = None  # EXACT
    label: str | None = None  # PART_OF_DAY: morning / afternoon / evening

    @property
    def local_time(self) -> str | None:
        return self.at.strftime("%H:%M") if self.at is not None else None

    def start(self) -> time:
        if self.at is not None:
            return self.at
        assert self.label is not None
        return time(PARTS_OF_DAY[self.label][0])

    def describe(self) -> str:
        return self.at.strftime("%H:%M") if self.at is not None else (self.label or "")


def time_of_day(precision: str, local_time: str | None, label: str | None) -> TimeOfDay:
    """From the stored columns."""
    if Precision(precision) == Precision.EXACT and local_time:
        hours, minutes = local_time.split(":")
        return TimeOfDay(Precision.EXACT, at=time(int(hours), int(minutes)))
    return TimeOfDay(Precision.PART_OF_DAY, label=label or "morning")


@dataclass(frozen=True)
class SeriesText:
    description: str
    rule: Rule
    time: TimeOfDay


# --- reading ---------------------------------------------------------------------------


def looks_like_series(text: str) -> bool:
    """ "every Tuesday", "every other week", "each Mon", "every Funday" (to be told what to
    change) — but not "every now and then"."""
    return any(_SERIES_START_RE.match(text, m.end()) for m in _EVERY_RE.finditer(text))


def _day_of(word: str) -> int | None:
    return _DAY_WORDS.get(word.lower().rstrip("."))


_TOKEN_RE: Final = re.compile(r"[A-Za-z][A-Za-z.']*|\d+|[,&/+]")


def _read_days(after: str) -> tuple[Rule, int]:
    """Read what follows "every": the rule, and how many characters of `after` it used."""
    interval = 1
    days: set[int] = set()
    used = 0
    saw_week = False
    expecting_day = True
    position = 0
    tokens = list(_TOKEN_RE.finditer(after))
    index = 0

    def unknown(word: str) -> SeriesProblem:
        return SeriesProblem(
            f'I don\'t know the day "{word[:30]}". Please name days like Monday or Tue, '
            f'"weekday" or "day" — for example {EXAMPLE}.'
        )

    while index < len(tokens):
        token = tokens[index]
        # Only spaces may lie between the words of the phrase.
        if after[position : token.start()].strip():
            break
        word = token.group(0).lower()
        nxt = tokens[index + 1].group(0).lower() if index + 1 < len(tokens) else ""
        if not days and not saw_week and word in ("other", "second", "alternate", "2nd"):
            interval = 2
        elif not days and word == "fortnight":
            interval, saw_week = 2, True
        elif not days and word in ("two", "2") and nxt in ("weeks", "week"):
            interval, saw_week = 2, True
            index += 1
            token = tokens[index]
        elif not days and word in ("week", "weeks"):
            saw_week = True
        elif word == "on" and saw_week and not days:
            pass  # "every other week on Mon": the days follow
        elif word in ("day", "days", "daily") and not days and not saw_week:
            if interval == 2:
                raise SeriesProblem(
                    '"Every other day" is something I can\'t do yet. Could you name the days '
                    'instead, for example "every Mon, Wed and Fri 10:00"?'
                )
            days |= EVERY_DAY
            expecting_day = False
        elif word in ("weekday", "weekdays") and expecting_day:
            days |= WEEKDAYS
            expecting_day = False
        elif word in ("weekend", "weekends") and expecting_day:
            days |= WEEKEND
            expecting_day = False
        elif _day_of(word) is not None and expecting_day:
            days.add(_day_of(word) or 0)
            expecting_day = False
        elif word in ("and", ",", "&", "/", "+") and days and not expecting_day:
            # "Mon and Thu", but "every Tuesday and bring the forms" ends at "and".
            if nxt and (_day_of(nxt) is not None or nxt in ("weekend", "weekends")):
                expecting_day = True
            else:
                break
        elif expecting_day and (word.endswith("day") or word.endswith("days")) and not days:
            raise unknown(token.group(0))
        else:
            break
        used = token.end()
        position = token.end()
        index += 1
    if not days:
        if saw_week or interval == 2:
            raise SeriesProblem(
                "Which day of the week? For example "
                '"every other week on Monday 10:00" or "every other Tuesday 10:00".'
            )
        first = tokens[0].group(0) if tokens else ""
        raise unknown(first)
    return Rule(frozenset(days), interval), used


def _bare_hour(hour: int, context: str) -> int:
    # The same reading as a one-off need ("at 3" is 15:00): nobody books a 3 am lift.
    lowered = context.lower()
    if re.search(r"\b(?:afternoon|evening|tonight|night)\b", lowered) and 1 <= hour < 12:
        return hour + 12
    if 1 <= hour <= 7 and not re.search(r"\bmorning\b", lowered):
        return hour + 12
    return hour


def _clock(hours: str, minutes: str | None, half: str | None) -> time | None:
    hour, minute = int(hours), int(minutes or 0)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _read_time(text: str, after_days: int) -> tuple[TimeOfDay | None, tuple[int, int] | None]:
    """The time of day in the text, and where it was."""
    clock = _CLOCK_RE.search(text)
    if clock is not None:
        if clock.group(1) is not None:
            at = _clock(clock.group(1), clock.group(2), clock.group(3))
        else:
            at = _clock(clock.group(4), clock.group(5), None)
        if at is None:
            raise SeriesProblem(
                f'"{clock.group(0).strip()}" isn\'t a time I can read. Please write it like '
                '"10:00", "9:30" or "6pm".'
            )
        return TimeOfDay(Precision.EXACT, at=at), clock.span()
    noon = _NOON_RE.search(text)
    if noon is not None:
        return TimeOfDay(Precision.EXACT, at=time(12)), noon.span()
    hour = _AT_HOUR_RE.search(text)
    if hour is not None:
        value = int(hour.group(1))
        if value > 23:
            raise SeriesProblem(
                f'"{hour.group(0)}" isn\'t a time I can read. Please write it like "10:00".'
            )
        return TimeOfDay(Precision.EXACT, at=time(_bare_hour(value, text))), hour.span()
    # A bare hour right after the days: "every Tuesday 10".
    bare = re.match(r"\s+(\d{1,2})\b(?![:./\d])", text[after_days:])
    if bare is not None and int(bare.group(1)) <= 23:
        span = (after_days + bare.start(1), after_days + bare.end(1))
        return TimeOfDay(Precision.EXACT, at=time(_bare_hour(int(bare.group(1)), text))), span
    part = _PART_RE.search(text)
    if part is not None:
        word = part.group(1).lower()
        return TimeOfDay(Precision.PART_OF_DAY, label=_PART_ALIASES.get(word, word)), part.span()
    return None, None


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"^[\s,;:.\-–—]+", "", text)
    return _CONNECTORS_RE.sub("", text).strip()


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(_CONNECTORS_RE.sub("", text[position:start]) + " ")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def parse_series_text(text: str, tz: ZoneInfo, now: datetime) -> SeriesText | None:
    """None when the text is not a series; raises SeriesProblem when it is one that can't
    be made as written (nothing is stored then)."""
    original = text.strip()
    every = next(
        (m for m in _EVERY_RE.finditer(original) if _SERIES_START_RE.match(original, m.end())),
        None,
    )
    if every is None:
        return None
    until_match = _UNTIL_RE.search(original, every.end())
    last: date | None = None
    body = original
    if until_match is not None:
        body = original[: until_match.start()]
        last = _read_until(until_match.group(1), tz, now)
    rule, used = _read_days(body[every.end() :])
    days_end = every.end() + used
    when, time_span = _read_time(body, days_end)
    if when is None:
        raise SeriesProblem(
            "What time on each date? Please add a time, for example "
            f'{EXAMPLE} or "/need dinner every Friday evening".'
        )
    spans = [(every.start(), days_end)]
    if time_span is not None:
        spans.append(time_span)
    description = _tidy(_cut(body, spans))
    if not description:
        raise SeriesProblem(f"What is needed each time? For example {EXAMPLE}.")
    if last is not None:
        rule = Rule(rule.days, rule.interval, last)
        if first_date(rule, when, tz, now) is None:
            raise SeriesProblem(
                f"There's no {rule.describe().removeprefix('every ')} before that end date. "
                'Please choose a later end, for example "until 1 March".'
            )
    return SeriesText(description, rule, when)


def _read_until(phrase: str, tz: ZoneInfo, now: datetime) -> date:
    words = phrase.strip().rstrip(".")
    try:
        when = parse_when(words, tz, now)
    except WhenError as error:
        if "passed" in str(error):
            raise SeriesProblem(
                f'The end "{words[:40]}" has already passed. Please choose an end that is '
                'still to come, for example "until 1 March" — or leave it out and stop the '
                "series whenever you like."
            ) from error
        raise SeriesProblem(
            f'I couldn\'t read the end date "{words[:40]}". Please write it like '
            '"until 1 March" or "until 2027-03-01".'
        ) from error
    assert when.starts_at is not None
    return when.starts_at.astimezone(tz).date()


# --- dates -----------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def falls_on(rule: Rule, anchor: date, day: date) -> bool:
    """Whether the series (first date `anchor`) has a date on `day`."""
    if day < anchor or day.weekday() not in rule.days:
        return False
    if rule.last is not None and day > rule.last:
        return False
    weeks = (_monday(day) - _monday(anchor)).days // 7
    return weeks % rule.interval == 0


def dates_between(rule: Rule, anchor: date, first: date, last: date) -> list[date]:
    """The series' dates from `first` to `last`, both included."""
    found: list[date] = []
    day = max(first, anchor)
    while day <= last:
        if falls_on(rule, anchor, day):
            found.append(day)
        day += timedelta(days=1)
    return found


def next_date(rule: Rule, anchor: date, after: date) -> date | None:
    """The first date strictly after `after`; None once the series has ended."""
    day = max(after + timedelta(days=1), anchor)
    for _ in range(7 * rule.interval + 7):
        if rule.last is not None and day > rule.last:
            return None
        if falls_on(rule, anchor, day):
            return day
        day += timedelta(days=1)
    return None


def when_on(day: date, at: TimeOfDay, tz: ZoneInfo) -> When:
    """The need's time on one date, in local time whatever the UTC offset that day."""
    if at.precision == Precision.EXACT:
        assert at.at is not None
        return When(Precision.EXACT, starts_at=local_to_utc(datetime.combine(day, at.at), tz))
    assert at.label is not None
    return part_of_day_when(day, at.label, tz)


def start_of(day: date, at: TimeOfDay, tz: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, at.start()), tz)


def post_at(day: date, at: TimeOfDay, tz: ZoneInfo, days_ahead: int) -> datetime:
    """When a date's card goes up: the same local time, `days_ahead` days before."""
    return local_to_utc(datetime.combine(day - timedelta(days=days_ahead), at.start()), tz)


def first_date(rule: Rule, at: TimeOfDay, tz: ZoneInfo, now: datetime) -> date | None:
    """The first date still to come: today's if its time hasn't passed."""
    today = now.astimezone(tz).date()
    for offset in range(15):
        day = today + timedelta(days=offset)
        if rule.last is not None and day > rule.last:
            return None
        if day.weekday() in rule.days and start_of(day, at, tz) > now:
            return day
    return None
