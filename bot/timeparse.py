"""Find and interpret the time in a need ("ride to neurology tomorrow 14:00").

dateparser does the actual date understanding. This module decides which of
its matches to trust, turns them into ranges (a day, a part of the day) or
instants in the circle's time zone, and words the errors for tired people.

All local wall-clock times are made aware with zoneinfo here, never by
dateparser, so daylight-saving gaps and repeats are handled in one place
(:func:`local_to_utc`).
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser


class Precision(StrEnum):
    NONE = "none"  # no time given
    DAY = "day"  # a day without a time ("Friday")
    PART_OF_DAY = "part"  # morning 08-12, afternoon 12-17, evening 17-21 (local)
    EXACT = "exact"  # an instant ("tomorrow 14:00")


@dataclass(frozen=True)
class When:
    precision: Precision
    # Aware, UTC. DAY: local midnight; PART: start of range; EXACT: the instant.
    starts_at: datetime | None = None
    # Aware, UTC. DAY: next local midnight; PART: end of range; EXACT/NONE: None.
    ends_at: datetime | None = None
    label: str | None = None  # for PART: "morning" / "afternoon" / "evening"


NO_TIME: Final = When(Precision.NONE)


class WhenError(ValueError):
    """Raised with a kind, user-facing message in str(e).

    The message says what to change, with an example.
    """


class WhenInPast(WhenError):
    pass


class WhenUnclear(WhenError):
    pass


@dataclass(frozen=True)
class NeedText:
    description: str
    when: When
    time_phrase: str | None


PARTS_OF_DAY: Final[dict[str, tuple[int, int]]] = {
    "morning": (8, 12),
    "afternoon": (12, 17),
    "evening": (17, 21),
}
_PART_ALIASES: Final[dict[str, str]] = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "tonight": "evening",
    "night": "evening",
}

_WEEKDAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = tuple(calendar.month_abbr)[1:]

_EXAMPLE: Final = '"tomorrow 14:00", "Friday 6pm" or "next Tuesday morning"'

# Zones where 3/12 means 12 March. Everywhere else the family most likely
# writes day/month, which is also the order that keeps dateparser from reading
# a lone "the 5th" as May.
_MONTH_FIRST_ZONES: Final = frozenset(
    {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Anchorage",
        "America/Adak",
        "America/Boise",
        "America/Detroit",
        "America/Juneau",
        "America/Menominee",
        "America/Metlakatla",
        "America/Nome",
        "America/Sitka",
        "America/Yakutat",
        "Pacific/Honolulu",
    }
)
_MONTH_FIRST_PREFIXES: Final = (
    "US/",
    "America/Indiana/",
    "America/Kentucky/",
    "America/North_Dakota/",
)

_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_UNIT_WORD = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?)"
_DAY_WORD = (
    r"(?:today|tomorrow|tmrw|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|tues|weds|thu|thur|thurs|fri|sat|sun|wed)"
)
_PART_WORD_RE: Final = re.compile(r"\b(morning|afternoon|evening|tonight|night)\b", re.IGNORECASE)

# What follows a bare number that shows it is *not* a bare hour: minutes, am/pm,
# an ordinal, a date separator, a month or a duration unit.
_NOT_BARE_HOUR = (
    rf"(?!\d|[:.h]\d|[/-]\d|\s*[ap]\.?m\b|st\b|nd\b|rd\b|th\b|\s+{_MONTH_WORD}\b|\s*{_UNIT_WORD}\b)"
)
# "at 9", "at 9 o'clock", "at 3.30": dateparser ignores a bare hour (it keeps
# the current hour instead) and does not know the dotted British form.
_AT_HOUR_RE: Final = re.compile(
    rf"\b(at\s+)(\d{{1,2}})(?:\.(\d{{2}}))?(?:\s*o'?clock\b)?{_NOT_BARE_HOUR}", re.IGNORECASE
)
# "tomorrow 9", "Friday 3": the same bare hour right after a day word.
_DAY_HOUR_RE: Final = re.compile(
    rf"\b({_DAY_WORD}|morning|afternoon|evening|night)(\s+)(\d{{1,2}}){_NOT_BARE_HOUR}",
    re.IGNORECASE,
)

_CLOCK_RE: Final = re.compile(r"\b\d{1,2}(?::\d{2}\b|\s*[ap]\.?m\b)", re.IGNORECASE)
_NUMERIC_DATE_RE: Final = re.compile(
    r"\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?)",
)
_ORDINAL_RE: Final = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE)
_MONTH_RE: Final = re.compile(rf"\b{_MONTH_WORD}\b", re.IGNORECASE)
_WEEKDAY_RE: Final = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|urday)?\b", re.IGNORECASE
)
_YEAR_RE: Final = re.compile(r"\b\d{4}\b")

# Words that make a dateparser match believable on their own. Deliberately
# missing: "sat", "sun", "wed", "may", "march", "second", "now", "a"/"an" and
# bare numbers, which are everyday words in need texts ("sat with me",
# "may I", "a second pair of hands", "for an hour", "£10").
_STRONG_WORD_RE: Final = re.compile(
    r"\b(?:today|tonight|tomorrow|tmrw|yesterday|noon|midday|midnight|morning|afternoon|evening"
    r"|night|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|tues|weds|thu|thur|thurs|fri)\b",
    re.IGNORECASE,
)
# "Sat"/"Sun"/"Wed" written with a capital inside a sentence are weekdays.
_CAPITAL_WEEKDAY_RE: Final = re.compile(r"\b(?:Sat|Sun|Wed)\b")
_RELATIVE_RE: Final = re.compile(
    rf"\b(?:in|within)\s+(?:\w+\s+)?(?!seconds?\b){_UNIT_WORD}\b|\bfrom\s+now\b|\bago\b"
    r"|\b(?:next|this|coming)\s+(?:week|weekend|month|year)\b",
    re.IGNORECASE,
)
_DURATION_START_RE: Final = re.compile(rf"^(?:\w+\s+)?(?!seconds?\b){_UNIT_WORD}\b", re.IGNORECASE)

# Time-looking tokens that must not survive in the description: if one does,
# the user wrote a time we could not understand ("25:00", "31/02", "at 25").
_LEFTOVER_RES: Final = (
    _CLOCK_RE,
    _NUMERIC_DATE_RE,
    re.compile(r"\bat\s+\d{1,4}\b", re.IGNORECASE),
    re.compile(r"\b(?:on|for|by)\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE),
)

# Glue words between a request and its time ("dinner for Friday", "ride on
# Monday at 9") that would dangle once the time phrase is taken out.
_CONNECTORS = r"(?:on|at|for|by|from|around|about|this|next)"
_TRAILING_CONNECTOR_RE: Final = re.compile(rf"(?:[\s,;:\-–—]+|\b{_CONNECTORS}\b)+$", re.IGNORECASE)
_JOINABLE_GAP_RE: Final = re.compile(
    rf"^[\s,;:\-–—()]*(?:{_CONNECTORS}\b)?[\s,;:\-–—()]*$", re.IGNORECASE
)

# The person's words quoted back in an error are shortened: a reply must fit in one
# Telegram message (4096 characters), whatever was typed.
_QUOTE_AT_MOST: Final = 60


def _quote(words: str) -> str:
    return words if len(words) <= _QUOTE_AT_MOST else words[: _QUOTE_AT_MOST - 1].rstrip() + "…"


# Needs are for the coming weeks; anything this far off is a misreading
# ("at 1030" as the year 1030) or a typo in the year.
_MAX_AHEAD: Final = timedelta(days=400)


# --- time zone arithmetic ---------------------------------------------------------------


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """Aware UTC instant for a local wall-clock time.

    A wall time skipped by a spring-forward gap moves forward to the first
    valid instant (the moment the clocks jump); an ambiguous one in the
    autumn repeat takes the first occurrence (fold=0).
    """
    naive = naive.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap, fold=0 applies the offset from before the jump and fold=1 the one
    # after; the jump itself lies between the two readings.
    other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(first, other), max(first, other)
    after_offset = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _local_now(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).replace(tzinfo=None, microsecond=0)


def day_when(day: date, tz: ZoneInfo) -> When:
    """A DAY When for a local date: from local midnight to the next local midnight."""
    start = datetime.combine(day, time())
    return When(
        Precision.DAY,
        starts_at=local_to_utc(start, tz),
        ends_at=local_to_utc(start + timedelta(days=1), tz),
    )


def part_of_day_when(day: date, part: str, tz: ZoneInfo) -> When:
    """PART When for 'morning'/'afternoon'/'evening' (also 'tonight'/'night' = evening)."""
    label = _PART_ALIASES.get(part.strip().lower())
    if label is None:
        raise WhenUnclear(
            f'I don\'t know the part of the day "{_quote(part)}". '
            'Please choose "morning", "afternoon" or "evening".'
        )
    first_hour, last_hour = PARTS_OF_DAY[label]
    return When(
        Precision.PART_OF_DAY,
        starts_at=local_to_utc(datetime.combine(day, time(first_hour)), tz),
        ends_at=local_to_utc(datetime.combine(day, time(last_hour)), tz),
        label=label,
    )


def _exact_when(local: datetime, tz: ZoneInfo) -> When:
    return When(Precision.EXACT, starts_at=local_to_utc(local, tz))


def _next_part(label: str, tz: ZoneInfo, now: datetime) -> When:
    """The coming morning/afternoon/evening: today's unless it is already over."""
    today = _local_now(now, tz).date()
    when = part_of_day_when(today, label, tz)
    if when.ends_at is not None and when.ends_at <= now:
        when = part_of_day_when(today + timedelta(days=1), label, tz)
    return when


# --- input tidying before dateparser --------------------------------------------------


@dataclass(frozen=True)
class _Rewritten:
    """Text after small rewrites, with a map back to the user's characters."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _bare_hour_to_24(hour: int, context: str) -> int:
    """Read an hour written without am/pm.

    Family help happens in the day: "at 3" means 15:00, nobody books a 3 am
    lift. 1-7 are therefore afternoon/evening unless the text says morning;
    with "afternoon"/"evening"/"tonight" any hour below 12 is pm. 8-12 and
    0, 13-23 are taken as written (24-hour clock).
    """
    lowered = context.lower()
    if re.search(r"\b(?:afternoon|evening|tonight|night)\b", lowered) and 1 <= hour < 12:
        return hour + 12
    if 1 <= hour <= 7 and not re.search(r"\bmorning\b", lowered):
        return hour + 12
    return hour


def _rewrite(text: str) -> _Rewritten:
    """Spell bare hours as HH:MM so dateparser reads them ("at 9" -> "at 09:00")."""
    edits: list[tuple[int, int, str]] = []
    for match in _AT_HOUR_RE.finditer(text):
        hour, minutes = int(match.group(2)), match.group(3)
        if hour > 23 or (minutes is not None and int(minutes) > 59):
            continue  # left alone so it is reported as unclear
        replacement = f"{match.group(1)}{_bare_hour_to_24(hour, text):02d}:{minutes or '00'}"
        edits.append((match.start(), match.end(), replacement))
    for match in _DAY_HOUR_RE.finditer(text):
        hour = int(match.group(3))
        if hour > 23 or any(s < match.end() and match.start() < e for s, e, _ in edits):
            continue
        replacement = f"{match.group(1)}{match.group(2)}{_bare_hour_to_24(hour, text):02d}:00"
        edits.append((match.start(), match.end(), replacement))
    edits.sort()

    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for start, end, replacement in edits:
        pieces.append(text[position:start])
        starts.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        pieces.append(replacement)
        starts.extend([start] * len(replacement))
        ends.extend([end] * len(replacement))
        position = end
    pieces.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return _Rewritten("".join(pieces), tuple(starts), tuple(ends))


# --- dateparser ----------------------------------------------------------------------------


def _month_first(tz: ZoneInfo) -> bool:
    return tz.key in _MONTH_FIRST_ZONES or tz.key.startswith(_MONTH_FIRST_PREFIXES)


def _settings(base: datetime, *, month_first: bool, with_period: bool) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future",
        # dateparser reports period "day" instead of "time" when the time given
        # equals the base's time of day ("today 10:00" at 10:00:00); a base one
        # microsecond off never equals a time someone writes.
        "RELATIVE_BASE": base.replace(microsecond=1),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "MDY" if month_first else "DMY",
    }
    if with_period:
        settings["RETURN_TIME_AS_PERIOD"] = True
    return settings


def _is_believable(rewritten: _Rewritten, start: int, end: int, original: str) -> bool:
    """Whether a dateparser match really is a time and not an ordinary word.

    dateparser happily reads "sat", "may", "second", "March of", "an hour",
    "£10" or "now" as dates. A match is kept only when it contains an anchor:
    a day or part-of-day word, a clock time, a numeric date, an ordinal day,
    a number with a month name, a relative phrase ("in 2 days", "2 days from
    now", "next week"), or a capitalised "Sat"/"Sun"/"Wed" that does not
    start the text.
    """
    text = rewritten.text
    phrase = text[start:end]
    if (
        _STRONG_WORD_RE.search(phrase)
        or _CLOCK_RE.search(phrase)
        or _NUMERIC_DATE_RE.search(phrase)
        or _ORDINAL_RE.search(phrase)
        or _RELATIVE_RE.search(phrase)
        or (re.search(r"\d", phrase) and _MONTH_RE.search(phrase))
    ):
        return True
    if re.search(r"\bin\s+$", text[:start], re.IGNORECASE) and _DURATION_START_RE.search(phrase):
        return True
    original_start, original_end = rewritten.original_span(start, end)
    original_phrase = original[original_start:original_end]
    return original_start > 0 and bool(_CAPITAL_WEEKDAY_RE.search(original_phrase))


def _find_phrases(rewritten: _Rewritten, original: str, base: datetime) -> list[tuple[int, int]]:
    """Spans (in the rewritten text) of believable time phrases, in order."""
    # Imported on first use: loading every language's search data takes ~0.15 s, which
    # would otherwise be spent before the bot starts polling.
    from dateparser.search import search_dates

    found = search_dates(
        rewritten.text,
        languages=["en"],
        settings=_settings(base, month_first=False, with_period=False),
    )
    spans: list[tuple[int, int]] = []
    position = 0
    for phrase, _ in found or []:
        start = rewritten.text.find(phrase, position)
        if start < 0:
            start = rewritten.text.lower().find(phrase.lower(), position)
        if start < 0:
            continue
        end = start + len(phrase.rstrip())
        position = end
        if _is_believable(rewritten, start, end, original):
            spans.append((start, end))
    return spans


def _roll_day_of_month(found: datetime, base: datetime) -> datetime:
    """dateparser puts a bare "the 5th" in the current month even when that is
    past; the user means the next 5th."""
    candidate = found
    months_ahead = 0
    while candidate.date() < base.date() and months_ahead < 12:
        months_ahead += 1
        month_index = found.month - 1 + months_ahead
        year, month = found.year + month_index // 12, month_index % 12 + 1
        if found.day <= calendar.monthrange(year, month)[1]:
            candidate = found.replace(year=year, month=month)
    return candidate


def _unclear(phrase: str) -> WhenUnclear:
    return WhenUnclear(
        f'Sorry, I couldn\'t understand the time "{_quote(phrase)}". '
        f"Could you write it differently? For example {_EXAMPLE}."
    )


def _interpret(phrase: str, shown: str, tz: ZoneInfo, now: datetime) -> When:
    """Turn a time phrase (already rewritten) into a When; ``shown`` is the
    user's own wording, used in messages."""
    base = _local_now(now, tz)
    month_first = _month_first(tz) and bool(_NUMERIC_DATE_RE.search(phrase))
    parser = DateDataParser(
        languages=["en"], settings=_settings(base, month_first=month_first, with_period=True)
    )
    data = parser.get_date_data(phrase)
    found = data.date_obj.replace(microsecond=0) if data.date_obj is not None else None
    # The stubs miss "time" and "part_of_day", which RETURN_TIME_AS_PERIOD adds.
    period: str | None = data.period
    if found is None:
        raise _unclear(shown)
    if found.tzinfo is not None:
        # The user named a zone ("14:00 UTC"): that is an instant already.
        found = found.astimezone(tz).replace(tzinfo=None)

    if (
        _ORDINAL_RE.search(phrase)
        and not _MONTH_RE.search(phrase)
        and not _WEEKDAY_RE.search(phrase)
        and not _YEAR_RE.search(phrase)
    ):
        found = _roll_day_of_month(found, base)

    if found > base + _MAX_AHEAD or found.year < base.year - 1:
        raise WhenUnclear(
            f'Sorry, the date "{_quote(shown)}" doesn\'t look right to me. '
            'Could you check it? For example "3 December 18:30" or "2026-12-01 09:30".'
        )

    part_match = _PART_WORD_RE.search(phrase)
    clock = _CLOCK_RE.search(phrase)
    if period == "time":
        return _exact_when(found, tz)
    if period == "part_of_day" or (period == "day" and part_match and not clock):
        if part_match:
            label = _PART_ALIASES[part_match.group(1).lower()]
        else:
            label = "morning" if found.hour < 12 else "afternoon" if found.hour < 17 else "evening"
        return part_of_day_when(found.date(), label, tz)
    if period == "day":
        if clock:
            raise _unclear(clock.group(0))
        return day_when(found.date(), tz)
    raise WhenUnclear(
        f'"{_quote(shown)}" is a bit broad for me. Which day would suit? '
        'For example "next Tuesday", "Friday morning" or "3 December".'
    )


def _deadline(when: When) -> datetime | None:
    return when.ends_at if when.ends_at is not None else when.starts_at


def _ensure_not_past(when: When, now: datetime, shown: str, example: str) -> When:
    deadline = _deadline(when)
    if deadline is not None and deadline < now:
        raise WhenInPast(
            f'"{_quote(shown)}" has already passed. '
            f'Please choose a time that is still to come, for example "{example}".'
        )
    return when


# --- description tidying ------------------------------------------------------------------


def _tidy(before: str, after: str) -> str:
    """Join the text around a removed time phrase without dangling glue."""
    before = _TRAILING_CONNECTOR_RE.sub("", before)
    text = f"{before} {after.lstrip()}" if before else after
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]+(?=[.!?]|$)", "", text)
    text = re.sub(r"^[\s,;:.\-–—]+", "", text)
    return _TRAILING_CONNECTOR_RE.sub("", text.rstrip("( ")).strip()


def _original_text(rewritten: _Rewritten, original: str, span: tuple[int, int]) -> str:
    start, end = rewritten.original_span(*span)
    return original[start:end]


def _leftover_time(text: str) -> str | None:
    for pattern in _LEFTOVER_RES:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


# --- public API -------------------------------------------------------------------------------


def split_need_text(text: str, tz: ZoneInfo, now: datetime) -> NeedText:
    """Separate the request from its time phrase.

    Raises WhenInPast if the time (for PART/DAY: the end of the range) is
    before ``now``; WhenUnclear when a time-looking token is left that could
    not be understood, when two different times are given, or when the time
    is only a week/month ("next week").
    """
    original = text.strip()
    rewritten = _rewrite(original)
    base = _local_now(now, tz)
    spans = _find_phrases(rewritten, original, base)

    if len(spans) > 1:
        # "next Tuesday, at 14:00" may come back as two matches: join them when
        # only glue lies between, otherwise the user gave two times.
        for (_, end), (start, _) in itertools.pairwise(spans):
            if not _JOINABLE_GAP_RE.match(rewritten.text[end:start]):
                listed = " and ".join(
                    f'"{_quote(_original_text(rewritten, original, span))}"' for span in spans[:3]
                ) + (f" and {len(spans) - 3} more" if len(spans) > 3 else "")
                raise WhenUnclear(
                    f"I found more than one time ({listed}). Please give just one, "
                    'for example "lunch Friday 12:30".'
                )
        spans = [(spans[0][0], spans[-1][1])]

    if not spans:
        description = _tidy(original, "")
        leftover = _leftover_time(original)
        if leftover is not None:
            raise _unclear(leftover)
        # dateparser ignores "in the morning" without a day; it means the next one.
        part = re.search(r"\bin the (morning|afternoon|evening)\b", original, re.IGNORECASE)
        if part is None:
            return NeedText(description=description, when=NO_TIME, time_phrase=None)
        when = _next_part(part.group(1).lower(), tz, now)
        description = _tidy(original[: part.start()], original[part.end() :])
        return NeedText(description=description, when=when, time_phrase=part.group(0))

    start, end = spans[0]
    original_start, original_end = rewritten.original_span(start, end)
    shown = original[original_start:original_end]
    description = _tidy(original[:original_start], original[original_end:])
    leftover = _leftover_time(f"{original[:original_start]} {original[original_end:]}")
    if leftover is not None:
        raise _unclear(leftover)
    when = _interpret(rewritten.text[start:end], shown, tz, now)
    example = f"{_quote(description)} tomorrow 14:00" if description else "tomorrow 14:00"
    _ensure_not_past(when, now, shown, example)
    return NeedText(description=description, when=when, time_phrase=shown)


def parse_when(text: str, tz: ZoneInfo, now: datetime) -> When:
    """The whole text is a time expression ('tomorrow 9:00', 'in 30 minutes',
    'Fri 6pm', 'next Tuesday morning', '2026-12-01 09:30').

    Raises WhenUnclear if it is not one, WhenInPast if past.
    """
    shown = text.strip()
    if not shown:
        raise WhenUnclear(f"Please tell me when, for example {_EXAMPLE}.")
    bare_part = re.fullmatch(r"(?:in the\s+)?(morning|afternoon|evening)", shown, re.IGNORECASE)
    if bare_part is not None:
        return _next_part(bare_part.group(1).lower(), tz, now)
    when = _interpret(_rewrite(shown).text, shown, tz, now)
    return _ensure_not_past(when, now, shown, "tomorrow 14:00")


def parse_time_on_day(text: str, day: date, tz: ZoneInfo, now: datetime) -> When:
    """A time on an already chosen local day: '14:30', '2pm', '9', 'morning',
    'afternoon', 'evening', 'noon' ('midnight' is the end of that day).

    A bare hour follows the same rule as "at 9" in free text: 1-7 are pm.
    Raises WhenUnclear / WhenInPast.
    """
    shown = text.strip()
    lowered = shown.lower()
    example = 'Please write just the time, for example "14:30", "2pm" or "morning".'
    if lowered in _PART_ALIASES:
        when = part_of_day_when(day, lowered, tz)
    elif lowered in {"noon", "midday"}:
        when = _exact_when(datetime.combine(day, time(12)), tz)
    elif lowered == "midnight":
        when = _exact_when(datetime.combine(day + timedelta(days=1), time()), tz)
    else:
        bare = re.fullmatch(r"(?:at\s+)?(\d{1,2})", lowered)
        candidate = f"at {bare.group(1)}" if bare else shown
        rewritten = _rewrite(candidate).text
        if (
            _STRONG_WORD_RE.search(rewritten)
            or _WEEKDAY_RE.search(rewritten)
            or _MONTH_RE.search(rewritten)
            or _NUMERIC_DATE_RE.search(rewritten)
        ):
            raise WhenUnclear(f"The day is already chosen. {example}")
        base = datetime.combine(day, time())
        parser = DateDataParser(
            languages=["en"], settings=_settings(base, month_first=False, with_period=True)
        )
        data = parser.get_date_data(rewritten)
        if data.date_obj is None or data.period != "time":
            raise WhenUnclear(
                f'Sorry, I couldn\'t understand the time "{_quote(shown)}". {example}'
            )
        when = _exact_when(datetime.combine(day, data.date_obj.time()), tz)
    deadline = _deadline(when)
    if deadline is not None and deadline < now:
        raise WhenInPast(
            f'"{_quote(shown)}" on {format_when(day_when(day, tz), tz, now)} has already passed. '
            "Please choose a later time or another day."
        )
    return when


# --- formatting ---------------------------------------------------------------------------


def _local_start(when: When, tz: ZoneInfo) -> datetime:
    assert when.starts_at is not None
    return when.starts_at.astimezone(tz)


def _date_text(day: date, today: date) -> str:
    text = f"{_WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def format_when(when: When, tz: ZoneInfo, now: datetime) -> str:
    """'Tue 2 Dec, 14:00', 'Fri 27 Nov', 'Sat 28 Nov, morning', '' for NONE.

    The year is added only when it differs from the year of ``now`` in ``tz``.
    """
    if when.precision is Precision.NONE or when.starts_at is None:
        return ""
    local = _local_start(when, tz)
    text = _date_text(local.date(), now.astimezone(tz).date())
    if when.precision is Precision.EXACT:
        return f"{text}, {local:%H:%M}"
    if when.precision is Precision.PART_OF_DAY:
        return f"{text}, {when.label}"
    return text


def format_when_short(when: When, tz: ZoneInfo, now: datetime) -> str:
    """'today 14:00', 'tomorrow morning', 'Tue 14:00', 'Fri'.

    Within the coming week the weekday alone is clear; further away (or in
    the past beyond yesterday) the date is added: 'Tue 8 Dec 14:00'.
    """
    if when.precision is Precision.NONE or when.starts_at is None:
        return ""
    local = _local_start(when, tz)
    today = now.astimezone(tz).date()
    offset = (local.date() - today).days
    if offset == 0:
        day_text = "today"
    elif offset == 1:
        day_text = "tomorrow"
    elif offset == -1:
        day_text = "yesterday"
    elif 1 < offset < 7:
        day_text = _WEEKDAY_NAMES[local.weekday()]
    else:
        day_text = _date_text(local.date(), today)
    if when.precision is Precision.EXACT:
        return f"{day_text} {local:%H:%M}"
    if when.precision is Precision.PART_OF_DAY:
        return f"{day_text} {when.label}"
    return day_text
