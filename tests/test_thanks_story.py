"""Stories of 💛 Say thanks: after a need is done, the supported person thanks the helper in
the group with one tap, once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.categories import Category
from bot.render import thanks as texts
from bot.timeparse import Precision, When
from storage.models import Need, NeedStatus
from tests.conftest import ANNA, BEN, GROUP_ID, MARIA, Circle, a_card
from tests.fake_telegram import FakeMessage

pytestmark = pytest.mark.both_databases

THANKS = "💛 Say thanks"


async def _done_ride(circle: Circle) -> FakeMessage:
    """Anna drives Maria on Thursday and marks it done; Maria's notice, as she sees it."""
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    circle.clock.set(datetime(2026, 11, 26, 14, 30, tzinfo=UTC))
    await circle.press(ANNA, circle.card("ride to neurology"), "✅ Done")
    notice = circle.private(MARIA)[-1]
    assert notice.text == "✅ Anna marked “ride to neurology” as done."
    assert notice.buttons == [[THANKS]]
    return notice


async def _thanked_at(circle: Circle) -> datetime | None:
    async with circle.sm() as session:
        [need] = (await session.exec(select(Need))).all()
        return need.thanked_at


def _thank_yous(circle: Circle) -> list[FakeMessage]:
    return [m for m in circle.group() if m.from_bot and "says thank you" in m.text]


async def test_maria_thanks_anna_in_the_group(circle: Circle) -> None:
    notice = await _done_ride(circle)
    card = circle.card("ride to neurology")
    circle.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # Saturday
    answer = await circle.press(MARIA, notice, THANKS)
    assert answer == ("Sent 💛", False)
    [thanks] = _thank_yous(circle)
    assert thanks.text == "💛 Maria says thank you to Anna for the ride to neurology on Thu!"
    assert thanks.reply_to_message_id == card.message_id
    after = circle.fake.message(MARIA.id, notice.message_id)
    assert after.text == (
        "✅ Anna marked “ride to neurology” as done.\n\n💛 Your thank-you is in the group."
    )
    assert after.buttons == []
    assert await _thanked_at(circle) == circle.clock.now()


async def test_two_quick_taps_send_one_thank_you(circle: Circle) -> None:
    notice = await _done_ride(circle)
    presses = [
        circle.fake.user_presses(MARIA.id, MARIA.id, notice.message_id, THANKS) for _ in range(2)
    ]
    await asyncio.gather(*(circle.feed(p) for p in presses))
    answers = sorted(
        answer[1] or ""
        for p in presses
        if (answer := circle.fake.callback_answer_for(p["callback_query"]["id"]))
    )
    assert answers == ["Already sent 💛", "Sent 💛"]
    [thanks] = _thank_yous(circle)
    assert thanks.text == "💛 Maria says thank you to Anna for the ride to neurology today!"


async def test_only_maria_can_send_it(circle: Circle) -> None:
    notice = await _done_ride(circle)
    # A forged press by Ben on Maria's button (a modified client could send it).
    forged = circle.fake.user_presses(MARIA.id, MARIA.id, notice.message_id, THANKS)
    forged["callback_query"]["from"]["id"] = BEN.id
    forged["callback_query"]["from"]["first_name"] = "Ben"
    await circle.feed(forged)
    answer = circle.fake.callback_answer_for(forged["callback_query"]["id"])
    assert answer is not None
    assert answer[1] == "This thank-you is Maria's to send — it's kind of you to think of it."
    assert _thank_yous(circle) == []
    assert await _thanked_at(circle) is None
    assert circle.fake.message(MARIA.id, notice.message_id).buttons == [[THANKS]]


async def test_when_the_group_cannot_be_reached_the_button_stays(circle: Circle) -> None:
    notice = await _done_ride(circle)
    circle.fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=GROUP_ID)
    answer = await circle.press(MARIA, notice, THANKS)
    assert answer is not None and answer[0] == texts.GROUP_UNREACHABLE
    assert _thank_yous(circle) == []
    assert await _thanked_at(circle) is None
    assert circle.fake.message(MARIA.id, notice.message_id).buttons == [[THANKS]]
    # A moment later it works.
    assert await circle.press(MARIA, notice, THANKS) == ("Sent 💛", False)
    assert len(_thank_yous(circle)) == 1


async def test_no_button_when_maria_marks_it_done_herself_or_nobody_helped(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need dinner for Friday")
    await circle.press(ANNA, circle.card("dinner"), "🙋 I'll do it")
    before = len(circle.private(MARIA))
    await circle.press(MARIA, circle.card("dinner"), "✅ Done")
    # She marked it herself: no notice to her, so no button either.
    assert len(circle.private(MARIA)) == before
    card = a_card(status=NeedStatus.DONE, card_chat_id=GROUP_ID, card_message_id=5)
    assert texts.keyboard(card) is None  # nobody to thank
    helped = replace(card, claimer_id=ANNA.id, claimer_name="Anna")
    assert texts.keyboard(helped) is not None
    assert texts.keyboard(replace(helped, thanked_at=datetime(2026, 11, 25, tzinfo=UTC))) is None


def test_several_helpers_are_all_named() -> None:
    card = a_card(
        id=7,
        category=Category.HOUSEHOLD,
        description="2 people to help move the bed",
        when=When(Precision.EXACT, starts_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
        status=NeedStatus.DONE,
        claimer_id=ANNA.id,
        claimer_name="Anna",
        card_chat_id=GROUP_ID,
        card_message_id=5,
        places=2,
        helpers=((ANNA.id, "Anna"), (BEN.id, "Ben")),
    )
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert texts.group_thanks(card, now) == (
        "💛 Maria says thank you to Anna and Ben for “2 people to help move the bed” today!"
    )
