"""Data belongs to the people in it: /export, /forget_me and /delete_circle.

Who may take what:
- The supported person exports everything of their circle — except carepartners' own
  "How are you holding up?" check-ins and other people's /remind reminders, which belong
  to them. Anyone else who sends /export gets what the bot keeps about them only: never the
  supported person's check-ins, observations or questions.
- /forget_me removes a person's own data everywhere; what they did for others stays, shown
  as by "a former member". The supported person is not forgotten while they have a circle:
  the circle would lose its person (they are pointed to /delete_circle instead).
- /delete_circle (the supported person) removes every row of the circle in one transaction.
  A /remind reminder is its owner's, not the circle's: it is kept, detached from the circle.

Each change is one transaction; the caller talks to Telegram after it has committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services import needs as need_service
from bot.services import reminders
from bot.services.needs import NeedCard
from bot.services.permissions import Action, may
from bot.timeparse import format_when
from storage import data_rights as store
from storage import needs as need_store
from storage import people
from storage.db import SessionMaker
from storage.models import (
    CheckIn,
    CheckInKind,
    Circle,
    MessageKind,
    Need,
    NeedHelper,
    Observation,
    Person,
    Question,
    Role,
    ScheduledMessage,
    TeamContact,
)

Value = str | int | bool | None
Row = dict[str, Value]

# Roles as the export names them: "patient" is a word for the code, never for people.
ROLE_WORDS = {
    Role.PATIENT: "supported_person",
    Role.COORDINATOR: "coordinator",
    Role.MEMBER: "member",
}
# After /forget_me, the cards that named the person are shown again without their name;
# a long-time helper's oldest cards are left as they are (they scrolled away long ago).
CARDS_RENAMED = 200


# ---------------------------------------------------------------- an export's shape


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    single: bool = False  # one record (the circle, its preferences): an object in JSON


class ExportKind(StrEnum):
    CIRCLE = "circle"  # the supported person: everything of their circle
    PERSONAL = "personal"  # anyone else: what the bot keeps about them


@dataclass(frozen=True)
class Export:
    kind: ExportKind
    made_at: datetime
    timezone: str
    person_name: str
    # The circle the command was about: for a personal export, whose circle data it is not.
    circle_title: str | None
    patient_name: str | None
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def at(name: str) -> tuple[str, str]:
    """A time is two columns: local with its offset, and UTC."""
    return (name, f"{name}_utc")


def stamp(zone: ZoneInfo, name: str, value: datetime | None) -> Row:
    if value is None:
        return {name: None, f"{name}_utc": None}
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return {
        name: aware.astimezone(zone).isoformat(timespec="seconds"),
        f"{name}_utc": aware.astimezone(UTC).isoformat(timespec="seconds"),
    }


def _table(name: str, columns: tuple[str, ...], rows: Iterable[Row], single: bool = False) -> Table:
    ordered = tuple({column: row.get(column) for column in columns} for row in rows)
    return Table(name, columns, ordered, single)


class _Names:
    """Display names of the people rows point to, read once."""

    def __init__(self, known: dict[int, Person]) -> None:
        self.known = known

    @classmethod
    async def load(cls, session: AsyncSession, ids: Iterable[int | None]) -> _Names:
        return cls(await people.people_by_id(session, [i for i in ids if i is not None]))

    def of(self, user_id: int | None) -> str | None:
        return None if user_id is None else display_name(self.known.get(user_id))


CIRCLE_COLUMNS = (
    "id",
    "title",
    "timezone",
    "status",
    *at("created_at"),
    "reminder_leads_minutes",
    "nudge_leads_minutes",
    "morning_summary_time",
    "check_in_schedule",
    *at("check_ins_paused_until"),
    "helpers_asked_what_they_noticed",
)
PREFS_COLUMNS = ("help_i_love", "please_dont")
MEMBER_COLUMNS = (
    "user_id",
    "name",
    "first_name",
    "last_name",
    "username",
    "role",
    *at("joined_at"),
    "away_until",
)
NEED_COLUMNS = (
    "id",
    "circle_id",
    "category",
    "description",
    "when",
    "precision",
    *at("starts_at"),
    *at("ends_at"),
    "status",
    "requested_by",
    "requested_by_name",
    "claimer_id",
    "claimer_name",
    *at("claimed_at"),
    *at("done_at"),
    *at("cancelled_at"),
    "cancelled_by",
    "cancelled_by_name",
    *at("created_at"),
)
# Who held each place on a need, and who stood by (🛟): Need.claimer_id alone names only the
# first helper of a need with several places.
NEED_HELPER_COLUMNS = (
    "need_id",
    "user_id",
    "name",
    "role",
    *at("claimed_at"),
)
MESSAGE_COLUMNS = (
    "id",
    "kind",
    "need_id",
    "recipient_id",
    "recipient",
    "state",
    *at("due_at"),
    *at("expires_at"),
    "text",
)
CHECK_IN_COLUMNS = (
    "id",
    "circle_id",
    "kind",
    *at("started_at"),
    *at("finished_at"),
    "physical",
    "mood",
    "energy",
    "note",
    "voice_file_id",
    "voice_seconds",
    "shared_status",
)
QUESTION_COLUMNS = (
    "id",
    "circle_id",
    "text",
    "asked_by",
    "asked_by_name",
    *at("created_at"),
    *at("answered_at"),
)
OBSERVATION_COLUMNS = (
    "id",
    "circle_id",
    "need_id",
    "helper_id",
    "helper_name",
    "text",
    *at("created_at"),
    *at("answered_at"),
    "in_report",
)
# What a helper wrote is theirs; whether it went into the report was not their choice.
OWN_OBSERVATION_COLUMNS = ("id", "circle_id", "need_id", "text", *at("created_at"))
TEAM_COLUMNS = ("id", "role", "name", "phone", "email", "notes", *at("created_at"))
PERSON_COLUMNS = ("user_id", "first_name", "last_name", "username")
MEMBERSHIP_COLUMNS = (
    "circle_id",
    "group",
    "role",
    *at("joined_at"),
    "away_until",
    "own_check_in_schedule",
)
REMINDER_COLUMNS = ("id", "circle_id", "text", "state", *at("due_at"))


def _need_row(need: Need, zone: ZoneInfo, names: _Names, now: datetime) -> Row:
    return {
        "id": need.id,
        "circle_id": need.circle_id,
        "category": need.category,
        "description": need.description,
        "when": format_when(reminders.need_when(need), zone, now) or None,
        "precision": need.precision,
        **stamp(zone, "starts_at", need.starts_at),
        **stamp(zone, "ends_at", need.ends_at),
        "status": need.status,
        "requested_by": need.requested_by,
        "requested_by_name": names.of(need.requested_by),
        "claimer_id": need.claimer_id,
        "claimer_name": names.of(need.claimer_id),
        **stamp(zone, "claimed_at", need.claimed_at),
        **stamp(zone, "done_at", need.done_at),
        **stamp(zone, "cancelled_at", need.cancelled_at),
        "cancelled_by": need.cancelled_by,
        "cancelled_by_name": names.of(need.cancelled_by),
        **stamp(zone, "created_at", need.created_at),
    }


def _need_helper_row(row: NeedHelper, zone: ZoneInfo, names: _Names) -> Row:
    return {
        "need_id": row.need_id,
        "user_id": row.user_id,
        "name": names.of(row.user_id),
        "role": row.role,
        **stamp(zone, "claimed_at", row.claimed_at),
    }


def _check_in_row(row: CheckIn, zone: ZoneInfo) -> Row:
    return {
        "id": row.id,
        "circle_id": row.circle_id,
        "kind": row.kind,
        **stamp(zone, "started_at", row.started_at),
        **stamp(zone, "finished_at", row.finished_at),
        "physical": row.physical,
        "mood": row.mood,
        "energy": row.energy,
        "note": row.note,
        "voice_file_id": row.voice_file_id,
        "voice_seconds": row.voice_seconds,
        "shared_status": row.shared_status,
    }


def _question_row(row: Question, zone: ZoneInfo, names: _Names) -> Row:
    return {
        "id": row.id,
        "circle_id": row.circle_id,
        "text": row.text,
        "asked_by": row.asked_by,
        "asked_by_name": names.of(row.asked_by),
        **stamp(zone, "created_at", row.created_at),
        **stamp(zone, "answered_at", row.answered_at),
    }


def _observation_row(row: Observation, zone: ZoneInfo, names: _Names) -> Row:
    return {
        "id": row.id,
        "circle_id": row.circle_id,
        "need_id": row.need_id,
        "helper_id": row.helper_id,
        "helper_name": names.of(row.helper_id),
        "text": row.text,
        **stamp(zone, "created_at", row.created_at),
        **stamp(zone, "answered_at", row.answered_at),
        "in_report": row.in_report,
    }


def in_circle_export(row: ScheduledMessage, patient_id: int) -> bool:
    """What is still to come goes into the supported person's export, except what belongs
    to someone else: a carepartner's own check-in prompt or weekly summary, another
    person's /remind."""
    if row.kind in (MessageKind.HOLDING_UP, MessageKind.WEEKLY_SUMMARY):
        return False
    if row.kind == MessageKind.PERSONAL:
        return row.recipient_id == patient_id
    return True


async def _circle_export(session: AsyncSession, circle: Circle, now: datetime) -> Export:
    assert circle.id is not None
    zone = ZoneInfo(circle.timezone)
    members = await people.members_with_people(session, circle.id)
    needs = await store.needs_of_circle(session, circle.id)
    messages = [
        row
        for row in await store.waiting_messages(session, circle.id, circle.patient_id)
        if in_circle_export(row, circle.patient_id)
    ]
    # Only the supported person's own check-ins: a carepartner's are theirs alone.
    check_ins = await store.check_ins_of(
        session, circle.patient_id, circle_id=circle.id, kind=CheckInKind.WELLBEING
    )
    questions = await store.questions_of_circle(session, circle.id)
    observations = await store.answered_observations_of_circle(session, circle.id)
    team = await store.team_of_circle(session, circle.id)
    helpers = await store.helpers_of_circle(session, circle.id)
    names = await _Names.load(
        session,
        [
            circle.patient_id,
            *(h.user_id for h in helpers),
            *(n.requested_by for n in needs),
            *(n.claimer_id for n in needs),
            *(n.cancelled_by for n in needs),
            *(m.recipient_id for m in messages),
            *(q.asked_by for q in questions),
            *(o.helper_id for o in observations),
        ],
    )
    circle_row: Row = {
        "id": circle.id,
        "title": circle.title,
        "timezone": circle.timezone,
        "status": circle.status,
        **stamp(zone, "created_at", circle.created_at),
        "reminder_leads_minutes": circle.reminder_leads,
        "nudge_leads_minutes": circle.nudge_leads,
        "morning_summary_time": circle.digest_time,
        "check_in_schedule": circle.checkin_schedule,
        **stamp(zone, "check_ins_paused_until", circle.checkins_paused_until),
        "helpers_asked_what_they_noticed": circle.observations_on,
    }
    member_rows = [
        {
            "user_id": person.user_id,
            "name": display_name(person),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
            "role": ROLE_WORDS.get(Role(membership.role), membership.role),
            **stamp(zone, "joined_at", membership.joined_at),
            "away_until": membership.away_until.isoformat() if membership.away_until else None,
        }
        for membership, person in members
    ]
    message_rows = [
        {
            "id": row.id,
            "kind": row.kind,
            "need_id": row.need_id,
            "recipient_id": row.recipient_id,
            "recipient": names.of(row.recipient_id) if row.recipient_id else "the group",
            "state": row.state,
            **stamp(zone, "due_at", row.due_at),
            **stamp(zone, "expires_at", row.expires_at),
            "text": row.text,
        }
        for row in messages
    ]
    team_rows = [
        {
            "id": c.id,
            "role": c.role,
            "name": c.name,
            "phone": c.phone,
            "email": c.email,
            "notes": c.notes,
            **stamp(zone, "created_at", c.created_at),
        }
        for c in team
    ]
    tables = (
        # The invite code is left out: it lets anyone join, and files get forwarded.
        _table("circle", CIRCLE_COLUMNS, [circle_row], single=True),
        _table(
            "prefs",
            PREFS_COLUMNS,
            [{"help_i_love": circle.help_i_love, "please_dont": circle.please_dont}],
            single=True,
        ),
        _table("members", MEMBER_COLUMNS, member_rows),
        _table("needs", NEED_COLUMNS, [_need_row(n, zone, names, now) for n in needs]),
        _table(
            "need_helpers",
            NEED_HELPER_COLUMNS,
            [_need_helper_row(h, zone, names) for h in helpers],
        ),
        _table("scheduled_messages", MESSAGE_COLUMNS, message_rows),
        _table("check_ins", CHECK_IN_COLUMNS, [_check_in_row(c, zone) for c in check_ins]),
        _table("questions", QUESTION_COLUMNS, [_question_row(q, zone, names) for q in questions]),
        _table(
            "observations",
            OBSERVATION_COLUMNS,
            [_observation_row(o, zone, names) for o in observations],
        ),
        _table("team_contacts", TEAM_COLUMNS, team_rows),
    )
    patient_name = names.of(circle.patient_id) or ""
    return Export(
        ExportKind.CIRCLE, now, circle.timezone, patient_name, circle.title, patient_name, tables
    )


async def _personal_export(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    default_zone: str,
    asked_about: Circle | None,
) -> Export:
    person = await people.get_person(session, user_id)
    memberships = await store.memberships_of(session, user_id)
    timezone = asked_about.timezone if asked_about is not None else default_zone
    if asked_about is None and memberships:
        timezone = memberships[0][1].timezone
    zone = ZoneInfo(timezone)
    check_ins = await store.check_ins_of(session, user_id)
    own_reminders = await store.own_reminders(session, user_id)
    needs = await store.needs_of_person(session, user_id)
    helping = await store.helper_rows_of_person(session, user_id)
    questions = await store.questions_asked_by(session, user_id)
    observations = await store.observations_written_by(session, user_id)
    names = await _Names.load(
        session,
        [
            user_id,
            *(n.requested_by for n in needs),
            *(n.claimer_id for n in needs),
            *(n.cancelled_by for n in needs),
            *(q.asked_by for q in questions),
            asked_about.patient_id if asked_about is not None else None,
        ],
    )
    person_row: Row = {
        "user_id": user_id,
        "first_name": person.first_name if person else None,
        "last_name": person.last_name if person else None,
        "username": person.username if person else None,
    }
    membership_rows = [
        {
            "circle_id": membership.circle_id,
            "group": circle.title,
            "role": ROLE_WORDS.get(Role(membership.role), membership.role),
            **stamp(zone, "joined_at", membership.joined_at),
            "away_until": membership.away_until.isoformat() if membership.away_until else None,
            "own_check_in_schedule": membership.holding_up_schedule,
        }
        for membership, circle in memberships
    ]
    reminder_rows = [
        {
            "id": row.id,
            "circle_id": row.circle_id,
            "text": row.text,
            "state": row.state,
            **stamp(zone, "due_at", row.due_at),
        }
        for row in own_reminders
    ]
    observation_rows = [
        {
            "id": o.id,
            "circle_id": o.circle_id,
            "need_id": o.need_id,
            "text": o.text,
            **stamp(zone, "created_at", o.created_at),
        }
        for o in observations
    ]
    tables = (
        _table("person", PERSON_COLUMNS, [person_row], single=True),
        _table("memberships", MEMBERSHIP_COLUMNS, membership_rows),
        _table("check_ins", CHECK_IN_COLUMNS, [_check_in_row(c, zone) for c in check_ins]),
        _table("reminders", REMINDER_COLUMNS, reminder_rows),
        _table("needs", NEED_COLUMNS, [_need_row(n, zone, names, now) for n in needs]),
        _table(
            "need_helpers",
            NEED_HELPER_COLUMNS,
            [_need_helper_row(h, zone, names) for h in helping],
        ),
        _table("questions", QUESTION_COLUMNS, [_question_row(q, zone, names) for q in questions]),
        _table("observations", OWN_OBSERVATION_COLUMNS, observation_rows),
    )
    return Export(
        ExportKind.PERSONAL,
        now,
        timezone,
        names.of(user_id) or "",
        asked_about.title if asked_about is not None else None,
        names.of(asked_about.patient_id) if asked_about is not None else None,
        tables,
    )


async def export(
    sm: SessionMaker, user_id: int, circle_id: int | None, now: datetime, default_zone: str
) -> Export:
    """Everything of the circle for its supported person; for anyone else, only their own
    data (never the circle's check-ins, observations or questions)."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id) if circle_id is not None else None
        if circle is not None:
            assert circle.id is not None
            if may(await people.role_in(session, circle.id, user_id), Action.EXPORT):
                return await _circle_export(session, circle, now)
        return await _personal_export(session, user_id, now, default_zone, circle)


# ---------------------------------------------------------------- forgetting a person


@dataclass(frozen=True)
class ForgetPlan:
    """What /forget_me would do, to explain before the person says yes."""

    user_id: int
    # Groups where this person is the one supported: they are not forgotten while these last.
    supported_in: tuple[str, ...]
    groups: tuple[str, ...]
    coordinator: bool
    taken: int  # needs they have taken on, which would go back on the board


def _titles(circles: Iterable[Circle]) -> tuple[str, ...]:
    return tuple(circle.title or "your group" for circle in circles)


async def forget_plan(sm: SessionMaker, user_id: int) -> ForgetPlan:
    async with sm() as session:
        memberships = await store.memberships_of(session, user_id)
        taken = await store.claimed_needs_of(session, user_id)
        return ForgetPlan(
            user_id=user_id,
            supported_in=_titles(c for m, c in memberships if m.role == Role.PATIENT),
            groups=_titles(c for _m, c in memberships),
            coordinator=any(m.role == Role.COORDINATOR for m, _c in memberships),
            taken=len(taken),
        )


class ForgetOutcome(StrEnum):
    FORGOTTEN = "forgotten"
    SUPPORTED_PERSON = "supported_person"


@dataclass(frozen=True)
class Forgotten:
    outcome: ForgetOutcome
    # Back on the board and still ahead: their groups hear it is open again.
    reopened: tuple[NeedCard, ...] = ()
    # Cards that showed the person's name, to be shown again without it (reopened too).
    renamed: tuple[NeedCard, ...] = ()
    # Places a backup took over, and who: they are told at once that they're on now.
    promoted: tuple[tuple[NeedCard, int], ...] = ()


def still_ahead(need: Need, now: datetime) -> bool:
    """As the board sees it: no time at all, or its time has not passed."""
    if need.starts_at is None:
        return True
    if need.ends_at is not None:
        return need.ends_at > now
    return need.starts_at > now


async def _release_all(
    session: AsyncSession, user_id: int, now: datetime
) -> tuple[list[int], list[tuple[int, int]]]:
    """Every place the person held is given back: a backup standing by takes it over, or the
    need goes back on the board with its nudges planned again. Returns the needs still ahead
    that are open again, and (need, backup) for each backup now on."""
    ahead: list[int] = []
    promoted: list[tuple[int, int]] = []
    for need in await store.claimed_needs_of(session, user_id):
        assert need.id is not None
        given = await need_store.give_back(session, need.id, user_id, now)
        if given is None:
            continue  # done or released a moment ago
        released = await need_store.get_need(session, need.id)
        circle = await session.get(Circle, need.circle_id)
        if released is None or circle is None:
            continue
        changed = {user_id} | ({given.promoted} if given.promoted is not None else set())
        await reminders.replan_need(session, released, circle, now, only_for=changed)
        if given.promoted is not None:
            promoted.append((need.id, given.promoted))
        elif still_ahead(released, now):
            ahead.append(need.id)
    return ahead, promoted


async def forget(sm: SessionMaker, user_id: int, now: datetime) -> Forgotten:
    async with sm() as session:
        memberships = await store.memberships_of(session, user_id)
        if any(m.role == Role.PATIENT for m, _c in memberships):
            return Forgotten(ForgetOutcome.SUPPORTED_PERSON)
        renamed = await store.cards_naming(session, user_id, CARDS_RENAMED)
        reopened, promoted = await _release_all(session, user_id, now)
        # No longer standing by for anything: those cards show it.
        renamed += await store.remove_backups_of(session, user_id)
        # Their name leaves these cards: a change to each, as replicas keep cards up to date.
        await need_store.note_changed(session, renamed)
        # After the release: its re-planned messages to the group stay, theirs go.
        await store.erase_person(session, user_id, now)
        await session.commit()
    cards: dict[int, NeedCard] = {}
    for need_id in dict.fromkeys([*reopened, *(n for n, _b in promoted), *renamed]):
        card = await need_service.need_card(sm, need_id)
        if card is not None:
            cards[need_id] = card
    return Forgotten(
        ForgetOutcome.FORGOTTEN,
        reopened=tuple(cards[i] for i in reopened if i in cards),
        renamed=tuple(cards.values()),
        promoted=tuple((cards[i], backup) for i, backup in promoted if i in cards),
    )


# ---------------------------------------------------------------- deleting a circle


@dataclass(frozen=True)
class CirclePreview:
    """What /delete_circle would delete, to show before the person says yes."""

    circle_id: int
    title: str
    needs: int
    members: int
    check_ins: int
    questions: int
    contacts: int


class DeleteOutcome(StrEnum):
    DELETED = "deleted"
    NOT_ALLOWED = "not_allowed"
    GONE = "gone"  # deleted already (a second tap, an old button)


@dataclass(frozen=True)
class Deleted:
    outcome: DeleteOutcome
    chat_id: int | None = None
    title: str = ""
    patient_name: str = ""
    kept_reminders: int = 0  # the person's own /remind reminders, kept for them


async def delete_preview(
    sm: SessionMaker, circle_id: int, actor_id: int
) -> CirclePreview | DeleteOutcome:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return DeleteOutcome.GONE
        if not may(await people.role_in(session, circle_id, actor_id), Action.DELETE_CIRCLE):
            return DeleteOutcome.NOT_ALLOWED
        check_ins = await store.check_ins_of(
            session, circle.patient_id, circle_id=circle_id, kind=CheckInKind.WELLBEING
        )
        return CirclePreview(
            circle_id=circle_id,
            title=circle.title,
            needs=await store.count_of(session, Need, circle_id),
            members=len(await people.members_with_people(session, circle_id)),
            check_ins=len(check_ins),
            questions=await store.count_of(session, Question, circle_id),
            contacts=await store.count_of(session, TeamContact, circle_id),
        )


async def delete_circle(sm: SessionMaker, circle_id: int, actor_id: int) -> Deleted:
    """Every row of the circle, in one transaction; people rows too, for anyone no other
    circle knows."""
    async with sm() as session:
        circle = await store.lock_circle(session, circle_id)
        if circle is None:
            return Deleted(DeleteOutcome.GONE)
        if not may(await people.role_in(session, circle_id, actor_id), Action.DELETE_CIRCLE):
            return Deleted(DeleteOutcome.NOT_ALLOWED)
        patient_name = display_name(await people.get_person(session, circle.patient_id))
        chat_id, title = circle.chat_id, circle.title
        kept = len(await store.own_reminders(session, actor_id))
        named = await store.people_in_circle(session, circle_id)
        await store.detach_personal_reminders(session, circle_id)
        await store.delete_circle_rows(session, circle_id)
        await store.delete_people(session, named - await store.still_known(session, named))
        await session.commit()
    return Deleted(DeleteOutcome.DELETED, chat_id, title, patient_name, kept)
