"""Stories of /settings: Maria and her coordinator choose when helpers are reminded, when
the group is nudged and when her morning summary comes; everyone else can look."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.models import Circle as CircleRow
from storage.models import MessageKind, MessageState, ScheduledMessage
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle, Person
from tests.fake_telegram import FakeMessage

RIDE = "/need ride to neurology tomorrow 14:00"  # Thu 26 Nov, 14:00 Berlin = 13:00 UTC
MENU = [["⏰ Helper reminders"], ["🔔 Group nudges"], ["☀️ Morning summary"]]
OTHER_GROUP = -1001000000002


async def _circle_row(circle: Circle, chat_id: int | None = None) -> CircleRow:
    async with circle.sm() as session:
        rows = await session.exec(
            select(CircleRow).where(CircleRow.chat_id == (chat_id or circle.group_id))
        )
        row = rows.first()
        assert row is not None
        return row


async def _pending(circle: Circle, kind: MessageKind) -> list[ScheduledMessage]:
    return [
        row
        for row in await circle.scheduled()
        if row.kind == kind and row.state == MessageState.PENDING
    ]


async def _make_tom_coordinator(circle: Circle) -> None:
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)


async def _settings_message(circle: Circle, person: Person) -> FakeMessage:
    await circle.say(person, "/settings")
    return circle.last_in_group()


def _now(circle: Circle, message: FakeMessage) -> FakeMessage:
    """The message as it looks after being edited."""
    return circle.fake.message(message.chat_id, message.message_id)


def _reminders_to(circle: Circle, person: Person) -> list[str]:
    return [m.text for m in circle.private(person) if m.text.startswith("⏰ Reminder")]


def _summaries_to(circle: Circle, person: Person) -> list[str]:
    return [m.text for m in circle.private(person) if "Good morning" in m.text]


async def test_everyone_can_see_the_settings_in_words(circle: Circle) -> None:
    await circle.set_up(ANNA)
    shown = await _settings_message(circle, MARIA)
    assert shown.text.splitlines() == [
        "⚙️ Settings for Maria's circle",
        "",
        "⏰ Helpers are reminded 24 h and 2 h before",
        "🔔 The group is nudged 48 h and 24 h before about needs nobody has taken",
        "☀️ Morning summary for Maria at 08:00",
        "🔁 Repeating needs: each date is posted 7 days ahead",
        "🩺 Helpers' observations: off (Maria can switch them on privately)",
        "",
        "Tap a button to change one.",
    ]
    assert shown.buttons == MENU
    assert "patient" not in shown.text.lower()

    annas = await _settings_message(circle, ANNA)
    assert annas.text.endswith("Maria or a coordinator can change these.")
    assert annas.buttons == []

    await circle.say_privately(MARIA, "/settings")
    assert circle.private(MARIA)[-1].buttons == MENU


async def test_maria_chooses_two_hour_reminders_and_anna_gets_just_that_one(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    settings = await _settings_message(circle, MARIA)
    assert await circle.press(MARIA, settings, "⏰ Helper reminders") == (None, False)
    choices = _now(circle, settings)
    assert choices.text.startswith("⏰ Helper reminders")
    assert "Now: 24 h and 2 h before." in choices.text
    assert choices.buttons == [
        ["24 h + 2 h"],
        ["2 h only"],
        ["24 h only"],
        ["1 h only"],
        ["Off"],
        ["⬅️ Back"],
    ]
    assert await circle.press(MARIA, choices, "2 h only") == ("Saved ✓", False)
    saved = _now(circle, settings)
    assert "⏰ Helpers are reminded 2 h before" in saved.text
    assert saved.buttons == MENU
    assert (await _circle_row(circle)).reminder_leads == "120"

    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    assert "⏰ I'll remind you tomorrow 12:00." in circle.private(ANNA)[-1].text
    reminders = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert [(r.lead, r.due_at) for r in reminders] == [
        (120, datetime(2026, 11, 26, 11, 0, tzinfo=UTC))
    ]

    await circle.run_until(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    [reminder] = _reminders_to(circle, ANNA)
    assert reminder.startswith("⏰ Reminder: you're helping Maria today 14:00.")


async def test_back_returns_to_the_summary_without_changing_anything(circle: Circle) -> None:
    await circle.set_up(ANNA)
    settings = await _settings_message(circle, MARIA)
    await circle.press(MARIA, settings, "🔔 Group nudges")
    assert _now(circle, settings).buttons == [["48 h + 24 h"], ["24 h only"], ["Off"], ["⬅️ Back"]]
    await circle.press(MARIA, _now(circle, settings), "⬅️ Back")
    assert _now(circle, settings).text == settings.text
    assert _now(circle, settings).buttons == MENU
    assert (await _circle_row(circle)).nudge_leads == "2880,1440"


async def test_tom_changes_the_leads_and_needs_already_planned_follow(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    await _make_tom_coordinator(circle)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(MARIA, "/need dinner on Saturday 18:00")  # nobody has taken it yet
    assert [r.lead for r in await _pending(circle, MessageKind.REMINDER)] == [1440, 120]
    assert [r.lead for r in await _pending(circle, MessageKind.NUDGE)] == [2880, 1440]

    await circle.say(TOM, "/settings reminders 90m")
    reply = circle.last_in_group()
    assert reply.text.startswith("✅ Saved.")
    assert "⏰ Helpers are reminded 1 h 30 min before" in reply.text
    [reminder] = await _pending(circle, MessageKind.REMINDER)
    assert (reminder.lead, reminder.due_at) == (90, datetime(2026, 11, 26, 11, 30, tzinfo=UTC))

    await circle.say(TOM, "/settings nudges 24h")
    assert "🔔 The group is nudged 24 h before" in circle.last_in_group().text
    [nudge] = await _pending(circle, MessageKind.NUDGE)
    assert (nudge.lead, nudge.due_at) == (1440, datetime(2026, 11, 27, 17, 0, tzinfo=UTC))

    await circle.run_until(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    [sent] = _reminders_to(circle, ANNA)
    assert sent.startswith("⏰ Reminder: you're helping Maria today 14:00.")


async def test_tom_can_change_settings_from_his_private_chat(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    await _make_tom_coordinator(circle)
    await circle.say_privately(TOM, "/settings")
    settings = circle.private(TOM)[-1]
    assert settings.buttons == MENU
    await circle.press(TOM, settings, "🔔 Group nudges")
    assert await circle.press(TOM, _now(circle, settings), "Off") == ("Saved ✓", False)
    assert "🔔 The group isn't nudged about needs nobody has taken" in _now(circle, settings).text
    assert (await _circle_row(circle)).nudge_leads == ""
    await circle.say(MARIA, "/need dinner on Saturday 18:00")
    assert await _pending(circle, MessageKind.NUDGE) == []


async def test_with_the_morning_summary_off_maria_gets_no_good_morning(circle: Circle) -> None:
    await circle.set_up(ANNA)
    settings = await _settings_message(circle, MARIA)
    await circle.press(MARIA, settings, "☀️ Morning summary")
    assert "Now: at 08:00." in _now(circle, settings).text
    assert await circle.press(MARIA, _now(circle, settings), "Off") == ("Saved ✓", False)
    assert "☀️ Morning summary for Maria: off" in _now(circle, settings).text
    assert (await _circle_row(circle)).digest_time is None
    assert await _pending(circle, MessageKind.DIGEST) == []

    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.run_until(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert _summaries_to(circle, MARIA) == []
    # The restart-time check plans summaries only for circles that want one.
    await circle.restart()
    assert await _pending(circle, MessageKind.DIGEST) == []


async def test_the_morning_summary_moved_to_seven_arrives_at_seven(circle: Circle) -> None:
    await circle.set_up(ANNA)
    settings = await _settings_message(circle, MARIA)
    await circle.press(MARIA, settings, "☀️ Morning summary")
    assert await circle.press(MARIA, _now(circle, settings), "07:00") == ("Saved ✓", False)
    assert "☀️ Morning summary for Maria at 07:00" in _now(circle, settings).text
    [digest] = await _pending(circle, MessageKind.DIGEST)
    assert digest.due_at == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 07:00 in Berlin

    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.run_until(datetime(2026, 11, 26, 5, 59, tzinfo=UTC))
    assert _summaries_to(circle, MARIA) == []
    await circle.run_until(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    [summary] = _summaries_to(circle, MARIA)
    assert "ride to neurology" in summary and "Anna" in summary
    await circle.run_until(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert len(_summaries_to(circle, MARIA)) == 1


async def test_ben_can_look_but_his_presses_change_nothing(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    settings = await _settings_message(circle, MARIA)
    only = "Only Maria or a coordinator can change these settings."
    assert await circle.press(BEN, settings, "⏰ Helper reminders") == (only, True)
    assert not _now(circle, settings).edited

    await circle.press(MARIA, settings, "⏰ Helper reminders")
    choices = _now(circle, settings)
    assert await circle.press(BEN, choices, "Off") == (only, True)
    assert _now(circle, settings).text == choices.text
    assert (await _circle_row(circle)).reminder_leads == "1440,120"

    await circle.say(BEN, "/settings reminders off")
    assert circle.last_in_group().text.startswith(only)
    assert (await _circle_row(circle)).reminder_leads == "1440,120"


async def test_typed_settings_that_cannot_be_read_get_a_kind_reply(circle: Circle) -> None:
    await circle.set_up(ANNA)
    before = await _circle_row(circle)
    digests_before = [(r.id, r.due_at) for r in await _pending(circle, MessageKind.DIGEST)]

    await circle.say(MARIA, "/settings reminders soon")
    reply = circle.last_in_group().text
    assert reply.startswith("I couldn't read “soon” as times before a need. Nothing has changed.")
    assert "/settings reminders 24h 2h" in reply

    await circle.say(MARIA, "/settings summary 25:00")
    reply = circle.last_in_group().text
    assert reply.startswith("I couldn't read “25:00” as a time of day. Nothing has changed.")
    assert "/settings summary 7:30" in reply

    await circle.say(MARIA, "/settings summary 19:00")
    assert circle.last_in_group().text.startswith(
        "The morning summary can come between 05:00 and 12:00."
    )
    await circle.say(MARIA, "/settings nudges 5m")
    assert circle.last_in_group().text.startswith("Each time needs to be at least 10 minutes")
    await circle.say(MARIA, "/settings reminders 8d")
    assert circle.last_in_group().text.startswith("Each time can be at most 7 days before.")
    await circle.say(MARIA, "/settings reminders 3d 1d 2h 1h")
    assert circle.last_in_group().text.startswith("That's more than 3 times")
    await circle.say(MARIA, "/settings colours blue")
    assert circle.last_in_group().text.startswith("I can change these")

    after = await _circle_row(circle)
    assert (after.reminder_leads, after.nudge_leads, after.digest_time) == (
        before.reminder_leads,
        before.nudge_leads,
        before.digest_time,
    )
    assert [(r.id, r.due_at) for r in await _pending(circle, MessageKind.DIGEST)] == digests_before


async def test_typed_settings_are_saved(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/settings reminders 24 h, 2 h and 30m")
    assert "⏰ Helpers are reminded 24 h, 2 h and 30 min before" in circle.last_in_group().text
    await circle.say(MARIA, "/settings reminders 1d")
    assert "⏰ Helpers are reminded 24 h before" in circle.last_in_group().text
    await circle.say(MARIA, "/settings nudges 48h 24h")
    await circle.say(MARIA, "/settings reminders off")
    assert "⏰ Helpers get no reminder before a need" in circle.last_in_group().text
    await circle.say(MARIA, "/settings digest 7:30")
    assert "☀️ Morning summary for Maria at 07:30" in circle.last_in_group().text
    row = await _circle_row(circle)
    assert (row.reminder_leads, row.nudge_leads, row.digest_time) == ("", "2880,1440", "07:30")
    [digest] = await _pending(circle, MessageKind.DIGEST)
    assert digest.due_at == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)

    await circle.say_privately(MARIA, "/settings summary off")
    assert "☀️ Morning summary for Maria: off" in circle.private(MARIA)[-1].text
    assert (await _circle_row(circle)).digest_time is None
    assert await _pending(circle, MessageKind.DIGEST) == []

    # Just the name shows that setting's choices.
    await circle.say(MARIA, "/settings summary")
    assert circle.last_in_group().buttons[-1] == ["⬅️ Back"]
    assert "Now: off." in circle.last_in_group().text


async def test_a_button_from_another_circle_changes_nothing(circle: Circle) -> None:
    await circle.set_up(ANNA)
    circle.fake.add_group(OTHER_GROUP, "Carl's friends", supergroup=True)
    await circle.say(CARL, "/setup", chat_id=OTHER_GROUP)
    await circle.say(MARIA, "Hi Carl", chat_id=OTHER_GROUP)

    marias = await _settings_message(circle, MARIA)
    await circle.press(MARIA, marias, "⏰ Helper reminders")
    [forged] = [
        button["callback_data"]
        for row in _now(circle, marias).reply_markup["inline_keyboard"]  # type: ignore[index]
        for button in row
        if button["text"] == "Off"
    ]
    await circle.say(CARL, "/settings", chat_id=OTHER_GROUP)
    carls = circle.fake.last_message(OTHER_GROUP)
    update = circle.fake.user_presses(
        MARIA.id, OTHER_GROUP, carls.message_id, button_text="⏰ Helper reminders"
    )
    update["callback_query"]["data"] = forged
    await circle.feed(update)
    answer = circle.fake.callback_answer_for(update["callback_query"]["id"])
    assert answer is not None
    # Not a button of the pressed message: refused before any feature sees it.
    assert answer[1] == "This button no longer works."
    assert (await _circle_row(circle)).reminder_leads == "1440,120"
    assert (await _circle_row(circle, OTHER_GROUP)).reminder_leads == "1440,120"
    assert not circle.fake.last_message(OTHER_GROUP).edited


async def test_an_unknown_settings_button_is_answered_kindly(circle: Circle) -> None:
    await circle.set_up(ANNA)
    settings = await _settings_message(circle, MARIA)
    update = circle.fake.user_presses(
        MARIA.id, circle.group_id, settings.message_id, button_text="⏰ Helper reminders"
    )
    update["callback_query"]["data"] = "s:r:1.99999"  # too far ahead: not ours
    await circle.feed(update)
    answer = circle.fake.callback_answer_for(update["callback_query"]["id"])
    assert answer is not None and answer[1] is not None
    assert answer[1].startswith("This button no longer works.")
    assert (await _circle_row(circle)).reminder_leads == "1440,120"
