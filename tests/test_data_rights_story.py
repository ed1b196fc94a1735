"""Data belongs to the people in it: Maria takes all of her circle's data home as files,
anyone can ask to be forgotten (their past help stays, from "a former member"), and Maria
can delete the circle and everything in it. Check-ins stay readable by Maria alone."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel, col
from sqlmodel import select as sql_select

from bot.callbacks import DataAction, DataButton, decode, encode
from bot.render import circles as circle_texts
from storage.models import (
    CheckIn,
    Membership,
    MessageKind,
    Need,
    Observation,
    Person,
    ScheduledMessage,
)
from storage.models import Circle as CircleRow
from tests.conftest import ANNA, BEN, CARL, GROUP_ID, MARIA, TOM, Circle
from tests.conftest import Person as Someone
from tests.fake_telegram import FakeMessage
from tests.fake_telegram.server import UploadedFile

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases

NOTE = "Left leg heavier on the stairs"
TOMS_NOTE = "Work is a lot on top of everything"
QUESTION = "Should I ask about a new physio plan?"
NOTICED = "She needed the stick on the stairs today"
OTHER_GROUP = -1001000000002


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _now(circle: Circle, message: FakeMessage) -> FakeMessage:
    return circle.fake.message(message.chat_id, message.message_id)


async def _make_coordinator(circle: Circle, person: Someone) -> None:
    hello = next(m for m in circle.group() if m.from_user_id == person.id)
    await circle.say(MARIA, "/coordinator", reply_to=hello.message_id)


async def _check_in(circle: Circle, person: Someone, note: str) -> None:
    """/checkin (Maria's, or a carepartner's own): three taps and a typed note."""
    await circle.say_privately(person, "/checkin")
    prompt = circle.private(person)[-1]
    for _ in range(3):
        shown = _now(circle, prompt)
        await circle.press(person, shown, shown.flat_buttons[1])  # "4 🙂 Good" or alike
    await circle.say_privately(person, note)


async def _rich_circle(circle: Circle) -> None:
    """A circle with a bit of everything: open, claimed and done needs, Maria's check-in,
    a question, an observation, a care team contact, reminders, and Tom's own check-in."""
    await circle.set_up(ANNA, BEN, TOM)
    await _make_coordinator(circle, TOM)
    await circle.say_privately(MARIA, "/settings observations on")
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.press(ANNA, circle.card("dinner"), "🙋 I'll do it")
    await circle.say(MARIA, "/need pick up the prescription today 18:00")
    await circle.press(BEN, circle.card("prescription"), "🙋 I'll do it")
    await circle.press(BEN, circle.card("prescription"), "✅ Done")
    asked = circle.private(BEN)[-1]
    await circle.say_privately(BEN, NOTICED, reply_to=asked.message_id)
    await circle.press(MARIA, circle.private(MARIA)[-1], "📄 Add to my report")
    await _check_in(circle, MARIA, NOTE)
    await circle.press(MARIA, circle.private(MARIA)[-1], "🔒 Keep it private")
    await circle.say_privately(MARIA, f"/ask {QUESTION}")
    await circle.say_privately(MARIA, "/team add neurologist: Dr Weber, 030 1234567")
    await circle.say_privately(MARIA, "/remind 10 Dec 9:00 call the MS nurse")
    await circle.say(TOM, "/remind 10 Dec 10:00 book the car service")
    await circle.say(ANNA, "/remind 10 Dec 17:00 buy the vegetables")
    await circle.say_privately(TOM, "/checkins me sun 18:00")
    await circle.run_until(utc(29, 17))
    await _check_in(circle, TOM, TOMS_NOTE)


def _documents(circle: Circle, person: Someone) -> list[UploadedFile]:
    files = [m.file for m in circle.private(person) if m.file_kind == "document"]
    assert all(isinstance(f, UploadedFile) for f in files)
    return [f for f in files if isinstance(f, UploadedFile)]


async def _export(circle: Circle, person: Someone) -> tuple[dict[str, Any], dict[str, bytes]]:
    """/export privately: the JSON document and the CSV files, read back."""
    before = len(_documents(circle, person))
    await circle.say_privately(person, "/export")
    document, archive = _documents(circle, person)[before:]
    assert document.filename.endswith(".json") and archive.filename.endswith("-csv.zip")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        files = {name: opened.read(name) for name in opened.namelist()}
    return json.loads(document.content), files


def _csv(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


def _as_csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def test_maria_takes_everything_of_her_circle_home_as_json_and_csv(circle: Circle) -> None:
    await _rich_circle(circle)
    group_before = len(circle.group())
    data, files = await _export(circle, MARIA)
    intro = [m for m in circle.private(MARIA) if m.text.startswith("📦")][-1]
    assert intro.text.startswith("📦 Here is everything your circle holds")
    assert "keep them somewhere safe" in intro.text
    assert len(circle.group()) == group_before  # nothing about it in the group

    assert data["export"]["what"] == "circle"
    assert data["export"]["timezone"] == "Europe/Berlin"
    assert data["circle"]["title"] == "Maria's helpers"
    assert data["circle"]["helpers_asked_what_they_noticed"] is True
    members = {m["name"]: m["role"] for m in data["members"]}
    assert members == {
        "Maria": "supported_person",
        "Anna": "member",
        "Ben": "member",
        "Tom": "coordinator",
    }

    needs = {n["description"]: n for n in data["needs"]}
    ride = needs["ride to neurology"]
    assert (ride["status"], ride["claimer_name"]) == ("open", None)
    # Local time with its offset, and the same moment in UTC.
    assert ride["starts_at"] == "2026-11-26T14:00:00+01:00"
    assert ride["starts_at_utc"] == "2026-11-26T13:00:00+00:00"
    assert ride["requested_by_name"] == "Maria"
    assert (needs["dinner"]["status"], needs["dinner"]["claimer_name"]) == ("claimed", "Anna")
    prescription = needs["pick up the prescription"]
    assert (prescription["status"], prescription["claimer_name"]) == ("done", "Ben")
    assert prescription["done_at_utc"] is not None
    # Who held each place (several helpers, backups) is exported too.
    places = {(h["need_id"], h["name"], h["role"]) for h in data["need_helpers"]}
    assert places == {
        (needs["dinner"]["id"], "Anna", "helper"),
        (prescription["id"], "Ben", "helper"),
    }

    [check_in] = data["check_ins"]
    assert (check_in["physical"], check_in["mood"], check_in["energy"]) == (4, 4, 4)
    assert check_in["note"] == NOTE and check_in["kind"] == "wellbeing"
    assert check_in["started_at"].endswith("+01:00")
    [question] = data["questions"]
    assert (question["text"], question["asked_by_name"]) == (QUESTION, "Maria")
    [observation] = data["observations"]
    assert (observation["text"], observation["helper_name"], observation["in_report"]) == (
        NOTICED,
        "Ben",
        True,
    )
    [contact] = data["team_contacts"]
    assert (contact["role"], contact["name"], contact["phone"]) == (
        "Neurologist",
        "Dr Weber",
        "030 1234567",
    )
    assert data["prefs"] == {"help_i_love": None, "please_dont": None}
    pending = data["scheduled_messages"]
    [own] = [m for m in pending if m["kind"] == "personal"]
    assert (own["text"], own["recipient"], own["due_at"]) == (
        "call the MS nurse",
        "Maria",
        "2026-12-10T09:00:00+01:00",
    )
    # Still to come: her morning summary and her reminder. Tom's weekly prompt and Tom's and
    # Anna's reminders (pending too) are theirs, not the circle's.
    assert {m["kind"] for m in pending} == {"digest", "personal"}
    # Tom's and Anna's private reminders, and Tom's check-in, are theirs alone.
    everything = json.dumps(data, ensure_ascii=False) + b"".join(files.values()).decode(
        "utf-8", "replace"
    )
    for private in (TOMS_NOTE, "book the car service", "buy the vegetables"):
        assert private not in everything
    async with circle.sm() as session:
        circle_row = (await session.exec(sql_select(CircleRow))).one()
    assert circle_row.invite_code not in everything  # a file gets forwarded; the link stays
    assert "patient" not in everything.lower()

    # The CSV files hold the same rows as the JSON, one file per table.
    assert set(files) == {
        "README.txt",
        "circle.csv",
        "prefs.csv",
        "members.csv",
        "needs.csv",
        "need_helpers.csv",
        "scheduled_messages.csv",
        "check_ins.csv",
        "questions.csv",
        "observations.csv",
        "team_contacts.csv",
    }
    for name in files.keys() - {"README.txt"}:
        table = name.removesuffix(".csv")
        records = data[table] if isinstance(data[table], list) else [data[table]]
        expected = [{k: _as_csv(v) for k, v in row.items()} for row in records]
        assert _csv(files, name) == expected, table
    [circle_csv] = _csv(files, "circle.csv")
    assert circle_csv["created_at"].endswith("+01:00")
    assert _csv(files, "check_ins.csv")[0]["note"] == NOTE


async def test_pending_messages_and_her_own_reminder_are_in_the_export(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology on Friday 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say_privately(MARIA, "/remind tomorrow 9:00 call the MS nurse")
    await circle.say(ANNA, "/remind tomorrow 9:00 buy the vegetables")
    data, files = await _export(circle, MARIA)
    pending = data["scheduled_messages"]
    [mine] = [m for m in pending if m["kind"] == "personal"]
    assert (mine["text"], mine["recipient"]) == ("call the MS nurse", "Maria")
    assert (mine["due_at"], mine["due_at_utc"]) == (
        "2026-11-26T09:00:00+01:00",
        "2026-11-26T08:00:00+00:00",
    )
    reminders = [m for m in pending if m["kind"] == "reminder"]
    assert reminders and {m["recipient"] for m in reminders} == {"Anna"}
    assert "buy the vegetables" not in files["scheduled_messages.csv"].decode("utf-8-sig")
    assert len(_csv(files, "scheduled_messages.csv")) == len(pending)


async def test_anna_gets_only_her_own_data_and_the_group_never_sees_a_file(
    circle: Circle,
) -> None:
    await _rich_circle(circle)
    await circle.say(MARIA, "/export")
    reply = circle.last_in_group()
    assert reply.text.startswith("🔒 I only send data files in our private chat")
    assert reply.url("💬 Open our private chat") == "https://t.me/CareCircleBot"
    assert not [c for c in circle.fake.calls_of("sendDocument")]

    data, files = await _export(circle, ANNA)
    intro = [m for m in circle.private(ANNA) if m.text.startswith("📦")][-1]
    assert intro.text.startswith(
        "📦 Only Maria can export the whole circle's data. Here is everything I keep about you"
    )
    assert data["export"]["what"] == "personal"
    assert data["person"]["first_name"] == "Anna"
    assert [(m["group"], m["role"]) for m in data["memberships"]] == [("Maria's helpers", "member")]
    assert [r["text"] for r in data["reminders"]] == ["buy the vegetables"]
    assert [n["description"] for n in data["needs"]] == ["dinner"]
    assert data["check_ins"] == [] and data["questions"] == [] and data["observations"] == []
    everything = json.dumps(data, ensure_ascii=False) + b"".join(files.values()).decode()
    for private in (NOTE, QUESTION, NOTICED, "Dr Weber", TOMS_NOTE, "call the MS nurse"):
        assert private not in everything
    assert not [c for c in circle.fake.calls_of("sendDocument") if c.params["chat_id"] == GROUP_ID]


async def test_a_coordinators_export_holds_his_own_check_ins_and_none_of_marias(
    circle: Circle,
) -> None:
    await _rich_circle(circle)
    data, files = await _export(circle, TOM)
    [own] = data["check_ins"]
    assert (own["kind"], own["note"]) == ("holding_up", TOMS_NOTE)
    assert [(m["role"], m["own_check_in_schedule"]) for m in data["memberships"]] == [
        ("coordinator", "sun 18:00")
    ]
    assert [r["text"] for r in data["reminders"]] == ["book the car service"]
    everything = json.dumps(data, ensure_ascii=False) + b"".join(files.values()).decode()
    assert NOTE not in everything and QUESTION not in everything and NOTICED not in everything
    assert [row["note"] for row in _csv(files, "check_ins.csv")] == [TOMS_NOTE]


# --- /forget_me ----------------------------------------------------------------------------


async def _people(circle: Circle) -> dict[int, Person]:
    async with circle.sm() as session:
        return {p.user_id: p for p in (await session.exec(sql_select(Person))).all()}


async def _memberships(circle: Circle) -> list[tuple[int, str]]:
    async with circle.sm() as session:
        rows = await session.exec(sql_select(Membership).order_by(col(Membership.id)))
        return [(m.user_id, m.role) for m in rows.all()]


async def test_forgetting_counts_a_change_to_each_card_that_showed_the_name(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(ANNA, "/need lift for Maria to the pharmacy on Friday")
    before = await circle.need_versions()

    await circle.say_privately(ANNA, "/forget_me")
    await circle.press(ANNA, circle.private(ANNA)[-1], "Yes, forget me")

    # Her name leaves the card; replicas sharing the database see the card as changed.
    assert "Anna" not in circle.card("pharmacy").text
    after = await circle.need_versions()
    assert before and all(after[need] > version for need, version in before.items())


async def test_anna_is_forgotten_and_her_help_stays_from_a_former_member(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(MARIA, "/need pick up the prescription today 18:00")
    await circle.press(ANNA, circle.card("prescription"), "🙋 I'll do it")
    await circle.press(ANNA, circle.card("prescription"), "✅ Done")
    await circle.say(ANNA, "/need lift for Maria to the pharmacy on Friday")
    await circle.say(ANNA, "/remind tomorrow 9:00 buy Maria's vegetables")
    await circle.say_privately(ANNA, "/checkins me sun 18:00")

    await circle.say_privately(ANNA, "/forget_me")
    question = circle.private(ANNA)[-1]
    assert question.text.startswith("🫥 Forget me?")
    assert "You leave Maria's helpers." in question.text
    assert "The need you've taken on goes back on the board" in question.text
    assert "from “a former member”" in question.text
    assert question.buttons == [["Yes, forget me"], ["No, keep things as they are"]]
    group_before = len(circle.group())

    assert await circle.press(ANNA, question, "Yes, forget me") == ("Done ✓", False)
    settled = _now(circle, question)
    assert settled.text.startswith("✅ Done — I've forgotten you.")
    assert settled.buttons == []

    # The ride is open again, and the group hears it without being told why.
    ride = circle.card("ride to neurology")
    assert "🟢 Open" in ride.text and "Anna" not in ride.text
    said = [m for m in circle.group()[group_before:] if m.from_bot and "open again" in m.text]
    assert [m.text for m in said] == [
        "↩️ 🚗 ride to neurology (Thu 26 Nov, 14:00) is open again — could someone help?"
    ]
    assert said[0].reply_to_message_id == ride.message_id
    # Her past help stays, from a former member; so does what she asked for.
    assert "Done by a former member — thank you!" in circle.card("prescription").text
    assert "Asked by a former member for Maria" in circle.card("pharmacy").text
    assert not any("Anna" in m.text for m in circle.group()[group_before:])
    await circle.say(MARIA, "/board")
    board = circle.last_in_group().text
    assert "ride to neurology" in board.split("Covered")[0] and "Anna" not in board

    person = (await _people(circle))[ANNA.id]
    assert (person.first_name, person.last_name, person.username) == ("", None, None)
    assert ANNA.id not in [user_id for user_id, _role in await _memberships(circle)]
    assert [r for r in await circle.scheduled() if r.recipient_id == ANNA.id] == []

    # Her reminder and her own check-in never come.
    anna_before = len(circle.private(ANNA))
    await circle.run_until(utc(5, 12, month=12))
    assert circle.private(ANNA)[anna_before:] == []
    # The ride, open again, is nudged to the group like any other.
    assert any("ride to neurology" in m.text and "Still looking" in m.text for m in circle.group())


async def test_a_coordinator_who_is_forgotten_stops_being_one(circle: Circle) -> None:
    await circle.set_up(TOM)
    await _make_coordinator(circle, TOM)
    await circle.say_privately(TOM, "/forget_me")
    question = circle.private(TOM)[-1]
    assert "and you're no longer a coordinator." in question.text
    await circle.press(TOM, question, "Yes, forget me")
    assert await _memberships(circle) == [(MARIA.id, "patient")]
    await circle.say_privately(TOM, "/need dinner on Friday")
    assert not any("dinner" in m.text for m in circle.group())


async def test_no_keeps_everything_as_it_was(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(ANNA, "/remind tomorrow 9:00 buy Maria's vegetables")
    scheduled_before = await circle.scheduled()
    people_before = await _people(circle)

    await circle.say_privately(ANNA, "/forget_me")
    question = circle.private(ANNA)[-1]
    await circle.press(ANNA, question, "No, keep things as they are")
    assert _now(circle, question).text == "👍 Okay — nothing has changed."
    assert _now(circle, question).buttons == []
    assert "Claimed by Anna" in circle.card("ride to neurology").text
    assert await circle.scheduled() == scheduled_before
    assert (await _people(circle))[ANNA.id].first_name == people_before[ANNA.id].first_name
    assert (ANNA.id, "member") in await _memberships(circle)


async def test_maria_is_pointed_to_delete_circle_instead(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, "/forget_me")
    reply = circle.private(MARIA)[-1]
    assert reply.text.startswith("💛 Maria's helpers is there for you — if I forgot you")
    assert "/delete_circle" in reply.text and reply.text.endswith("Nothing has changed.")
    assert reply.buttons == []
    assert (await _people(circle))[MARIA.id].first_name == "Maria"

    await circle.say(ANNA, "/forget_me")
    assert circle.last_in_group().text.startswith("🔒 Let's talk about that privately")
    assert (await _people(circle))[ANNA.id].first_name == "Anna"


# --- /delete_circle ------------------------------------------------------------------------


async def _rows_of_circle(circle: Circle, circle_id: int) -> dict[str, int]:
    """How many rows every table holds for the circle."""
    found: dict[str, int] = {}
    async with circle.sm() as session:
        for table in SQLModel.metadata.sorted_tables:
            if "circle_id" in table.c:
                where = table.c.circle_id == circle_id
            elif table.name == "circle":
                where = table.c.id == circle_id
            else:
                continue
            count = await session.execute(select(func.count()).select_from(table).where(where))
            found[table.name] = int(count.scalar_one())
    return found


async def test_maria_deletes_the_circle_and_nothing_of_it_is_left(circle: Circle) -> None:
    await _rich_circle(circle)
    # Ben also helps in another circle, so he is still known there.
    circle.fake.add_group(OTHER_GROUP, "Carl's helpers", supergroup=True)
    await circle.say(CARL, "/setup", chat_id=OTHER_GROUP)
    await circle.say(BEN, "Hello Carl", chat_id=OTHER_GROUP)
    async with circle.sm() as session:
        circle_id = (
            await session.exec(sql_select(CircleRow.id).where(CircleRow.chat_id == GROUP_ID))
        ).one()
    assert circle_id is not None
    before = await _rows_of_circle(circle, circle_id)
    assert all(before[name] for name in ("need", "check_in", "question", "observation"))
    assert before["scheduled_message"] and before["team_contact"] and before["membership"]

    await circle.say_privately(MARIA, "/delete_circle")
    first = circle.private(MARIA)[-1]
    assert first.text.startswith("🗑 Delete the care circle of Maria's helpers?")
    assert "• 3 needs and their history" in first.text
    assert "• your 1 check-in" in first.text  # Tom's own check-in is not counted for her
    assert "Send /export before you answer." in first.text
    assert first.buttons == [["🗑 Yes, delete everything"], ["No, keep the circle"]]
    await circle.press(MARIA, first, "No, keep the circle")
    assert _now(circle, first).text == "👍 Okay — the circle stays as it is."
    assert await _rows_of_circle(circle, circle_id) == before

    await circle.say_privately(MARIA, "/delete_circle")
    confirm = circle.private(MARIA)[-1]
    await circle.say_privately(MARIA, "/delete_circle")
    stale = circle.private(MARIA)[-1]
    assert await circle.press(MARIA, confirm, "🗑 Yes, delete everything") == ("Deleted ✓", False)
    done = _now(circle, confirm)
    assert done.text.startswith("🗑 Done — the care circle of Maria's helpers and everything")
    assert "/forget_me" in done.text
    assert circle.last_in_group().text.startswith(
        "👋 Maria has closed this care circle, so I've deleted everything it held."
    )

    after = await _rows_of_circle(circle, circle_id)
    assert after == dict.fromkeys(after, 0), after
    people = await _people(circle)
    assert set(people) == {BEN.id, CARL.id}  # known to the other circle only
    # Their own /remind reminders stay theirs, no longer tied to the circle.
    kept = [r for r in await circle.scheduled() if r.circle_id is None]
    assert {r.kind for r in kept} <= {MessageKind.PERSONAL}
    async with circle.sm() as session:
        other = (await session.exec(sql_select(CircleRow))).one()
        assert other.chat_id == OTHER_GROUP
        assert (await session.exec(sql_select(Need))).all() == []
        assert (await session.exec(sql_select(CheckIn))).all() == []
        assert (await session.exec(sql_select(Observation))).all() == []

    # A stale confirmation is answered kindly and deletes nothing else.
    answer = await circle.press(MARIA, stale, "🗑 Yes, delete everything")
    assert answer == (
        "This circle has already been deleted — there's nothing more to do.",
        False,
    )
    assert _now(circle, stale).buttons == []
    assert (await _rows_of_circle(circle, circle_id)) == after

    await circle.say(ANNA, "/board")
    assert circle.last_in_group().text == circle_texts.NO_CIRCLE_IN_GROUP
    # Nothing of the circle is sent any more, to the group or to Maria.
    group_before, maria_before = len(circle.group()), len(circle.private(MARIA))
    await circle.run_until(circle.clock.now() + timedelta(days=10))
    assert circle.group()[group_before:] == []
    assert circle.private(MARIA)[maria_before:] == []
    async with circle.sm() as session:
        still = (await session.exec(sql_select(ScheduledMessage))).all()
        assert all(r.circle_id != circle_id for r in still)


async def test_an_own_reminder_outlives_the_circle(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology on Friday 14:00")
    await circle.press(ANNA, circle.card("ride to neurology"), "🙋 I'll do it")
    await circle.say(ANNA, "/remind Saturday 9:00 water Maria's plants")
    await circle.say_privately(MARIA, "/delete_circle")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🗑 Yes, delete everything")
    anna_before = len(circle.private(ANNA))
    await circle.run_until(utc(29, 12))
    said = [m.text for m in circle.private(ANNA)[anna_before:]]
    # The ride's reminders are gone with the circle; her own reminder still comes.
    assert said == ["⏰ You asked me to remind you:\nwater Maria's plants"]


async def test_a_group_that_refuses_the_goodbye_changes_nothing(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.say_privately(MARIA, "/delete_circle")
    confirm = circle.private(MARIA)[-1]
    circle.fake.fail_next(
        "sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=GROUP_ID
    )
    assert await circle.press(MARIA, confirm, "🗑 Yes, delete everything") == ("Deleted ✓", False)
    assert _now(circle, confirm).text.startswith("🗑 Done")
    assert not circle.last_in_group().text.startswith("👋")
    async with circle.sm() as session:
        assert (await session.exec(sql_select(CircleRow))).all() == []


async def test_only_maria_may_delete_and_only_privately(circle: Circle) -> None:
    await circle.set_up(TOM)
    await _make_coordinator(circle, TOM)
    await circle.say_privately(TOM, "/delete_circle")
    assert circle.private(TOM)[-1].text.startswith("Only Maria can delete the circle.")
    assert circle.private(TOM)[-1].buttons == []
    await circle.say(MARIA, "/delete_circle")
    reply = circle.last_in_group()
    assert reply.text.startswith("🔒 Please send /delete_circle to me in our private chat")
    await circle.start_privately(CARL)  # in no circle at all
    await circle.say_privately(CARL, "/delete_circle")
    assert circle.private(CARL)[-1].text == circle_texts.NO_CIRCLE_IN_PRIVATE
    async with circle.sm() as session:
        assert len((await session.exec(sql_select(CircleRow))).all()) == 1


def test_confirmation_buttons_are_short_and_read_back() -> None:
    for button in (
        DataButton(DataAction.FORGET, 103),
        DataButton(DataAction.KEEP_ME, 7_000_000_001),
        DataButton(DataAction.DELETE, 1),
        DataButton(DataAction.KEEP_CIRCLE, 2**31 - 1),
    ):
        data = encode(button)
        assert data.startswith("x:") and len(data.encode()) < 64
        assert decode(data) == button
    for junk in ("x:f", "x:z:1", "x:d:0", "x:d:-1", "x:d:abc", "x:d:1:2"):
        assert decode(junk) is None
