"""/prefs: the supported person's "Help I'd love" and "Please don't", in their own words.

Reading what was typed is a plain function (forgiving: "dont", "don't", "please don't",
curly apostrophes); saving is one transaction that checks who may change them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services.permissions import Action, may
from storage import people
from storage.db import SessionMaker
from storage.models import Circle

MAX_PREF = 1000


class Pref(StrEnum):
    LOVE = "love"  # Help I'd love
    DONT = "dont"  # Please don't


@dataclass(frozen=True)
class Prefs:
    circle_id: int
    patient_name: str
    help_i_love: str | None
    please_dont: str | None

    @property
    def empty(self) -> bool:
        return not self.help_i_love and not self.please_dont

    def of(self, pref: Pref) -> str | None:
        return self.help_i_love if pref == Pref.LOVE else self.please_dont


# What people type for each note, after /prefs; checked longest first. Words such as "no"
# are left out on purpose: in "no visits after 8pm" they are part of the note itself.
# Apostrophes are made plain before matching (phones curl them).
_NAMES: dict[Pref, tuple[str, ...]] = {
    Pref.LOVE: (
        "help i'd love",
        "help id love",
        "help i would love",
        "i'd love",
        "id love",
        "i would love",
        "loves",
        "love",
        "like",
    ),
    Pref.DONT: (
        "please don't",
        "please dont",
        "please do not",
        "don't",
        "dont",
        "do not",
    ),
}
_CLEAR = ("clear", "remove", "delete", "reset", "erase")
_BOTH = ("both", "all", "everything")


class Problem(StrEnum):
    UNKNOWN = "unknown"  # the first words are not one of the notes
    EMPTY = "empty"  # a note's name without its text: /prefs love
    TOO_LONG = "too_long"
    CLEAR_WHICH = "clear_which"  # /prefs clear, without saying which


@dataclass(frozen=True)
class Show:
    """/prefs alone: show them."""


@dataclass(frozen=True)
class Change:
    """Set one note (text) or clear notes (text None)."""

    prefs: tuple[Pref, ...]
    text: str | None = None


@dataclass(frozen=True)
class Unreadable:
    problem: Problem
    pref: Pref | None = None
    length: int = 0


Command = Show | Change | Unreadable


def _plain(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("`", "'")


def _split_name(text: str) -> tuple[Pref, str] | None:
    """'love walks with me' → (LOVE, 'walks with me'). Also 'love: …' and 'love - …'."""
    lowered = _plain(text).lower()
    candidates = [(name, pref) for pref, names in _NAMES.items() for name in names]
    for name, pref in sorted(candidates, key=lambda pair: -len(pair[0])):
        if lowered == name or re.match(re.escape(name) + r"(?=[\s:,\-–—.!]|$)", lowered):
            rest = text[len(name) :]
            return pref, rest.lstrip(" \t:,-–—.!").strip()
    return None


def read_command(words: str) -> Command:
    """The words after /prefs."""
    text = words.strip()
    if not text:
        return Show()
    first, _, rest = text.partition(" ")
    if _plain(first).lower().rstrip(":") in _CLEAR:
        which = rest.strip().lower()
        if _plain(which).rstrip(".!") in _BOTH:
            return Change((Pref.LOVE, Pref.DONT))
        named = _split_name(rest.strip()) if which else None
        if named is None or named[1]:
            return Unreadable(Problem.CLEAR_WHICH)
        return Change((named[0],))
    named = _split_name(text)
    if named is None:
        return Unreadable(Problem.UNKNOWN)
    pref, note = named
    if not note:
        return Unreadable(Problem.EMPTY, pref)
    if len(note) > MAX_PREF:
        return Unreadable(Problem.TOO_LONG, pref, len(note))
    return Change((pref,), note)


def _prefs_of(circle: Circle, patient_name: str) -> Prefs:
    assert circle.id is not None
    return Prefs(circle.id, patient_name, circle.help_i_love, circle.please_dont)


async def _patient_name(session: AsyncSession, circle: Circle) -> str:
    return display_name(await people.get_person(session, circle.patient_id))


async def get_prefs(sm: SessionMaker, circle_id: int) -> Prefs | None:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return None
        return _prefs_of(circle, await _patient_name(session, circle))


class Outcome(StrEnum):
    SAVED = "saved"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    prefs: Prefs | None = None


async def may_change(sm: SessionMaker, circle_id: int, actor_id: int) -> bool:
    async with sm() as session:
        return may(await people.role_in(session, circle_id, actor_id), Action.EDIT_PREFS)


async def change(sm: SessionMaker, circle_id: int, actor_id: int, wanted: Change) -> Result:
    if wanted.text is not None and (not wanted.text.strip() or len(wanted.text) > MAX_PREF):
        raise ValueError("the note must be read with read_command before it is saved")
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return Result(Outcome.NOT_FOUND)
        if not may(await people.role_in(session, circle_id, actor_id), Action.EDIT_PREFS):
            name = await _patient_name(session, circle)
            return Result(Outcome.NOT_ALLOWED, _prefs_of(circle, name))
        for pref in wanted.prefs:
            if pref == Pref.LOVE:
                circle.help_i_love = wanted.text
            else:
                circle.please_dont = wanted.text
        session.add(circle)
        prefs = _prefs_of(circle, await _patient_name(session, circle))
        await session.commit()
        return Result(Outcome.SAVED, prefs)
