"""Stories of a need that asks for several helpers: "/need 2 people to help move the bed"."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from telegram import Update

from bot.categories import Category
from bot.places import Places, read_places
from bot.render import needs as need_texts
from bot.services.needs import NeedCard
from storage.models import MessageKind, MessageState, Need, NeedStatus, Observation
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle, a_card

# Claims race here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

BED = "/need 2 people to help move the bed Sat 10:00"
# Saturday 28 November 2026, 10:00 in Berlin.
BED_AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def _pending(circle: Circle, kind: MessageKind) -> list[tuple[int | None, int]]:
    return sorted(
        (
            (row.recipient_id or 0, row.id or 0)
            for row in await circle.scheduled()
            if row.kind == kind and row.state == MessageState.PENDING
        ),
    )


def test_the_count_is_read_from_the_words() -> None:
    assert read_places("2 people to help move the bed") == Places(2, "help move the bed")
    assert read_places("two people to help move the bed") == Places(2, "help move the bed")
    assert read_places("3 helpers for the garden") == Places(3, "3 helpers for the garden")
    assert read_places("2 volunteers to paint the fence") == Places(2, "paint the fence")
    assert read_places("need 2 to carry the sofa") == Places(2, "carry the sofa")
    # A number that counts something else is no count of helpers.
    assert read_places("2 pizzas for dinner") == Places(1, "2 pizzas for dinner")
    assert read_places("someone to walk Max") == Places(1, "someone to walk Max")
    assert read_places("one person to walk Max") == Places(1, "one person to walk Max")


async def test_a_need_for_two_people_shows_two_places(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    card = circle.card("help move the bed")
    assert card.text.splitlines()[:2] == ["🤝 Other", "help move the bed"]
    assert "🗓 Sat 28 Nov, 10:00" in card.text
    assert "🟢 Open — needs 2 helpers. Tap “I'll do it” to help." in card.text
    assert "🙋 1. — still open  2. — still open" in card.text
    assert card.buttons == [["🙋 I'll do it"], ["✖️ Cancel"]]
    need = await circle.only_need()
    assert (need.places, need.taken, need.description) == (2, 0, "help move the bed")


async def test_anna_and_ben_each_take_a_place_and_the_card_lists_them(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)

    answer = await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    assert answer == ("Thank you! It's yours 💛", False)
    card = circle.card("move the bed")
    assert "🟢 Open — still needs 1 more. Tap “I'll do it” to help." in card.text
    assert "🙋 1. Anna  2. — still open" in card.text
    assert card.buttons == [
        ["🙋 I'll do it"],
        ["↩️ Release", "✅ Done", "✖️ Cancel"],
        ["🛟 Backup"],
    ]
    assert circle.private(MARIA)[-1].text == (
        "🙋 Anna will help you: help move the bed, Sat 10:00. Still looking for 1 more."
    )
    assert "👥 2 helpers; still looking for 1 more." in circle.private(ANNA)[-1].text
    need = await circle.only_need()
    assert (need.status, need.taken, need.claimer_id) == (NeedStatus.OPEN, 1, ANNA.id)
    first_claimed = need.claimed_at

    await circle.say(CARL, "/board")
    board = circle.last_in_group()
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    card = circle.card("move the bed")
    assert "🙋 Claimed by Anna and Ben" in card.text
    assert card.buttons == [["↩️ Release", "✅ Done", "✖️ Cancel"], ["🛟 Backup"]]
    assert circle.private(MARIA)[-1].text == (
        "🙋 Ben will help you: help move the bed, Sat 10:00. That's all 2 helpers: Anna and Ben."
    )
    assert "👥 2 helpers — with Anna." in circle.private(BEN)[-1].text
    need = await circle.only_need()
    assert (need.status, need.taken, need.claimer_id) == (NeedStatus.CLAIMED, 2, ANNA.id)
    assert need.claimed_at == first_claimed  # when the first place was taken
    assert await circle.helper_rows() == [(ANNA.id, "helper"), (BEN.id, "helper")]

    # Each helper has their own reminders and "Did it happen?"; the group's nudges are gone.
    reminders = await _pending(circle, MessageKind.REMINDER)
    assert [r for r, _id in reminders] == [ANNA.id, ANNA.id, BEN.id, BEN.id]
    follow_ups = await _pending(circle, MessageKind.FOLLOW_UP)
    assert [r for r, _id in follow_ups] == [ANNA.id, BEN.id]
    assert await _pending(circle, MessageKind.NUDGE) == []

    # Everyone else is thanked kindly; nobody gets a third place.
    answer = await circle.press(CARL, circle.card("move the bed"), "🛟 Backup")
    assert answer is not None and answer[0] == "Thank you — you're the backup 🛟"
    answer = await circle.press(CARL, board, "🙋 1. help move the bed")
    assert answer == ("All the places on this one are taken. Thank you for offering!", True)


async def test_the_same_person_cannot_take_two_places(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    answer = await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    assert answer == ("You already have a place on this one — thank you!", True)
    need = await circle.only_need()
    assert (need.taken, need.status) == (1, NeedStatus.OPEN)
    assert await circle.helper_rows() == [(ANNA.id, "helper")]


async def test_pressing_twice_at_the_same_moment_takes_one_place(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    card = circle.card("move the bed")
    presses = [
        circle.fake.user_presses(ANNA.id, card.chat_id, card.message_id, "🙋 I'll do it")
        for _ in range(2)
    ]
    await asyncio.gather(*(circle.feed(press) for press in presses))
    need = await circle.only_need()
    assert (need.taken, need.status, need.claimer_id) == (1, NeedStatus.OPEN, ANNA.id)
    assert await circle.helper_rows() == [(ANNA.id, "helper")]


async def test_two_people_pressing_for_the_last_place_only_one_gets_it(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    card = circle.card("move the bed")
    ben = circle.fake.user_presses(BEN.id, card.chat_id, card.message_id, "🙋 I'll do it")
    carl = circle.fake.user_presses(CARL.id, card.chat_id, card.message_id, "🙋 I'll do it")
    await asyncio.gather(circle.feed(ben), circle.feed(carl))

    need = await circle.only_need()
    assert (need.status, need.taken) == (NeedStatus.CLAIMED, 2)
    helpers = await circle.helper_rows()
    assert len(helpers) == 2 and helpers[0] == (ANNA.id, "helper")
    winner = BEN if helpers[1][0] == BEN.id else CARL
    loser = CARL if winner == BEN else BEN
    answers = {
        person: said[1]
        for person, press in ((BEN, ben), (CARL, carl))
        if (said := circle.fake.callback_answer_for(press["callback_query"]["id"]))
    }
    assert answers == {
        winner: "Thank you! It's yours 💛",
        loser: "All the places on this one are taken. Thank you for offering!",
    }
    assert f"Claimed by Anna and {winner.name}" in circle.card("move the bed").text


async def test_a_release_frees_one_place_and_only_that_helpers_messages_go(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    bens_before = [
        row_id
        for kind in (MessageKind.REMINDER, MessageKind.FOLLOW_UP)
        for recipient, row_id in await _pending(circle, kind)
        if recipient == BEN.id
    ]
    group_before = len(circle.group())

    answer = await circle.press(ANNA, circle.card("move the bed"), "↩️ Release")
    assert answer == ("Released — thank you for letting us know.", False)
    card = circle.card("move the bed")
    assert "🙋 1. Ben  2. — still open" in card.text
    said = [
        m.text for m in circle.group()[group_before:] if m.from_bot and "Asked by" not in m.text
    ]
    assert said == [
        "↩️ Anna can't make it after all. 🤝 help move the bed (Sat 28 Nov, 10:00) still needs "
        "1 more — could someone else help?"
    ]
    need = await circle.only_need()
    assert (need.status, need.taken, need.claimer_id) == (NeedStatus.OPEN, 1, BEN.id)
    assert need.claimed_at is not None
    assert await circle.helper_rows() == [(BEN.id, "helper")]
    # Anna's messages are gone; Ben's are the very same rows as before.
    bens_after = [
        row_id
        for kind in (MessageKind.REMINDER, MessageKind.FOLLOW_UP)
        for recipient, row_id in await _pending(circle, kind)
        if recipient == BEN.id
    ]
    assert bens_after == bens_before
    assert not [
        r
        for k in (MessageKind.REMINDER, MessageKind.FOLLOW_UP)
        for r, _i in await _pending(circle, k)
        if r == ANNA.id
    ]
    # The group is nudged again while the place is open.
    assert len(await _pending(circle, MessageKind.NUDGE)) == 2

    # Ben releases too: nobody holds a place; the need is as it was posted.
    await circle.press(BEN, circle.card("move the bed"), "↩️ Release")
    need = await circle.only_need()
    assert (need.status, need.taken, need.claimer_id, need.claimed_at) == (
        NeedStatus.OPEN,
        0,
        None,
        None,
    )
    assert circle.card("move the bed").buttons == [["🙋 I'll do it"], ["✖️ Cancel"]]


async def test_nudges_go_on_while_a_place_is_open_and_say_how_many(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.run_until(BED_AT - timedelta(hours=48))
    nudge = circle.last_in_group()
    assert nudge.text.startswith("🔔 Still looking for someone")
    assert "👥 Still needs 1 more — Anna can come" in nudge.text
    # Anna, who is coming, is not asked again.
    assert "Ben, Carl" in nudge.text and "Anna —" not in nudge.text.split("\n")[-1]
    assert nudge.buttons == [["🙋 I'll do it"]]

    await circle.press(BEN, nudge, "🙋 I'll do it")
    assert "Claimed by Anna and Ben" in circle.card("move the bed").text
    await circle.run_until(BED_AT - timedelta(hours=23))
    assert not [m for m in circle.group() if m.from_bot and "Still needs 1 more" in m.text][1:]


async def test_each_helper_is_reminded_and_asked_if_it_happened(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    await circle.run_until(BED_AT - timedelta(hours=2))
    for person in (ANNA, BEN):
        texts = [m.text for m in circle.private(person)]
        assert sum(t.startswith("⏰ Reminder: you're helping Maria") for t in texts) == 2, person

    await circle.run_until(BED_AT + timedelta(hours=3))
    asked = {
        person: [m for m in circle.private(person) if m.text.startswith("💬 Did it happen?")]
        for person in (ANNA, BEN)
    }
    assert all(len(found) == 1 for found in asked.values())

    # Ben answers for both of them: the whole need is done, and Maria thanks both.
    answer = await circle.press(BEN, asked[BEN][0], "✅ Done")
    assert answer == ("Marked as done — thank you!", False)
    assert "✅ Done by Anna and Ben — thank you!" in circle.card("move the bed").text
    assert circle.private(MARIA)[-1].text.startswith(
        "✅ “help move the bed” is done — thanks to Anna and Ben."
    )
    need = await circle.only_need()
    assert need.status == NeedStatus.DONE
    # Anna's second "Did it happen?" a day later is no longer sent.
    before = len(circle.private(ANNA))
    await circle.run_for(timedelta(days=2))
    assert not [m for m in circle.private(ANNA)[before:] if "Did it happen" in m.text]


async def test_a_lead_closes_a_need_that_is_partly_taken(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    answer = await circle.press(MARIA, circle.card("move the bed"), "✅ Done")
    assert answer == ("Marked as done — thank you!", False)
    assert "✅ Done by Anna — thank you!" in circle.card("move the bed").text
    assert await _pending(circle, MessageKind.NUDGE) == []


async def test_asking_for_too_many_helpers_gets_a_kind_reply(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need 12 people to help move house Sat 10:00")
    reply = circle.last_in_group()
    assert reply.text.startswith(
        "12 helpers is more than I can gather on one card — I can ask for up to 10."
    )
    async with circle.sm() as session:
        assert (await session.exec(select(Need))).all() == []

    await circle.say(MARIA, "/need 10 people to help move house Sat 10:00")
    assert "needs 10 helpers" in circle.card("help move house").text


async def test_board_and_mine_show_who_else_is_coming(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")

    await circle.say(MARIA, "/board")
    board = circle.last_in_group()
    assert "Still needs someone" in board.text
    assert "🙋 Anna — still needs 1 more" in board.text
    assert board.buttons == [["🙋 1. help move the bed"]]

    await circle.say_privately(ANNA, "/mine")
    mine = circle.private(ANNA)[-1]
    assert "help move the bed" in mine.text
    assert "👥 still needs 1 more" in mine.text

    await circle.press(BEN, board, "🙋 1. help move the bed")
    await circle.say_privately(BEN, "/mine")
    mine = circle.private(BEN)[-1]
    assert "👥 with Anna" in mine.text
    await circle.press(BEN, mine, "↩️ Release 1")
    assert "🙋 1. Anna  2. — still open" in circle.card("move the bed").text


async def test_a_new_time_and_a_cancel_reach_every_helper(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(CARL, circle.card("move the bed"), "🛟 Backup")

    await circle.say(MARIA, "/when Sun 11:00", reply_to=circle.card("move the bed").message_id)
    for person in (ANNA, BEN, CARL):
        assert circle.private(person)[-1].text.startswith("🗓 Maria moved"), person
    assert "I'll remind you" in circle.private(ANNA)[-1].text
    reminders = await _pending(circle, MessageKind.REMINDER)
    assert [r for r, _id in reminders] == [ANNA.id, ANNA.id, BEN.id, BEN.id]

    await circle.press(MARIA, circle.card("move the bed"), "✖️ Cancel")
    for person in (ANNA, BEN, CARL):
        assert circle.private(person)[-1].text.startswith("✖️ Maria cancelled"), person


async def test_each_helper_is_asked_what_they_noticed(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say_privately(MARIA, "/settings observations on")
    await circle.say(MARIA, BED)
    await circle.press(ANNA, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("move the bed"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("move the bed"), "✅ Done")
    for person in (ANNA, BEN):
        assert circle.private(person)[-1].text.startswith(
            "💛 Thank you for helping Maria (help move the bed)."
        ), person
    async with circle.sm() as session:
        rows = (await session.exec(select(Observation))).all()
    assert sorted(row.helper_id for row in rows) == [ANNA.id, BEN.id]


def _card(series_id: int | None) -> NeedCard:
    return a_card(
        id=7,
        chat_id=-1,
        category=Category.RIDE,
        description="ride to physio",
        series_id=series_id,
        occurs_on=date(2026, 12, 1) if series_id else None,
    )


def test_a_date_of_a_recurring_need_is_skipped_not_cancelled() -> None:
    keyboard = need_texts.card_keyboard(_card(series_id=3))
    assert keyboard is not None
    labels = [[b.text for b in row] for row in keyboard.inline_keyboard]
    assert labels[:2] == [["🙋 I'll do it"], ["✖️ Skip this date"]]
    plain = need_texts.card_keyboard(_card(series_id=None))
    assert plain is not None
    assert [[b.text for b in row] for row in plain.inline_keyboard] == [
        ["🙋 I'll do it"],
        ["✖️ Cancel"],
    ]


async def test_the_guided_flow_asks_for_several_helpers_too(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/need")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🏠 Household")
    ask = circle.private(MARIA)[-1]
    assert "Start with the number: “2 people to move the bed”." in ask.text
    await circle.say_privately(MARIA, "2 people to move the bed")
    await circle.press(MARIA, circle.private(MARIA)[-1], "No specific time")
    preview = circle.private(MARIA)[-1]
    assert "move the bed" in preview.text and "needs 2 helpers" in preview.text
    await circle.press(MARIA, preview, "✅ Post it")
    card = circle.card("move the bed")
    assert "🙋 1. — still open  2. — still open" in card.text
    need = await circle.only_need()
    assert (need.places, need.description) == (2, "move the bed")


async def test_places_taken_at_once_in_the_group_and_privately_both_show_on_the_card(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)
    await circle.say_privately(BEN, "/board")
    board = circle.private(BEN)[-1]
    card = circle.card("move the bed")
    anna = circle.fake.user_presses(ANNA.id, card.chat_id, card.message_id, "🙋 I'll do it")
    ben = circle.fake.user_presses(BEN.id, BEN.id, board.message_id, board.buttons[0][0])

    # Anna's card edit is slow to reach Telegram; Ben presses on his /board meanwhile.
    held = circle.fake.hold_next("editMessageText", chat_id=card.chat_id)
    anna_pressing = asyncio.create_task(circle.feed(anna))
    await asyncio.wait_for(held.reached.wait(), 5)
    ben_pressing = asyncio.create_task(circle.feed(ben))
    for _ in range(50):
        await asyncio.sleep(0)
    held.release()
    await asyncio.wait_for(asyncio.gather(anna_pressing, ben_pressing), 5)

    # The card ends on the last change, not on Anna's older one.
    assert "🙋 Claimed by Anna and Ben" in circle.card("move the bed").text
    assert (await circle.only_need()).taken == 2


@pytest.mark.postgresql_only
async def test_places_taken_at_once_through_two_replicas_both_show_on_the_card(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN, CARL)
    await circle.say(MARIA, BED)
    card = circle.card("move the bed")
    anna = circle.fake.user_presses(ANNA.id, card.chat_id, card.message_id, "🙋 I'll do it")
    ben = circle.fake.user_presses(BEN.id, card.chat_id, card.message_id, "🙋 I'll do it")
    # A second replica: its own process (here, its own Application) on the same database.
    other = circle.factory()
    await other.initialize()
    edits_before = len(circle.fake.calls_of("editMessageText"))
    try:
        # Anna's press is taken by this replica, and its card edit is slow to reach
        # Telegram; meanwhile the other replica takes Ben's press and edits the card.
        held = circle.fake.hold_next("editMessageText", chat_id=card.chat_id)
        anna_pressing = asyncio.create_task(circle.feed(anna))
        await asyncio.wait_for(held.reached.wait(), 5)
        await other.process_update(Update.de_json(ben, other.bot))
        assert "🙋 Claimed by Anna and Ben" in circle.card("move the bed").text
        held.release()
        await asyncio.wait_for(anna_pressing, 5)
    finally:
        await other.shutdown()

    # Anna's older edit landed last; her replica saw the newer change and showed it.
    assert "🙋 Claimed by Anna and Ben" in circle.card("move the bed").text
    assert len(circle.fake.calls_of("editMessageText")) - edits_before == 3


@pytest.mark.postgresql_only
async def test_with_no_other_change_a_replica_edits_the_card_once(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, BED)
    edits_before = len(circle.fake.calls_of("editMessageText"))

    versions = [(await circle.only_need()).version]
    for person, button in (
        (ANNA, "🙋 I'll do it"),
        (BEN, "🛟 Backup"),
        (BEN, "🛟 Backup"),  # pressed again: he steps down
        (ANNA, "↩️ Release"),
        (MARIA, "✖️ Cancel"),
    ):
        await circle.press(person, circle.card("move the bed"), button)
        versions.append((await circle.only_need()).version)

    # Each change counted once in the need's version, and each card edited once: the
    # replica's look afterwards found nothing newer.
    assert versions == sorted(set(versions))
    assert len(circle.fake.calls_of("editMessageText")) - edits_before == 5
    assert "Cancelled by Maria" in circle.card("move the bed").text
