"""Stories about the circle itself: time zone, coordinators, help, commands."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Circle as CircleRow
from storage.models import Membership, Role
from tests.conftest import ANNA, BEN, GROUP_ID, MARIA, TOM, Circle


async def test_setup_as_a_reply_makes_that_person_the_one_supported(circle: Circle) -> None:
    await circle.say(MARIA, "Thank you all for being here")
    marias = [m for m in circle.group() if m.from_user_id == MARIA.id][-1]
    await circle.say(TOM, "/setup", reply_to=marias.message_id)
    assert "This group is now Maria's care circle" in circle.last_in_group().text
    async with circle.sm() as session:
        roles = {m.user_id: m.role for m in (await session.exec(select(Membership))).all()}
    assert roles == {MARIA.id: Role.PATIENT, TOM.id: Role.COORDINATOR}


async def test_people_who_write_in_the_group_become_members(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(BEN, "Count me in!")
    async with circle.sm() as session:
        members = (await session.exec(select(Membership))).all()
    assert {m.user_id for m in members} == {MARIA.id, BEN.id}


async def test_timezone_is_shown_changed_and_checked(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(ANNA, "/timezone")
    assert "Times here are in Europe/Berlin (it's 10:00 there now)" in circle.last_in_group().text
    await circle.say(ANNA, "/timezone Europe/Lisbon")
    assert circle.last_in_group().text.startswith("Only the person we're supporting")
    await circle.say(MARIA, "/timezone Lisbon")
    assert "Did you mean /timezone Europe/Lisbon?" in circle.last_in_group().text
    await circle.say(MARIA, "/timezone Europe/Lisbon")
    assert "times are now in Europe/Lisbon (it's 09:00 there now)" in circle.last_in_group().text
    async with circle.sm() as session:
        [row] = (await session.exec(select(CircleRow))).all()
    assert row.timezone == "Europe/Lisbon"
    # A need is now read in Lisbon time.
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    assert "Thu 26 Nov, 14:00" in circle.card("neurology").text


async def test_coordinators_are_chosen_by_maria_only(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(ANNA, "/coordinator", reply_to=tom_hello.message_id)
    assert (
        circle.last_in_group().text == "Only the person we're supporting can choose coordinators."
    )
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)
    assert circle.last_in_group().text.startswith("⭐ Tom is now a coordinator")
    await circle.say(MARIA, "/coordinator remove", reply_to=tom_hello.message_id)
    assert circle.last_in_group().text == "Tom is no longer a coordinator."
    await circle.say(MARIA, "/coordinator")
    assert "reply to one of their messages with /coordinator" in circle.last_in_group().text


async def test_a_coordinator_may_cancel_and_a_requester_may_cancel_their_own(
    circle: Circle,
) -> None:
    await circle.set_up(TOM, ANNA)
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.say(ANNA, "/need lift to the pharmacy on Saturday")
    assert (await circle.press(TOM, circle.card("dinner"), "✖️ Cancel")) == ("Cancelled.", False)
    assert (await circle.press(ANNA, circle.card("pharmacy"), "✖️ Cancel")) == (
        "Cancelled.",
        False,
    )


async def test_help_depends_on_role_and_chat(circle: Circle) -> None:
    await circle.say(ANNA, "/help")
    assert "/setup — make this group a care circle" in circle.last_in_group().text
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/help")
    marias = circle.last_in_group().text
    assert "/coordinator" in marias and "/timezone" in marias
    await circle.say(ANNA, "/help")
    annas = circle.last_in_group().text
    assert "/coordinator" not in annas and "/timezone" not in annas
    assert "tap 🙋 I'll do it to help Maria" in annas
    await circle.say_privately(MARIA, "/help")
    assert "Needs you post here go to Maria's group." in circle.private(MARIA)[-1].text


async def test_commands_are_registered_per_scope(circle: Circle) -> None:
    group = [c["command"] for c in circle.fake.commands("all_group_chats")]
    private = [c["command"] for c in circle.fake.commands("all_private_chats")]
    assert {"need", "board", "mine", "setup", "timezone", "coordinator", "help"} <= set(group)
    assert {"start", "need", "board", "mine", "help"} <= set(private)
    assert "setup" not in private


async def test_start_with_an_old_or_broken_link_is_explained(circle: Circle) -> None:
    await circle.say_privately(ANNA, "/start cNOSUCHCIRCLE")
    assert circle.private(ANNA)[-1].text.startswith("That link didn't work")
    await circle.say_privately(ANNA, "/start")
    assert "Add me to your family group and send /setup there" in circle.private(ANNA)[-1].text


async def test_commands_before_setup_explain_what_to_do(circle: Circle) -> None:
    await circle.say(ANNA, "/need dinner on Friday")
    assert circle.last_in_group().text.startswith("This group isn't a care circle yet.")
    await circle.say(ANNA, "/board")
    assert circle.last_in_group().text.startswith("This group isn't a care circle yet.")
    await circle.start_privately(ANNA)
    await circle.say_privately(ANNA, "/board")
    assert circle.private(ANNA)[-1].text.startswith("You're not in a care circle yet.")


async def test_the_circle_follows_its_group_to_a_supergroup(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need dinner on Friday")
    new_id = -1009999999999
    await circle.feed(circle.fake.group_migrated(GROUP_ID, new_id, by_user_id=MARIA.id))
    await circle.say(MARIA, "/board", chat_id=new_id)
    board = circle.fake.last_message(new_id)
    assert "dinner" in board.text
