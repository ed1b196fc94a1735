"""Stories of 🛟 Backup: someone stands by for what must not fall through (an infusion, an
MRI). If the helper drops out, the backup is on at once and the group is not asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage.models import MessageKind, MessageState, NeedStatus
from tests.conftest import ANNA, BEN, CARL, MARIA, Circle

# Backups race like claims: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

INFUSION = "/need ride to the infusion Fri 9:00"
# Friday 27 November 2026, 09:00 in Berlin.
INFUSION_AT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
# Thursday night, 2 a.m. in Berlin.
TWO_AM = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


async def _pending_for(circle: Circle, person_id: int) -> list[str]:
    return [
        row.kind
        for row in await circle.scheduled()
        if row.recipient_id == person_id and row.state == MessageState.PENDING
    ]


async def _claimed_with_backup(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, INFUSION)
    await circle.press(ANNA, circle.card("infusion"), "🙋 I'll do it")
    answer = await circle.press(BEN, circle.card("infusion"), "🛟 Backup")
    assert answer == ("Thank you — you're the backup 🛟", False)


async def test_ben_stands_by_for_annas_ride(circle: Circle) -> None:
    await _claimed_with_backup(circle)
    card = circle.card("infusion")
    assert "🙋 Claimed by Anna" in card.text
    assert "🛟 Backup: Ben" in card.text
    assert card.buttons == [["↩️ Release", "✅ Done", "✖️ Cancel"], ["🛟 Backup"]]
    note = circle.private(BEN)[-1]
    assert note.text.startswith("🛟 Thank you for standing by for 🚗 ride to the infusion")
    assert "If Anna can't make it, I'll tell you at once and it's yours." in note.text
    assert note.buttons == [["🛟 Step down as backup"]]
    assert circle.private(MARIA)[-1].text == (
        "🛟 Ben is standing by for ride to the infusion, Fri 09:00: if Anna can't make it, "
        "Ben will step in."
    )
    assert await circle.helper_rows() == [(ANNA.id, "helper"), (BEN.id, "backup")]
    # Standing by brings no reminders: those are the helper's.
    assert await _pending_for(circle, BEN.id) == []
    need = await circle.only_need()
    assert (need.claimer_id, need.taken) == (ANNA.id, 1)


async def test_anna_drops_out_at_two_in_the_morning_and_ben_is_on_at_once(
    circle: Circle,
) -> None:
    await _claimed_with_backup(circle)
    circle.clock.set(TWO_AM)
    group_before = len(circle.group())

    answer = await circle.press(ANNA, circle.card("infusion"), "↩️ Release")
    assert answer == ("Released — thank you for letting us know.", False)

    # Ben is told at once, not held to the morning; the group is not asked.
    on_now = circle.private(BEN)[-1]
    assert on_now.text.startswith(
        "🛟 You're on now: 🚗 ride to the infusion, Fri 27 Nov, 09:00 — Anna can't make it. "
        "Thank you for standing by!"
    )
    assert "I'll remind you" in on_now.text
    # Sent with the release itself: no scheduler tick was needed.
    assert circle.private(MARIA)[-1].text == (
        "↩️ Anna can't make it for ride to the infusion, today 09:00 any more — Ben, who "
        "was standing by, will do it now."
    )
    card = circle.card("infusion")
    assert "🙋 Claimed by Ben" in card.text and "Backup" not in card.text.split("\n")[-1]
    assert [m for m in circle.group()[group_before:] if m.from_bot and "open again" in m.text] == []
    assert not [m for m in circle.group()[group_before:] if m.from_bot and "Asked by" not in m.text]

    need = await circle.only_need()
    assert (need.status, need.claimer_id, need.taken) == (NeedStatus.CLAIMED, BEN.id, 1)
    assert await circle.helper_rows() == [(BEN.id, "helper")]
    # Ben has the reminders now; Anna has none; nothing asks the group.
    assert sorted(await _pending_for(circle, BEN.id)) == [
        MessageKind.FOLLOW_UP,
        MessageKind.REMINDER,
    ]
    assert await _pending_for(circle, ANNA.id) == []
    nudges = [
        r
        for r in await circle.scheduled()
        if r.kind == MessageKind.NUDGE and r.state == MessageState.PENDING
    ]
    assert nudges == []

    # Ben's reminder comes at 7:00, two hours before.
    await circle.run_until(INFUSION_AT)
    reminders = [m for m in circle.private(BEN) if m.text.startswith("⏰ Reminder:")]
    assert len(reminders) == 1


async def test_without_a_backup_the_group_is_asked_again(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, INFUSION)
    await circle.press(ANNA, circle.card("infusion"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("infusion"), "↩️ Release")
    assert circle.last_in_group().text.startswith("↩️ Anna can't make it after all.")
    assert "is open again" in circle.last_in_group().text
    assert (await circle.only_need()).status == NeedStatus.OPEN


async def test_the_backup_can_step_down(circle: Circle) -> None:
    await _claimed_with_backup(circle)
    note = circle.private(BEN)[-1]
    answer = await circle.press(BEN, note, "🛟 Step down as backup")
    assert answer == ("You're no longer standing by — thank you for offering.", False)
    assert "Backup" not in circle.card("infusion").text
    assert await circle.helper_rows() == [(ANNA.id, "helper")]
    again = await circle.press(BEN, note, "🛟 Step down as backup")
    assert again == ("You're not standing by for this one.", True)

    # On the card, a second press of 🛟 Backup steps down too.
    await circle.press(CARL, circle.card("infusion"), "🛟 Backup")
    assert "🛟 Backup: Carl" in circle.card("infusion").text
    answer = await circle.press(CARL, circle.card("infusion"), "🛟 Backup")
    assert answer == ("You're no longer standing by — thank you for offering.", False)
    assert "Backup:" not in circle.card("infusion").text
    # Then anyone may stand by again.
    await circle.press(BEN, circle.card("infusion"), "🛟 Backup")
    assert "🛟 Backup: Ben" in circle.card("infusion").text


async def test_who_may_not_stand_by_is_told_kindly(circle: Circle) -> None:
    await _claimed_with_backup(circle)
    card = circle.card("infusion")
    assert await circle.press(ANNA, card, "🛟 Backup") == (
        "You're already helping with this one — thank you!",
        True,
    )
    assert await circle.press(MARIA, card, "🛟 Backup") == (
        "This is your own request — someone in the circle will pick it up.",
        True,
    )
    assert await circle.press(CARL, card, "🛟 Backup") == (
        "Ben is already standing by. Thank you!",
        True,
    )
    assert await circle.helper_rows() == [(ANNA.id, "helper"), (BEN.id, "backup")]


async def test_two_offering_to_stand_by_at_once_only_one_is_the_backup(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, INFUSION)
    await circle.press(ANNA, circle.card("infusion"), "🙋 I'll do it")
    card = circle.card("infusion")
    ben = circle.fake.user_presses(BEN.id, card.chat_id, card.message_id, "🛟 Backup")
    carl = circle.fake.user_presses(CARL.id, card.chat_id, card.message_id, "🛟 Backup")
    await asyncio.gather(circle.feed(ben), circle.feed(carl))
    backups = [uid for uid, role in await circle.helper_rows() if role == "backup"]
    assert len(backups) == 1
    answers = sorted(
        said[1]
        for press in (ben, carl)
        if (said := circle.fake.callback_answer_for(press["callback_query"]["id"]))
        and said[1] is not None
    )
    name = "Ben" if backups[0] == BEN.id else "Carl"
    assert answers == [
        f"{name} is already standing by. Thank you!",
        "Thank you — you're the backup 🛟",
    ]


async def test_a_backup_who_takes_a_free_place_is_a_helper(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need 2 people to help move the bed Sat 10:00")
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("move the bed"), "🛟 Backup")
    assert "🛟 Backup: Ben" in circle.card("move the bed").text
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    card = circle.card("move the bed")
    assert "Claimed by Anna and Ben" in card.text and "Backup:" not in card.text
    assert await circle.helper_rows() == [(ANNA.id, "helper"), (BEN.id, "helper")]


async def test_forget_me_hands_the_place_to_the_backup(circle: Circle) -> None:
    await _claimed_with_backup(circle)
    await circle.say(MARIA, "/need dinner for Friday")
    await circle.press(ANNA, circle.card("dinner"), "🙋 I'll do it")
    await circle.press(CARL, circle.card("dinner"), "🛟 Backup")
    await circle.say_privately(BEN, "/need x")  # Ben is no lead: nothing is posted
    group_before = len(circle.group())

    await circle.say_privately(ANNA, "/forget_me")
    assert "The 2 needs you've taken on go back on the board" in circle.private(ANNA)[-1].text
    await circle.press(ANNA, circle.private(ANNA)[-1], "Yes, forget me")

    assert circle.private(BEN)[-1].text.startswith(
        "🛟 You're on now: 🚗 ride to the infusion, Fri 27 Nov, 09:00"
    )
    assert circle.private(CARL)[-1].text.startswith("🛟 You're on now: 🍲 dinner")
    assert "🙋 Claimed by Ben" in circle.card("infusion").text
    assert "🙋 Claimed by Carl" in circle.card("dinner").text
    assert not [m for m in circle.group()[group_before:] if m.from_bot and "open again" in m.text]
    assert sorted(await circle.helper_rows()) == sorted([(BEN.id, "helper"), (CARL.id, "helper")])

    # A backup who forgets themselves stops standing by.
    await circle.press(ANNA, circle.card("infusion"), "🛟 Backup")
    assert "🛟 Backup: Anna" in circle.card("infusion").text
    await circle.say_privately(ANNA, "/forget_me")
    await circle.press(ANNA, circle.private(ANNA)[-1], "Yes, forget me")
    assert "Backup" not in circle.card("infusion").text.split("\n")[-1]
    assert (ANNA.id, "backup") not in await circle.helper_rows()
