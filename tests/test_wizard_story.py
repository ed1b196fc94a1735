"""The guided /need: step by step, forgiving, and never lost."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Need, NeedDraft
from tests.conftest import ANNA, MARIA, TOM, Circle


async def _needs(circle: Circle) -> list[Need]:
    async with circle.sm() as session:
        return list((await session.exec(select(Need))).all())


async def test_maria_posts_a_meal_step_by_step_in_the_group(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need")
    question = circle.last_in_group()
    assert question.text.startswith("What kind of help does Maria need?")
    await circle.press(MARIA, question, "🍲 Meal")

    ask = circle.last_in_group()
    assert "what exactly?" in ask.text
    assert ask.reply_markup is not None and ask.reply_markup.get("force_reply") is True
    await circle.say(MARIA, "lasagne, no mushrooms please", reply_to=ask.message_id)

    days = circle.last_in_group()
    assert days.text == "When is it?"
    await circle.press(MARIA, days, "Tomorrow")
    times = circle.last_in_group()
    assert times.text.startswith("What time on Thu 26 Nov?")
    await circle.press(MARIA, times, "Evening")

    confirm = circle.last_in_group()
    assert "Here's how it will look" in confirm.text
    assert "lasagne, no mushrooms please" in confirm.text
    assert "Thu 26 Nov, evening" in confirm.text
    assert await _needs(circle) == []  # nothing is posted before the confirmation
    await circle.press(MARIA, confirm, "✅ Post it")

    card = circle.card("lasagne")
    assert card.text.splitlines()[0] == "🍲 Meal"
    assert card.buttons[0] == ["🙋 I'll do it"]
    [need] = await _needs(circle)
    assert need.category == "meal" and need.when_label == "evening"
    assert circle.fake.message(confirm.chat_id, confirm.message_id).text == "✅ Posted. Thank you!"


async def test_a_typed_time_and_a_picked_day_work_in_private(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/need")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🚗 Ride")
    await circle.say_privately(MARIA, "physio at the clinic")
    await circle.press(MARIA, circle.private(MARIA)[-1], "📅 Pick a day")
    await circle.press(MARIA, circle.private(MARIA)[-1], "Mon 30 Nov")
    await circle.say_privately(MARIA, "quarter past nine-ish")
    assert "couldn't understand" in circle.private(MARIA)[-1].text.lower()
    await circle.say_privately(MARIA, "9:15")
    confirm = circle.private(MARIA)[-1]
    assert "Mon 30 Nov, 09:15" in confirm.text
    await circle.press(MARIA, confirm, "✅ Post it")
    assert "Mon 30 Nov, 09:15" in circle.card("physio at the clinic").text
    assert circle.fake.message(MARIA.id, confirm.message_id).text.startswith("✅ Posted in")


async def test_cancel_leaves_the_flow_and_nothing_is_posted(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need")
    await circle.press(MARIA, circle.last_in_group(), "🏠 Household")
    await circle.say(MARIA, "/cancel")
    assert circle.last_in_group().text == "Okay — nothing was posted."
    async with circle.sm() as session:
        assert (await session.exec(select(NeedDraft))).all() == []
    assert await _needs(circle) == []
    await circle.say(MARIA, "/cancel")
    assert circle.last_in_group().text == "There's nothing to cancel right now."


async def test_an_empty_or_long_answer_asks_again(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need")
    await circle.press(MARIA, circle.last_in_group(), "☕ Company")
    ask = circle.last_in_group()
    await circle.say(MARIA, "x" * 501, reply_to=ask.message_id)
    assert "That's a bit long (501 characters)" in circle.last_in_group().text
    await circle.say(MARIA, "a visit and a cup of tea", reply_to=circle.last_in_group().message_id)
    assert circle.last_in_group().text == "When is it?"


async def test_someone_else_cannot_press_marias_draft_buttons(circle: Circle) -> None:
    await circle.set_up(TOM)
    await circle.say(MARIA, "/need")
    answer = await circle.press(TOM, circle.last_in_group(), "🚗 Ride")
    assert answer == ("This is someone else's /need. Send /need to start your own.", True)


async def test_a_draft_survives_a_restart(circle: Circle) -> None:
    """Drafts live in the database: a new Application on the same data carries on."""
    await circle.set_up()
    await circle.say(MARIA, "/need")
    await circle.press(MARIA, circle.last_in_group(), "🐾 Pet care")
    ask = circle.last_in_group()
    await circle.restart()
    await circle.say(MARIA, "feed the cat", reply_to=ask.message_id)
    assert circle.last_in_group().text == "When is it?"
    await circle.press(MARIA, circle.last_in_group(), "No specific time")
    await circle.press(MARIA, circle.last_in_group(), "✅ Post it")
    assert "🗓 Any time" in circle.card("feed the cat").text


async def test_a_stray_private_message_gets_a_gentle_pointer(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "hello?")
    assert circle.private(MARIA)[-1].text.startswith("I'm not sure what to do with that.")
