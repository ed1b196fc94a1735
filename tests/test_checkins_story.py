"""Stories of check-ins: Maria's "how are you today?", told in a few taps and kept private
unless she sends one line to the group herself; Tom's own "How are you holding up?"; and the
schedule that asks at the right local time, once a day, across restarts and pauses."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.services import checkin_schedules
from bot.services.planning import CheckInSchedule, next_check_in
from storage.models import CheckIn, CheckInKind, MessageKind, MessageState, ScheduledMessage
from tests.conftest import ANNA, GROUP_ID, MARIA, TOM, Circle, Person
from tests.fake_telegram import FakeMessage

BERLIN = ZoneInfo("Europe/Berlin")
BODY = "How is your body today?"
MOOD = "How is your mood?"
ENERGY = "How much energy do you have today?"
NOTE = "Anything new or harder than usual?"
SHARE = "📣 Share a line with the group"
PRIVATE = "🔒 Keep it private"
NOTE_TEXT = "Left leg heavier on the stairs, pins and needles in my hands"


def utc(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _check_ins(circle: Circle) -> list[CheckIn]:
    async with circle.sm() as session:
        rows = await session.exec(select(CheckIn).order_by(col(CheckIn.id)))
        return list(rows.all())


async def _rows(circle: Circle, kind: MessageKind) -> list[ScheduledMessage]:
    return [r for r in await circle.scheduled() if r.kind == kind]


def _now(circle: Circle, message: FakeMessage) -> FakeMessage:
    """The message as the person sees it now (it is edited question by question)."""
    return circle.fake.message(message.chat_id, message.message_id)


def _prompts(circle: Circle, person: Person, question: str = BODY) -> list[FakeMessage]:
    return [m for m in circle.private(person) if question in m.text]


def _asked(circle: Circle, person: Person, question: str = BODY) -> int:
    """How many times the bot sent this person a message with the question (later edits
    of a check-in's message do not count)."""
    return sum(
        1
        for call in circle.fake.calls_of("sendMessage")
        if str(call.params.get("chat_id")) == str(person.id)
        and question in str(call.params.get("text"))
    )


def _group_calls(circle: Circle) -> list[str]:
    """Every Bot API call aimed at the group, as text: whatever the bot tried to say there."""
    return [
        f"{call.method} {call.params}"
        for call in circle.fake.calls
        if str(call.params.get("chat_id")) == str(GROUP_ID)
    ]


def _never_says_patient(circle: Circle) -> None:
    for chat_id in (GROUP_ID, MARIA.id, TOM.id, ANNA.id):
        for message in circle.fake.bot_messages(chat_id):
            assert "patient" not in message.text.lower(), message.text


async def _answer(circle: Circle, person: Person, message: FakeMessage, *scores: str) -> None:
    for score in scores:
        await circle.press(person, _now(circle, message), score)


async def test_maria_checks_in_with_three_taps_and_a_typed_note(circle: Circle) -> None:
    await circle.set_up(ANNA)
    group_before = len(_group_calls(circle))
    said_before = len(circle.private(MARIA))
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    assert prompt.text.startswith("💛 Hi Maria — time for a short check-in.")
    # One big button a row, 5 (good) down to 1 (hard); nothing to copy the first time.
    assert prompt.buttons == [
        ["5 😊 Very good"],
        ["4 🙂 Good"],
        ["3 😐 Okay"],
        ["2 🙁 Not great"],
        ["1 😣 Very hard"],
    ]

    await circle.press(MARIA, prompt, "2 🙁 Not great")
    shown = _now(circle, prompt)
    assert "✓ Body: 2 🙁 Not great" in shown.text
    assert MOOD in shown.text
    # Saved as it comes, before the check-in is over.
    [row] = await _check_ins(circle)
    assert (row.physical, row.mood, row.energy, row.finished_at) == (2, None, None, None)

    await _answer(circle, MARIA, prompt, "4 🙂 Good")
    assert ENERGY in _now(circle, prompt).text
    await _answer(circle, MARIA, prompt, "2 🙁 Low")
    shown = _now(circle, prompt)
    assert NOTE in shown.text
    assert shown.buttons == [["⏭ Skip"]]
    # Still one message: every answer edited the same one.
    assert len(circle.private(MARIA)) == said_before + 1

    circle.clock.advance(timedelta(minutes=3))
    await circle.say_privately(MARIA, NOTE_TEXT)
    summary = circle.private(MARIA)[-1]
    assert summary.text == (
        "Thank you, Maria 💛 Your check-in is saved.\n\n"
        "Body: 2 🙁 Not great\n"
        "Mood: 4 🙂 Good\n"
        "Energy: 2 🙁 Low\n"
        f"Note: “{NOTE_TEXT}”\n\n"
        "Only you can see this. Would you like to tell the group how you are?"
    )
    assert summary.buttons == [[SHARE], [PRIVATE]]
    # The question above loses its Skip button, so nothing is left to tap by mistake.
    settled = _now(circle, prompt)
    assert settled.buttons == []
    assert "📝 Note saved" in settled.text
    # The /need flow did not also answer the note with "I'm not sure what to do with that".
    assert not any("not sure what to do" in m.text for m in circle.private(MARIA))

    [row] = await _check_ins(circle)
    assert (row.kind, row.user_id, row.physical, row.mood, row.energy) == (
        CheckInKind.WELLBEING,
        MARIA.id,
        2,
        4,
        2,
    )
    assert row.note == NOTE_TEXT
    assert row.finished_at == circle.clock.now()
    assert row.voice_file_id is None and row.shared_status is None

    await circle.press(MARIA, summary, PRIVATE)
    kept = _now(circle, summary)
    assert kept.text.endswith("🔒 Kept private — only you can see this.")
    assert kept.buttons == []
    # After a check-in, private words go back to everyone else: the /need flow answers.
    await circle.say_privately(MARIA, "hello?")
    assert "not sure what to do" in circle.private(MARIA)[-1].text
    assert _group_calls(circle)[group_before:] == []
    _never_says_patient(circle)


async def test_a_voice_note_is_kept_and_goes_nowhere_else(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, prompt, "3 😐 Okay", "3 😐 Okay", "1 😣 Exhausted")

    update = circle.fake.user_sends_voice(MARIA.id, MARIA.id, duration=42)
    await circle.feed(update)
    file_id = update["message"]["voice"]["file_id"]

    [row] = await _check_ins(circle)
    assert (row.voice_file_id, row.voice_seconds, row.note) == (file_id, 42, None)
    assert row.finished_at is not None
    summary = circle.private(MARIA)[-1]
    assert "🎤 Voice message (0:42)" in summary.text
    assert summary.buttons == [[SHARE], [PRIVATE]]
    # Kept by its id only: never forwarded, copied or re-sent anywhere.
    assert not [
        c
        for c in circle.fake.calls
        if c.method in ("sendVoice", "sendAudio", "forwardMessage", "copyMessage", "getFile")
    ]
    assert not [call for call in _group_calls(circle) if file_id in call]


async def test_words_typed_for_a_newer_need_are_not_taken_as_the_note(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, prompt, "3 😐 Okay", "3 😐 Okay", "3 😐 Some")
    # Before adding a note, Maria asks for help with the guided /need instead.
    circle.clock.advance(timedelta(minutes=1))
    await circle.say_privately(MARIA, "/need")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🍲 Meal")
    await circle.say_privately(MARIA, "soup for Friday")
    assert circle.private(MARIA)[-1].text == "When is it?"
    [row] = await _check_ins(circle)
    assert (row.note, row.finished_at) == (None, None)
    # Once that is settled, her next words are the check-in's note after all.
    await circle.say_privately(MARIA, "/cancel")
    await circle.say_privately(MARIA, "A little dizzy in the mornings")
    [row] = await _check_ins(circle)
    assert row.note == "A little dizzy in the mornings"


async def test_same_as_last_time_answers_all_three_in_one_tap(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [first] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, first, "4 🙂 Good", "2 🙁 Low", "3 😐 Some", "⏭ Skip")

    circle.clock.advance(timedelta(days=1))
    await circle.say_privately(MARIA, "/checkin")
    second = _prompts(circle, MARIA)[-1]
    assert second.message_id != first.message_id
    assert second.buttons[-1] == ["🔁 Same as last time"]
    await circle.press(MARIA, second, "🔁 Same as last time")
    shown = _now(circle, second)
    assert "✓ Body: 4 🙂 Good\n✓ Mood: 2 🙁 Low\n✓ Energy: 3 😐 Some" in shown.text
    assert NOTE in shown.text
    await circle.press(MARIA, shown, "⏭ Skip")

    rows = await _check_ins(circle)
    assert [(r.physical, r.mood, r.energy) for r in rows] == [(4, 2, 3), (4, 2, 3)]
    assert all(r.finished_at is not None for r in rows)
    assert "No note" in _now(circle, second).text


async def test_an_abandoned_check_in_keeps_its_answers_and_a_later_one_starts_fresh(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [old] = _prompts(circle, MARIA)
    await circle.press(MARIA, old, "3 😐 Okay")  # then Maria falls asleep

    circle.clock.advance(timedelta(hours=13))
    await circle.say_privately(MARIA, "/checkin")
    new = _prompts(circle, MARIA)[-1]
    assert new.message_id != old.message_id
    assert "✓ Body" not in new.text and BODY in new.text
    rows = await _check_ins(circle)
    assert [(r.physical, r.finished_at) for r in rows] == [(3, None), (None, None)]

    # The old question's buttons still show; a tap answers kindly and changes nothing.
    answer = await circle.press(MARIA, _now(circle, old), "4 🙂 Good")
    assert answer is not None
    assert answer[0] is not None and "what you answered is kept" in answer[0]
    assert _now(circle, old).buttons == []
    rows = await _check_ins(circle)
    assert [(r.physical, r.mood) for r in rows] == [(3, None), (None, None)]

    # The new one goes on normally.
    await _answer(circle, MARIA, new, "5 😊 Very good")
    rows = await _check_ins(circle)
    assert [(r.physical, r.mood) for r in rows] == [(3, None), (5, None)]


async def test_a_check_in_never_answered_leaves_nothing_behind_when_the_next_starts(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    circle.clock.advance(timedelta(hours=13))
    await circle.say_privately(MARIA, "/checkin")
    [row] = await _check_ins(circle)
    assert row.started_at == circle.clock.now()


async def test_never_two_check_ins_at_once(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [first] = _prompts(circle, MARIA)
    await circle.press(MARIA, first, "2 🙁 Not great")

    # /checkin again: the same check-in is shown again where Maria is looking now.
    await circle.say_privately(MARIA, "/checkin")
    again = circle.private(MARIA)[-1]
    assert again.message_id != first.message_id
    assert "let's carry on with your check-in" in again.text
    assert "✓ Body: 2 🙁 Not great" in again.text and MOOD in again.text
    assert _now(circle, first).buttons == []  # the older copy is closed
    assert len(await _check_ins(circle)) == 1

    # The scheduled one at 19:00 arrives while this one is still open: shown again, not new.
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.run_until(utc(25, 18))
    scheduled = circle.private(MARIA)[-1]
    assert "let's carry on with your check-in" in scheduled.text
    assert MOOD in scheduled.text
    assert len(await _check_ins(circle)) == 1
    [sent, _next] = await _rows(circle, MessageKind.CHECK_IN)
    assert sent.state == MessageState.SENT

    # A tap on the copy shown by /checkin that lands after the check-in is done elsewhere.
    late_tap = circle.fake.user_presses(MARIA.id, MARIA.id, again.message_id, "4 🙂 Good")
    await _answer(circle, MARIA, scheduled, "3 😐 Okay", "3 😐 Some", "⏭ Skip")
    [row] = await _check_ins(circle)
    assert (row.physical, row.mood, row.energy) == (2, 3, 3)
    assert row.finished_at is not None
    assert _now(circle, again).buttons == []  # closed when the other copy moved on

    await circle.feed(late_tap)
    answer = circle.fake.callback_answer_for(late_tap["callback_query"]["id"])
    assert answer is not None and "finished" in (answer[1] or "")
    [row] = await _check_ins(circle)
    assert (row.physical, row.mood, row.energy) == (2, 3, 3)
    assert _now(circle, scheduled).buttons == [[SHARE], [PRIVATE]]


async def test_a_double_tap_answers_one_question_once(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    # Two presses of the same message before the bot answered either (a shaky hand).
    one = circle.fake.user_presses(MARIA.id, MARIA.id, prompt.message_id, "4 🙂 Good")
    two = circle.fake.user_presses(MARIA.id, MARIA.id, prompt.message_id, "2 🙁 Not great")
    await circle.feed(one)
    await circle.feed(two)
    [row] = await _check_ins(circle)
    assert (row.physical, row.mood) == (4, None)
    assert circle.fake.callback_answer_for(two["callback_query"]["id"]) == (
        two["callback_query"]["id"],
        "Already saved ✓",
        False,
    )
    assert MOOD in _now(circle, prompt).text


async def test_the_next_question_shows_while_telegram_is_still_answering_the_tap(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    # Telegram is slow with the tap's little answer; the question need not wait for it.
    pop_up = circle.fake.hold_next("answerCallbackQuery")
    question = circle.fake.hold_next("editMessageText", chat_id=MARIA.id)
    tapping = asyncio.create_task(circle.press(MARIA, prompt, "4 🙂 Good"))
    await asyncio.wait_for(asyncio.gather(pop_up.reached.wait(), question.reached.wait()), 5)
    question.release()
    pop_up.release()
    await asyncio.wait_for(tapping, 5)
    assert MOOD in _now(circle, prompt).text
    [row] = await _check_ins(circle)
    assert (row.physical, row.mood) == (4, None)


async def test_nothing_from_a_check_in_reaches_the_group_but_the_line_maria_taps(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, TOM)
    group_before = len(_group_calls(circle))
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, prompt, "2 🙁 Not great", "3 😐 Okay", "1 😣 Exhausted")
    await circle.say_privately(MARIA, NOTE_TEXT)
    summary = circle.private(MARIA)[-1]

    await circle.press(MARIA, summary, SHARE)
    choices = _now(circle, summary)
    assert choices.text == (
        "Which line should I send to Maria's helpers? Tap one.\n\n"
        "• Maria checked in: a hard day — a call would be welcome 💛\n"
        "• Maria checked in: a tiring day\n"
        "• Maria checked in today 💛\n\n"
        "Only that line goes — nothing else from your check-in."
    )
    assert choices.buttons[-2:] == [["✏️ Write my own"], [PRIVATE]]
    assert _group_calls(circle)[group_before:] == []  # looking at the choices sends nothing

    tapped = len(circle.fake.calls)
    await circle.press(MARIA, choices, "😴 A tiring day")
    line = "Maria checked in: a tiring day"
    sent_to_group = [
        c for c in circle.fake.calls[tapped:] if str(c.params.get("chat_id")) == str(GROUP_ID)
    ]
    assert [(c.method, c.params["text"]) for c in sent_to_group] == [("sendMessage", line)]
    assert circle.group()[-1].text == line
    done = _now(circle, summary)
    assert f"📣 Sent to Maria's helpers: “{line}”" in done.text
    assert done.buttons == []
    [row] = await _check_ins(circle)
    assert row.shared_status == line

    # Across everything the bot ever sent or tried to send to the group: no score, no
    # words for a score, no note; the line exactly once.
    everything = "\n".join(_group_calls(circle))
    for private in (NOTE_TEXT, "pins and needles", "Not great", "Exhausted", "Body", "Mood"):
        assert private not in everything
    for face in ("😣", "🙁", "😐", "🙂", "😊"):
        assert face not in everything
    assert everything.count(line) == 1
    bot_in_group = [m.text for m in circle.group() if m.from_bot]
    assert bot_in_group[1:] == [line]  # after the /setup reply, only the line
    _never_says_patient(circle)


async def test_maria_writes_her_own_line_and_it_goes_once_only_after_send(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    group_before = len(_group_calls(circle))
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, prompt, "4 🙂 Good", "4 🙂 Good", "4 🙂 Good", "⏭ Skip")
    await circle.press(MARIA, _now(circle, prompt), SHARE)
    await circle.press(MARIA, _now(circle, prompt), "✏️ Write my own")
    assert _now(circle, prompt).text.startswith("✏️ Send me one line for Maria's helpers")

    await circle.say_privately(MARIA, "x" * 201)
    assert "That's a little long (201 characters)" in circle.private(MARIA)[-1].text
    await circle.say_privately(MARIA, "Tired  but the soup was lovely <3 thank you Anna")
    preview = circle.private(MARIA)[-1]
    assert "Tired but the soup was lovely <3 thank you Anna" in preview.text
    assert preview.buttons == [["📣 Send it"], [PRIVATE]]
    assert _group_calls(circle)[group_before:] == []  # typing is not sending

    # A restart between writing and sending loses nothing; a double tap sends once.
    await circle.restart()
    one = circle.fake.user_presses(MARIA.id, MARIA.id, preview.message_id, "📣 Send it")
    two = circle.fake.user_presses(MARIA.id, MARIA.id, preview.message_id, "📣 Send it")
    await circle.feed(one)
    await circle.feed(two)
    line = "Maria checked in: Tired but the soup was lovely <3 thank you Anna"
    assert [m.text for m in circle.group() if m.from_bot][1:] == [line]
    # One call to the group, and it is the line (escaped for HTML: Maria typed "<3").
    [only] = _group_calls(circle)[group_before:]
    assert only.startswith("sendMessage") and html.escape(line, quote=False) in only
    [row] = await _check_ins(circle)
    assert row.shared_status == line
    answer = circle.fake.callback_answer_for(two["callback_query"]["id"])
    assert answer is not None and "went to the group already" in (answer[1] or "")

    # Words typed afterwards are Maria's own again, not another line for the group.
    await circle.say_privately(MARIA, "I feel awful today")
    assert [m.text for m in circle.group() if m.from_bot][1:] == [line]


async def test_a_scheduled_check_in_at_19_local_once_a_day_across_a_restart(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    assert circle.private(MARIA)[-1].text == (
        "✅ I'll check in with you every day at 19:00.\nThe next one: today 19:00."
    )
    await circle.run_until(utc(25, 17, 59))
    assert _asked(circle, MARIA) == 0
    await circle.run_until(utc(25, 18))  # 19:00 in Berlin
    assert _asked(circle, MARIA) == 1

    await circle.run_until(utc(26, 12))
    await circle.restart()
    await circle.run_until(utc(28, 12))
    assert _asked(circle, MARIA) == 3
    rows = await _rows(circle, MessageKind.CHECK_IN)
    assert [(r.due_at, r.state, r.recipient_id) for r in rows] == [
        (utc(25, 18), MessageState.SENT, MARIA.id),
        (utc(26, 18), MessageState.SENT, MARIA.id),
        (utc(27, 18), MessageState.SENT, MARIA.id),
        (utc(28, 18), MessageState.PENDING, MARIA.id),
    ]
    # Unanswered prompts leave no empty check-ins behind; the open one is today's.
    assert len(await _check_ins(circle)) == 1

    # The bot is down at 19:00 and back at 23:00: too late to ask; the next is planned.
    await circle.scheduler.stop()
    circle.clock.set(utc(28, 22))
    await circle.restart()
    await circle.tick()
    rows = await _rows(circle, MessageKind.CHECK_IN)
    assert [(r.due_at, r.state) for r in rows[-2:]] == [
        (utc(28, 18), MessageState.DROPPED),
        (utc(29, 18), MessageState.PENDING),
    ]
    assert _asked(circle, MARIA) == 3
    assert not [m for m in circle.group() if BODY in m.text]


async def test_after_checking_in_herself_maria_is_not_asked_again_that_day(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    await _answer(circle, MARIA, prompt, "4 🙂 Good", "4 🙂 Good", "4 🙂 Good", "⏭ Skip")
    await circle.run_until(utc(26, 19))
    rows = await _rows(circle, MessageKind.CHECK_IN)
    assert [(r.due_at, r.state) for r in rows] == [
        (utc(25, 18), MessageState.SKIPPED),
        (utc(26, 18), MessageState.SENT),
        (utc(27, 18), MessageState.PENDING),
    ]
    assert _asked(circle, MARIA) == 2  # the one she started, and Thursday's


async def test_pause_for_a_week_then_check_ins_resume(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.say_privately(MARIA, "/checkins pause 7d")
    assert circle.private(MARIA)[-1].text == (
        "⏸ Paused. Your check-ins (every day at 19:00) start again on Wed 2 Dec.\n"
        "/checkins resume starts them sooner."
    )
    await circle.say_privately(MARIA, "/checkins")
    assert circle.private(MARIA)[-1].text.startswith(
        "⏸ Check-ins are paused. They start again on Wed 2 Dec: every day at 19:00.\n"
        "The next one: Wed 2 Dec 19:00."
    )
    [pending] = await _rows(circle, MessageKind.CHECK_IN)
    assert pending.due_at == utc(2, 18, month=12)

    await circle.run_until(utc(2, 17, 59, month=12))
    assert _asked(circle, MARIA) == 0
    await circle.run_until(utc(3, 19, month=12))
    assert _asked(circle, MARIA) == 2

    # "pause 2w" and "resume": the schedule itself is never lost.
    await circle.say_privately(MARIA, "/checkins pause 2w")
    assert "start again on Thu 17 Dec" in circle.private(MARIA)[-1].text
    await circle.say_privately(MARIA, "/checkins resume")  # at 20:00 in Berlin
    assert circle.private(MARIA)[-1].text == (
        "✅ I'll check in with you every day at 19:00.\nThe next one: tomorrow 19:00."
    )
    pending_rows = [
        r for r in await _rows(circle, MessageKind.CHECK_IN) if r.state == MessageState.PENDING
    ]
    assert [r.due_at for r in pending_rows] == [utc(4, 18, month=12)]


async def test_a_weekly_check_in_and_switching_off(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins weekly sunday 6pm")
    assert circle.private(MARIA)[-1].text == (
        "✅ I'll check in with you every Sunday at 18:00.\nThe next one: Sun 18:00."
    )
    await circle.run_until(utc(29, 17))
    assert _asked(circle, MARIA) == 1
    await circle.say_privately(MARIA, "/checkins off")
    assert circle.private(MARIA)[-1].text.startswith("Okay — no more scheduled check-ins.")
    assert [r.state for r in await _rows(circle, MessageKind.CHECK_IN)] == [MessageState.SENT]


async def test_a_check_in_for_someone_who_cannot_be_reached_fails_and_the_next_is_planned(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    circle.fake.block_bot(MARIA.id)
    await circle.run_until(utc(25, 18))
    rows = await _rows(circle, MessageKind.CHECK_IN)
    assert [(r.due_at, r.state) for r in rows] == [
        (utc(25, 18), MessageState.FAILED),
        (utc(26, 18), MessageState.PENDING),
    ]
    assert await _check_ins(circle) == []  # never asked, so nothing half-made
    assert not [m for m in circle.group() if BODY in m.text]


async def test_tom_s_own_holding_up_check_in_is_his_alone(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    group_before = len(_group_calls(circle))
    await circle.say_privately(TOM, "/checkins")
    assert circle.private(TOM)[-1].text.startswith(
        "🫶 Your own weekly check-in — “How are you holding up?” — is off."
    )
    await circle.say_privately(TOM, "/checkins daily 19:00")
    assert "once a week" in circle.private(TOM)[-1].text
    await circle.say_privately(TOM, "/checkins me sun 18:00")
    assert circle.private(TOM)[-1].text == (
        "✅ Your own check-in: every Sunday at 18:00.\nThe next one: Sun 18:00.\n"
        "Only you will see your answers."
    )
    maria_before = len(circle.private(MARIA))

    await circle.run_until(utc(29, 17))
    [prompt] = _prompts(circle, TOM, "a moment for you")
    assert prompt.text.startswith("🫶 Hi Tom — a moment for you.")
    await _answer(circle, TOM, prompt, "2 🙁 Struggling", "1 😣 Exhausted", "2 🙁 Not much")
    assert "Anything on your mind?" in _now(circle, prompt).text
    await circle.say_privately(TOM, "Work is a lot on top of everything")
    summary = circle.private(TOM)[-1]
    assert summary.text.startswith("Thank you, Tom 🫶 Saved — only you can see this.")
    assert "/resources" in summary.text
    assert summary.buttons == []  # nothing to share: it is his alone

    [row] = await _check_ins(circle)
    assert (row.kind, row.user_id, row.physical, row.mood, row.energy) == (
        CheckInKind.HOLDING_UP,
        TOM.id,
        2,
        1,
        2,
    )
    assert row.note == "Work is a lot on top of everything"
    # Nothing of it reaches Maria, the group or anyone else: no call to any other chat
    # carries his words or his answers.
    assert circle.private(MARIA)[maria_before:] == []
    assert _group_calls(circle)[group_before:] == []
    elsewhere = "\n".join(
        str(call.params)
        for call in circle.fake.calls
        if "chat_id" in call.params and str(call.params["chat_id"]) != str(TOM.id)
    )
    for private in ("Work is a lot", "Struggling", "Not much", "holding up"):
        assert private not in elsewhere
    rows = await _rows(circle, MessageKind.HOLDING_UP)
    assert [(r.due_at, r.state, r.recipient_id) for r in rows] == [
        (utc(29, 17), MessageState.SENT, TOM.id),
        (utc(6, 17, month=12), MessageState.PENDING, TOM.id),
    ]

    await circle.say_privately(TOM, "/checkins me off")
    assert circle.private(TOM)[-1].text.startswith("Okay — your own weekly check-in is off.")
    assert await _rows(circle, MessageKind.HOLDING_UP) == rows[:1]
    _never_says_patient(circle)


async def test_kind_answers_to_what_cannot_be_read(circle: Circle) -> None:
    await circle.set_up(ANNA)
    replies = {
        "/checkins daily 25:00": "I couldn't read “25:00” as a time. Try 19:00 or 7pm",
        "/checkins weekly 18:00": "Which day? For example /checkins weekly sun 18:00",
        "/checkins daily": "What time? For example /checkins daily 19:00",
        "/checkins banana": "I didn't quite catch “banana”.",
        "/checkins pause 7d": "There are no scheduled check-ins to pause.",
        "/checkins me sun 18:00": "“me” is for carepartners' own check-ins.",
    }
    for typed, reply in replies.items():
        await circle.say_privately(MARIA, typed)
        assert circle.private(MARIA)[-1].text.startswith(reply), typed
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    for typed, reply in {
        "/checkins pause forever": "How long a break? For example /checkins pause 7d",
        "/checkins pause 20w": "That's a long break — the longest is 12 weeks",
    }.items():
        await circle.say_privately(MARIA, typed)
        assert circle.private(MARIA)[-1].text.startswith(reply), typed
    rows = await _rows(circle, MessageKind.CHECK_IN)
    assert [(r.due_at, r.state) for r in rows] == [(utc(25, 18), MessageState.PENDING)]

    # Carepartner typing something unreadable.
    await circle.say_privately(ANNA, "/checkins me whenever")
    assert "I didn't quite catch" in circle.private(ANNA)[-1].text


async def test_in_the_group_check_ins_are_only_pointed_to_the_private_chat(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    for typed in ("/checkin", "/checkins daily 19:00"):
        await circle.say(MARIA, typed)
        reply = circle.last_in_group()
        assert reply.text.startswith("Check-ins are private 💛")
        assert reply.url("💬 Open our private chat").startswith("https://t.me/CareCircleBot?start=")
    assert _asked(circle, MARIA) == 0
    assert await _rows(circle, MessageKind.CHECK_IN) == []


async def test_a_stale_or_made_up_button_answers_kindly(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/checkin")
    [prompt] = _prompts(circle, MARIA)
    data = prompt.callback_data("4 🙂 Good")
    assert data.startswith("c:p:") and len(data.encode()) < 64
    # Someone else's tap (a forwarded message) and a check-in that no longer exists.
    [stored] = [
        m for m in circle.fake.chats[MARIA.id].messages if m.message_id == prompt.message_id
    ]
    for user_id, callback in ((ANNA.id, data), (MARIA.id, "c:p:999:4"), (MARIA.id, "c:p:1:9")):
        # As if the message had carried this button: a forwarded copy, an old or forged one.
        stored.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": callback}]]}
        update = circle.fake.user_presses(user_id, MARIA.id, prompt.message_id, "x")
        await circle.feed(update)
        answer = circle.fake.callback_answer_for(update["callback_query"]["id"])
        assert answer is not None and answer[1], callback
    [row] = await _check_ins(circle)
    assert row.physical is None


# --- rules, without a bot -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("daily 19:00", "daily 19:00"),
        ("every day 7pm", "daily 19:00"),
        ("19.30", "daily 19:30"),
        ("weekly sun 18:00", "weekly sun 18:00"),
        ("weekly sunday 6pm", "weekly sun 18:00"),
        ("Sundays at 6 pm", "weekly sun 18:00"),
        ("thurs noon", "weekly thu 12:00"),
    ],
)
def test_reading_a_schedule(typed: str, expected: str) -> None:
    wanted = checkin_schedules.read_command(typed, for_supported_person=True)
    assert isinstance(wanted, checkin_schedules.SetSchedule) and wanted.schedule is not None
    assert wanted.schedule.stored == expected


@pytest.mark.parametrize(
    ("typed", "days"),
    [("pause", 7), ("pause 7d", 7), ("pause 2w", 14), ("pause 3 days", 3), ("pause a week", 7)],
)
def test_reading_a_pause(typed: str, days: int) -> None:
    assert checkin_schedules.read_command(
        typed, for_supported_person=True
    ) == checkin_schedules.Pause(days)


def test_a_carepartner_s_words_are_about_their_own_weekly_check_in() -> None:
    own = checkin_schedules.read_command("me sat 9:30", for_supported_person=False)
    assert isinstance(own, checkin_schedules.SetOwn) and own.schedule is not None
    assert checkin_schedules.own_stored(own.schedule) == "sat 09:30"
    assert checkin_schedules.read_command(
        "off", for_supported_person=False
    ) == checkin_schedules.SetOwn(None)
    assert checkin_schedules.read_command("me", for_supported_person=False) is None


def test_check_ins_keep_local_time_across_daylight_saving() -> None:
    # Berlin springs forward on Sunday 28 March 2027: 19:00 is 18:00 UTC before, 17:00 after.
    after = datetime(2027, 3, 27, 18, 0, tzinfo=UTC)
    planned = next_check_in("daily 19:00", BERLIN, MARIA.id, after)
    assert planned is not None and planned.due_at == datetime(2027, 3, 28, 17, 0, tzinfo=UTC)
    # On the autumn night 02:30 happens twice; it is asked once.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    planned = next_check_in("daily 02:30", BERLIN, MARIA.id, first)
    assert planned is not None and planned.due_at == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    weekly = next_check_in("weekly sun 18:00", BERLIN, TOM.id, utc(25, 9), MessageKind.HOLDING_UP)
    assert weekly is not None and weekly.due_at == utc(29, 17)
    assert weekly.kind == MessageKind.HOLDING_UP
    assert CheckInSchedule(None, weekly.due_at.astimezone(BERLIN).time()).stored == "daily 18:00"


async def test_a_new_time_zone_moves_the_check_ins_to_its_own_evening(circle: Circle) -> None:
    await circle.set_up(TOM)
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.say(MARIA, "/timezone Pacific/Auckland")
    pending = [
        r.due_at
        for r in await circle.scheduled()
        if r.kind == MessageKind.CHECK_IN and r.state == MessageState.PENDING
    ]
    # Wed 09:00 UTC is Wed 22:00 in Auckland: the next 19:00 there is Thu 06:00 UTC.
    assert pending == [datetime(2026, 11, 26, 6, 0, tzinfo=UTC)]
