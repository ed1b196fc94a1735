"""Check-ins: the supported person's "how are you today?" and a carepartner's own "how are
you holding up?".

A check-in is saved answer by answer, so an abandoned one keeps what was answered. A person
has at most one open check-in of a kind; one left unfinished for OPEN_FOR is abandoned and
the next starts afresh. Everything stays private to the person who answered, except one
line for the group that the supported person sends with their own tap.

Every change of state is one conditional UPDATE (`… WHERE mood IS NULL`), so a double tap or
a stale button can never answer a question twice or touch a newer check-in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from statistics import mean
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, update
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services import drafts, planning
from bot.services.planning import WEEKDAYS, CheckInSchedule, Planned, parse_clock_time
from bot.timeparse import local_to_utc
from storage import needs as need_store
from storage import people
from storage import scheduled as store
from storage.db import SessionMaker
from storage.models import (
    CheckIn,
    CheckInKind,
    Circle,
    CircleStatus,
    Membership,
    MessageKind,
    MessageState,
    ScheduledMessage,
)

# Long enough for an evening check-in finished after a nap; short enough that the next
# day's starts afresh.
OPEN_FOR = timedelta(hours=12)
# A line about "today" posted the day after would mislead the group.
SHARE_WITHIN = timedelta(hours=24)
MAX_NOTE = 4000  # the column's size
MAX_LINE = 200
DEFAULT_PAUSE_DAYS = 7
MAX_PAUSE_DAYS = 12 * 7
# shared_status while the person is writing their own line for the group. The table has no
# column for this step; an empty line can never be a shared status, so it cannot mislead.
WRITING_LINE = ""

# Typed as the columns are, so an instant is stored in the same form as everywhere else.
_COLUMNS = sqlalchemy_inspect(CheckIn).columns

KIND_OF_MESSAGE = {
    MessageKind.CHECK_IN: CheckInKind.WELLBEING,
    MessageKind.HOLDING_UP: CheckInKind.HOLDING_UP,
}


class Step(StrEnum):
    """Where a check-in is: the three scores (asked in this order), the note, done."""

    PHYSICAL = "physical"
    MOOD = "mood"
    ENERGY = "energy"
    NOTE = "note"
    DONE = "done"


SCORES = (Step.PHYSICAL, Step.MOOD, Step.ENERGY)


@dataclass(frozen=True)
class CheckInView:
    id: int
    circle_id: int
    user_id: int
    kind: CheckInKind
    name: str  # the person who answers, as the bot calls them
    started_at: datetime
    finished_at: datetime | None
    physical: int | None
    mood: int | None
    energy: int | None
    note: str | None
    voice_seconds: int | None
    has_voice: bool
    shared_status: str | None
    # A complete earlier check-in exists: "Same as last time" can answer all three scores.
    can_copy_last: bool = False

    def score(self, step: Step) -> int | None:
        match step:
            case Step.PHYSICAL:
                return self.physical
            case Step.MOOD:
                return self.mood
            case Step.ENERGY:
                return self.energy
        return None

    @property
    def step(self) -> Step:
        if self.finished_at is not None:
            return Step.DONE
        for step in SCORES:
            if self.score(step) is None:
                return step
        return Step.NOTE

    @property
    def answered(self) -> bool:
        return any(self.score(step) is not None for step in SCORES)

    @property
    def shared(self) -> bool:
        return bool(self.shared_status)


def _is_open(row: CheckIn, now: datetime) -> bool:
    return row.finished_at is None and row.started_at > now - OPEN_FOR


def _open_filter(user_id: int, kind: CheckInKind, now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(CheckIn.user_id) == user_id,
        col(CheckIn.kind) == kind,
        col(CheckIn.finished_at).is_(None),
        col(CheckIn.started_at) > now - OPEN_FOR,
    ]


def _unanswered() -> list[ColumnElement[bool]]:
    return [
        col(CheckIn.physical).is_(None),
        col(CheckIn.mood).is_(None),
        col(CheckIn.energy).is_(None),
        col(CheckIn.note).is_(None),
        col(CheckIn.voice_file_id).is_(None),
    ]


async def _last_complete(
    session: AsyncSession, user_id: int, kind: CheckInKind, before_id: int
) -> CheckIn | None:
    rows = await session.exec(
        select(CheckIn)
        .where(
            col(CheckIn.user_id) == user_id,
            col(CheckIn.kind) == kind,
            col(CheckIn.id) != before_id,
            col(CheckIn.physical).is_not(None),
            col(CheckIn.mood).is_not(None),
            col(CheckIn.energy).is_not(None),
        )
        .order_by(col(CheckIn.started_at).desc(), col(CheckIn.id).desc())
        .limit(1)
    )
    return rows.first()


async def _view(session: AsyncSession, row: CheckIn) -> CheckInView:
    assert row.id is not None
    person = await people.get_person(session, row.user_id)
    can_copy = row.physical is None and (
        await _last_complete(session, row.user_id, CheckInKind(row.kind), row.id) is not None
    )
    return CheckInView(
        id=row.id,
        circle_id=row.circle_id,
        user_id=row.user_id,
        kind=CheckInKind(row.kind),
        name=display_name(person),
        started_at=row.started_at,
        finished_at=row.finished_at,
        physical=row.physical,
        mood=row.mood,
        energy=row.energy,
        note=row.note,
        voice_seconds=row.voice_seconds,
        has_voice=row.voice_file_id is not None,
        shared_status=row.shared_status,
        can_copy_last=can_copy,
    )


async def _reload(session: AsyncSession, check_in_id: int) -> CheckIn | None:
    rows = await session.exec(
        select(CheckIn)
        .where(col(CheckIn.id) == check_in_id)
        .execution_options(populate_existing=True)
    )
    return rows.first()


# --- starting one ------------------------------------------------------------------------


@dataclass(frozen=True)
class Begun:
    check_in: CheckInView
    resumed: bool  # the person's open check-in, shown again rather than a second one


async def begin(
    sm: SessionMaker, circle_id: int, user_id: int, kind: CheckInKind, now: datetime
) -> Begun | None:
    """The person's open check-in of this kind, or a new one; None if they are not in the
    circle."""
    async with sm() as session:
        # Two starts at once (a tap and the schedule) queue on the person's membership row
        # on PostgreSQL; SQLite has one writer anyway. The insert below re-checks either way.
        membership = await session.exec(
            select(Membership)
            .where(col(Membership.circle_id) == circle_id, col(Membership.user_id) == user_id)
            .with_for_update()
        )
        if membership.first() is None:
            return None
        found = await _open_one(session, user_id, kind, now)
        if found is None:
            # An abandoned check-in keeps its answers; one never answered at all is noise.
            await session.execute(
                delete(CheckIn).where(
                    col(CheckIn.user_id) == user_id,
                    col(CheckIn.kind) == kind,
                    col(CheckIn.finished_at).is_(None),
                    col(CheckIn.started_at) <= now - OPEN_FOR,
                    *_unanswered(),
                )
            )
            created = await session.execute(
                insert(CheckIn)
                .from_select(
                    ["circle_id", "user_id", "kind", "started_at"],
                    select(
                        *(
                            literal(value, _COLUMNS[name].type)
                            for name, value in (
                                ("circle_id", circle_id),
                                ("user_id", user_id),
                                ("kind", kind.value),
                                ("started_at", now),
                            )
                        )
                    ).where(~exists().where(*_open_filter(user_id, kind, now))),
                )
                .returning(col(CheckIn.id))
            )
            new_id = created.scalar_one_or_none()
            await session.commit()
            row = await _reload(session, new_id) if new_id is not None else None
            if row is not None:
                return Begun(await _view(session, row), resumed=False)
            found = await _open_one(session, user_id, kind, now)
            if found is None:
                return None
        view = await _view(session, found)
        await session.commit()
        return Begun(view, resumed=True)


async def _open_one(
    session: AsyncSession, user_id: int, kind: CheckInKind, now: datetime
) -> CheckIn | None:
    rows = await session.exec(
        select(CheckIn)
        .where(*_open_filter(user_id, kind, now))
        .order_by(col(CheckIn.started_at).desc(), col(CheckIn.id).desc())
        .execution_options(populate_existing=True)
        .limit(1)
    )
    return rows.first()


async def begin_scheduled(sm: SessionMaker, row: ScheduledMessage, now: datetime) -> Begun | None:
    """The check-in a scheduled prompt asks, or None when it should not be asked now:
    switched off, paused, the circle dormant, or the person checked in today already."""
    kind = KIND_OF_MESSAGE.get(MessageKind(row.kind))
    if kind is None or row.circle_id is None or row.recipient_id is None:
        return None
    async with sm() as session:
        circle = await session.get(Circle, row.circle_id)
        if circle is None or circle.status != CircleStatus.ACTIVE:
            return None
        if kind == CheckInKind.WELLBEING:
            if (
                circle.patient_id != row.recipient_id
                or circle.checkin_schedule is None
                or _paused(circle, now)
            ):
                return None
        else:
            membership = await people.membership(session, circle.id or 0, row.recipient_id)
            if membership is None or membership.holding_up_schedule is None:
                return None
        tz = ZoneInfo(circle.timezone)
        day_start = local_to_utc(datetime.combine(now.astimezone(tz).date(), time()), tz)
        done_today = await session.exec(
            select(func.count())
            .select_from(CheckIn)
            .where(
                col(CheckIn.user_id) == row.recipient_id,
                col(CheckIn.kind) == kind,
                col(CheckIn.finished_at) >= day_start,
            )
        )
        if done_today.one():
            return None
    return await begin(sm, row.circle_id, row.recipient_id, kind, now)


async def discard_unasked(sm: SessionMaker, check_in_id: int) -> None:
    """A check-in whose prompt never reached the person leaves nothing behind."""
    async with sm() as session:
        await session.execute(
            delete(CheckIn).where(
                col(CheckIn.id) == check_in_id,
                col(CheckIn.finished_at).is_(None),
                *_unanswered(),
            )
        )
        await session.commit()


# --- answering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    step: Step
    value: int


@dataclass(frozen=True)
class SameAsLastTime:
    pass


@dataclass(frozen=True)
class SkipNote:
    pass


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class VoiceNote:
    file_id: str
    seconds: int


Given = Score | SameAsLastTime | SkipNote | Note | VoiceNote


class Outcome(StrEnum):
    SAVED = "saved"
    ALREADY = "already"  # that question was answered already; the check-in has moved on
    FINISHED = "finished"  # the check-in is done
    ABANDONED = "abandoned"  # left unfinished too long; its answers are kept
    GONE = "gone"  # no such check-in
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    check_in: CheckInView | None = None


def _note_values(given: Given, now: datetime) -> dict[str, object] | None:
    match given:
        case SkipNote():
            return {"finished_at": now}
        case Note(text=text):
            return {"note": text.strip()[:MAX_NOTE], "finished_at": now}
        case VoiceNote(file_id=file_id, seconds=seconds):
            return {"voice_file_id": file_id, "voice_seconds": max(seconds, 0), "finished_at": now}
    return None


async def _change_for(
    session: AsyncSession, row: CheckIn, given: Given, now: datetime
) -> tuple[dict[str, object], list[ColumnElement[bool]]] | None:
    """The new values and the state the check-in must still be in for them to apply."""
    physical, mood, energy = col(CheckIn.physical), col(CheckIn.mood), col(CheckIn.energy)
    match given:
        case Score(step=Step.PHYSICAL, value=value):
            return {"physical": value}, [physical.is_(None)]
        case Score(step=Step.MOOD, value=value):
            return {"mood": value}, [physical.is_not(None), mood.is_(None)]
        case Score(step=Step.ENERGY, value=value):
            return {"energy": value}, [mood.is_not(None), energy.is_(None)]
        case SameAsLastTime():
            assert row.id is not None
            last = await _last_complete(session, row.user_id, CheckInKind(row.kind), row.id)
            if last is None:
                return None
            values: dict[str, object] = {
                "physical": last.physical,
                "mood": last.mood,
                "energy": last.energy,
            }
            return values, [physical.is_(None), mood.is_(None), energy.is_(None)]
    note = _note_values(given, now)
    if note is None:
        return None
    return note, [physical.is_not(None), mood.is_not(None), energy.is_not(None)]


async def answer(
    sm: SessionMaker, user_id: int, check_in_id: int, given: Given, now: datetime
) -> Answered:
    if isinstance(given, Score) and not (given.step in SCORES and 1 <= given.value <= 5):
        return Answered(Outcome.GONE)
    async with sm() as session:
        row = await session.get(CheckIn, check_in_id)
        if row is None:
            return Answered(Outcome.GONE)
        if row.user_id != user_id:
            return Answered(Outcome.NOT_YOURS)
        if row.finished_at is not None:
            return Answered(Outcome.FINISHED, await _view(session, row))
        if not _is_open(row, now):
            return Answered(Outcome.ABANDONED, await _view(session, row))
        change = await _change_for(session, row, given, now)
        saved = False
        if change is not None:
            values, still = change
            result = await session.execute(
                update(CheckIn)
                .where(
                    col(CheckIn.id) == check_in_id,
                    col(CheckIn.finished_at).is_(None),
                    col(CheckIn.started_at) > now - OPEN_FOR,
                    *still,
                )
                .values(**values)
            )
            saved = bool(result.rowcount)  # type: ignore[attr-defined]
            await session.commit()
        current = await _reload(session, check_in_id)
        if current is None:
            return Answered(Outcome.GONE)
        return Answered(Outcome.SAVED if saved else Outcome.ALREADY, await _view(session, current))


async def waiting_for_words(sm: SessionMaker, user_id: int, now: datetime) -> CheckInView | None:
    """The check-in that the person's next typed message (or voice message) belongs to:
    their newest one, if it waits for its note or for the line they are writing for the
    group. Only the newest: starting another check-in ends waiting on an older one."""
    async with sm() as session:
        rows = await session.exec(
            select(CheckIn)
            .where(col(CheckIn.user_id) == user_id)
            .order_by(col(CheckIn.started_at).desc(), col(CheckIn.id).desc())
            .limit(1)
        )
        row = rows.first()
        if row is None:
            return None
        if _is_open(row, now) and row.energy is not None:
            return await _view(session, row)
        if row.shared_status == WRITING_LINE and _may_share(row, now):
            return await _view(session, row)
        return None


async def need_flow_waiting_since(sm: SessionMaker, chat_id: int, user_id: int) -> datetime | None:
    """When the person's /need flow in this chat began, if it waits for typed words: words
    typed after a newer /need belong to it, not to an older check-in."""
    async with sm() as session:
        draft = await need_store.get_draft(session, chat_id, user_id)
    if draft is None or draft.step not in drafts.TEXT_STEPS:
        return None
    return draft.created_at


# --- sharing one line with the group -------------------------------------------------------


class Line(StrEnum):
    """Ready-made lines for the group: how the day is, never a score or a detail."""

    GOOD = "g"
    OKAY = "o"
    TIRING = "t"
    HARD = "h"
    PLAIN = "p"


LINE_TEXT = {
    Line.GOOD: "{name} checked in: a good day 🌤",
    Line.OKAY: "{name} checked in: an okay day",
    Line.TIRING: "{name} checked in: a tiring day",
    Line.HARD: "{name} checked in: a hard day — a call would be welcome 💛",
    Line.PLAIN: "{name} checked in today 💛",
}
OWN_LINE = "{name} checked in: {line}"


def lines_for(view: CheckInView) -> tuple[Line, ...]:
    """The lines that fit the scores, the likeliest first; "checked in" fits every day."""
    scores = [s for s in (view.physical, view.mood, view.energy) if s is not None]
    if not scores:
        return (Line.PLAIN,)
    average = mean(scores)
    if average < 2 or min(scores) == 1:
        return (Line.HARD, Line.TIRING, Line.PLAIN)
    if average < 3 or (view.energy is not None and view.energy <= 2):
        return (Line.TIRING, Line.OKAY, Line.PLAIN)
    if average < 4:
        return (Line.OKAY, Line.GOOD, Line.PLAIN)
    return (Line.GOOD, Line.OKAY, Line.PLAIN)


def line_text(line: Line, name: str) -> str:
    return LINE_TEXT[line].format(name=name)


def own_line_text(line: str, name: str) -> str:
    return OWN_LINE.format(name=name, line=line)


class LineProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_line(text: str) -> str | LineProblem:
    line = " ".join(text.split())
    if not line:
        return LineProblem.EMPTY
    return LineProblem.TOO_LONG if len(line) > MAX_LINE else line


class ShareOutcome(StrEnum):
    READY = "ready"  # may be shared (or was just marked as shared)
    ALREADY = "already"  # a line went to the group already
    TOO_LATE = "too_late"
    NOT_FINISHED = "not_finished"
    NOT_SHARED_KIND = "not_shared_kind"  # a carepartner's own check-in is never shared
    NO_GROUP = "no_group"  # the circle is dormant
    GONE = "gone"
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class Sharing:
    outcome: ShareOutcome
    check_in: CheckInView | None = None
    chat_id: int = 0
    group_title: str = ""


def _may_share(row: CheckIn, now: datetime) -> bool:
    return row.finished_at is not None and row.finished_at > now - SHARE_WITHIN


async def _sharing(session: AsyncSession, user_id: int, check_in_id: int, now: datetime) -> Sharing:
    row = await session.get(CheckIn, check_in_id)
    if row is None:
        return Sharing(ShareOutcome.GONE)
    if row.user_id != user_id:
        return Sharing(ShareOutcome.NOT_YOURS)
    view = await _view(session, row)
    if row.kind != CheckInKind.WELLBEING:
        return Sharing(ShareOutcome.NOT_SHARED_KIND, view)
    circle = await session.get(Circle, row.circle_id)
    if circle is None:
        return Sharing(ShareOutcome.GONE)
    if row.finished_at is None:
        outcome = ShareOutcome.NOT_FINISHED
    elif view.shared:
        outcome = ShareOutcome.ALREADY
    elif not _may_share(row, now):
        outcome = ShareOutcome.TOO_LATE
    elif circle.status != CircleStatus.ACTIVE:
        outcome = ShareOutcome.NO_GROUP
    else:
        outcome = ShareOutcome.READY
    return Sharing(outcome, view, circle.chat_id, circle.title)


async def may_share(sm: SessionMaker, user_id: int, check_in_id: int, now: datetime) -> Sharing:
    async with sm() as session:
        sharing = await _sharing(session, user_id, check_in_id, now)
        return sharing


def _not_shared_yet() -> ColumnElement[bool]:
    status = col(CheckIn.shared_status)
    return status.is_(None) | (status == WRITING_LINE)


async def write_own_line(
    sm: SessionMaker, user_id: int, check_in_id: int, now: datetime
) -> Sharing:
    """The person will type their own line: their next message is taken as it."""
    async with sm() as session:
        sharing = await _sharing(session, user_id, check_in_id, now)
        if sharing.outcome == ShareOutcome.READY:
            await session.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == check_in_id, _not_shared_yet())
                .values(shared_status=WRITING_LINE)
            )
            await session.commit()
        return sharing


async def mark_shared(
    sm: SessionMaker, user_id: int, check_in_id: int, text: str, now: datetime
) -> Sharing:
    """Take the one chance to share: READY only for the first of several taps."""
    async with sm() as session:
        sharing = await _sharing(session, user_id, check_in_id, now)
        if sharing.outcome != ShareOutcome.READY:
            return sharing
        result = await session.execute(
            update(CheckIn)
            .where(col(CheckIn.id) == check_in_id, _not_shared_yet())
            .values(shared_status=text[:MAX_LINE])
        )
        await session.commit()
        if not result.rowcount:  # type: ignore[attr-defined]
            return Sharing(ShareOutcome.ALREADY, sharing.check_in, sharing.chat_id)  # a double tap
        return sharing


async def unmark_shared(sm: SessionMaker, check_in_id: int, text: str) -> None:
    """The group could not be reached: the person may try again."""
    async with sm() as session:
        await session.execute(
            update(CheckIn)
            .where(col(CheckIn.id) == check_in_id, col(CheckIn.shared_status) == text[:MAX_LINE])
            .values(shared_status=None)
        )
        await session.commit()


async def keep_private(sm: SessionMaker, user_id: int, check_in_id: int) -> CheckInView | None:
    async with sm() as session:
        await session.execute(
            update(CheckIn)
            .where(
                col(CheckIn.id) == check_in_id,
                col(CheckIn.user_id) == user_id,
                col(CheckIn.shared_status) == WRITING_LINE,
            )
            .values(shared_status=None)
        )
        await session.commit()
        row = await _reload(session, check_in_id)
        if row is None or row.user_id != user_id:
            return None
        return await _view(session, row)


# --- schedules -----------------------------------------------------------------------------


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


def _paused(circle: Circle, now: datetime) -> bool:
    return circle.checkins_paused_until is not None and circle.checkins_paused_until > now


def _rows(planned: Planned | None, circle_id: int, now: datetime) -> list[ScheduledMessage]:
    if planned is None:
        return []
    return [
        ScheduledMessage(
            kind=planned.kind,
            circle_id=circle_id,
            recipient_id=planned.recipient_id,
            due_at=planned.due_at,
            expires_at=planned.expires_at,
            created_at=now,
        )
    ]


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
    store.add_messages(session, _rows(planned, circle.id, now))
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
    store.add_messages(session, _rows(planned, circle.id, now))
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
            col(ScheduledMessage.state) == MessageState.PENDING,
        )
    )


async def _schedule_view(
    session: AsyncSession, circle: Circle, user_id: int, now: datetime
) -> ScheduleView:
    assert circle.id is not None
    tz = ZoneInfo(circle.timezone)
    if user_id == circle.patient_id:
        pending = await _pending(session, MessageKind.CHECK_IN, circle.id, user_id)
        paused = _paused(circle, now) and circle.checkin_schedule is not None
        until = circle.checkins_paused_until
        return ScheduleView(
            for_supported_person=True,
            timezone=circle.timezone,
            schedule=planning.read_check_in_schedule(circle.checkin_schedule),
            resumes_on=until.astimezone(tz).date() if paused and until is not None else None,
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
