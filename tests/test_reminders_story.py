"""Stories of what the bot says later: reminders to helpers, nudges to the group, and
"Did it happen?". Time is driven: `circle.run_until` moves the clock from one due message
to the next, as a running bot would live through it."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from bot.context import AppContext
from storage.models import MessageKind, MessageState, NeedStatus, ScheduledMessage
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

RIDE = "/need ride to neurology tomorrow 14:00"  # Thu 26 Nov, 14:00 Berlin = 13:00 UTC
RIDE_AT = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def _claimed_ride(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")


def _reminders(circle: Circle, person: object) -> list[str]:
    return [m.text for m in circle.private(person) if "Reminder:" in m.text]  # type: ignore[arg-type]


async def test_anna_is_reminded_a_day_and_two_hours_before_the_ride(circle: Circle) -> None:
    await _claimed_ride(circle)
    confirmation = circle.private(ANNA)[-1].text
    assert "⏰ I'll remind you today 14:00 and tomorrow 12:00." in confirmation

    await circle.run_until(utc(25, 12, 59))
    assert _reminders(circle, ANNA) == []

    await circle.run_until(utc(25, 13))
    [day_before] = _reminders(circle, ANNA)
    assert day_before.startswith("⏰ Reminder: you're helping Maria tomorrow 14:00.")
    assert "🚗 ride to neurology" in day_before

    await circle.run_until(utc(26, 11))
    assert len(_reminders(circle, ANNA)) == 2
    assert _reminders(circle, ANNA)[-1].startswith("⏰ Reminder: you're helping Maria today 14:00.")
    rows = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert [(r.state, r.late) for r in rows] == [(MessageState.SENT, False)] * 2
    assert not any("Reminder:" in m.text for m in circle.private(BEN))


async def test_a_claim_two_hours_before_gets_no_reminder_from_the_past(circle: Circle) -> None:
    await circle.set_up(ANNA)
    circle.clock.set(utc(26, 10, 30))
    await circle.say(MARIA, "/need ride to neurology today 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    assert "⏰ I'll remind you today 12:00." in circle.private(ANNA)[-1].text
    await circle.run_until(utc(26, 12, 59))
    assert len(_reminders(circle, ANNA)) == 1


async def test_released_and_cancelled_needs_send_no_reminders(circle: Circle) -> None:
    await _claimed_ride(circle)
    await circle.say(MARIA, "/need dinner for Friday")
    await circle.press(BEN, circle.card("dinner"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("ride to neurology"), "↩️ Release")
    await circle.press(MARIA, circle.card("dinner"), "✖️ Cancel")
    await circle.run_until(utc(28, 12))
    assert _reminders(circle, ANNA) == []
    assert _reminders(circle, BEN) == []
    assert not any("Did it happen" in m.text for m in circle.private(ANNA) + circle.private(BEN))


async def test_the_group_is_nudged_about_a_need_nobody_took(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, TOM)
    # Fri 27 Nov 14:00 Berlin: nudges 48 h and 24 h before, Wed and Thu 14:00.
    await circle.say(MARIA, "/need ride to physio Friday 14:00")
    await circle.run_until(utc(25, 13))
    nudge = circle.last_in_group()
    assert nudge.text.splitlines()[:3] == [
        "🔔 Still looking for someone — Fri 14:00",
        "🚗 ride to physio",
        "for Maria",
    ]
    assert "Anna, Ben, Tom — could one of you take it?" in nudge.text
    assert nudge.buttons == [["🙋 I'll do it"]]
    assert nudge.reply_to_message_id == circle.card("ride to physio").message_id

    answer = await circle.press(BEN, nudge, "🙋 I'll do it")
    assert answer == ("Thank you! It's yours 💛", False)
    assert "Claimed by Ben" in circle.card("ride to physio").text
    taken = circle.fake.message(nudge.chat_id, nudge.message_id)
    assert "Taken by Ben" in taken.text and taken.buttons == []

    group_before = len(circle.group())
    await circle.run_until(utc(27, 12))
    assert not any("Still looking" in m.text for m in circle.group()[group_before:])
    nudges = [r for r in await circle.scheduled() if r.kind == MessageKind.NUDGE]
    assert [r.state for r in nudges] == [MessageState.SENT]


async def test_no_nudge_for_a_cancelled_need_or_one_posted_at_the_last_minute(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need dinner Friday 18:00")
    await circle.press(MARIA, circle.card("dinner"), "✖️ Cancel")
    await circle.say(MARIA, "/need pharmacy run today 15:00")
    await circle.run_until(utc(28, 12))
    assert not any("Still looking" in m.text for m in circle.group())


async def test_someone_away_is_not_asked_and_the_board_shows_it(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(CARL, "/away until Sunday")
    assert circle.last_in_group().text.startswith("🏖 Enjoy your time away, Carl.")
    assert "until Sun 29 Nov" in circle.last_in_group().text
    await circle.say(MARIA, "/need ride to physio Friday 14:00")
    await circle.run_until(utc(25, 13))
    nudge = circle.last_in_group()
    assert "Anna, Ben — could one of you take it?" in nudge.text
    assert "(Away just now: Carl)" in nudge.text
    await circle.say(ANNA, "/board")
    assert circle.last_in_group().text.endswith("🏖 Away: Carl (until Sun 29 Nov)")

    await circle.say(CARL, "/away off")
    assert circle.last_in_group().text == "👋 Welcome back, Carl! You're marked as around again."
    await circle.run_until(utc(26, 13))
    assert "Anna, Ben, Carl — could one of you take it?" in circle.last_in_group().text


async def test_away_needs_a_date_still_to_come(circle: Circle) -> None:
    await circle.set_up(CARL)
    await circle.say(CARL, "/away until whenever")
    assert circle.last_in_group().text.startswith("Until when will you be away?")
    await circle.say(CARL, "/away")
    assert circle.last_in_group().text.startswith("You're marked as around.")


async def test_after_the_ride_anna_is_asked_if_it_happened_and_done_updates_the_card(
    circle: Circle,
) -> None:
    await _claimed_ride(circle)
    # The ride is 14:00-15:00 Berlin; the question comes an hour later.
    await circle.run_until(utc(26, 14, 59))
    assert not any("Did it happen" in m.text for m in circle.private(ANNA))
    await circle.run_until(utc(26, 15))
    question = circle.private(ANNA)[-1]
    assert question.text.startswith("💬 Did it happen?")
    assert question.buttons == [["✅ Done", "❌ Didn't happen"]]

    answer = await circle.press(ANNA, question, "✅ Done")
    assert answer == ("Marked as done — thank you!", False)
    assert "Done by Anna" in circle.card("ride to neurology").text
    answered = circle.fake.message(question.chat_id, question.message_id)
    assert answered.text.startswith("✅ 🚗 ride to neurology — done.")
    assert answered.buttons == []
    assert circle.private(MARIA)[-1].text == "✅ Anna marked “ride to neurology” as done."

    asked = len(circle.private(ANNA))
    await circle.run_until(utc(30, 12))
    assert len(circle.private(ANNA)) == asked  # not asked again


async def test_didnt_happen_closes_the_need_and_maria_hears_kindly(circle: Circle) -> None:
    await _claimed_ride(circle)
    await circle.run_until(utc(26, 15))
    await circle.press(ANNA, circle.private(ANNA)[-1], "❌ Didn't happen")
    card = circle.card("ride to neurology")
    assert "Didn't happen" in card.text and card.buttons == []
    assert (await circle.only_need()).status == NeedStatus.MISSED
    assert circle.private(MARIA)[-1].text.startswith("❌ Anna says 🚗 ride to neurology")
    assert "post it again with /need" in circle.private(MARIA)[-1].text


async def test_an_unanswered_question_is_asked_once_more_then_left_open(circle: Circle) -> None:
    await _claimed_ride(circle)
    await circle.run_until(utc(27, 14, 59))
    assert sum("Did it happen" in m.text for m in circle.private(ANNA)) == 1
    await circle.run_until(utc(27, 15))
    assert sum("Did it happen" in m.text for m in circle.private(ANNA)) == 2
    await circle.run_until(utc(3, 12, month=12))
    assert sum("Did it happen" in m.text for m in circle.private(ANNA)) == 2
    # Never guessed: it stays claimed until someone answers.
    assert (await circle.only_need()).status == NeedStatus.CLAIMED


async def test_a_restart_in_the_middle_sends_each_reminder_exactly_once(circle: Circle) -> None:
    await _claimed_ride(circle)
    await circle.run_until(utc(25, 14))
    await circle.restart()
    await circle.run_until(utc(26, 12))
    await circle.restart()
    await circle.run_until(utc(27, 12))
    assert len(_reminders(circle, ANNA)) == 2
    assert sum("Did it happen" in m.text for m in circle.private(ANNA)) == 1


async def test_down_across_a_reminder_it_comes_late_when_still_useful(circle: Circle) -> None:
    await _claimed_ride(circle)
    await circle.run_until(utc(25, 12))
    await circle.scheduler.stop()
    # The bot is down from Wed 12:00 to Thu 12:30 UTC: both reminders fell due meanwhile.
    circle.clock.set(utc(26, 11, 30))
    await circle.restart()
    await circle.tick()
    [late] = _reminders(circle, ANNA)
    assert late.startswith("(Sorry this comes late — I was offline for a while.)")
    assert "you're helping Maria today 14:00" in late
    rows = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert sorted((r.lead, r.state, r.late) for r in rows) == [
        (120, MessageState.SENT, True),
        (1440, MessageState.SKIPPED, True),  # the 2 h one says it all
    ]


async def _back_after_down(
    circle: Circle, caplog: pytest.LogCaptureFixture, back_at: datetime
) -> tuple[list[str], list[str]]:
    """The bot stops, starts again at `back_at` and catches up; the lines it logged about
    messages it dropped: one for each (INFO), and the warnings."""
    await circle.scheduler.stop()
    circle.clock.set(back_at)
    await circle.restart()
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        await circle.tick()
    lines = [r for r in caplog.records if "too late to be useful" in r.getMessage()]
    each = [r.getMessage() for r in lines if r.levelno == logging.INFO]
    return each, [r.getMessage() for r in lines if r.levelno >= logging.WARNING]


async def test_down_past_the_need_its_reminders_are_dropped_and_logged(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await _claimed_ride(circle)
    dropped, warned = await _back_after_down(circle, caplog, utc(26, 13, 30))  # ride started
    assert _reminders(circle, ANNA) == []
    rows = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert [r.state for r in rows] == [MessageState.DROPPED] * 2
    assert sum(text.startswith("dropped reminder") for text in dropped) == 2
    # The operator's one warning counts every kind dropped, and says since when.
    assert warned == [
        "dropped 4 scheduled messages too late to be useful "
        f"(2 reminder, 1 appointment, 1 digest), due since {utc(25, 13)}"
    ]
    # The follow-up is still to come, on time.
    await circle.run_until(utc(26, 15))
    assert circle.private(ANNA)[-1].text.startswith("💬 Did it happen?")


async def test_down_for_long_every_stale_reminder_is_dropped_a_batch_at_a_time(
    circle: Circle, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.scheduler.BATCH", 3)  # 3 rides, 2 reminders each: 2 batches
    await circle.set_up(ANNA, BEN)
    for hour in (14, 15, 16):
        await circle.say(MARIA, f"/need ride to neurology tomorrow {hour}:00")
        await circle.press(ANNA, circle.card(f"{hour}:00"), "🙋 I'll do it")
    dropped, warned = await _back_after_down(circle, caplog, utc(26, 17))  # all have started

    assert _reminders(circle, ANNA) == []
    rows = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert [r.state for r in rows] == [MessageState.DROPPED] * 6
    assert sum(text.startswith("dropped reminder") for text in dropped) == 6
    # However many batches it took, the operator is warned once.
    assert warned == [
        "dropped 10 scheduled messages too late to be useful "
        f"(6 reminder, 3 appointment, 1 digest), due since {utc(25, 13)}"
    ]
    # Each ride's "Did it happen?" still reaches Anna (the two overdue ones say they're late).
    await circle.run_until(utc(26, 19))
    asked = [m.text for m in circle.private(ANNA) if "💬 Did it happen?" in m.text]
    assert len(asked) == 3
    assert sum(text.startswith("(Sorry this comes late") for text in asked) == 2


async def test_stopping_in_the_middle_of_sending_doubles_nothing_and_loses_nothing(
    circle: Circle,
) -> None:
    await circle.set_up()
    for step in range(1, 6):
        await circle.say_privately(MARIA, f"/remind in 10 minutes exercise {step}")
    circle.clock.set(circle.clock.now() + timedelta(minutes=10))
    sends = 0
    stopping: list[asyncio.Task[None]] = []

    def stop_after_two(method: str, params: dict[str, Any]) -> None:
        nonlocal sends
        if method == "sendMessage" and "You asked me" in str(params.get("text")):
            sends += 1
            if sends == 2:  # the bot is asked to stop while it is sending
                stopping.append(asyncio.create_task(circle.scheduler.stop()))

    circle.fake.observers.append(stop_after_two)
    report = await circle.tick()
    await asyncio.gather(*stopping)
    assert (report.sent, report.put_back) == (2, 3)

    await circle.restart()
    await circle.tick()
    received = [m.text for m in circle.private(MARIA) if m.text.startswith("⏰ You asked me")]
    assert received == [f"⏰ You asked me to remind you:\nexercise {step}" for step in range(1, 6)]
    states = [r.state for r in await circle.scheduled() if r.kind == MessageKind.PERSONAL]
    assert states == [MessageState.SENT] * 5


async def test_a_message_caught_mid_send_by_a_crash_is_never_sent_twice(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/remind in 10 minutes call the MS nurse")
    circle.clock.set(circle.clock.now() + timedelta(minutes=10))
    async with circle.sm() as session:
        from storage import scheduled

        [taken] = await scheduled.take_due(session, circle.clock.now(), 10)
        await session.commit()
    # The process died here, after taking the row: Telegram may or may not have it.
    circle.clock.set(circle.clock.now() + timedelta(hours=1))
    await circle.restart()
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        await circle.tick()
    assert not any(m.text.startswith("⏰ You asked me") for m in circle.private(MARIA))
    [row] = [r for r in await circle.scheduled() if r.kind == MessageKind.PERSONAL]
    assert row.id == taken.id and row.state == MessageState.UNSURE
    assert any("not sending it again" in r.getMessage() for r in caplog.records)


async def test_a_helper_who_blocked_the_bot_is_reminded_in_the_group_told_once_how(
    circle: Circle,
) -> None:
    await _claimed_ride(circle)
    circle.fake.block_bot(ANNA.id)
    await circle.run_until(utc(25, 13))
    first = circle.last_in_group()
    assert first.text.startswith("⏰ Anna, a reminder: you're helping Maria tomorrow 14:00")
    assert "tap the button and press Start" in first.text
    assert first.buttons == [["💬 Start a private chat with me"]]
    assert first.url("💬 Start a private chat with me").startswith("https://t.me/")
    await circle.run_until(utc(26, 11))
    second = circle.last_in_group()
    assert second.text.startswith("⏰ Anna, a reminder: you're helping Maria today 14:00")
    assert "press Start" not in second.text and second.buttons == []
    rows = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert [r.state for r in rows] == [MessageState.SENT] * 2


async def test_a_helper_who_never_started_the_bot_gets_the_question_in_the_group(
    circle: Circle,
) -> None:
    await circle.set_up(BEN)
    await circle.say(ANNA, "Hi all")  # Anna is in the group but never opened the bot
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.run_until(utc(26, 15))
    question = circle.last_in_group()
    assert question.text.startswith("💬 Anna, did it happen?")
    assert "press Start" not in question.text  # she was shown how once, when she claimed it
    await circle.press(ANNA, question, "✅ Done")
    assert "Done by Anna" in circle.card("ride to neurology").text


async def two_schedulers_race(circle: Circle) -> None:
    """Two bot processes wake at the same moment over the same due messages."""
    people = (MARIA, TOM, ANNA, BEN, CARL)
    await circle.set_up(TOM, ANNA, BEN, CARL)
    now = circle.clock.now()
    async with circle.sm() as session:
        session.add_all(
            ScheduledMessage(
                kind=MessageKind.PERSONAL,
                recipient_id=people[n % 5].id,
                due_at=now - timedelta(seconds=n % 7),
                expires_at=now + timedelta(hours=1),
                text=f"note {n}",
                created_at=now,
            )
            for n in range(300)
        )
        await session.commit()
    other = circle.factory()
    await other.initialize()
    try:
        other_scheduler = cast(AppContext, other.bot_data["app"]).scheduler
        reports = await asyncio.gather(circle.tick(), other_scheduler.run_due())
    finally:
        await other.shutdown()
    assert sum(report.sent for report in reports) == 300
    texts = [m.text for p in people for m in circle.private(p) if "You asked me" in m.text]
    assert sorted(texts) == sorted(f"⏰ You asked me to remind you:\nnote {n}" for n in range(300))
    states = {r.state for r in await circle.scheduled() if r.kind == MessageKind.PERSONAL}
    assert states == {MessageState.SENT}


async def test_two_schedulers_racing_send_every_message_once(circle: Circle) -> None:
    await two_schedulers_race(circle)


async def test_moving_a_need_moves_its_reminders_and_tells_the_helper(circle: Circle) -> None:
    await _claimed_ride(circle)
    card = circle.card("ride to neurology")
    await circle.say(MARIA, "/when Friday 15:00", reply_to=card.message_id)
    assert circle.last_in_group().text == "🗓 Moved: ride to neurology is now Fri 27 Nov, 15:00."
    assert "🗓 Fri 27 Nov, 15:00" in circle.card("ride to neurology").text
    assert circle.private(ANNA)[-1].text.splitlines()[:2] == [
        "🗓 Maria moved 🚗 ride to neurology to Fri 27 Nov, 15:00.",
        "⏰ I'll remind you tomorrow 15:00 and Fri 13:00.",
    ]
    await circle.run_until(utc(26, 13, 59))
    assert _reminders(circle, ANNA) == []  # nothing at the old times
    await circle.run_until(utc(27, 14))
    assert [text.splitlines()[0] for text in _reminders(circle, ANNA)] == [
        "⏰ Reminder: you're helping Maria tomorrow 15:00.",
        "⏰ Reminder: you're helping Maria today 15:00.",
    ]


async def test_only_the_asker_or_a_lead_can_move_a_need(circle: Circle) -> None:
    await _claimed_ride(circle)
    card = circle.card("ride to neurology")
    await circle.say(BEN, "/when Friday 15:00", reply_to=card.message_id)
    assert circle.last_in_group().text == (
        "Only Maria, a coordinator or whoever asked can change the time."
    )
    await circle.say(MARIA, "/when Friday 15:00")
    assert circle.last_in_group().text.startswith("To change a need's time, reply to its card")
    await circle.say(MARIA, "/when last Monday", reply_to=card.message_id)
    assert "has already passed" in circle.last_in_group().text
    assert "🗓 Thu 26 Nov, 14:00" in circle.card("ride to neurology").text
