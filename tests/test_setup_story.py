"""Stories of a family group becoming a care circle."""

from __future__ import annotations

from tests.conftest import ANNA, GROUP_ID, MARIA, TOM, Circle


async def test_bot_greets_the_group_when_added(circle: Circle) -> None:
    await circle.feed(circle.fake.bot_added_to_group(GROUP_ID, TOM.id))
    greeting = circle.last_in_group()
    assert greeting.from_bot
    assert "I'm CareCircle" in greeting.text
    assert "/setup" in greeting.text


async def test_maria_sets_up_her_circle(circle: Circle) -> None:
    await circle.say(MARIA, "/setup")
    reply = circle.last_in_group()
    assert "This group is now Maria's care circle" in reply.text
    link = reply.url("💬 Start a private chat with me")
    assert link.startswith("https://t.me/CareCircleBot?start=c")

    # Anna taps the button: Telegram opens the private chat and sends /start <payload>.
    payload = link.split("start=")[1]
    await circle.say_privately(ANNA, f"/start {payload}")
    welcome = circle.private(ANNA)[-1]
    assert "You're now part of Maria's circle" in welcome.text


async def test_second_setup_says_who_the_circle_is_for(circle: Circle) -> None:
    await circle.say(MARIA, "/setup")
    await circle.say(TOM, "/setup")
    assert "already Maria's care circle" in circle.last_in_group().text


async def test_start_again_greets_by_role(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.start_privately(MARIA)
    assert circle.private(MARIA)[-1].text.startswith("Welcome back, Maria 💛")
    await circle.start_privately(ANNA)
    assert circle.private(ANNA)[-1].text.startswith("Welcome back, Anna! You're in Maria's circle.")
