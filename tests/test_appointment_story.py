"""The day before a medical appointment, the person is offered their report privately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.models import CheckIn, CheckInKind, MessageKind, MessageState, Question
from storage.models import Circle as CircleRow
from tests.conftest import ANNA, MARIA, Circle


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _offers(circle: Circle) -> list[str]:
    return [m.text for m in circle.private(MARIA) if "to take along?" in m.text]


async def _a_few_check_ins_and_a_question(circle: Circle) -> None:
    async with circle.sm() as session:
        circle_id = (await session.exec(select(CircleRow.id))).one()
        assert circle_id is not None
        for days_ago in (9, 5, 2):
            started = circle.clock.now() - timedelta(days=days_ago)
            session.add(
                CheckIn(
                    circle_id=circle_id,
                    user_id=MARIA.id,
                    kind=CheckInKind.WELLBEING,
                    started_at=started,
                    finished_at=started,
                    physical=3,
                    mood=4,
                    energy=2,
                )
            )
        session.add(
            Question(
                circle_id=circle_id,
                asked_by=MARIA.id,
                text="Could the new tiredness be a relapse?",
                created_at=circle.clock.now(),
            )
        )
        await session.commit()


async def test_the_evening_before_neurology_maria_is_offered_her_report(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await _a_few_check_ins_and_a_question(circle)
    await circle.say(MARIA, "/need ride to neurology Friday 10:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")

    await circle.run_until(utc(26, 15, 59))
    assert _offers(circle) == []
    await circle.run_until(utc(26, 16))  # Thursday 17:00 in Berlin
    [offer] = _offers(circle)
    assert offer == (
        "🩺 Tomorrow 10:00: 🚗 ride to neurology — Anna is helping.\n\n"
        "Would you like your report (3 check-ins) and your 1 open question to take along? "
        "It's a summary you can show or print for your care team."
    )
    message = circle.private(MARIA)[-1]
    assert message.buttons == [["📄 Send me my report"]]
    assert not any("take along" in m.text for m in circle.group())

    await circle.press(MARIA, message, "📄 Send me my report")
    kinds = [m.file_kind for m in circle.private(MARIA) if m.file_kind]
    assert kinds == ["photo", "document"]
    assert not any(m.file_kind for m in circle.group())


async def test_no_offer_for_a_dinner_a_cancelled_appointment_or_with_nothing_to_take(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need MRI at St Mary's Saturday 9:00")  # nothing to take yet
    await _a_few_check_ins_and_a_question(circle)
    await circle.say(MARIA, "/need dinner Friday 18:00")
    await circle.say(MARIA, "/need ride to the MS nurse Friday 11:00")
    await circle.press(MARIA, circle.card("MS nurse"), "✖️ Cancel")
    await circle.run_until(utc(28, 12))
    # Only the MRI gets an offer (there is something to take by then).
    assert len(_offers(circle)) == 1
    offers = [r for r in await circle.scheduled() if r.kind == MessageKind.APPOINTMENT]
    assert [r.state for r in offers] == [MessageState.SENT]
