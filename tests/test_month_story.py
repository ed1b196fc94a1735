"""A month in Maria's life with the bot: a check-in every evening at 19:00, answered with
a few taps, then the report for her neurologist. The clock is driven; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import ANNA, MARIA, Circle

BODY = "3 😐 Okay"
MOOD = {2: "2 🙁 Low", 4: "4 🙂 Good"}
ENERGY = {2: "2 🙁 Low", 4: "4 🙂 Good"}


async def test_a_month_of_evening_check_ins_makes_a_report_with_the_right_trends(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    first_evening = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # 19:00 in Berlin
    for day in range(28):
        await circle.run_until(first_evening + timedelta(days=day))
        prompt = circle.private(MARIA)[-1]
        assert prompt.text.startswith("💛 Hi Maria — time for a short check-in."), day
        # Her mood lifts in the second fortnight while her energy drops.
        second_half = day >= 14
        for label in (BODY, MOOD[4 if second_half else 2], ENERGY[2 if second_half else 4]):
            await circle.press(MARIA, circle.fake.message(MARIA.id, prompt.message_id), label)
        await circle.press(MARIA, circle.fake.message(MARIA.id, prompt.message_id), "⏭ Skip")
        await circle.press(MARIA, circle.private(MARIA)[-1], "🔒 Keep it private")

    circle.clock.set(first_evening + timedelta(days=27, hours=2))
    await circle.say_privately(MARIA, "/report")
    text = next(m.text for m in circle.private(MARIA) if "report for the care team" in m.text)
    assert "28 check-ins" in text
    assert "• Physical wellbeing: average 3.0 from 28 answers, → stable" in text
    assert "• Mood: average 3.0 from 28 answers, ↑ better" in text
    assert "• Energy: average 3.0 from 28 answers, ↓ worse" in text
    kinds = [m.file_kind for m in circle.private(MARIA)[-3:]]
    assert kinds == [None, "photo", "document"]
    # Twenty-eight check-ins, and not one word of them in the group.
    assert not any("check" in m.text.lower() for m in circle.group() if m.from_bot)
