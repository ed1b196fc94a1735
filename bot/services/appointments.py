"""The day before a medical appointment: is there anything to take along?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from storage.db import SessionMaker
from storage.models import CheckIn, CheckInKind, Circle, Question

# The report offered before an appointment covers the last four weeks, like /report.
REPORT_WEEKS = 4


@dataclass(frozen=True)
class ToTakeAlong:
    check_ins: int
    open_questions: int

    @property
    def anything(self) -> bool:
        return self.check_ins > 0 or self.open_questions > 0


async def to_take_along(sm: SessionMaker, circle_id: int, now: datetime) -> ToTakeAlong:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        if circle is None:
            return ToTakeAlong(0, 0)
        check_ins = (
            await session.exec(
                select(func.count())
                .select_from(CheckIn)
                .where(
                    col(CheckIn.circle_id) == circle_id,
                    col(CheckIn.user_id) == circle.patient_id,
                    col(CheckIn.kind) == CheckInKind.WELLBEING,
                    col(CheckIn.started_at) >= now - timedelta(weeks=REPORT_WEEKS),
                )
            )
        ).one()
        questions = (
            await session.exec(
                select(func.count())
                .select_from(Question)
                .where(col(Question.circle_id) == circle_id, col(Question.answered_at).is_(None))
            )
        ).one()
        return ToTakeAlong(check_ins, questions)
