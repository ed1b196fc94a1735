"""Stories of /calendar: a person's upcoming help as an .ics file, sent privately, read back
with the same iCalendar library it was written with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle, Person
from tests.fake_telegram.server import UploadedFile

BERLIN = ZoneInfo("Europe/Berlin")


def _files(circle: Circle, person: Person) -> list[UploadedFile]:
    files = [m.file for m in circle.private(person) if m.file_kind == "document"]
    return [f for f in files if isinstance(f, UploadedFile)]


def _events(file: UploadedFile) -> dict[str, Component]:
    calendar = Calendar.from_ical(file.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def _claim(circle: Circle, person: Person, words: str) -> None:
    answer = await circle.press(person, circle.card(words), "🙋 I'll do it")
    assert answer == ("Thank you! It's yours 💛", False)


async def _need_ids(circle: Circle) -> dict[str, int]:
    from sqlmodel import select

    from storage.models import Need

    async with circle.sm() as session:
        needs = (await session.exec(select(Need))).all()
    return {need.description: need.id for need in needs if need.id is not None}


async def _make_tom_coordinator(circle: Circle) -> None:
    hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=hello.message_id)


async def test_annas_calendar_has_her_needs_with_zone_and_stays_the_same_when_resent(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need dinner for Friday")
    await circle.say(MARIA, "/need someone to walk Max Sat morning")
    # After the clocks go forward in Berlin (28 March 2027): UTC+2, not UTC+1.
    await circle.say(MARIA, "/need ride to physio 2027-03-30 10:00")
    await circle.say(MARIA, "/need a call, feeling low")
    await circle.say(MARIA, "/need pharmacy run Thu 9:00")
    await _claim(circle, ANNA, "ride to neurology")
    await _claim(circle, ANNA, "dinner")
    await _claim(circle, ANNA, "walk Max")
    await _claim(circle, ANNA, "ride to physio")
    await _claim(circle, ANNA, "a call")
    await _claim(circle, BEN, "pharmacy run")
    ids = await _need_ids(circle)

    await circle.say_privately(ANNA, "/calendar")
    [first] = _files(circle, ANNA)
    assert first.filename == "carecircle-anna.ics"
    caption = circle.private(ANNA)[-1].text
    assert "Your calendar: 4 needs you're helping with." in caption
    assert "1 need with no set time isn’t in it" in caption
    events = _events(first)
    assert set(events) == {
        f"need-{ids[d]}@carecircle"
        for d in ("ride to neurology", "dinner", "someone to walk Max", "ride to physio")
    }
    ride = events[f"need-{ids['ride to neurology']}@carecircle"]
    assert str(ride["SUMMARY"]) == "🚗 Ride — ride to neurology"
    assert "Asked by Maria." in str(ride["DESCRIPTION"])
    assert "Helping: Anna." in str(ride["DESCRIPTION"])
    assert ride["DTSTART"].params["TZID"] == "Europe/Berlin"
    start = ride.decoded("DTSTART")
    assert start.astimezone(UTC) == datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    assert ride.decoded("DTEND") - start == timedelta(hours=1)
    assert str(ride["STATUS"]) == "CONFIRMED"

    physio = events[f"need-{ids['ride to physio']}@carecircle"]
    assert physio["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert physio.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)

    dinner = events[f"need-{ids['dinner']}@carecircle"]
    assert dinner.decoded("DTSTART") == date(2026, 11, 27)  # VALUE=DATE: the whole day
    assert dinner.decoded("DTEND") == date(2026, 11, 28)

    walk = events[f"need-{ids['someone to walk Max']}@carecircle"]
    assert walk.decoded("DTSTART").astimezone(BERLIN).hour == 8
    assert walk.decoded("DTEND").astimezone(BERLIN).hour == 12

    # The zone's rules are in the file: standard and summer time.
    calendar = Calendar.from_ical(first.content)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert zone.walk("STANDARD") and zone.walk("DAYLIGHT")

    # Later, sent again: the same events (same UIDs), newer, so a phone updates them.
    circle.clock.advance(timedelta(hours=3))
    await circle.say(MARIA, "/when Thu 15:00", reply_to=circle.card("ride to neurology").message_id)
    await circle.say_privately(ANNA, "/calendar")
    _, second = _files(circle, ANNA)
    again = _events(second)
    assert set(again) == set(events)
    moved = again[f"need-{ids['ride to neurology']}@carecircle"]
    assert moved.decoded("DTSTART").astimezone(BERLIN).hour == 15
    assert int(str(moved["SEQUENCE"])) > int(str(ride["SEQUENCE"]))
    assert moved.decoded("DTSTAMP") > ride.decoded("DTSTAMP")
    assert moved.decoded("LAST-MODIFIED") > ride.decoded("LAST-MODIFIED")


async def test_maria_and_tom_get_every_need_and_others_get_their_own(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA, BEN)
    await _make_tom_coordinator(circle)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need pharmacy run Thu 9:00")
    await circle.say(MARIA, "/need a call, feeling low")
    await _claim(circle, ANNA, "ride to neurology")
    ids = await _need_ids(circle)

    await circle.say_privately(MARIA, "/calendar all")
    [file] = _files(circle, MARIA)
    assert file.filename == "carecircle-maria.ics"
    assert "Maria's calendar: 2 needs coming up (1 still open)." in circle.private(MARIA)[-1].text
    events = _events(file)
    summaries = {uid: str(event["SUMMARY"]) for uid, event in events.items()}
    assert summaries == {
        f"need-{ids['ride to neurology']}@carecircle": "🚗 Ride — ride to neurology (Anna)",
        f"need-{ids['pharmacy run']}@carecircle": "🛒 Errand — pharmacy run (still open)",
    }

    await circle.say(TOM, "/calendar all")
    assert circle.last_in_group().text == "📅 Tom, I've sent your calendar to you privately."
    [toms] = _files(circle, TOM)
    assert set(_events(toms)) == set(events)
    assert not [
        c for c in circle.fake.calls_of("sendDocument") if int(str(c.params["chat_id"])) < 0
    ]

    # Ben asks for everything: a kind word, and his own (nothing, so no file).
    await circle.say_privately(BEN, "/calendar all")
    texts = [m.text for m in circle.private(BEN)[-2:]]
    assert texts[0].startswith("The calendar with every need is for Maria and the coordinators.")
    assert texts[1].startswith("You're not helping with anything coming up just now")
    assert _files(circle, BEN) == []


async def test_a_cancelled_need_goes_out_marked_cancelled(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need dinner for Friday")
    await _claim(circle, ANNA, "ride to neurology")
    await _claim(circle, ANNA, "dinner")
    ids = await _need_ids(circle)
    await circle.press(MARIA, circle.card("dinner"), "✖️ Cancel")
    await circle.say_privately(ANNA, "/calendar")
    [file] = _files(circle, ANNA)
    events = _events(file)
    assert str(events[f"need-{ids['dinner']}@carecircle"]["STATUS"]) == "CANCELLED"
    assert str(events[f"need-{ids['ride to neurology']}@carecircle"]["STATUS"]) == "CONFIRMED"
    assert "1 need you're helping with." in circle.private(ANNA)[-1].text


async def test_in_the_group_someone_who_never_started_the_bot_gets_a_start_button(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(CARL, "Hello everyone")  # in the group, never started the bot
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await _claim(circle, CARL, "ride to neurology")
    await circle.say(CARL, "/calendar")
    reply = circle.last_in_group()
    assert reply.text.startswith("📅 Carl, I can't send you a message privately yet.")
    assert reply.buttons == [["💬 Start a private chat with me"]]
    assert circle.fake.calls_of("sendDocument") == []

    # With nothing to put in: a kind word, no file.
    await circle.say(ANNA, "/calendar")
    assert circle.last_in_group().text == "📅 Anna, I've sent your calendar to you privately."
    assert circle.private(ANNA)[-1].text.startswith("You're not helping with anything")
    assert circle.fake.calls_of("sendDocument") == []
