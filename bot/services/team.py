"""/team: the care team directory. Reading what people type (forgiving: a role word, a
name, a phone number or e-mail and notes, in almost any order) is plain functions; each
change is one transaction that checks who may make it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services.permissions import Action, Place, may
from storage import people
from storage.db import SessionMaker
from storage.models import Circle, TeamContact

MAX_CONTACTS = 30
MAX_ROLE = 64
MAX_NAME = 120
MAX_PHONE = 64
MAX_EMAIL = 255
MAX_NOTES = 1000
MIN_PHONE_DIGITS = 5  # short local numbers exist; fewer digits are not a phone number
MAX_PHONE_DIGITS = 15  # the longest an international number can be (E.164)


class KnownRole(StrEnum):
    """The roles we recognise, as they are shown."""

    NEUROLOGIST = "Neurologist"
    MS_NURSE = "MS nurse"
    GP = "GP / family doctor"
    PHYSIO = "Physiotherapist"
    OCCUPATIONAL = "Occupational therapist"
    SOCIAL_WORKER = "Social worker"
    COUNSELLOR = "Counsellor / therapist"
    SUPPORT_GROUP = "Support group"
    PHARMACY = "Pharmacy"
    OTHER = "Other"


_ROLE_WORDS: dict[KnownRole, tuple[str, ...]] = {
    KnownRole.NEUROLOGIST: ("neurologist", "neurologe", "neurologin"),
    KnownRole.MS_NURSE: (
        "ms nurse",
        "ms-nurse",
        "ms specialist nurse",
        "specialist nurse",
        "nurse",
    ),
    KnownRole.GP: (
        "gp",
        "gp / family doctor",
        "gp/family doctor",
        "family doctor",
        "general practitioner",
        "family physician",
        "primary care doctor",
        "hausarzt",
        "hausärztin",
    ),
    KnownRole.PHYSIO: (
        "physiotherapist",
        "physio",
        "physical therapist",
        "physiotherapy",
        "physiotherapeut",
        "physiotherapeutin",
    ),
    KnownRole.OCCUPATIONAL: ("occupational therapist", "occupational therapy"),
    KnownRole.SOCIAL_WORKER: ("social worker", "social work", "social services", "sozialdienst"),
    KnownRole.COUNSELLOR: (
        "counsellor / therapist",
        "counsellor/therapist",
        "counsellor",
        "counselor",
        "counselling",
        "counseling",
        "therapist",
        "psychotherapist",
        "psychologist",
    ),
    KnownRole.SUPPORT_GROUP: (
        "support group",
        "self-help group",
        "peer support",
        "selbsthilfegruppe",
    ),
    KnownRole.PHARMACY: ("pharmacy", "pharmacist", "chemist", "apotheke"),
    KnownRole.OTHER: ("other",),
}
# Longest first, so "ms nurse" wins over "nurse" and "physical therapist" over "therapist".
_ROLE_LOOKUP = sorted(
    ((word, role) for role, words in _ROLE_WORDS.items() for word in words),
    key=lambda pair: -len(pair[0]),
)


def recognise_role(text: str) -> KnownRole | None:
    """The whole text as one of our roles ("ms nurse" → MS nurse), or None."""
    wanted = " ".join(text.lower().split()).strip(" .:")
    return next((role for word, role in _ROLE_LOOKUP if word == wanted), None)


def _role_at_start(text: str) -> tuple[KnownRole, str] | None:
    lowered = text.lower()
    for word, role in _ROLE_LOOKUP:
        if re.match(re.escape(word) + r"(?=[\s:,;\-–—]|$)", lowered):
            return role, text[len(word) :].lstrip(" \t:,;-–—")
    return None


def role_label(typed: str) -> str:
    """What is stored as the role: our name for a role we know, else the words as typed."""
    known = recognise_role(typed)
    if known is not None:
        return known.value
    words = " ".join(typed.split())
    return words[:1].upper() + words[1:]


_EMAIL = re.compile(r"[^@\s,;<>\"'()\[\]]+@[^@\s,;<>\"'()\[\]]+\.[^@\s,;<>\"'()\[\].]{2,}")
_PHONE_ONLY = re.compile(r"\+?[\d\s\-./()]+")
_PHONE_INSIDE = re.compile(r"\+?\(?\d[\d\s\-./()]*\d")
_LABEL = re.compile(
    r"^(?:tel|tel\.|phone|ph|mobile|mob|cell|fon|telefon|handy|e-mail|email|mail)\s*[:.]?\s*",
    re.IGNORECASE,
)


_LABEL_BEFORE = re.compile(
    r"\s*\b(?:tel|phone|ph|mobile|mob|cell|fon|telefon|handy|e-mail|email|mail)\s*[:.]?\s*$",
    re.IGNORECASE,
)


def _around(text: str, start: int, end: int) -> tuple[str, str]:
    """What comes before text[start:end] (without a "tel:" or "email:" label) and after it."""
    before = " ".join(_LABEL_BEFORE.sub("", text[:start]).split())
    return before, " ".join(text[end:].split())


def _take_out(words: list[str], index: int, start: int, end: int) -> None:
    """Take a phone number or e-mail out of words[index]. In the name part, what follows
    it is a note: "Dr Weber 030 1234567 Tuesdays only"."""
    before, after = _around(words[index], start, end)
    if index == 0:
        words[0:1] = [before, after] if after else [before]
    else:
        words[index] = f"{before} {after}".strip()


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def clean_phone(text: str) -> str | None:
    """A phone number as written ("030 1234567", "+49 (30) 123-4567"), tidied; or None."""
    value = " ".join(_LABEL.sub("", text.strip()).split())
    if not value or not _PHONE_ONLY.fullmatch(value) or len(value) > MAX_PHONE:
        return None
    if not MIN_PHONE_DIGITS <= _digits(value) <= MAX_PHONE_DIGITS:
        return None
    return value


def clean_email(text: str) -> str | None:
    value = _LABEL.sub("", text.strip()).strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        return None
    return value


def _looks_like_email(text: str) -> bool:
    """One word with something before an @: meant as an e-mail (a @handle is not)."""
    value = _LABEL.sub("", text.strip())
    return " " not in value and "@" in value[1:]


def _looks_like_phone(text: str) -> bool:
    value = _LABEL.sub("", text.strip())
    return bool(value) and bool(_PHONE_ONLY.fullmatch(value)) and _digits(value) >= MIN_PHONE_DIGITS


class Problem(StrEnum):
    UNKNOWN = "unknown"  # /team <something we don't know>
    ADD_HOW = "add_how"  # /team add with nothing after it
    NO_NAME = "no_name"
    NAME_TOO_LONG = "name_too_long"
    ROLE_TOO_LONG = "role_too_long"
    NOTES_TOO_LONG = "notes_too_long"
    BAD_PHONE = "bad_phone"
    BAD_EMAIL = "bad_email"
    EDIT_HOW = "edit_how"
    REMOVE_HOW = "remove_how"
    NO_ROLE = "no_role"  # /team edit 2 role, with no role


@dataclass(frozen=True)
class Unreadable:
    problem: Problem
    typed: str = ""  # the piece that could not be read, to quote back


@dataclass(frozen=True)
class ContactDraft:
    role: str
    name: str
    phone: str | None = None
    email: str | None = None
    notes: str | None = None
    role_guessed: bool = False  # no role was given: it is "Other" until someone edits it


class Field(StrEnum):
    NAME = "name"
    ROLE = "role"
    PHONE = "phone"
    EMAIL = "email"
    NOTES = "notes"


_FIELD_WORDS: dict[str, Field] = {
    "name": Field.NAME,
    "role": Field.ROLE,
    "job": Field.ROLE,
    "phone": Field.PHONE,
    "tel": Field.PHONE,
    "telephone": Field.PHONE,
    "number": Field.PHONE,
    "mobile": Field.PHONE,
    "email": Field.EMAIL,
    "e-mail": Field.EMAIL,
    "mail": Field.EMAIL,
    "notes": Field.NOTES,
    "note": Field.NOTES,
    "info": Field.NOTES,
}
_NOTHING = ("-", "–", "—", "none", "clear", "nothing", "remove", "delete")


@dataclass(frozen=True)
class Show:
    pass


@dataclass(frozen=True)
class Add:
    draft: ContactDraft


@dataclass(frozen=True)
class Edit:
    number: int
    field: Field
    value: str | None  # None clears phone, e-mail or notes


@dataclass(frozen=True)
class Remove:
    number: int


Command = Show | Add | Edit | Remove | Unreadable


def _check_lengths(draft: ContactDraft) -> ContactDraft | Unreadable:
    if not draft.name:
        return Unreadable(Problem.NO_NAME)
    if len(draft.name) > MAX_NAME:
        return Unreadable(Problem.NAME_TOO_LONG)
    if len(draft.role) > MAX_ROLE:
        return Unreadable(Problem.ROLE_TOO_LONG)
    if draft.notes is not None and len(draft.notes) > MAX_NOTES:
        return Unreadable(Problem.NOTES_TOO_LONG)
    return draft


def read_contact(text: str) -> ContactDraft | Unreadable:
    """'neurologist: Dr Weber, 030 1234567, Tuesdays only' or 'MS nurse Anna Schulz
    anna@clinic.de': a role, then the name, a phone number or e-mail, and notes."""
    text = text.strip()
    if not text:
        return Unreadable(Problem.ADD_HOW)
    role: str | None = None
    head, colon, tail = text.partition(":")
    # "dentist: Dr Brown" — a few words before a colon are the role, unless they are a
    # label ("Anna tel: 030 …") or the name before its role ("Dr Lee: GP, …").
    head_words = head.split()
    role_head = (
        bool(colon)
        and 0 < len(head_words) <= 5
        and not re.search(r"[,;@\d\n]", head)
        and _LABEL.match(head_words[-1]) is None
    )
    starts_with_role = _role_at_start(text)
    first_of_tail = re.split(r"[,;\n]", tail, maxsplit=1)[0]
    if role_head and recognise_role(head) is not None:
        role, rest = role_label(head), tail
    elif starts_with_role is not None:
        known, rest = starts_with_role
        role = known.value
    elif role_head and recognise_role(first_of_tail) is not None:
        role = role_label(first_of_tail)
        rest = head + tail[len(first_of_tail) :]
    elif role_head:
        role, rest = role_label(head), tail
    else:
        rest = text
    phone: str | None = None
    email: str | None = None
    words: list[str] = []
    for part in (p.strip() for p in re.split(r"[,;\n]", rest)):
        if not part:
            continue
        if email is None and clean_email(part) is not None:
            email = clean_email(part)
        elif phone is None and clean_phone(part) is not None:
            phone = clean_phone(part)
        elif _looks_like_email(part) and clean_email(part) is None:
            return Unreadable(Problem.BAD_EMAIL, part)
        elif _looks_like_phone(part) and clean_phone(part) is None:
            return Unreadable(Problem.BAD_PHONE, part)
        else:
            words.append(part)
    if email is None:
        # "Anna Schulz anna@clinic.de": an e-mail is unmistakable anywhere.
        for index, part in enumerate(words):
            found = _EMAIL.search(part)
            if found is not None:
                email = found.group(0)
                _take_out(words, index, found.start(), found.end())
                break
    if phone is None:
        # What was left after the e-mail came out may be just a phone number.
        for index, part in enumerate(words[1:], start=1):
            if clean_phone(part) is not None:
                phone = clean_phone(part)
                del words[index]
                break
    if phone is None and words:
        # "Dr Weber 030 1234567": only in the name part; digits in notes stay notes.
        found = _PHONE_INSIDE.search(words[0])
        if found is not None and clean_phone(found.group(0)) is not None:
            phone = clean_phone(found.group(0))
            _take_out(words, 0, found.start(), found.end())
    words = [w for w in words if w]
    guessed = False
    if role is None:
        # "Dr Weber, neurologist, 030 …": a part that is just a role word.
        for index, part in enumerate(words[1:], start=1):
            known_role = recognise_role(part)
            if known_role is not None:
                role = known_role.value
                del words[index]
                break
    if role is None:
        role, guessed = KnownRole.OTHER.value, True
    name = " ".join(words[0].split()) if words else ""
    notes = ", ".join(words[1:]) or None
    return _check_lengths(ContactDraft(role, name, phone, email, notes, role_guessed=guessed))


def _number(text: str) -> int | None:
    value = text.strip().lstrip("#").rstrip(".:")
    digits = value.isascii() and value.isdigit()  # "²" is a digit that int() cannot read
    return int(value) if digits and 0 < int(value) <= 1000 else None


def _read_edit(text: str) -> Edit | Unreadable:
    number_text, _, rest = text.strip().partition(" ")
    number = _number(number_text)
    if number is None:
        return Unreadable(Problem.EDIT_HOW)
    field_text, _, value_text = rest.strip().partition(" ")
    field = _FIELD_WORDS.get(field_text.lower().rstrip(":"))
    value = value_text.strip().lstrip(":").strip()
    if field is None:
        # "/team edit 2 030 1234567": a phone number or an e-mail says what it is.
        whole = rest.strip()
        if clean_email(whole) is not None:
            return Edit(number, Field.EMAIL, clean_email(whole))
        if clean_phone(whole) is not None:
            return Edit(number, Field.PHONE, clean_phone(whole))
        return Unreadable(Problem.EDIT_HOW)
    if value.lower() in _NOTHING:
        value = ""
    match field:
        case Field.NAME:
            if not value:
                return Unreadable(Problem.NO_NAME)
            if len(value) > MAX_NAME:
                return Unreadable(Problem.NAME_TOO_LONG)
            return Edit(number, field, " ".join(value.split()))
        case Field.ROLE:
            if not value:
                return Unreadable(Problem.NO_ROLE)
            label = role_label(value)
            if len(label) > MAX_ROLE:
                return Unreadable(Problem.ROLE_TOO_LONG)
            return Edit(number, field, label)
        case Field.PHONE:
            phone = clean_phone(value) if value else None
            if value and phone is None:
                return Unreadable(Problem.BAD_PHONE, value)
            return Edit(number, field, phone)
        case Field.EMAIL:
            email = clean_email(value) if value else None
            if value and email is None:
                return Unreadable(Problem.BAD_EMAIL, value)
            return Edit(number, field, email)
        case Field.NOTES:
            if len(value) > MAX_NOTES:
                return Unreadable(Problem.NOTES_TOO_LONG)
            return Edit(number, field, value or None)


def read_command(words: str) -> Command:
    """The words after /team."""
    text = words.strip()
    if not text:
        return Show()
    first, _, rest = text.partition(" ")
    verb = first.lower().rstrip(":")
    if verb in ("add", "new"):
        added = read_contact(rest)
        return added if isinstance(added, Unreadable) else Add(added)
    if verb in ("edit", "change"):
        return _read_edit(rest)
    if verb in ("remove", "delete", "del", "rm"):
        number = _number(rest)
        return Remove(number) if number is not None else Unreadable(Problem.REMOVE_HOW)
    if verb in ("list", "show", "all"):
        return Show()
    return Unreadable(Problem.UNKNOWN)


@dataclass(frozen=True)
class ContactView:
    id: int
    number: int  # its place in the list, as /team shows it
    role: str
    name: str
    phone: str | None
    email: str | None
    notes: str | None

    @property
    def known_role(self) -> KnownRole | None:
        return recognise_role(self.role)


@dataclass(frozen=True)
class Team:
    circle_id: int
    patient_name: str
    contacts: list[ContactView]


class Outcome(StrEnum):
    SHOWN = "shown"
    SAVED = "saved"
    REMOVED = "removed"
    KEPT = "kept"
    NOT_ALLOWED = "not_allowed"
    NO_SUCH_NUMBER = "no_such_number"
    GONE = "gone"  # removed already
    ELSEWHERE = "elsewhere"  # a button from another circle's chat
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    team: Team | None = None
    contact: ContactView | None = None  # the one added, edited, to remove or removed


async def _team(session: AsyncSession, circle: Circle) -> Team:
    assert circle.id is not None
    rows = await session.exec(
        select(TeamContact)
        .where(col(TeamContact.circle_id) == circle.id)
        .order_by(col(TeamContact.id))
        .execution_options(populate_existing=True)
    )
    contacts = []
    for number, row in enumerate(rows.all(), start=1):
        assert row.id is not None
        contacts.append(
            ContactView(row.id, number, row.role, row.name, row.phone, row.email, row.notes)
        )
    patient = display_name(await people.get_person(session, circle.patient_id))
    return Team(circle.id, patient, contacts)


async def team(sm: SessionMaker, circle_id: int) -> Team | None:
    """The directory; the caller shows only names and roles outside a private chat."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        return await _team(session, circle) if circle is not None else None


async def _lead_circle(
    session: AsyncSession, circle_id: int, actor_id: int
) -> tuple[Circle | None, Outcome | None]:
    circle = await session.get(Circle, circle_id)
    if circle is None:
        return None, Outcome.GONE
    if not may(await people.role_in(session, circle_id, actor_id), Action.EDIT_TEAM):
        return circle, Outcome.NOT_ALLOWED
    return circle, None


async def add(
    sm: SessionMaker, circle_id: int, actor_id: int, draft: ContactDraft, now: datetime
) -> Result:
    async with sm() as session:
        circle, refused = await _lead_circle(session, circle_id, actor_id)
        if circle is None or refused is not None:
            return Result(refused or Outcome.GONE)
        before = await _team(session, circle)
        if len(before.contacts) >= MAX_CONTACTS:
            return Result(Outcome.TOO_MANY, before)
        row = TeamContact(
            circle_id=circle_id,
            role=draft.role,
            name=draft.name,
            phone=draft.phone,
            email=draft.email,
            notes=draft.notes,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        after = await _team(session, circle)
        await session.commit()
        return Result(Outcome.SAVED, after, next(c for c in after.contacts if c.id == row.id))


async def edit(sm: SessionMaker, circle_id: int, actor_id: int, wanted: Edit) -> Result:
    async with sm() as session:
        circle, refused = await _lead_circle(session, circle_id, actor_id)
        if circle is None or refused is not None:
            return Result(refused or Outcome.GONE)
        before = await _team(session, circle)
        if not 0 < wanted.number <= len(before.contacts):
            return Result(Outcome.NO_SUCH_NUMBER, before)
        row = await session.get(TeamContact, before.contacts[wanted.number - 1].id)
        assert row is not None
        match wanted.field:
            case Field.NAME | Field.ROLE:
                assert wanted.value
                setattr(row, wanted.field.value, wanted.value)
            case Field.PHONE | Field.EMAIL | Field.NOTES:
                setattr(row, wanted.field.value, wanted.value)
        session.add(row)
        await session.flush()
        after = await _team(session, circle)
        await session.commit()
        return Result(Outcome.SAVED, after, after.contacts[wanted.number - 1])


async def to_remove(sm: SessionMaker, circle_id: int, actor_id: int, number: int) -> Result:
    """Which contact /team remove <number> means, before the person confirms."""
    async with sm() as session:
        circle, refused = await _lead_circle(session, circle_id, actor_id)
        if circle is None or refused is not None:
            return Result(refused or Outcome.GONE)
        current = await _team(session, circle)
        if not 0 < number <= len(current.contacts):
            return Result(Outcome.NO_SUCH_NUMBER, current)
        return Result(Outcome.SHOWN, current, current.contacts[number - 1])


async def confirm_remove(
    sm: SessionMaker, contact_id: int, actor_id: int, place: Place, *, remove: bool
) -> Result:
    """The confirm button: remove the contact (or keep it). Only in the circle's own group,
    or privately by someone in the circle."""
    async with sm() as session:
        row = await session.get(TeamContact, contact_id)
        circle = await session.get(Circle, row.circle_id) if row is not None else None
        if row is None or circle is None:
            return Result(Outcome.GONE)
        role = await people.role_in(session, circle.id or 0, actor_id)
        if not place.belongs(circle.chat_id, role):
            return Result(Outcome.ELSEWHERE)
        current = await _team(session, circle)
        if not may(role, Action.EDIT_TEAM):
            return Result(Outcome.NOT_ALLOWED, current)
        contact = next(c for c in current.contacts if c.id == contact_id)
        if not remove:
            return Result(Outcome.KEPT, current, contact)
        # Conditional: a second tap (or a second device) finds nothing to delete.
        done = await session.execute(delete(TeamContact).where(col(TeamContact.id) == contact_id))
        after = await _team(session, circle)
        await session.commit()
        gone = not done.rowcount  # type: ignore[attr-defined]
        return Result(Outcome.GONE if gone else Outcome.REMOVED, after, contact)
