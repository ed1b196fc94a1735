"""Stories about what the circle knows: /prefs (help that's welcome and what isn't), /team
(the care team's contacts, private details kept private) and /resources (where to find
support, from a file the deployer can edit)."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from telegram.ext import Application

from bot.app import build_application
from bot.callbacks import Button, TeamAction, TeamButton, decode, encode
from bot.clock import ManualClock
from bot.render.resources import resources_messages
from bot.resources import (
    SHIPPED_RESOURCES,
    ResourcesError,
    current_resources,
    load_resources,
    parse_resources,
)
from bot.services import prefs as prefs_service
from bot.services import team as team_service
from bot.services.prefs import Change, Pref, Problem, Show, Unreadable
from bot.services.team import ContactDraft, Edit, Field, Remove
from bot.settings import Settings, SettingsError, load_settings
from storage.db import session_maker
from storage.models import Circle as CircleRow
from storage.models import TeamContact
from tests.conftest import (
    ANNA,
    BEN,
    MARIA,
    TOKEN,
    TOM,
    Circle,
    Person,
    make_settings,
    quiet_rate_limiter,
)
from tests.fake_telegram import FakeMessage, FakeRequest, FakeTelegram
from tests.test_end_to_end import run_once

LOVE = "a short visit with a coffee, help in the garden"
DONT = "bring flowers (hay fever), call before 10"


def _last_private(circle: Circle, person: Person) -> FakeMessage:
    return circle.private(person)[-1]


async def _make_tom_coordinator(circle: Circle) -> None:
    tom_hello = [m for m in circle.group() if m.from_user_id == TOM.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=tom_hello.message_id)


async def _circle_row(circle: Circle) -> CircleRow:
    async with circle.sm() as session:
        [row] = (await session.exec(select(CircleRow))).all()
        return row


async def _contacts(circle: Circle) -> list[TeamContact]:
    async with circle.sm() as session:
        rows = await session.exec(select(TeamContact).order_by(col(TeamContact.id)))
        return list(rows.all())


# ---------------------------------------------------------------- /prefs


async def test_maria_writes_what_help_she_would_love_and_what_not(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/prefs")
    shown = circle.last_in_group().text
    assert "Nothing written yet." in shown and "/prefs love" in shown

    await circle.say(MARIA, f"/prefs love {LOVE}")
    saved = circle.last_in_group().text
    assert saved.startswith("✅ Saved. The circle sees this with /board")
    assert f"💛 Help Maria would love\n{LOVE}" in saved
    # Phones curl apostrophes: "don’t" works as well as "dont" and "please don't".
    await circle.say(MARIA, f"/prefs don’t {DONT}")
    assert f"🙏 Please don't\n{DONT}" in circle.last_in_group().text
    row = await _circle_row(circle)
    assert (row.help_i_love, row.please_dont) == (LOVE, DONT)

    await circle.say(ANNA, "/prefs")
    seen = circle.last_in_group().text
    assert LOVE in seen and DONT in seen
    assert seen.endswith("Maria or a coordinator can change these.")

    await circle.say(MARIA, "/prefs clear please don't")
    assert circle.last_in_group().text.startswith("✅ Removed.")
    row = await _circle_row(circle)
    assert (row.help_i_love, row.please_dont) == (LOVE, None)


async def test_a_coordinator_sets_them_privately_and_a_member_is_refused(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    await _make_tom_coordinator(circle)
    await circle.say_privately(TOM, "/prefs please don't: visit after 8pm")
    assert _last_private(circle, TOM).text.startswith("✅ Saved.")
    await circle.say(ANNA, "/prefs love cake")
    assert circle.last_in_group().text == (
        "Only Maria or a coordinator can change these. /prefs shows them."
    )
    await circle.say_privately(ANNA, "/prefs clear dont")
    assert _last_private(circle, ANNA).text.startswith("Only Maria or a coordinator")
    row = await _circle_row(circle)
    assert (row.help_i_love, row.please_dont) == (None, "visit after 8pm")


async def test_prefs_typos_and_long_notes_get_kind_replies(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/prefs love")
    assert circle.last_in_group().text.startswith("What help would be welcome?")
    await circle.say(MARIA, "/prefs dont")
    assert circle.last_in_group().text.startswith("What would you rather people didn't do?")
    await circle.say(MARIA, "/prefs clear")
    assert circle.last_in_group().text.startswith("Which one should I remove?")
    await circle.say(MARIA, "/prefs lovely weather")
    assert circle.last_in_group().text.startswith("I didn't quite catch that. Nothing has")
    await circle.say(MARIA, "/prefs love " + "x" * 1001)
    assert "Please keep it under 1000 characters. Nothing has changed." in (
        circle.last_in_group().text
    )
    row = await _circle_row(circle)
    assert (row.help_i_love, row.please_dont) == (None, None)


async def test_prefs_are_shown_on_the_board(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(ANNA, "/board")
    assert "Help Maria would love" not in circle.last_in_group().text
    await circle.say(MARIA, f"/prefs love {LOVE}")
    await circle.say(MARIA, "/prefs dont " + "call before 10 " * 30)
    await circle.say(ANNA, "/board")
    board = circle.last_in_group().text
    assert f"💛 Help Maria would love: {LOVE}" in board
    # Kept short on the board: /prefs has the whole note.
    [dont_line] = [line for line in board.splitlines() if line.startswith("🙏 Please don't: ")]
    assert len(dont_line) < 200 and dont_line.endswith("…")
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.say(ANNA, "/board")
    board = circle.last_in_group().text
    assert "1. 🍲 dinner" in board and f"💛 Help Maria would love: {LOVE}" in board


async def test_a_first_time_helper_hears_the_prefs_once(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, f"/prefs love {LOVE}")
    await circle.say(MARIA, f"/prefs dont {DONT}")
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")

    await circle.press(ANNA, circle.card("dinner"), "🙋 I'll do it")
    first = _last_private(circle, ANNA).text
    assert first.startswith("💛 Thank you for helping Maria!")
    assert "Since it's your first time helping, here's what Maria shared:" in first
    assert f"💛 Help Maria would love: {LOVE}" in first
    assert f"🙏 Please don't: {DONT}" in first

    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    second = _last_private(circle, ANNA).text
    assert second.startswith("💛 Thank you for helping Maria!")
    assert LOVE not in second and "first time" not in second


async def test_a_first_time_helper_without_prefs_gets_the_usual_confirmation(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need dinner on Friday")
    await circle.press(ANNA, circle.card("dinner"), "🙋 I'll do it")
    confirmation = _last_private(circle, ANNA).text
    assert confirmation.endswith("You can see everything you've taken on with /mine.")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", Show()),
        ("love walks", Change((Pref.LOVE,), "walks")),
        ("Love: walks", Change((Pref.LOVE,), "walks")),
        ("help I’d love walks", Change((Pref.LOVE,), "walks")),
        ("dont call", Change((Pref.DONT,), "call")),
        ("don't call", Change((Pref.DONT,), "call")),
        ("Please don’t - call", Change((Pref.DONT,), "call")),
        ("do not call", Change((Pref.DONT,), "call")),
        ("clear love", Change((Pref.LOVE,))),
        ("clear don't", Change((Pref.DONT,))),
        ("clear both", Change((Pref.LOVE, Pref.DONT))),
        ("clear", Unreadable(Problem.CLEAR_WHICH)),
        ("clear lovely", Unreadable(Problem.CLEAR_WHICH)),
        ("please", Unreadable(Problem.UNKNOWN)),
        ("no visits", Unreadable(Problem.UNKNOWN)),
        ("love", Unreadable(Problem.EMPTY, Pref.LOVE)),
    ],
)
def test_prefs_commands_are_read_forgivingly(typed: str, expected: prefs_service.Command) -> None:
    assert prefs_service.read_command(typed) == expected


# ---------------------------------------------------------------- /team


WEBER = "/team add neurologist: Dr Weber, 030 1234567, Tuesdays only"
SCHULZ = "/team add MS nurse Anna Schulz anna@clinic.de"


async def test_maria_builds_the_care_team_list(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say_privately(MARIA, WEBER)
    added = _last_private(circle, MARIA).text
    assert added.startswith("✅ Added to the care team:")
    assert "1. 🧠 Neurologist — Dr Weber" in added
    assert "📞 030 1234567" in added and "📝 Tuesdays only" in added
    await circle.say_privately(MARIA, SCHULZ)
    assert "2. 👩‍⚕️ MS nurse — Anna Schulz" in _last_private(circle, MARIA).text
    assert "✉️ anna@clinic.de" in _last_private(circle, MARIA).text
    await circle.say_privately(MARIA, "/team add Dr Lee, GP, +44 20 7946 0000")
    assert "3. 🩺 GP / family doctor — Dr Lee" in _last_private(circle, MARIA).text
    await circle.say_privately(MARIA, "/team add Sunday walking group")
    guessed = _last_private(circle, MARIA).text
    assert "4. 📇 Other — Sunday walking group" in guessed
    assert "I didn't catch a role, so it's under Other" in guessed

    contacts = await _contacts(circle)
    assert [(c.role, c.name, c.phone, c.email, c.notes) for c in contacts] == [
        ("Neurologist", "Dr Weber", "030 1234567", None, "Tuesdays only"),
        ("MS nurse", "Anna Schulz", None, "anna@clinic.de", None),
        ("GP / family doctor", "Dr Lee", "+44 20 7946 0000", None, None),
        ("Other", "Sunday walking group", None, None, None),
    ]

    # Anyone in the circle may look; privately they see everything.
    await circle.say_privately(ANNA, "/team")
    seen = _last_private(circle, ANNA).text
    assert "🩺 Maria's care team" in seen
    assert "📞 030 1234567" in seen and "✉️ anna@clinic.de" in seen
    assert "/team add" not in seen


async def test_phone_numbers_never_appear_in_the_group(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, WEBER)
    added = circle.last_in_group().text
    assert added.startswith("✅ Added to the care team: 1. 🧠 Neurologist — Dr Weber")
    assert "1234567" not in added and "Tuesdays" not in added
    assert "You may want to delete your message above" in added
    await circle.say_privately(MARIA, SCHULZ)
    await circle.say(ANNA, "/team")
    listed = circle.last_in_group().text
    assert "1. 🧠 Neurologist — Dr Weber" in listed
    assert "2. 👩‍⚕️ MS nurse — Anna Schulz" in listed
    assert "🔒 Phone numbers, e-mails and notes are shown only in a private chat" in listed
    await circle.say(MARIA, "/team edit 1 phone 030 7654321")
    assert circle.last_in_group().text.startswith("✅ Changed the phone number.")
    bot_texts = [m.text for m in circle.group() if m.from_bot]
    for private_detail in ("1234567", "7654321", "anna@clinic.de", "Tuesdays only"):
        assert all(private_detail not in text for text in bot_texts), private_detail


async def test_a_coordinator_edits_and_removes_with_a_confirmation(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA)
    await _make_tom_coordinator(circle)
    await circle.say_privately(TOM, WEBER)
    await circle.say_privately(TOM, SCHULZ)

    await circle.say_privately(TOM, "/team edit 2 notes Mondays and Thursdays")
    assert "📝 Mondays and Thursdays" in _last_private(circle, TOM).text
    await circle.say_privately(TOM, "/team edit 2 role specialist nurse")
    await circle.say_privately(TOM, "/team edit 1 email: weber@praxis.de")
    await circle.say_privately(TOM, "/team edit 1 phone -")
    assert _last_private(circle, TOM).text.startswith("✅ Removed the phone number.")
    await circle.say_privately(TOM, "/team edit 1 0171 2345678")
    assert "📞 0171 2345678" in _last_private(circle, TOM).text
    weber, schulz = await _contacts(circle)
    assert (weber.phone, weber.email) == ("0171 2345678", "weber@praxis.de")
    assert (schulz.role, schulz.notes) == ("MS nurse", "Mondays and Thursdays")

    await circle.say(TOM, "/team remove 2")
    confirm = circle.last_in_group()
    assert confirm.text == "Remove 2. 👩‍⚕️ MS nurse — Anna Schulz from Maria's care team?"
    assert confirm.buttons == [["🗑 Yes, remove"], ["↩️ No, keep"]]
    assert await circle.press(ANNA, confirm, "🗑 Yes, remove") == (
        "Only Maria or a coordinator can change the care team list. /team shows it.",
        True,
    )
    assert await circle.press(TOM, confirm, "↩️ No, keep") == ("Kept ✓", False)
    kept = circle.fake.message(confirm.chat_id, confirm.message_id)
    assert kept.text == "👍 Kept Anna Schulz (MS nurse) on the care team." and not kept.buttons
    assert len(await _contacts(circle)) == 2

    await circle.say(TOM, "/team remove 2")
    confirm = circle.last_in_group()
    assert await circle.press(MARIA, confirm, "🗑 Yes, remove") == ("Removed ✓", False)
    removed = circle.fake.message(confirm.chat_id, confirm.message_id)
    assert removed.text == "🗑 Removed Anna Schulz (MS nurse) from the care team."
    assert [c.name for c in await _contacts(circle)] == ["Dr Weber"]


async def test_a_member_may_look_but_not_change(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(ANNA, "/team")
    empty = circle.last_in_group().text
    assert "Nobody is on the list yet. Maria or a coordinator can add" in empty
    for attempt in (WEBER, "/team edit 1 phone 030 1111111", "/team remove 1", "/team add"):
        await circle.say(ANNA, attempt)
        assert circle.last_in_group().text == (
            "Only Maria or a coordinator can change the care team list. /team shows it."
        )
    assert await _contacts(circle) == []


async def test_team_typos_get_clear_replies_and_change_nothing(circle: Circle) -> None:
    await circle.set_up()
    await circle.say_privately(MARIA, WEBER)
    replies = {
        "/team add": "Who should I add?",
        "/team add neurologist: , 030 1234567": "I couldn't find a name in that.",
        "/team add GP: Dr Lee, lee@clinic": "“lee@clinic” doesn't look like a whole e-mail",
        "/team add GP: Dr Lee, 0301234567890123456": "doesn't look like a whole phone number",
        "/team edit 9 phone 030 1234567": "There's no number 9 on the list — it goes from 1 to 1.",
        "/team edit 1 phone 12345678901234567": "doesn't look like a whole phone number",
        "/team edit 1 colour blue": "To change something, give the number from /team",
        "/team edit one phone 030": "To change something, give the number from /team",
        "/team edit 1 name": "I couldn't find a name in that.",
        "/team remove": "Which one? Give the number from /team",
        "/team remove 5": "There's no number 5 on the list",
        "/team hello": "I didn't quite catch that. Nothing has changed.",
    }
    for typed, expected in replies.items():
        await circle.say_privately(MARIA, typed)
        assert expected in _last_private(circle, MARIA).text, typed
    [weber] = await _contacts(circle)
    assert (weber.name, weber.phone) == ("Dr Weber", "030 1234567")


async def test_a_long_team_list_is_split_into_messages_privately(circle: Circle) -> None:
    await circle.set_up()
    for number in range(12):
        await circle.say_privately(
            MARIA, f"/team add GP: Dr {number}, 030 12345{number:02d}, " + "notes " * 150
        )
    before = len(circle.private(MARIA))
    await circle.say_privately(MARIA, "/team")
    sent = circle.private(MARIA)[before:]
    assert len(sent) > 1 and all(len(m.text) <= 4096 for m in sent)
    assert "12. 🩺 GP / family doctor — Dr 11" in sent[-1].text + sent[-2].text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "neurologist: Dr Weber, 030 1234567, Tuesdays only",
            ContactDraft("Neurologist", "Dr Weber", "030 1234567", None, "Tuesdays only"),
        ),
        (
            "MS nurse Anna Schulz anna@clinic.de",
            ContactDraft("MS nurse", "Anna Schulz", None, "anna@clinic.de"),
        ),
        (
            "family doctor Dr Lee 030 555 1234",
            ContactDraft("GP / family doctor", "Dr Lee", "030 555 1234"),
        ),
        (
            "physio: Jo, tel. +49 (30) 123-4567; email: jo@physio.de, Mon–Fri 9-17",
            ContactDraft(
                "Physiotherapist", "Jo", "+49 (30) 123-4567", "jo@physio.de", "Mon–Fri 9-17"
            ),
        ),
        (
            "Dr Weber, neurologist, 030 1234567",
            ContactDraft("Neurologist", "Dr Weber", "030 1234567"),
        ),
        (
            "neurologist Dr Weber 030 1234567 Tuesdays only",
            ContactDraft("Neurologist", "Dr Weber", "030 1234567", notes="Tuesdays only"),
        ),
        (
            "MS nurse Anna Schulz anna@clinic.de 030 123456",
            ContactDraft("MS nurse", "Anna Schulz", "030 123456", "anna@clinic.de"),
        ),
        ("speech therapist: Eva", ContactDraft("Speech therapist", "Eva")),
        ("Dr Lee: GP, 030 1234567", ContactDraft("GP / family doctor", "Dr Lee", "030 1234567")),
        (
            "Anna Schulz tel: 030 1234567",
            ContactDraft("Other", "Anna Schulz", "030 1234567", role_guessed=True),
        ),
        ("neurology clinic: St Mary's", ContactDraft("Neurology clinic", "St Mary's")),
        ("dentist: Dr Brown, room 12", ContactDraft("Dentist", "Dr Brown", notes="room 12")),
        ("counsellor Sam", ContactDraft("Counsellor / therapist", "Sam")),
        (
            "support group: MS Café, first Monday",
            ContactDraft("Support group", "MS Café", notes="first Monday"),
        ),
        ("pharmacy: Apotheke am Markt", ContactDraft("Pharmacy", "Apotheke am Markt")),
        ("social worker Mrs Khan", ContactDraft("Social worker", "Mrs Khan")),
        ("Jo @jo_physio", ContactDraft("Other", "Jo @jo_physio", role_guessed=True)),
    ],
)
def test_contacts_are_read_forgivingly(typed: str, expected: ContactDraft) -> None:
    assert team_service.read_contact(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("edit 1 phone 030 1234567", Edit(1, Field.PHONE, "030 1234567")),
        ("edit 2 e-mail a@b.de", Edit(2, Field.EMAIL, "a@b.de")),
        ("edit 2 a@b.de", Edit(2, Field.EMAIL, "a@b.de")),
        ("edit #3 notes none", Edit(3, Field.NOTES, None)),
        ("edit 3 role gp", Edit(3, Field.ROLE, "GP / family doctor")),
        ("edit 3 name  Dr  Who ", Edit(3, Field.NAME, "Dr Who")),
        ("remove 4", Remove(4)),
        ("delete 4.", Remove(4)),
    ],
)
def test_team_changes_are_read_forgivingly(typed: str, expected: team_service.Command) -> None:
    assert team_service.read_command(typed) == expected


@pytest.mark.parametrize(
    "button", [TeamButton(TeamAction.REMOVE, 1), TeamButton(TeamAction.KEEP, 2**31 - 1)]
)
def test_team_buttons_round_trip_and_stay_short(button: Button) -> None:
    data = encode(button)
    assert len(data.encode()) <= 64
    assert decode(data) == button


@pytest.mark.parametrize("data", ["t", "t:x", "t:x:y", "t:z:1", "t:x:0", "t:k:1:2"])
def test_team_button_data_we_did_not_make_is_ignored(data: str) -> None:
    assert decode(data) is None


# ---------------------------------------------------------------- /resources


def _links(message: FakeMessage) -> list[str]:
    return [str(entity["url"]) for entity in message.entities if entity.get("type") == "text_link"]


async def test_resources_are_listed_in_the_group_and_privately(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(ANNA, "/resources")
    listed = circle.last_in_group()
    assert listed.text.startswith("📚 Support and information")
    for name in (
        "MS Society (UK)",
        "National MS Society (US)",
        "MS Canada",
        "DMSG",
        "MS Australia",
        "MS International Federation",
    ):
        assert name in listed.text, name
    for heading in ("Support groups", "Social workers", "Counselling", "emergency number"):
        assert heading in listed.text, heading
    assert "https://www.mssociety.org.uk" in _links(listed)
    assert listed.text.endswith(
        "These are places to find support and information — not medical advice. For anything "
        "about health, symptoms or treatment, please talk to your doctor or MS nurse."
    )
    await circle.say_privately(BEN, "/resources")
    assert _last_private(circle, BEN).text == listed.text


def test_the_shipped_file_is_sound() -> None:
    resources = load_resources()
    with SHIPPED_RESOURCES.open("rb") as file:
        raw = tomllib.load(file)
    assert raw["not_medical_advice"]
    urls = [entry.url for section in resources.sections for entry in section.entries if entry.url]
    assert urls and all(re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]+", url) for url in urls)
    [message] = resources_messages(resources)
    assert len(message) < 4096
    # Crisis help is described generically, and nothing in it gives medical advice.
    assert "your local emergency number" in message


DEPLOYER_FILE = """
title = "Hilfe in Berlin & Umgebung"
not_medical_advice = "Keine medizinische Beratung."

[[sections]]
title = "Local <group>"

[[sections.entries]]
name = "MS Café Kreuzberg & Friends"
url = "https://example.org/ms-cafe?a=1&b=2"
about = "Every first Monday, 3 < 4 pm"

[[sections.entries]]
name = "The clinic's social worker"
"""


@pytest.fixture
async def custom_circle(
    fake: FakeTelegram, clock: ManualClock, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[Circle]:
    resources_file = tmp_path / "resources.toml"
    resources_file.write_text(DEPLOYER_FILE, encoding="utf-8")

    def factory() -> Application[Any, Any, Any, Any, Any, Any]:
        return build_application(
            make_settings(database_url, resources_file=resources_file),
            engine,
            clock=clock,
            request=FakeRequest(fake),
            rate_limiter=quiet_rate_limiter(),
        )

    application = factory()
    await application.initialize()
    story = Circle(fake, application, clock, session_maker(engine), factory)
    yield story
    await story.app.shutdown()
    assert fake.violations == [], "the bot broke the Bot API contract"


async def test_a_deployer_lists_their_own_resources(custom_circle: Circle) -> None:
    await custom_circle.start_privately(ANNA)
    await custom_circle.say_privately(ANNA, "/resources")
    listed = _last_private(custom_circle, ANNA)
    assert listed.text == (
        "📚 Hilfe in Berlin & Umgebung\n\n"
        "Local <group>\n"
        "• MS Café Kreuzberg & Friends — Every first Monday, 3 < 4 pm\n"
        "• The clinic's social worker\n\n"
        "Keine medizinische Beratung."
    )
    assert _links(listed) == ["https://example.org/ms-cafe?a=1&b=2"]


async def test_a_long_resources_file_is_sent_in_several_messages(custom_circle: Circle) -> None:
    many = "\n".join(
        f'[[sections]]\ntitle = "Section {s}"\n'
        + "".join(
            f'[[sections.entries]]\nname = "Entry {s}.{n}"\nabout = "{"x" * 400}"\n'
            for n in range(10)
        )
        for s in range(4)
    )
    path = custom_circle.app.bot_data["app"].settings.resources_file
    path.write_text('not_medical_advice = "Not medical advice."\n' + many, encoding="utf-8")
    await custom_circle.start_privately(ANNA)
    await custom_circle.say_privately(ANNA, "/resources")
    sent = [m for m in custom_circle.private(ANNA) if "Entry" in m.text or "medical" in m.text]
    assert len(sent) > 1 and all(len(m.text) <= 4096 for m in sent)
    assert sent[-1].text.endswith("Not medical advice.")
    assert sum(m.text.count("• Entry") for m in sent) == 40


def test_a_broken_edit_while_running_keeps_the_last_good_list(tmp_path: Path) -> None:
    path = tmp_path / "resources.toml"
    path.write_text(DEPLOYER_FILE, encoding="utf-8")
    good = current_resources(path)
    assert good.title == "Hilfe in Berlin & Umgebung"
    path.write_text(DEPLOYER_FILE.replace("https://", "ftp://"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the file system
    assert current_resources(path) == good
    path.write_text(DEPLOYER_FILE.replace("Hilfe", "Unterstützung"), encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert current_resources(path).title == "Unterstützung in Berlin & Umgebung"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("title = 'x'\n[[sections", "not valid TOML"),
        ("[[sections]]\ntitle = 'A'\n[[sections.entries]]\nname = 'B'\n", "not_medical_advice"),
        ("not_medical_advice = 'n'\n", "needs at least one [[sections]]"),
        (
            "not_medical_advice = 'n'\n[[sections]]\ntitle = 'A'\n"
            "[[sections.entries]]\nname = 'B'\nurl = 'www.b.org'\n",
            "section 1 ('A'), entry 1: url must be a web address starting with https://",
        ),
        (
            "not_medical_advice = 'n'\n[[sections]]\ntitle = 'A'\n"
            "[[sections.entries]]\nname = 'B'\nulr = 'https://b.org'\n",
            "unknown key 'ulr'",
        ),
        (
            "not_medical_advice = 'n'\n[[sections]]\ntitle = 'A'\n[[sections.entries]]\n",
            "needs name",
        ),
    ],
)
def test_a_broken_resources_file_is_explained_in_one_line(content: str, problem: str) -> None:
    with pytest.raises(ResourcesError) as raised:
        parse_resources(content)
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_broken_or_missing_file_stops_the_settings_with_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    broken = tmp_path / "broken.toml"
    broken.write_text("not_medical_advice = \n", encoding="utf-8")
    monkeypatch.setenv("RESOURCES_FILE", str(broken))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    line = str(raised.value)
    assert line.startswith(f"RESOURCES_FILE {broken}: not valid TOML")
    assert "\n" not in line

    monkeypatch.setenv("RESOURCES_FILE", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == f"RESOURCES_FILE {tmp_path / 'nowhere.toml'} does not exist"

    # Left empty (as in .env.example): the shipped list.
    monkeypatch.setenv("RESOURCES_FILE", "")
    assert load_settings().resources_file is None
    assert Settings(_env_file=None).resources_file is None


async def test_a_malformed_resources_file_stops_start_up_with_one_clear_line(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "resources.toml"
    broken.write_text(
        "not_medical_advice = 'n'\n[[sections]]\ntitle = 'Groups'\n"
        "[[sections.entries]]\nname = 'MS Café'\nurl = 'ms-cafe.example'\n",
        encoding="utf-8",
    )
    code, err = await run_once({"RESOURCES_FILE": str(broken)}, tmp_path)
    assert code == 2
    [line] = err.strip().splitlines()
    assert line == (
        f"CareCircle cannot start: RESOURCES_FILE {broken}: section 1 ('Groups'), entry 1: "
        "url must be a web address starting with https:// (got 'ms-cafe.example')"
    )
