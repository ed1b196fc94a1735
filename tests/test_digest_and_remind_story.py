"""Stories of the morning summary, personal reminders, time zones and daylight saving, and
the scheduler running on PTB's JobQueue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import on_start
from storage.models import MessageKind, MessageState, ScheduledMessage
from tests.conftest import ANNA, BEN, CARL, MARIA, Circle


def utc(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _summaries(circle: Circle) -> list[str]:
    return [m.text for m in circle.private(MARIA) if "☀️ Good morning" in m.text]


async def _rows(circle: Circle, kind: MessageKind) -> list[ScheduledMessage]:
    return [r for r in await circle.scheduled() if r.kind == kind]


async def test_maria_gets_a_morning_summary_only_on_days_with_help_planned(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(MARIA, "/need dinner tomorrow evening")

    await circle.run_until(utc(26, 6, 59))
    assert _summaries(circle) == []
    await circle.run_until(utc(26, 7))  # 08:00 in Berlin
    assert _summaries(circle) == [
        "☀️ Good morning, Maria. Today:\n"
        "• 14:00 🚗 ride to neurology — Anna\n"
        "• evening 🍲 dinner — still looking for someone\n\n"
        "I'll keep asking the circle for what's still open."
    ]
    # Friday has nothing planned: no message at all.
    await circle.run_until(utc(27, 12))
    assert len(_summaries(circle)) == 1
    digests = await _rows(circle, MessageKind.DIGEST)
    assert [(r.due_at, r.state) for r in digests] == [
        (utc(26, 7), MessageState.SENT),
        (utc(27, 7), MessageState.SKIPPED),
        (utc(28, 7), MessageState.PENDING),
    ]
    assert not any("Good morning" in m.text for m in circle.group())


async def test_a_summary_missed_while_down_comes_late_before_noon_and_not_after(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need shopping Friday 15:00")
    await circle.scheduler.stop()
    circle.clock.set(utc(26, 9, 30))  # back at 10:30 Berlin: still morning
    await circle.restart()
    await circle.tick()
    [late] = _summaries(circle)
    assert "ride to neurology" in late
    await circle.scheduler.stop()
    circle.clock.set(utc(27, 11, 30))  # back at 12:30 Berlin: too late for a summary
    await circle.restart()
    await circle.tick()
    assert len(_summaries(circle)) == 1
    digests = await _rows(circle, MessageKind.DIGEST)
    assert [r.state for r in digests] == [
        MessageState.SENT,
        MessageState.DROPPED,
        MessageState.PENDING,
    ]
    assert digests[0].late


async def test_across_the_spring_daylight_saving_change(circle: Circle) -> None:
    # Berlin moves from CET (UTC+1) to CEST (UTC+2) on Sunday 28 March 2027 at 02:00.
    circle.clock.set(utc(26, 9, month=3, year=2027))
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to physio Sunday 10:00")
    await circle.press(ANNA, circle.card("ride to physio"), "🙋 I'll do it")
    await circle.run_until(utc(29, 12, month=3, year=2027))

    reminders = await _rows(circle, MessageKind.REMINDER)
    # 10:00 CEST is 08:00 UTC; exactly 24 h and 2 h before it, whatever the wall clock says.
    assert [(r.due_at, r.state) for r in reminders] == [
        (utc(27, 8, month=3, year=2027), MessageState.SENT),
        (utc(28, 6, month=3, year=2027), MessageState.SENT),
    ]
    digests = await _rows(circle, MessageKind.DIGEST)
    # 08:00 local every morning: 07:00 UTC in winter time, 06:00 UTC in summer time.
    assert [r.due_at for r in digests][:3] == [
        utc(27, 7, month=3, year=2027),
        utc(28, 6, month=3, year=2027),
        utc(29, 6, month=3, year=2027),
    ]
    [summary] = _summaries(circle)
    assert "• 10:00 🚗 ride to physio — Anna" in summary
    texts = [m.text for m in circle.private(ANNA) if "Reminder:" in m.text]
    assert texts[0].startswith("⏰ Reminder: you're helping Maria tomorrow 10:00.")
    assert texts[1].startswith("⏰ Reminder: you're helping Maria today 10:00.")


async def test_a_circle_far_away_in_auckland(circle: Circle) -> None:
    await circle.set_up(ANNA)
    # Wed 09:00 UTC is already Wed 22:00 in Auckland (UTC+13 in summer).
    await circle.say(MARIA, "/timezone Pacific/Auckland")
    await circle.say(MARIA, "/need ride to the clinic tomorrow 9:00")
    await circle.press(ANNA, circle.card("ride to the clinic"), "🙋 I'll do it")
    assert "⏰ I'll remind you tomorrow 07:00." in circle.private(ANNA)[-1].text

    await circle.run_until(utc(26, 0))
    # Thu 09:00 in Auckland is Wed 20:00 UTC: the reminder at 07:00, the summary at 08:00.
    [reminder] = await _rows(circle, MessageKind.REMINDER)
    assert (reminder.due_at, reminder.state) == (utc(25, 18), MessageState.SENT)
    sent_digest = [r for r in await _rows(circle, MessageKind.DIGEST) if r.state == "sent"]
    assert [r.due_at for r in sent_digest] == [utc(25, 19)]
    assert _summaries(circle) == [
        "☀️ Good morning, Maria. Today:\n• 09:00 🚗 ride to the clinic — Anna"
    ]
    [sent] = [m.text for m in circle.private(ANNA) if "Reminder:" in m.text]
    assert sent.startswith("⏰ Reminder: you're helping Maria today 09:00.")


async def test_personal_reminders_come_privately_at_their_time(circle: Circle) -> None:
    await circle.set_up(BEN)
    await circle.say_privately(MARIA, "/remind tomorrow 9:00 call the MS nurse")
    assert circle.private(MARIA)[-1].text == (
        "⏰ Done — I'll remind you Thu 26 Nov, 09:00: call the MS nurse"
    )
    await circle.say_privately(MARIA, "/remind in 30 minutes stretch")
    await circle.run_until(utc(25, 9, 30))
    assert circle.private(MARIA)[-1].text == "⏰ You asked me to remind you:\nstretch"
    await circle.run_until(utc(26, 8))
    assert circle.private(MARIA)[-1].text == ("⏰ You asked me to remind you:\ncall the MS nurse")
    group_texts = " ".join(m.text for m in circle.group())
    assert "MS nurse" not in group_texts and "stretch" not in group_texts


async def test_reminders_are_listed_and_one_can_be_cancelled(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/remind tomorrow 9:00 call the MS nurse")
    await circle.say_privately(MARIA, "/remind Friday 18:00 order the prescription")
    await circle.say_privately(MARIA, "/reminders")
    listing = circle.private(MARIA)[-1]
    assert listing.text.splitlines()[:3] == [
        "⏰ Your reminders",
        "1. tomorrow 09:00 — call the MS nurse",
        "2. Fri 18:00 — order the prescription",
    ]
    answer = await circle.press(MARIA, listing, "✖️ 1. call the MS nurse")
    assert answer == ("Cancelled.", False)
    edited = circle.fake.message(listing.chat_id, listing.message_id)
    assert "call the MS nurse" not in edited.text
    assert edited.buttons == [["✖️ 1. order the prescription"]]
    await circle.run_until(utc(28, 12))
    received = [m.text for m in circle.private(MARIA) if m.text.startswith("⏰ You asked me")]
    assert received == ["⏰ You asked me to remind you:\norder the prescription"]


async def test_remind_in_the_group_keeps_the_words_private(circle: Circle) -> None:
    await circle.set_up(BEN)
    await circle.say(BEN, "/remind tomorrow 9:00 pick up Maria's pills")
    reply = circle.last_in_group().text
    assert reply == "⏰ Got it — I'll remind you privately, Thu 26 Nov, 09:00."
    await circle.run_until(utc(26, 8))
    assert circle.private(BEN)[-1].text == "⏰ You asked me to remind you:\npick up Maria's pills"

    await circle.say(CARL, "/remind tomorrow 9:00 bring flowers")  # never started the bot
    refusal = circle.last_in_group()
    assert refusal.text.startswith("I send reminders privately, and I can't message you yet.")
    assert refusal.buttons == [["💬 Start a private chat with me"]]
    assert [r for r in await _rows(circle, MessageKind.PERSONAL) if r.recipient_id == CARL.id] == []


async def test_remind_with_something_missing_says_what_to_add(circle: Circle) -> None:
    await circle.set_up()
    for text, opening in [
        ("/remind", "Tell me when and what"),
        ("/remind call mum", "Tell me when and what"),
        ("/remind tomorrow 9:00", "Tell me when and what"),
        ("/remind yesterday 9:00 call mum", '"yesterday 9:00" has already passed.'),
        ("/remind tomorrow 9:00 " + "x" * 600, "That's a bit long for a reminder."),
    ]:
        await circle.say_privately(MARIA, text)
        assert circle.private(MARIA)[-1].text.startswith(opening), text
    assert await _rows(circle, MessageKind.PERSONAL) == []


# A job that fires while the application is stopping makes PTB warn; nothing is lost.
@pytest.mark.filterwarnings("ignore:Tasks created via `Application.create_task`")
async def test_the_scheduler_runs_on_the_job_queue_and_wakes_for_new_messages(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/remind in 5 minutes take a break")
    circle.clock.set(circle.clock.now() + timedelta(minutes=5))
    arrived: asyncio.Queue[str] = asyncio.Queue()

    def watch(method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage" and "You asked me" in str(params.get("text", "")):
            arrived.put_nowait(circle.private(MARIA)[-1].text)

    circle.fake.observers.append(watch)
    await on_start(circle.app)
    await circle.app.start()
    try:
        # The first sweep runs as soon as the bot starts.
        assert await asyncio.wait_for(arrived.get(), timeout=10) == (
            "⏰ You asked me to remind you:\ntake a break"
        )
        assert circle.app.job_queue is not None
        names = {job.name for job in circle.app.job_queue.jobs()}
        assert {"scheduler-sweep", "scheduler-digests"} <= names
        # A new reminder wakes the scheduler at its own time, without waiting for a sweep.
        await circle.say_privately(MARIA, "/remind in 2 minutes drink water")
        circle.clock.set(circle.clock.now() + timedelta(minutes=2))
        await circle.scheduler.wake()
        assert await asyncio.wait_for(arrived.get(), timeout=10) == (
            "⏰ You asked me to remind you:\ndrink water"
        )
        # Woken by that job, the scheduler arms itself again, for tomorrow's summary.
        await circle.say_privately(MARIA, "/remind in 1 minute stand up")
        circle.clock.set(circle.clock.now() + timedelta(minutes=1))
        await circle.scheduler.wake()
        assert await asyncio.wait_for(arrived.get(), timeout=10) == (
            "⏰ You asked me to remind you:\nstand up"
        )
    finally:
        await circle.app.stop()
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
