"""/ask and /questions: what the supported person wants to ask at the next appointment.

Questions may be about health, so they belong to the supported person and the coordinators
only, and are asked and listed in a private chat. One transaction per function; marking a
question answered is one conditional UPDATE, so a double tap changes nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.people import display_name
from bot.services.permissions import Action, may
from storage import people
from storage.db import SessionMaker
from storage.models import Circle, Question

MAX_QUESTION = 1000
# Enough for any appointment; a longer list is a sign that old ones were never ticked off.
MAX_OPEN = 50
# The answered list shows the most recent ones: enough to undo a mistaken tap.
ANSWERED_SHOWN = 10


@dataclass(frozen=True)
class QuestionView:
    id: int
    text: str
    asked_by_name: str
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class QuestionList:
    circle_id: int
    patient_name: str
    answered: bool  # which list this is: the open questions, or the answered ones
    questions: list[QuestionView]
    # How many are in the other list, for the "Show answered" / "Show open" button.
    other_count: int


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_question(text: str) -> Problem | None:
    words = text.strip()
    if not words:
        return Problem.EMPTY
    if len(words) > MAX_QUESTION:
        return Problem.TOO_LONG
    return None


class Outcome(StrEnum):
    SAVED = "saved"
    DONE = "done"  # marked answered, or open again
    ALREADY = "already"  # it was so already (a double tap, or another device)
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"  # gone, or from a circle this person is not in
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    # The list as it is now, to show after the change (None when not allowed or not found).
    questions: QuestionList | None = None
    number: int = 0  # the saved question's number in the open list
    patient_name: str = ""  # for a kind refusal


async def _patient_name(session: AsyncSession, circle: Circle) -> str:
    return display_name(await people.get_person(session, circle.patient_id))


async def _may_ask(session: AsyncSession, circle_id: int, actor_id: int) -> bool:
    return may(await people.role_in(session, circle_id, actor_id), Action.ASK_QUESTION)


async def _rows(
    session: AsyncSession, circle_id: int, *, answered: bool, limit: int | None = None
) -> list[Question]:
    statement = select(Question).where(col(Question.circle_id) == circle_id)
    if answered:
        statement = statement.where(col(Question.answered_at).is_not(None)).order_by(
            col(Question.answered_at).desc(), col(Question.id).desc()
        )
    else:
        statement = statement.where(col(Question.answered_at).is_(None)).order_by(col(Question.id))
    if limit is not None:
        statement = statement.limit(limit)
    rows = await session.exec(statement.execution_options(populate_existing=True))
    return list(rows.all())


async def _count(session: AsyncSession, circle_id: int, *, answered: bool) -> int:
    answered_at = col(Question.answered_at)
    rows = await session.exec(
        select(func.count())
        .select_from(Question)
        .where(
            col(Question.circle_id) == circle_id,
            answered_at.is_not(None) if answered else answered_at.is_(None),
        )
    )
    return rows.one()


async def _views(session: AsyncSession, rows: list[Question]) -> list[QuestionView]:
    names = await people.people_by_id(session, [row.asked_by for row in rows])
    views = []
    for row in rows:
        assert row.id is not None
        views.append(
            QuestionView(
                id=row.id,
                text=row.text,
                asked_by_name=display_name(names.get(row.asked_by)),
                created_at=row.created_at,
                answered_at=row.answered_at,
            )
        )
    return views


async def _list(session: AsyncSession, circle: Circle, *, answered: bool) -> QuestionList:
    assert circle.id is not None
    rows = await _rows(
        session, circle.id, answered=answered, limit=ANSWERED_SHOWN if answered else None
    )
    return QuestionList(
        circle_id=circle.id,
        patient_name=await _patient_name(session, circle),
        answered=answered,
        questions=await _views(session, rows),
        other_count=await _count(session, circle.id, answered=not answered),
    )


async def ask(sm: SessionMaker, circle_id: int, actor_id: int, text: str, now: datetime) -> Result:
    """Save a checked question (see check_question) for the next appointment."""
    if check_question(text) is not None:
        raise ValueError("the question must be checked before it is saved")
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return Result(Outcome.NOT_FOUND)
        if not await _may_ask(session, circle_id, actor_id):
            return Result(Outcome.NOT_ALLOWED, patient_name=await _patient_name(session, circle))
        if await _count(session, circle_id, answered=False) >= MAX_OPEN:
            return Result(Outcome.TOO_MANY)
        session.add(
            Question(circle_id=circle_id, asked_by=actor_id, text=text.strip(), created_at=now)
        )
        await session.flush()
        shown = await _list(session, circle, answered=False)
        await session.commit()
        return Result(Outcome.SAVED, shown, number=len(shown.questions))


async def question_list(
    sm: SessionMaker, circle_id: int, actor_id: int, *, answered: bool = False
) -> Result:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return Result(Outcome.NOT_FOUND)
        if not await _may_ask(session, circle_id, actor_id):
            return Result(Outcome.NOT_ALLOWED, patient_name=await _patient_name(session, circle))
        return Result(Outcome.DONE, await _list(session, circle, answered=answered))


async def _set_answered(
    sm: SessionMaker, question_id: int, actor_id: int, answered_at: datetime | None
) -> Result:
    async with sm() as session:
        question = await session.get(Question, question_id)
        circle = await session.get(Circle, question.circle_id) if question else None
        if question is None or circle is None:
            return Result(Outcome.NOT_FOUND)
        role = await people.role_in(session, question.circle_id, actor_id)
        if role is None:
            return Result(Outcome.NOT_FOUND)
        if not may(role, Action.ASK_QUESTION):
            return Result(Outcome.NOT_ALLOWED, patient_name=await _patient_name(session, circle))
        # Conditional: only a question still in the other state changes.
        answered_col = col(Question.answered_at)
        still_other = answered_col.is_(None) if answered_at else answered_col.is_not(None)
        changed = await session.execute(
            update(Question)
            .where(col(Question.id) == question_id, still_other)
            .values(answered_at=answered_at)
        )
        await session.flush()
        # The list the button was on: open questions after "answered", answered after "undo".
        shown = await _list(session, circle, answered=answered_at is None)
        await session.commit()
        done = bool(changed.rowcount)  # type: ignore[attr-defined]
        return Result(Outcome.DONE if done else Outcome.ALREADY, shown)


async def mark_answered(sm: SessionMaker, question_id: int, actor_id: int, now: datetime) -> Result:
    return await _set_answered(sm, question_id, actor_id, now)


async def reopen(sm: SessionMaker, question_id: int, actor_id: int) -> Result:
    """Undo a mistaken tap: the question is open again."""
    return await _set_answered(sm, question_id, actor_id, None)


async def open_questions(sm: SessionMaker, circle_id: int) -> list[QuestionView]:
    """The open questions, oldest first: for the report and the day before an appointment.
    The caller decides who sees them."""
    async with sm() as session:
        return await _views(session, await _rows(session, circle_id, answered=False))
