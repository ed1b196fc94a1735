"""The care-team report: what the supported person's check-ins say over a few weeks.

The statistics are plain functions (tested without a database); `build_report` reads one
circle's rows in one session and returns a `Report` that the message, the chart and the
PDF are all drawn from. Only the supported person's own wellbeing check-ins count: a
carepartner's "holding up" check-ins are theirs alone and never read here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.people import display_name
from storage import people
from storage.db import SessionMaker
from storage.models import CheckIn, CheckInKind, Circle, Observation, Question

DEFAULT_WEEKS = 4
MAX_WEEKS = 52
# The fitted trend must move by at least this many points over the period to count as
# "better" or "worse": the scores are whole numbers, so smaller drifts are noise.
TREND_THRESHOLD = 0.5
# Fewer answers than this give no trend: two points always make a perfect line.
MIN_ANSWERS_FOR_TREND = 3


class Score(StrEnum):
    PHYSICAL = "physical"
    MOOD = "mood"
    ENERGY = "energy"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Score.PHYSICAL: "Physical wellbeing", Score.MOOD: "Mood", Score.ENERGY: "Energy"}


class Trend(StrEnum):
    BETTER = "better"
    STABLE = "stable"
    WORSE = "worse"
    TOO_FEW = "too_few"  # not enough check-ins for a trend


# ---------------------------------------------------------------- pure statistics


def average(values: Sequence[int]) -> float | None:
    """The mean to one decimal, halves rounded up (3.25 → 3.3), as a person would."""
    if not values:
        return None
    exact = Decimal(sum(values)) / Decimal(len(values))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def slope(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of y against x; None without two distinct x values."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread <= 1e-12:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def fitted_line(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(intercept, slope) of the least-squares line, or None when there is none."""
    b = slope(points)
    if b is None:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    return mean_y - b * mean_x, b


def trend(points: Sequence[tuple[float, float]], period_days: float) -> tuple[Trend, float | None]:
    """Better, stable or worse from the fitted slope (points: days into the period, score),
    with the fitted change over the whole period in points."""
    if len(points) < MIN_ANSWERS_FOR_TREND:
        return Trend.TOO_FEW, None
    b = slope(points)
    if b is None:  # every answer at the same moment: no direction to speak of
        return Trend.TOO_FEW, None
    change = b * period_days
    # A hair of tolerance: exactly half a point must not fall short by a rounding error.
    if change >= TREND_THRESHOLD - 1e-9:
        return Trend.BETTER, change
    if change <= -TREND_THRESHOLD + 1e-9:
        return Trend.WORSE, change
    return Trend.STABLE, change


def shown_change(change: float) -> float:
    """The fitted change to one decimal, cut towards zero so the figure shown never
    contradicts the word: a "stable" +0.47 shows as +0.4, a "better" +0.50 as +0.5."""
    size = Decimal(abs(change) + 1e-9).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return float(size) if change >= 0 else -float(size)


class WeeksProblem(StrEnum):
    UNREADABLE = "unreadable"
    OUT_OF_RANGE = "out_of_range"


_WEEKS = re.compile(r"^(\d{1,4})\s*(w|wk|wks|week|weeks)?$", re.IGNORECASE)


def parse_weeks(words: str) -> int | WeeksProblem:
    """Nothing → the default; "8", "8 weeks", "8w" → 8; anything else is a problem."""
    text = words.strip()
    if not text:
        return DEFAULT_WEEKS
    match = _WEEKS.match(text)
    if match is None:
        return WeeksProblem.UNREADABLE
    weeks = int(match.group(1))
    if not 1 <= weeks <= MAX_WEEKS:
        return WeeksProblem.OUT_OF_RANGE
    return weeks


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ScorePoint:
    when: datetime  # local time in the circle's zone
    value: int


@dataclass(frozen=True)
class ScoreSummary:
    score: Score
    points: tuple[ScorePoint, ...]
    average: float | None
    trend: Trend
    change: float | None  # the fitted change over the period, in points
    # (intercept, slope per day) against `day_position`, for drawing the trend.
    line: tuple[float, float] | None

    @property
    def answers(self) -> int:
        return len(self.points)

    @property
    def label(self) -> str:
        return self.score.label


@dataclass(frozen=True)
class Entry:
    """One check-in as the report lists it."""

    when: datetime  # local
    physical: int | None
    mood: int | None
    energy: int | None
    note: str | None
    voice_seconds: int | None
    has_voice: bool

    def value(self, score: Score) -> int | None:
        match score:
            case Score.PHYSICAL:
                return self.physical
            case Score.MOOD:
                return self.mood
            case Score.ENERGY:
                return self.energy

    @property
    def scored(self) -> bool:
        return any(self.value(score) is not None for score in Score)


@dataclass(frozen=True)
class Note:
    day: date
    text: str


@dataclass(frozen=True)
class VoiceNote:
    day: date
    seconds: int | None


@dataclass(frozen=True)
class OpenQuestion:
    asked_on: date
    text: str


@dataclass(frozen=True)
class HelperObservation:
    day: date
    helper: str
    text: str


@dataclass(frozen=True)
class Report:
    name: str  # the supported person, as the bot calls them
    timezone: str
    weeks: int
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive (the day the report was made)
    made_at: datetime  # local
    entries: tuple[Entry, ...]
    scores: tuple[ScoreSummary, ...]  # physical, mood, energy
    notes: tuple[Note, ...]
    voice_notes: tuple[VoiceNote, ...]
    questions: tuple[OpenQuestion, ...]
    observations: tuple[HelperObservation, ...]

    @property
    def checkins(self) -> int:
        """Check-ins with at least one score (an abandoned one keeps its answers)."""
        return sum(1 for entry in self.entries if entry.scored)

    @property
    def days_checked_in(self) -> int:
        return len({entry.when.date() for entry in self.entries if entry.scored})

    @property
    def empty(self) -> bool:
        return self.checkins == 0 and not self.notes and not self.voice_notes

    @property
    def period_days(self) -> int:
        return self.weeks * 7


def period_bounds(now: datetime, zone: ZoneInfo, weeks: int) -> tuple[date, date, datetime]:
    """The last `weeks` weeks as whole local days, today included: (first day, last day,
    the local midnight that starts the first day)."""
    last_day = now.astimezone(zone).date()
    first_day = last_day - timedelta(days=weeks * 7 - 1)
    return first_day, last_day, datetime.combine(first_day, time(), tzinfo=zone)


def day_position(when: datetime, first_day: date) -> float:
    """Days into the period by the local calendar and clock (a DST change does not shift
    a check-in): 0.5 is noon on the first day."""
    clock = when.hour * 3600 + when.minute * 60 + when.second
    return (when.date() - first_day).days + clock / 86400


def summarise(
    entries: Sequence[Entry], first_day: date, period_days: int
) -> tuple[ScoreSummary, ...]:
    """Entries' `when` are local times in the circle's zone."""
    summaries: list[ScoreSummary] = []
    for score in Score:
        points = tuple(
            ScorePoint(entry.when, value)
            for entry in entries
            if (value := entry.value(score)) is not None
        )
        xy = [(day_position(p.when, first_day), float(p.value)) for p in points]
        direction, change = trend(xy, period_days)
        summaries.append(
            ScoreSummary(
                score=score,
                points=points,
                average=average([p.value for p in points]),
                trend=direction,
                change=change,
                line=fitted_line(xy) if direction != Trend.TOO_FEW else None,
            )
        )
    return tuple(summaries)


def _valid(value: int | None) -> int | None:
    return value if value is not None and 1 <= value <= 5 else None


async def build_report(sm: SessionMaker, circle_id: int, weeks: int, now: datetime) -> Report:
    """Everything the report shows, read in one session. `now` is an aware instant."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            raise LookupError(f"no circle {circle_id}")
        zone = ZoneInfo(circle.timezone)
        first_day, last_day, start = period_bounds(now, zone, weeks)
        person = await people.get_person(session, circle.patient_id)
        checkins = (
            await session.exec(
                select(CheckIn)
                .where(
                    col(CheckIn.circle_id) == circle_id,
                    col(CheckIn.user_id) == circle.patient_id,
                    col(CheckIn.kind) == CheckInKind.WELLBEING,
                    col(CheckIn.started_at) >= start,
                    col(CheckIn.started_at) <= now,
                )
                .order_by(col(CheckIn.started_at), col(CheckIn.id))
            )
        ).all()
        questions = (
            await session.exec(
                select(Question)
                .where(col(Question.circle_id) == circle_id, col(Question.answered_at).is_(None))
                .order_by(col(Question.created_at), col(Question.id))
            )
        ).all()
        observations = (
            await session.exec(
                select(Observation)
                .where(
                    col(Observation.circle_id) == circle_id,
                    col(Observation.in_report).is_(True),
                    col(Observation.created_at) >= start,
                    col(Observation.created_at) <= now,
                )
                .order_by(col(Observation.created_at), col(Observation.id))
            )
        ).all()
        helpers = await people.people_by_id(session, {o.helper_id for o in observations})

    every = (
        Entry(
            when=row.started_at.astimezone(zone),
            physical=_valid(row.physical),
            mood=_valid(row.mood),
            energy=_valid(row.energy),
            note=(row.note or "").strip() or None,
            voice_seconds=row.voice_seconds,
            has_voice=row.voice_file_id is not None,
        )
        for row in checkins
    )
    # A check-in left before its first answer says nothing: it is not listed anywhere.
    entries = tuple(e for e in every if e.scored or e.note or e.has_voice)
    return Report(
        name=display_name(person),
        timezone=circle.timezone,
        weeks=weeks,
        first_day=first_day,
        last_day=last_day,
        made_at=now.astimezone(zone),
        entries=entries,
        scores=summarise(entries, first_day, weeks * 7),
        notes=tuple(Note(e.when.date(), e.note) for e in entries if e.note),
        voice_notes=tuple(
            VoiceNote(e.when.date(), e.voice_seconds) for e in entries if e.has_voice
        ),
        questions=tuple(
            OpenQuestion(q.created_at.astimezone(zone).date(), q.text.strip())
            for q in questions
            if q.text.strip()
        ),
        observations=tuple(
            HelperObservation(
                o.created_at.astimezone(zone).date(),
                display_name(helpers.get(o.helper_id)) if o.helper_id in helpers else "A helper",
                (o.text or "").strip(),
            )
            for o in observations
            if (o.text or "").strip()
        ),
    )


async def supported_circle(sm: SessionMaker, user_id: int) -> int | None:
    """The circle this person is the supported person of (the first one if several)."""
    async with sm() as session:
        row = (
            await session.exec(
                select(Circle.id)
                .where(col(Circle.patient_id) == user_id)
                .order_by(col(Circle.id))
                .limit(1)
            )
        ).first()
        return row
