"""A busy few days on one database connection. No update, button or scheduled message may
wait for a second connection while it holds one: with many updates side by side, each
holding one connection and waiting for another, the pool would run dry and every one of
them would wait until it timed out. Here the pool has one connection, so such a wait would
not end before SQLAlchemy's 30 s timeout: the story fails instead.

SQLite only: on PostgreSQL the scheduler's run holds the sending turn's lock on a connection
of its own (storage/scheduled.sending_turn), beside the one it works with, by design; there
is one such run at a time per replica, so it cannot drain the pool."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import ANNA, BEN, MARIA, Circle

# In Berlin: Wednesday 25 November 2026 at 19:00 (Maria's first check-in), Thursday at 14:00
# (the ride), Saturday at 09:00 (after Friday's dinner).
WEDNESDAY_EVENING = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
RIDE_AT = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
SATURDAY_MORNING = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def connections() -> int:
    """The bot's whole pool is one connection (the conftest's engine uses this)."""
    return 1


async def test_needs_reminders_and_check_ins_all_run_on_one_connection(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.say(MARIA, "/need walk Max every weekday morning")
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.say_privately(MARIA, "/remind tomorrow 9:00 call the MS nurse")

    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("neurology"), "🛟 Backup")
    await circle.press(BEN, circle.card("dinner"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("Thu 26 Nov, morning"), "🔁 I'll do every date")
    await circle.say(ANNA, "/board")
    await circle.say_privately(BEN, "/mine")
    await circle.press(ANNA, circle.card("neurology"), "↩️ Release")

    # Ben, standing by, is on at once.
    assert circle.private(BEN)[-1].text.startswith("🛟 You're on now: 🚗 ride to neurology")
    assert "🙋 Claimed by Ben" in circle.card("neurology").text

    await circle.run_until(WEDNESDAY_EVENING)
    prompt = circle.private(MARIA)[-1]
    assert prompt.text.startswith("💛 Hi Maria — time for a short check-in.")
    for label in ("3 😐 Okay", "4 🙂 Good", "2 🙁 Low"):
        await circle.press(MARIA, circle.fake.message(MARIA.id, prompt.message_id), label)
    await circle.press(MARIA, circle.fake.message(MARIA.id, prompt.message_id), "⏭ Skip")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🔒 Keep it private")
    assert circle.private(MARIA)[-1].text.startswith("Thank you, Maria 💛 Your check-in is saved.")

    await circle.run_until(RIDE_AT)
    maria_saw = [m.text for m in circle.private(MARIA)]
    digest = next(text for text in maria_saw if text.startswith("☀️ Good morning, Maria."))
    assert "• 14:00 🚗 ride to neurology — Ben" in digest
    assert "⏰ You asked me to remind you:\ncall the MS nurse" in maria_saw
    await circle.run_until(SATURDAY_MORNING)

    # The series posted Thursday's and Friday's new dates, already Anna's.
    for day in ("Thu 3 Dec", "Fri 4 Dec"):
        assert "🙋 Claimed by Anna" in circle.card(f"{day}, morning").text
    reminders = [m.text for m in circle.private(BEN) if m.text.startswith("⏰ Reminder")]
    assert len(reminders) == 4  # the day before and on the day, for the ride and the dinner
    question = next(m for m in circle.private(BEN) if "Did it happen?\n🚗" in m.text)
    await circle.press(BEN, question, "✅ Done")
    assert "✅ Done by Ben — thank you!" in circle.card("neurology").text
    done = circle.private(MARIA)[-1]
    assert done.text == "✅ Ben marked “ride to neurology” as done."
    await circle.press(MARIA, done, "💛 Say thanks")
    assert circle.last_in_group().text == (
        "💛 Maria says thank you to Ben for the ride to neurology on Thu!"
    )
    await circle.say_privately(MARIA, "/report")
    report = next(m.text for m in circle.private(MARIA) if "report for the care team" in m.text)
    assert "1 check-in, on 1 of the 28 days." in report
    assert [m.file_kind for m in circle.private(MARIA)[-2:]] == ["photo", "document"]
