"""Check-ins: the supported person's "how are you today?" and a carepartner's own "how are
you holding up?".

A check-in is saved answer by answer, so an abandoned one keeps what was answered. A person
has at most one open check-in of a kind; one left unfinished for OPEN_FOR is abandoned and
the next starts afresh. Everything stays private to the person who answered, except one
line for the group that the supported person sends with their own tap.

Every change of state is one conditional UPDATE (`… WHERE mood IS NULL`), so a double tap or
a stale button can never answer a question twice or touch a newer check-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from statistics import mean
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, exists, func, insert, literal, update
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services import drafts
from bot.timeparse import local_to_utc
from storage import needs as need_store
from storage import people
from storage.db import SessionMaker
from storage.models import (
    CheckIn,
    CheckInKind,
    Circle,
    CircleStatus,
    Membership,
    MessageKind,
    ScheduledMessage,
)

# Long enough for an evening check-in finished after a nap; short enough that the next
# day's starts afresh.
OPEN_FOR = timedelta(hours=12)
# A line about "today" posted the day after would mislead the group.
SHARE_WITHIN = timedelta(hours=24)
MAX_NOTE = 4000  # the column's size
MAX_LINE = 200
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
                or paused(circle, now)
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


def paused(circle: Circle, now: datetime) -> bool:
    return circle.checkins_paused_until is not None and circle.checkins_paused_until > now
