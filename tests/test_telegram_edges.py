"""What Telegram can say back, and what people see when it does: a press answered too late,
a 429, Telegram unreachable while a reminder is due, an edit of an unchanged message."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from storage.models import MessageKind, MessageState
from tests.conftest import ANNA, BEN, MARIA, Circle

RIDE = "/need ride to neurology tomorrow 14:00"


def _reminders(circle: Circle) -> list[str]:
    return [m.text for m in circle.private(ANNA) if "Reminder:" in m.text]


async def test_a_press_answered_too_late_still_claims_the_need(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    circle.fake.fail_next(
        "answerCallbackQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    with caplog.at_level(logging.ERROR):
        await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    assert "Claimed by Anna" in circle.card("neurology").text
    assert "Thank you for helping Maria!" in circle.private(ANNA)[-1].text
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_429_on_a_reminder_is_waited_out_and_it_arrives_once(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    circle.fake.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=ANNA.id
    )
    await circle.run_until(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert len(_reminders(circle)) == 1


async def test_telegram_unreachable_when_a_reminder_is_due_it_comes_a_minute_later(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, RIDE)
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    circle.fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=ANNA.id, times=2)
    await circle.run_until(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert _reminders(circle) == []
    [row] = [
        r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER and r.lead == 1440
    ]
    assert (row.state, row.tries) == (MessageState.PENDING, 1)
    await circle.run_until(datetime(2026, 11, 25, 13, 2, tzinfo=UTC))
    assert len(_reminders(circle)) == 1
    [row] = [
        r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER and r.lead == 1440
    ]
    assert (row.state, row.tries) == (MessageState.SENT, 2)


async def test_pressing_an_up_to_date_board_again_changes_nothing_quietly(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, RIDE)
    await circle.say(BEN, "/board")
    board = circle.last_in_group()
    # Ben taps on the board as his phone showed it, a moment after Anna took the ride.
    bens_tap = circle.fake.user_presses(
        BEN.id, board.chat_id, board.message_id, "🙋 1. ride to neurology"
    )
    await circle.press(ANNA, board, "🙋 1. ride to neurology")
    with caplog.at_level(logging.WARNING):
        # Refreshing the card and the board changes nothing: "message is not modified".
        await circle.feed(bens_tap)
    answer = circle.fake.callback_answer_for(bens_tap["callback_query"]["id"])
    assert answer is not None and answer[1] == "Anna already took this one. Thank you for offering!"
    not_modified = [c for c in circle.fake.calls if "not modified" in str(c.response)]
    assert not_modified, "the refresh met Telegram's 'message is not modified'"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
