"""The bot removed from the group: the circle rests, nothing is lost, and it all comes back
when the bot is added again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from storage.models import Circle as CircleRow
from storage.models import CircleStatus, MessageKind, MessageState
from tests.conftest import ANNA, BEN, MARIA, Circle

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def _status(circle: Circle) -> str:
    async with circle.sm() as session:
        return (await session.exec(select(CircleRow.status))).one()


async def test_removed_from_the_group_the_circle_rests_and_comes_back(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need ride to physio Friday 14:00")  # nudge due Wed 13:00 UTC
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    await circle.say_privately(BEN, "/remind today 15:00 call Maria")

    await circle.feed(circle.fake.bot_removed_from_group(circle.group_id, MARIA.id))
    assert await _status(circle) == CircleStatus.DORMANT
    sent_before = len(circle.fake.calls_of("sendMessage"))
    await circle.run_until(utc(25, 14, 30))
    # Nothing for the circle: no nudge to the group, no reminder to Anna. Ben's own
    # reminder is his, and still comes.
    calls = circle.fake.calls_of("sendMessage")[sent_before:]
    new_texts = [str(call.params.get("text", "")) for call in calls]
    assert len(new_texts) == 1 and "call Maria" in new_texts[0]
    held = [r for r in await circle.scheduled() if r.state == MessageState.HELD]
    assert {r.kind for r in held} == {MessageKind.NUDGE, MessageKind.REMINDER}

    await circle.feed(circle.fake.bot_added_to_group(circle.group_id, MARIA.id))
    assert await _status(circle) == CircleStatus.ACTIVE
    assert circle.last_in_group().text.startswith("👋 I'm back.")
    await circle.tick()
    nudge = circle.last_in_group()
    assert nudge.text.startswith("(Sorry this comes late")
    assert "Still looking for someone" in nudge.text
    reminder = [m for m in circle.private(ANNA) if "Reminder:" in m.text]
    assert len(reminder) == 1 and reminder[0].text.startswith("(Sorry this comes late")
    assert not [r for r in await circle.scheduled() if r.state == MessageState.HELD]


async def test_a_refused_group_message_also_puts_the_circle_to_rest(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to physio Friday 14:00")
    # Removed while the bot was down: no update arrived, the next message is refused.
    circle.fake.chats[circle.group_id].bot_status = "kicked"
    await circle.run_until(utc(25, 13))
    assert await _status(circle) == CircleStatus.DORMANT
    await circle.run_until(utc(26, 13))
    states = sorted(r.state for r in await circle.scheduled() if r.kind == MessageKind.NUDGE)
    assert states == [MessageState.HELD, MessageState.HELD]


async def test_a_group_that_becomes_a_supergroup_gets_its_nudges_there(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to physio Friday 14:00")
    new_id = -1009999999999
    await circle.feed(circle.fake.group_migrated(circle.group_id, new_id, by_user_id=MARIA.id))
    await circle.run_until(utc(25, 13))
    nudge = circle.fake.last_message(new_id)
    assert nudge.text.startswith("🔔 Still looking for someone")
    # Claiming from the nudge in the new supergroup works, and the card there follows.
    await circle.press(ANNA, nudge, "🙋 I'll do it")
    assert "Taken by Anna" in circle.fake.message(new_id, nudge.message_id).text
