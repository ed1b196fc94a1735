"""Helpers' observations: asked only when the supported person wants them, seen only by
them, and in the report only if they choose."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Observation
from tests.conftest import ANNA, BEN, MARIA, TOM, Circle

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

NOTICED = "She seemed more tired than last month and needed the stick on the stairs"


async def _observations(circle: Circle) -> list[Observation]:
    async with circle.sm() as session:
        return list((await session.exec(select(Observation))).all())


async def _done_ride(circle: Circle) -> None:
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("ride to neurology"), "✅ Done")


async def test_only_maria_switches_observations_on_and_only_privately(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    [tom_hello] = [m for m in circle.group() if m.from_user_id == TOM.id]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)
    assert "coordinator" in circle.last_in_group().text
    await circle.say(MARIA, "/settings observations on")
    assert circle.last_in_group().text.startswith("Only the person the circle supports")
    await circle.say_privately(TOM, "/settings observations on")
    assert circle.private(TOM)[-1].text.startswith("Only the person the circle supports")
    await circle.say_privately(MARIA, "/settings observations")
    assert circle.private(MARIA)[-1].text.startswith("After a need is done, I can ask")
    await circle.say_privately(MARIA, "/settings observations on")
    assert circle.private(MARIA)[-1].text.startswith("🩺 On: after a need is done")
    await circle.say_privately(MARIA, "/settings")
    assert "🩺 Helpers are asked what they noticed (only Maria sees it)" in (
        circle.private(MARIA)[-1].text
    )


async def test_annas_observation_reaches_only_maria_who_puts_it_in_her_report(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say_privately(MARIA, "/settings observations on")
    await _done_ride(circle)
    question = circle.private(ANNA)[-1]
    assert question.text.startswith("💛 Thank you for helping Maria (ride to neurology).")
    assert "Only Maria will see it" in question.text
    assert question.buttons == [["Nothing to add"]]

    await circle.say_privately(ANNA, NOTICED, reply_to=question.message_id)
    assert circle.private(ANNA)[-1].text == "Thank you — I've passed it to Maria, and only to them."
    to_maria = circle.private(MARIA)[-1]
    assert to_maria.text.startswith("🩺 Anna noticed something after ride to neurology:")
    assert NOTICED in to_maria.text
    assert to_maria.buttons == [["📄 Add to my report"], ["🔒 Keep it just for me"]]
    [row] = await _observations(circle)
    assert (row.text, row.in_report) == (NOTICED, False)

    answer = await circle.press(MARIA, to_maria, "📄 Add to my report")
    assert answer == ("Saved ✓", False)
    [row] = await _observations(circle)
    assert row.in_report
    edited = circle.fake.message(to_maria.chat_id, to_maria.message_id)
    assert edited.text.endswith("It will be in your /report.")
    await circle.press(MARIA, edited, "🔒 Keep it just for me")
    [row] = await _observations(circle)
    assert not row.in_report

    everything_in_groups = " ".join(m.text for m in circle.group())
    assert "stick on the stairs" not in everything_in_groups
    assert not any("stick on the stairs" in m.text for m in circle.private(BEN))


async def test_no_question_unless_maria_asked_for_them(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await _done_ride(circle)
    assert not any("Did you notice anything" in m.text for m in circle.private(ANNA))
    assert await _observations(circle) == []


async def test_nothing_to_add_leaves_nothing_behind(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/settings observations on")
    await _done_ride(circle)
    question = circle.private(ANNA)[-1]
    assert await circle.press(ANNA, question, "Nothing to add") == (
        "Thank you all the same 💛",
        False,
    )
    assert await _observations(circle) == []
    # A later reply to the old question is not taken as an observation.
    await circle.say_privately(ANNA, "oh, one more thing", reply_to=question.message_id)
    assert not any("noticed something" in m.text for m in circle.private(MARIA))


async def test_a_helper_who_cant_be_messaged_is_not_asked_in_the_group(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/settings observations on")
    circle.fake.block_bot(ANNA.id)
    await _done_ride(circle)
    assert not any("notice" in m.text for m in circle.group())
    assert await _observations(circle) == []
