"""Stories about /ask and /questions: Maria keeps questions for her next appointment,
privately, and ticks them off when they have been answered."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.callbacks import Button, QuestionAction, QuestionButton, decode, encode
from bot.services import questions as service
from bot.services.questions import Outcome
from storage.models import Question
from tests.conftest import ANNA, BEN, MARIA, TOM, Circle
from tests.fake_telegram import FakeMessage

PHYSIO = "Would physio help with my balance?"
TIRED = "Is the new tiredness the MS or the tablets?"


async def _make_tom_coordinator(circle: Circle) -> None:
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)


async def _questions(circle: Circle) -> list[Question]:
    async with circle.sm() as session:
        rows = await session.exec(select(Question).order_by(col(Question.id)))
        return list(rows.all())


def _last_private(circle: Circle, person: object) -> FakeMessage:
    return circle.private(person)[-1]  # type: ignore[arg-type]


async def test_maria_saves_questions_and_ticks_them_off(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    await circle.say_privately(MARIA, f"/ask {PHYSIO}")
    reply = _last_private(circle, MARIA).text
    assert reply.startswith("📝 Saved for the next appointment — it's number 1 on the list.")
    await circle.say_privately(MARIA, f"/ask   {TIRED}  ")
    assert "it's number 2 on the list" in _last_private(circle, MARIA).text

    await circle.say_privately(MARIA, "/questions")
    listed = _last_private(circle, MARIA)
    assert "Questions for Maria's next appointment" in listed.text
    assert f"1. {PHYSIO}" in listed.text and f"2. {TIRED}" in listed.text
    assert listed.buttons == [["✅ 1. answered"], ["✅ 2. answered"]]

    answer = await circle.press(MARIA, listed, "✅ 1. answered")
    assert answer == ("Marked as answered ✓", False)
    listed = circle.fake.message(listed.chat_id, listed.message_id)
    assert PHYSIO not in listed.text and f"1. {TIRED}" in listed.text
    assert listed.buttons == [["✅ 1. answered"], ["📂 Show answered (1)"]]
    [physio, tired] = await _questions(circle)
    assert physio.answered_at == circle.clock.now() and tired.answered_at is None

    # A mistaken tap is undone from the answered list.
    await circle.press(MARIA, listed, "📂 Show answered (1)")
    listed = circle.fake.message(listed.chat_id, listed.message_id)
    assert "Answered questions" in listed.text and f"1. {PHYSIO}" in listed.text
    assert listed.buttons == [["↩️ 1. not answered yet"], ["📝 Show open questions (1)"]]
    answer = await circle.press(MARIA, listed, "↩️ 1. not answered yet")
    assert answer == ("It's back on the list ✓", False)
    listed = circle.fake.message(listed.chat_id, listed.message_id)
    assert listed.text.startswith("✅ No answered questions yet.")
    await circle.press(MARIA, listed, "📝 Show open questions (2)")
    listed = circle.fake.message(listed.chat_id, listed.message_id)
    assert f"1. {PHYSIO}" in listed.text and f"2. {TIRED}" in listed.text
    assert all(q.answered_at is None for q in await _questions(circle))


async def test_an_empty_list_says_how_to_add_one(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/questions")
    listed = _last_private(circle, MARIA)
    assert listed.text.startswith("📝 No open questions for the next appointment.")
    assert listed.buttons == []


async def test_a_coordinator_asks_too_and_is_named_in_the_list(circle: Circle) -> None:
    await circle.set_up(TOM)
    await _make_tom_coordinator(circle)
    await circle.say_privately(TOM, "/ask Can Maria get a blue badge for the car?")
    assert _last_private(circle, TOM).text.startswith("📝 Saved for the next appointment")
    await circle.say_privately(MARIA, "/questions")
    assert "1. Can Maria get a blue badge for the car? (from Tom)" in (
        _last_private(circle, MARIA).text
    )
    await circle.say_privately(TOM, "/questions")
    tom_list = _last_private(circle, TOM)
    assert await circle.press(TOM, tom_list, "✅ 1. answered") == ("Marked as answered ✓", False)


async def test_members_are_kindly_refused(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, f"/ask {PHYSIO}")
    await circle.say_privately(ANNA, "/ask Should Maria try yoga?")
    refusal = _last_private(circle, ANNA).text
    assert refusal.startswith("Questions for Maria's appointments are kept by Maria")
    assert "patient" not in refusal.lower()
    await circle.say_privately(ANNA, "/questions")
    assert PHYSIO not in _last_private(circle, ANNA).text
    assert [q.text for q in await _questions(circle)] == [PHYSIO]
    # Nor can a member tick one off, whatever button data they send.
    [question] = await _questions(circle)
    assert question.id is not None
    refused = await service.mark_answered(circle.sm, question.id, ANNA.id, circle.clock.now())
    assert refused.outcome == Outcome.NOT_ALLOWED and refused.patient_name == "Maria"
    assert (await service.mark_answered(circle.sm, question.id, BEN.id, circle.clock.now())) == (
        service.Result(Outcome.NOT_FOUND)
    )


async def test_questions_never_appear_in_the_group(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/ask Could the bladder trouble be the MS?")
    reply = circle.last_in_group()
    assert reply.text.startswith("🔒 Questions for appointments are kept private")
    assert "bladder" not in reply.text
    assert reply.flat_buttons == ["💬 Start a private chat with me"]
    assert await _questions(circle) == []
    await circle.say(MARIA, "/ask")
    assert circle.last_in_group().text.startswith(
        "🔒 Questions for appointments are kept private. Send /ask and your question to me"
    )

    await circle.say(ANNA, "/ask Is Maria's new medicine working?")
    reply = circle.last_in_group()
    assert reply.text.startswith("🔒 Questions for Maria's appointments are kept private")
    assert "medicine" not in reply.text
    assert await _questions(circle) == []

    # The list is sent privately to Maria, never shown in the group.
    await circle.say_privately(MARIA, f"/ask {PHYSIO}")
    before = len(circle.private(MARIA))
    await circle.say(MARIA, "/questions")
    assert circle.last_in_group().text.startswith("🔒 The questions are private")
    assert all(PHYSIO not in m.text for m in circle.group())
    assert len(circle.private(MARIA)) == before + 1
    assert PHYSIO in _last_private(circle, MARIA).text

    await circle.say(BEN, "/questions")
    assert circle.last_in_group().text.startswith("🔒 Questions for Maria's appointments are")
    assert all(PHYSIO not in m.text for m in circle.group())
    assert all(PHYSIO not in m.text for m in circle.private(BEN))


async def test_the_list_comes_with_a_start_button_when_maria_has_not_started_the_bot(
    circle: Circle,
) -> None:
    await circle.say(MARIA, "/setup")
    await circle.say(MARIA, "/questions")
    reply = circle.last_in_group()
    assert reply.text.startswith("🔒 The questions are private, and I can't message you yet.")
    assert reply.flat_buttons == ["💬 Start a private chat with me"]


async def test_a_question_must_have_words_and_not_be_too_long(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/ask")
    assert _last_private(circle, MARIA).text.startswith(
        "What would you like to ask at the next appointment?"
    )
    await circle.say_privately(MARIA, "/ask " + "why " * 300)
    assert "Please keep a question under 1000 characters" in _last_private(circle, MARIA).text
    assert await _questions(circle) == []


async def test_a_double_tap_changes_nothing_twice(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, f"/ask {PHYSIO}")
    [question] = await _questions(circle)
    assert question.id is not None
    now = circle.clock.now()
    first = await service.mark_answered(circle.sm, question.id, MARIA.id, now)
    again = await service.mark_answered(circle.sm, question.id, MARIA.id, now)
    assert (first.outcome, again.outcome) == (Outcome.DONE, Outcome.ALREADY)
    assert again.questions is not None and again.questions.questions == []


async def test_html_in_a_question_is_shown_as_typed(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, "/ask Is <b>5 & 6</b> mg too much?")
    await circle.say_privately(MARIA, "/questions")
    assert "1. Is <b>5 & 6</b> mg too much?" in _last_private(circle, MARIA).text


async def test_a_long_list_stays_within_telegram_limits(circle: Circle) -> None:
    await circle.set_up()
    for number in range(service.MAX_OPEN):
        await circle.say_privately(MARIA, f"/ask {number} " + "a long question " * 60)
    await circle.say_privately(MARIA, "/ask one more")
    assert "There are already 50 open questions" in _last_private(circle, MARIA).text
    await circle.say_privately(MARIA, "/questions")
    listed = _last_private(circle, MARIA)
    assert len(listed.text) <= 4096
    assert listed.buttons[0] == ["✅ 1. answered"]


@pytest.mark.parametrize(
    "button",
    [
        QuestionButton(QuestionAction.ANSWERED, 1),
        QuestionButton(QuestionAction.REOPEN, 2**31 - 1),
        QuestionButton(QuestionAction.SHOW_ANSWERED, 42),
        QuestionButton(QuestionAction.SHOW_OPEN, 42),
    ],
)
def test_question_buttons_round_trip_and_stay_short(button: Button) -> None:
    data = encode(button)
    assert len(data.encode()) <= 64
    assert decode(data) == button


@pytest.mark.parametrize("data", ["q", "q:a", "q:a:x", "q:z:1", "q:a:0", "q:a:-1", "q:a:1:2"])
def test_question_button_data_we_did_not_make_is_ignored(data: str) -> None:
    assert decode(data) is None
