"""Stories of needs being posted, claimed, released, finished and cancelled."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from storage.models import Need, NeedStatus
from storage.models import Person as PersonRow
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

RIDE = "/need ride to neurology tomorrow 14:00"


async def _all_needs(circle: Circle) -> list[Need]:
    async with circle.sm() as session:
        return list((await session.exec(select(Need))).all())


async def test_a_posted_need_appears_as_a_card_with_its_category_and_time(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    card = circle.card("ride to neurology")
    assert card.text.splitlines()[:4] == [
        "🚗 Ride",
        "ride to neurology",
        "🗓 Thu 26 Nov, 14:00",
        "Asked by Maria",
    ]
    assert "Open" in card.text
    assert card.buttons == [["🙋 I'll do it"], ["✖️ Cancel"]]
    [need] = await _all_needs(circle)
    assert need.status == NeedStatus.OPEN
    assert need.card_message_id == card.message_id


async def test_anna_claims_and_everyone_hears_the_right_thing(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    answer = await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    assert answer == ("Thank you! It's yours 💛", False)

    card = circle.card("ride to neurology")
    assert "Claimed by Anna" in card.text
    # 🛟 Backup on its own row: someone may stand by in case Anna can't make it.
    assert card.buttons == [["↩️ Release", "✅ Done", "✖️ Cancel"], ["🛟 Backup"]]
    assert card.edited
    assert circle.private(MARIA)[-1].text == (
        "🙋 Anna will give you a ride: ride to neurology, tomorrow 14:00."
    )
    helper_note = circle.private(ANNA)[-1].text
    assert "Thank you for helping Maria!" in helper_note
    assert "Thu 26 Nov, 14:00" in helper_note
    assert "No private message reaches Ben", circle.private(BEN)[-1].text.startswith("Hi")


async def test_telegram_slow_to_answer_holds_up_none_of_a_claims_other_messages(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    card = circle.card("ride to neurology")
    # Every call Telegram is slow to answer: with each waiting for the one before, a claim
    # took four round trips, and the group's next tap waited for all of them.
    pop_up = circle.fake.hold_next("answerCallbackQuery")
    edit = circle.fake.hold_next("editMessageText", chat_id=card.chat_id)
    to_maria = circle.fake.hold_next("sendMessage", chat_id=MARIA.id)
    to_anna = circle.fake.hold_next("sendMessage", chat_id=ANNA.id)
    claiming = asyncio.create_task(circle.press(ANNA, card, "🙋 I'll do it"))

    # The pop-up and the card's edit are on their way together...
    await asyncio.wait_for(asyncio.gather(pop_up.reached.wait(), edit.reached.wait()), 5)
    assert not to_maria.reached.is_set()  # ...and the news waits for the card
    pop_up.release()
    edit.release()
    # ...then Maria's notice and Anna's thanks, together.
    await asyncio.wait_for(asyncio.gather(to_maria.reached.wait(), to_anna.reached.wait()), 5)
    to_maria.release()
    to_anna.release()
    assert await asyncio.wait_for(claiming, 5) == ("Thank you! It's yours 💛", False)

    assert "Claimed by Anna" in circle.card("ride to neurology").text
    assert circle.private(MARIA)[-1].text == (
        "🙋 Anna will give you a ride: ride to neurology, tomorrow 14:00."
    )
    assert "Thank you for helping Maria!" in circle.private(ANNA)[-1].text


async def test_two_members_pressing_at_the_same_moment_only_one_gets_it(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    card = circle.card("ride to neurology")
    anna_press = circle.fake.user_presses(ANNA.id, card.chat_id, card.message_id, "🙋 I'll do it")
    ben_press = circle.fake.user_presses(BEN.id, card.chat_id, card.message_id, "🙋 I'll do it")
    await asyncio.gather(circle.feed(anna_press), circle.feed(ben_press))

    [need] = await _all_needs(circle)
    assert need.status == NeedStatus.CLAIMED
    winner, loser = (ANNA, BEN) if need.claimer_id == ANNA.id else (BEN, ANNA)
    answers = {
        person: answer[1]
        for person, press in ((ANNA, anna_press), (BEN, ben_press))
        if (answer := circle.fake.callback_answer_for(press["callback_query"]["id"]))
    }
    assert answers == {
        winner: "Thank you! It's yours 💛",
        loser: f"{winner.name} already took this one. Thank you for offering!",
    }
    assert f"Claimed by {winner.name}" in circle.card("ride to neurology").text
    claim_notes = [m for m in circle.private(MARIA) if "will give you a ride" in m.text]
    assert len(claim_notes) == 1


async def test_a_member_cannot_cancel_marias_need(circle: Circle) -> None:
    await circle.set_up(BEN)
    await circle.say(MARIA, RIDE)
    answer = await circle.press(BEN, circle.card("ride to neurology"), "✖️ Cancel")
    assert answer == ("Only Maria, a coordinator or whoever asked can cancel this.", True)
    assert "Open" in circle.card("ride to neurology").text
    [need] = await _all_needs(circle)
    assert need.status == NeedStatus.OPEN


async def test_maria_cancels_and_the_helper_is_told_privately(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    answer = await circle.press(MARIA, circle.card("ride to neurology"), "✖️ Cancel")
    assert answer == ("Cancelled.", False)
    card = circle.card("ride to neurology")
    assert "Cancelled by Maria" in card.text
    assert card.buttons == []
    assert circle.private(ANNA)[-1].text.startswith("✖️ Maria cancelled ride to neurology")


async def test_release_opens_the_need_again_and_tells_the_group_and_maria(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("ride to neurology"), "↩️ Release")
    card = circle.card("ride to neurology")
    assert "Open" in card.text and card.buttons[0] == ["🙋 I'll do it"]
    notice = circle.last_in_group()
    assert notice.text.startswith("↩️ Anna can't make it after all.")
    assert notice.reply_to_message_id == card.message_id
    assert "Anna can't make it for ride to neurology" in circle.private(MARIA)[-1].text
    [need] = await _all_needs(circle)
    assert need.status == NeedStatus.OPEN and need.claimer_id is None


async def test_only_the_helper_can_release(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    answer = await circle.press(BEN, circle.card("ride to neurology"), "↩️ Release")
    assert answer == ("Only Anna, who took this, can release it.", True)
    assert "Claimed by Anna" in circle.card("ride to neurology").text


async def test_done_thanks_the_helper_and_tells_maria(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    answer = await circle.press(ANNA, circle.card("ride to neurology"), "✅ Done")
    assert answer == ("Marked as done — thank you!", False)
    card = circle.card("ride to neurology")
    assert "Done by Anna — thank you!" in card.text
    assert card.buttons == []
    assert circle.private(MARIA)[-1].text == "✅ Anna marked “ride to neurology” as done."


async def test_pressing_claim_twice_is_answered_kindly(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.say(ANNA, "/board")
    board = circle.last_in_group()
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    # The board above still shows the claim button; Anna taps it too.
    answer = await circle.press(ANNA, board, "🙋 1. ride to neurology")
    assert answer == ("You already have this one — thank you!", True)
    assert "Claimed by Anna" in circle.card("ride to neurology").text


async def test_a_button_replayed_from_another_circles_card_does_nothing(
    circle: Circle,
) -> None:
    other_group = -1002000000002
    circle.fake.add_group(other_group, "Ben's family", supergroup=True)
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    marias_card = circle.card("ride to neurology")
    await circle.say(BEN, "/setup", chat_id=other_group)
    await circle.say(BEN, "/need dinner on Friday", chat_id=other_group)
    bens_card = [m for m in circle.fake.messages(other_group) if "dinner" in m.text][-1]

    press = circle.fake.user_presses(ANNA.id, other_group, bens_card.message_id, "🙋 I'll do it")
    press["callback_query"]["data"] = marias_card.callback_data("🙋 I'll do it")
    await circle.feed(press)

    answer = circle.fake.callback_answer_for(press["callback_query"]["id"])
    # The data is not a button of the pressed card, so no handler acts on it.
    assert answer is not None and answer[1] == "This button no longer works."
    assert "dinner" in circle.fake.message(other_group, bens_card.message_id).text
    needs = {need.description: need for need in await _all_needs(circle)}
    assert needs["ride to neurology"].status == NeedStatus.OPEN
    assert needs["dinner"].status == NeedStatus.OPEN


@pytest.mark.parametrize(
    ("text", "reply_starts"),
    [
        ("/need dinner yesterday", '"yesterday" has already passed.'),
        ("/need ride tomorrow 25:00", 'Sorry, I couldn\'t understand the time "25:00".'),
        ("/need tomorrow 14:00", "What do you need?"),
    ],
    ids=["in the past", "unparseable time", "empty description"],
)
async def test_bad_input_is_refused_with_what_to_change_and_nothing_is_posted(
    circle: Circle, text: str, reply_starts: str
) -> None:
    await circle.set_up()
    await circle.say(MARIA, text)
    reply = circle.last_in_group()
    assert reply.from_bot and reply.text.startswith(reply_starts)
    assert await _all_needs(circle) == []


async def test_an_over_long_description_is_refused(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need " + "please help with the garden " * 30)
    reply = circle.last_in_group()
    assert "That's a bit long" in reply.text and "under 500 characters" in reply.text
    assert await _all_needs(circle) == []


async def test_user_text_with_html_is_shown_exactly_as_typed(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need <b>soup</b> & bread, a < b tomorrow 18:00")
    card = circle.card("soup")
    assert "<b>soup</b> & bread, a < b" in card.text
    await circle.press(ANNA, card, "🙋 I'll do it")
    assert "<b>soup</b> & bread, a < b" in circle.private(MARIA)[-1].text
    assert circle.fake.violations == []


async def test_a_claimer_who_never_started_the_bot_is_told_how_in_the_group(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(CARL, "I can help this week")  # Carl never opened a chat with the bot
    await circle.say(MARIA, RIDE)
    await circle.press(CARL, circle.card("ride to neurology"), "🙋 I'll do it")

    assert "Claimed by Carl" in circle.card("ride to neurology").text
    hint = circle.last_in_group()
    assert hint.text.startswith("Carl, thank you! I can't message you privately yet")
    assert hint.url("💬 Start a private chat with me").startswith(
        "https://t.me/CareCircleBot?start=c"
    )
    assert circle.private(CARL) == []
    [need] = await _all_needs(circle)
    assert need.claimer_id == CARL.id


async def test_board_lists_open_needs_first_then_covered_ones(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(BEN, "/board")
    board = circle.last_in_group()
    lines = board.text.splitlines()
    assert lines[0] == "📋 Maria's board"
    assert lines.index("Still needs someone") < lines.index("Covered")
    assert "1. 🍲 dinner — Fri 27 Nov" in lines
    assert "2. 🚗 ride to neurology — Thu 26 Nov, 14:00" in lines
    assert board.buttons == [["🙋 1. dinner"]]

    await circle.press(BEN, board, "🙋 1. dinner")
    assert "Claimed by Ben" in circle.card("dinner").text
    refreshed = circle.fake.message(board.chat_id, board.message_id)
    assert refreshed.buttons == []


async def test_mine_lists_what_i_have_taken_on(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say_privately(ANNA, "/mine")
    mine = circle.private(ANNA)[-1]
    assert "1. 🚗 ride to neurology — Thu 26 Nov, 14:00 (for Maria)" in mine.text
    await circle.press(ANNA, mine, "↩️ Release 1")
    assert "Open" in circle.card("ride to neurology").text
    assert "You haven't taken anything on yet" in circle.fake.message(ANNA.id, mine.message_id).text


async def test_a_coordinator_posts_from_a_private_chat(circle: Circle) -> None:
    await circle.set_up(TOM)
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)
    assert "Tom is now a coordinator" in circle.last_in_group().text

    await circle.say_privately(TOM, "/need someone to walk Max Sat morning")
    card = circle.card("walk Max")
    assert card.text.splitlines()[:4] == [
        "🐾 Pet care",
        "someone to walk Max",
        "🗓 Sat 28 Nov, morning",
        "Asked by Tom for Maria",
    ]
    assert circle.private(TOM)[-1].text.startswith("📌 Posted in Maria's helpers")


async def test_a_member_cannot_post_from_private(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(ANNA, "/need dinner on Friday")
    assert "post /need in the group" in circle.private(ANNA)[-1].text
    assert await _all_needs(circle) == []


async def test_a_need_without_a_time_says_any_time(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need help with groceries")
    card = circle.card("groceries")
    assert card.text.splitlines()[0] == "🛒 Errand"
    assert "🗓 Any time" in card.text


async def test_a_deleted_card_is_posted_again_when_it_changes(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    card = circle.card("ride to neurology")
    await circle.app.bot.delete_message(card.chat_id, card.message_id)
    await circle.say(ANNA, "/board")
    await circle.press(ANNA, circle.last_in_group(), "🙋 1. ride to neurology")
    new_card = circle.card("ride to neurology")
    assert new_card.message_id != card.message_id
    assert "Claimed by Anna" in new_card.text
    [need] = await _all_needs(circle)
    assert need.card_message_id == new_card.message_id


async def test_a_429_is_waited_out_and_the_card_still_arrives(circle: Circle) -> None:
    await circle.set_up()
    circle.fake.fail_next(
        "sendMessage",
        429,
        "Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=circle.group_id,
    )
    await circle.say(MARIA, RIDE)
    assert "ride to neurology" in circle.card("ride to neurology").text


async def test_a_card_that_cannot_be_posted_leaves_no_half_made_need(circle: Circle) -> None:
    await circle.set_up()
    circle.fake.fail_next(
        "sendMessage",
        403,
        "Forbidden: bot was kicked from the supergroup chat",
        chat_id=circle.group_id,
    )
    await circle.say_privately(MARIA, "/need dinner on Friday")
    assert circle.private(MARIA)[-1].text.startswith("I couldn't post in the group just now.")
    assert await _all_needs(circle) == []


async def test_a_need_written_on_the_next_line_after_the_command_is_posted(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need\nsoup and a chat tomorrow evening")
    card = circle.card("soup and a chat")
    assert "🗓 Thu 26 Nov, evening" in card.text


async def test_a_one_off_400_does_not_mark_the_helper_unreachable(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    circle.fake.fail_next("sendMessage", 400, "Bad Request: something odd", chat_id=ANNA.id)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    assert "Claimed by Anna" in circle.card("ride to neurology").text
    assert not any("can't message you privately" in m.text for m in circle.group())
    async with circle.sm() as session:
        anna = await session.get(PersonRow, ANNA.id)
    assert anna is not None and anna.can_message


async def test_a_helper_who_blocked_the_bot_is_marked_unreachable(circle: Circle) -> None:
    await circle.set_up(ANNA)
    circle.fake.block_bot(ANNA.id)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    assert circle.last_in_group().text.startswith("Anna, thank you! I can't message you")
    async with circle.sm() as session:
        anna = await session.get(PersonRow, ANNA.id)
    assert anna is not None and not anna.can_message
