"""The tables. Datetimes are aware UTC (SQLModel's UTCDateTime), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    PATIENT = "patient"  # the person the circle supports; never called that in a message
    COORDINATOR = "coordinator"
    MEMBER = "member"


class NeedStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"  # the helper answered "Didn't happen" after its time


class CircleStatus(StrEnum):
    ACTIVE = "active"
    DORMANT = "dormant"


class Circle(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    title: str = Field(default="", max_length=255)
    patient_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    timezone: str = Field(max_length=64)
    # The deep-link payload that lets a person link their private chat to this circle.
    invite_code: str = Field(max_length=32, unique=True)
    status: str = Field(default=CircleStatus.ACTIVE, max_length=16)
    created_at: datetime
    # What /settings changes. Leads are minutes before a need, largest first ("" = none).
    reminder_leads: str = Field(default="1440,120", max_length=64)
    nudge_leads: str = Field(default="2880,1440", max_length=64)
    # The supported person's morning digest, local "HH:MM"; None when switched off.
    digest_time: str | None = Field(default="08:00", max_length=5)
    # The supported person's check-ins: "daily 19:00", "weekly sun 18:00", or None (off).
    checkin_schedule: str | None = Field(default=None, max_length=32)
    checkins_paused_until: datetime | None = None
    # Helpers may add "anything you noticed?" after a need: only if the person says so.
    observations_on: bool = Field(default=False)
    # /prefs: what help is welcome and what is not, in the person's words.
    help_i_love: str | None = Field(default=None, max_length=1000)
    please_dont: str | None = Field(default=None, max_length=1000)
    # A recurring need's next card is posted this many days before its date.
    series_days_ahead: int = Field(default=7)


class Person(SQLModel, table=True):
    """A Telegram user the bot has seen. One person may belong to several circles."""

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=64)
    # True once they started the bot privately; False again after a 403 (blocked).
    can_message: bool = Field(default=False)
    # When the group was last shown this person how to start the bot: told once only.
    start_hint_at: datetime | None = None
    updated_at: datetime


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("circle_id", "user_id", name="uq_membership_circle_user"),)

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    role: str = Field(default=Role.MEMBER, max_length=16)
    joined_at: datetime
    # /away until a date (inclusive, in the circle's time zone): not asked for help.
    away_until: date | None = None
    # A carepartner's own weekly "How are you holding up?", local "sun 18:00"; None = off.
    holding_up_schedule: str | None = Field(default=None, max_length=32)


class Need(SQLModel, table=True):
    __table_args__ = (
        Index("ix_need_circle_status", "circle_id", "status"),
        # A series has at most one need per date, however many replicas post it.
        Index("uq_need_series_date", "series_id", "occurs_on", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id")
    category: str = Field(max_length=16)
    description: str = Field(max_length=1000)
    # When: precision is one of bot.timeparse.Precision; starts/ends are UTC instants.
    precision: str = Field(default="none", max_length=8)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    when_label: str | None = Field(default=None, max_length=16)
    status: str = Field(default=NeedStatus.OPEN, max_length=16)
    requested_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    claimer_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    claimed_at: datetime | None = None
    done_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    card_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    card_message_id: int | None = None
    created_at: datetime
    # How many helpers it asks for ("2 people to help move the bed"); open until all taken.
    places: int = Field(default=1)
    # Places held now: claims are one conditional UPDATE of this count, so two people
    # pressing for the last place can never both get it.
    taken: int = Field(default=0)
    # One occurrence of a recurring need: its series and its local date.
    series_id: int | None = None
    occurs_on: date | None = None
    # The supported person's one-tap "💛 Say thanks" in the group, once.
    thanked_at: datetime | None = None
    # Goes up by one with every change its card shows, in the change's own UPDATE. A replica
    # reads it again after editing the card: if another replica changed the need while the
    # edit was on its way, the card is shown again (handlers/cards.refresh_card).
    version: int = Field(default=0)


class HelperRole(StrEnum):
    HELPER = "helper"  # holds one of the need's places
    BACKUP = "backup"  # stands by; promoted if a helper releases


class NeedHelper(SQLModel, table=True):
    """Who holds a place on a need, or stands by as its backup. Need.claimer_id is kept as
    the helper of the earliest place still held, for the single-helper case."""

    __tablename__ = "need_helper"
    __table_args__ = (
        UniqueConstraint("need_id", "user_id", name="uq_need_helper_need_user"),
        Index("ix_need_helper_user", "user_id", "role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    role: str = Field(default=HelperRole.HELPER, max_length=16)
    claimed_at: datetime


class NeedSeries(SQLModel, table=True):
    """A recurring need ("ride to physio every Tuesday 10:00"). Each date becomes its own
    Need, posted `circle.series_days_ahead` days before."""

    __tablename__ = "need_series"

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    category: str = Field(max_length=16)
    description: str = Field(max_length=1000)
    requested_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    places: int = Field(default=1)
    # Which dates, as bot.series_rules writes it (e.g. "weekly:1:tue", "weekly:2:mon,thu").
    rule: str = Field(max_length=64)
    # The time of day on each date: precision, local "HH:MM" or a part of the day.
    precision: str = Field(default="exact", max_length=8)
    local_time: str | None = Field(default=None, max_length=5)
    when_label: str | None = Field(default=None, max_length=16)
    starts_on: date
    # Dates up to here have their Need rows (posted, skipped or cancelled).
    posted_until: date | None = None
    # Someone who took the whole series: each new date is theirs from the start.
    standing_helper_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )
    created_at: datetime
    stopped_at: datetime | None = None
    stopped_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class NeedDraft(SQLModel, table=True):
    """A /need being built step by step. Stored so a restart never loses it and it never
    times out: it ends only when posted or when the person says /cancel."""

    __tablename__ = "need_draft"
    __table_args__ = (UniqueConstraint("chat_id", "user_id", name="uq_need_draft_chat_user"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    circle_id: int = Field(foreign_key="circle.id")
    step: str = Field(max_length=16)
    category: str | None = Field(default=None, max_length=16)
    description: str | None = Field(default=None, max_length=1000)
    day: date | None = None
    precision: str | None = Field(default=None, max_length=8)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    when_label: str | None = Field(default=None, max_length=16)
    created_at: datetime


class MessageKind(StrEnum):
    REMINDER = "reminder"  # to the helper, before a need they took
    NUDGE = "nudge"  # to the group, for a need nobody has taken yet
    DIGEST = "digest"  # to the supported person, the morning's plan
    FOLLOW_UP = "follow_up"  # to the helper after the need: "Did it happen?"
    PERSONAL = "personal"  # /remind
    CHECK_IN = "check_in"  # the supported person's scheduled check-in
    HOLDING_UP = "holding_up"  # a carepartner's own weekly check-in
    APPOINTMENT = "appointment"  # the day before a medical appointment: report and questions
    SERIES_POST = "series_post"  # to the group: the next date of a recurring need, as a card
    WEEKLY_SUMMARY = "weekly_summary"  # to each coordinator: how the week's help went


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # taken by a scheduler; sent or not, it is never taken again
    SENT = "sent"
    SKIPPED = "skipped"  # no longer true when due (an empty digest, a need already taken)
    DROPPED = "dropped"  # due while the bot was down, and too late to be useful
    FAILED = "failed"  # Telegram refused it for good
    UNSURE = "unsure"  # the bot stopped while sending; never sent again to avoid a double
    HELD = "held"  # its circle is dormant (the bot was removed); pending again on return


class ScheduledMessage(SQLModel, table=True):
    """Everything the bot will say later is a row: the database, not memory, is the truth."""

    __tablename__ = "scheduled_message"
    __table_args__ = (
        # The scheduler's only hot query: pending rows by due time.
        Index("ix_scheduled_message_state_due", "state", "due_at"),
        Index("ix_scheduled_message_need", "need_id"),
        Index("ix_scheduled_message_series", "series_id"),
        # Start-up's "which circles already have their next summary planned?".
        Index("ix_scheduled_message_circle_kind", "circle_id", "kind", "state"),
        Index("ix_scheduled_message_recipient", "recipient_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    circle_id: int | None = Field(default=None, foreign_key="circle.id")
    need_id: int | None = None
    series_id: int | None = None  # SERIES_POST: which recurring need
    # A private message to this person; None means the circle's group.
    recipient_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    due_at: datetime
    # After this instant the message is no longer useful and is dropped unsent.
    expires_at: datetime
    # Minutes before the need (reminders, nudges) or which ask (follow-ups: 1 or 2).
    lead: int = Field(default=0)
    text: str | None = Field(default=None, max_length=1000)  # /remind's own words
    state: str = Field(default=MessageState.PENDING, max_length=16)
    tries: int = Field(default=0)
    taken_at: datetime | None = None
    sent_at: datetime | None = None
    late: bool = Field(default=False)
    created_at: datetime


class CheckInKind(StrEnum):
    WELLBEING = "wellbeing"  # the supported person: physical, mood, energy, a note
    HOLDING_UP = "holding_up"  # a carepartner's own, private to them


class CheckIn(SQLModel, table=True):
    """One check-in, saved answer by answer: an abandoned one keeps what was answered.
    Private to the person who answered it; nothing reaches a group without their tap."""

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_person_started", "user_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(default=CheckInKind.WELLBEING, max_length=16)
    started_at: datetime
    finished_at: datetime | None = None
    # Scores 1 (bad) to 5 (good); None when not answered.
    physical: int | None = None
    mood: int | None = None
    energy: int | None = None
    note: str | None = Field(default=None, max_length=4000)
    voice_file_id: str | None = Field(default=None, max_length=255)
    voice_seconds: int | None = None
    shared_status: str | None = Field(default=None, max_length=200)


class Question(SQLModel, table=True):
    """/ask: something to ask at the next appointment."""

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    asked_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str = Field(max_length=1000)
    created_at: datetime
    answered_at: datetime | None = None


class Observation(SQLModel, table=True):
    """A helper's "anything you noticed?" after a need; only the supported person sees it and
    decides whether it goes into the report. The row exists from the moment the helper is
    asked; `text` stays None until they answer."""

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    need_id: int | None = None
    helper_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    # The private question the helper answers by replying to it.
    asked_message_id: int | None = None
    text: str | None = Field(default=None, max_length=2000)
    created_at: datetime
    answered_at: datetime | None = None
    in_report: bool = Field(default=False)


class TeamContact(SQLModel, table=True):
    """/team: the care team directory."""

    __tablename__ = "team_contact"

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id", index=True)
    role: str = Field(max_length=64)
    name: str = Field(max_length=255)
    phone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=255)
    notes: str | None = Field(default=None, max_length=1000)
    created_at: datetime
