"""Plain rules, tested without a bot: permissions, callback data, settings, log redaction."""

from __future__ import annotations

import logging

import pytest

from bot.callbacks import (
    Button,
    NeedAction,
    NeedButton,
    Origin,
    ReminderButton,
    SeriesAction,
    SeriesButton,
    SettingKey,
    SettingsButton,
    ThanksButton,
    WizardButton,
    WizardStep,
    decode,
    encode,
)
from bot.logs import RedactTokenFilter
from bot.services.circles import canonical_zone, suggest_zones
from bot.services.permissions import Action, Place, may
from bot.settings import async_database_url
from storage.models import Role
from tests.conftest import MARIA, TOKEN, Circle

P, C, M, S = Role.PATIENT, Role.COORDINATOR, Role.MEMBER, None

# (action, role, is_claimer, is_requester) -> allowed. Every row is a person's situation.
PERMISSIONS = [
    (Action.POST_NEED_IN_GROUP, P, False, False, True),
    (Action.POST_NEED_IN_GROUP, C, False, False, True),
    (Action.POST_NEED_IN_GROUP, M, False, False, True),
    (Action.POST_NEED_IN_GROUP, S, False, False, False),
    (Action.POST_NEED_FROM_PRIVATE, P, False, False, True),
    (Action.POST_NEED_FROM_PRIVATE, C, False, False, True),
    (Action.POST_NEED_FROM_PRIVATE, M, False, False, False),
    (Action.POST_NEED_FROM_PRIVATE, S, False, False, False),
    (Action.CLAIM, P, False, False, False),
    (Action.CLAIM, C, False, False, True),
    (Action.CLAIM, M, False, False, True),
    (Action.CLAIM, S, False, False, False),
    (Action.RELEASE, M, True, False, True),
    (Action.RELEASE, M, False, False, False),
    (Action.RELEASE, C, False, False, False),
    (Action.RELEASE, P, False, False, False),
    (Action.MARK_DONE, M, True, False, True),
    (Action.MARK_DONE, M, False, False, False),
    (Action.MARK_DONE, C, False, False, True),
    (Action.MARK_DONE, P, False, False, True),
    (Action.MARK_DONE, S, True, False, False),
    (Action.CANCEL, P, False, False, True),
    (Action.CANCEL, C, False, False, True),
    (Action.CANCEL, M, False, True, True),
    (Action.CANCEL, M, False, False, False),
    (Action.CANCEL, M, True, False, False),
    (Action.CANCEL, S, False, True, False),
    (Action.SET_TIMEZONE, P, False, False, True),
    (Action.SET_TIMEZONE, C, False, False, True),
    (Action.SET_TIMEZONE, M, False, False, False),
    (Action.SET_COORDINATOR, P, False, False, True),
    (Action.SET_COORDINATOR, C, False, False, False),
    (Action.SET_COORDINATOR, M, False, False, False),
    (Action.CHANGE_TIME, P, False, False, True),
    (Action.CHANGE_TIME, C, False, False, True),
    (Action.CHANGE_TIME, M, False, True, True),
    (Action.CHANGE_TIME, M, True, False, False),
    (Action.CHANGE_TIME, S, False, True, False),
    (Action.OWN_HEALTH_DATA, P, False, False, True),
    (Action.OWN_HEALTH_DATA, C, False, False, False),
    (Action.OWN_HEALTH_DATA, M, False, False, False),
    (Action.OWN_HEALTH_DATA, S, False, False, False),
    (Action.CHANGE_SETTINGS, P, False, False, True),
    (Action.CHANGE_SETTINGS, C, False, False, True),
    (Action.CHANGE_SETTINGS, M, False, False, False),
    (Action.CHANGE_SETTINGS, S, False, False, False),
    (Action.ASK_QUESTION, P, False, False, True),
    (Action.ASK_QUESTION, C, False, False, True),
    (Action.ASK_QUESTION, M, False, False, False),
    (Action.ASK_QUESTION, S, False, False, False),
    (Action.EDIT_PREFS, P, False, False, True),
    (Action.EDIT_PREFS, C, False, False, True),
    (Action.EDIT_PREFS, M, False, False, False),
    (Action.EDIT_PREFS, S, False, False, False),
    (Action.EDIT_TEAM, P, False, False, True),
    (Action.EDIT_TEAM, C, False, False, True),
    (Action.EDIT_TEAM, M, False, False, False),
    (Action.EDIT_TEAM, S, False, False, False),
    (Action.EXPORT, P, False, False, True),
    (Action.EXPORT, C, False, False, False),
    (Action.EXPORT, M, False, False, False),
    (Action.EXPORT, S, False, False, False),
    (Action.DELETE_CIRCLE, P, False, False, True),
    (Action.DELETE_CIRCLE, C, False, False, False),
    (Action.DELETE_CIRCLE, M, False, False, False),
    (Action.DELETE_CIRCLE, S, False, False, False),
    (Action.BACKUP, M, False, False, True),
    (Action.BACKUP, C, False, False, True),
    (Action.BACKUP, M, True, False, False),
    (Action.BACKUP, P, False, False, False),
    (Action.BACKUP, S, False, False, False),
    (Action.STOP_SERIES, P, False, False, True),
    (Action.STOP_SERIES, C, False, False, True),
    (Action.STOP_SERIES, M, False, True, True),
    (Action.STOP_SERIES, M, False, False, False),
    (Action.STOP_SERIES, S, False, True, False),
    (Action.CALENDAR_ALL, P, False, False, True),
    (Action.CALENDAR_ALL, C, False, False, True),
    (Action.CALENDAR_ALL, M, False, False, False),
    (Action.SAY_THANKS, P, False, False, True),
    (Action.SAY_THANKS, C, False, False, False),
    (Action.SAY_THANKS, M, False, False, False),
    (Action.WEEKLY_SUMMARY, C, False, False, True),
    (Action.WEEKLY_SUMMARY, P, False, False, False),
    (Action.WEEKLY_SUMMARY, M, False, False, False),
]


@pytest.mark.parametrize(("action", "role", "claimer", "requester", "allowed"), PERMISSIONS)
def test_who_may_do_what(
    action: Action, role: Role | None, claimer: bool, requester: bool, allowed: bool
) -> None:
    assert may(role, action, is_claimer=claimer, is_requester=requester) is allowed


@pytest.mark.parametrize(
    ("place", "role", "belongs"),
    [
        (Place(-100, private=False), None, True),  # its own group: anyone there
        (Place(-200, private=False), M, False),  # another group, even for a member
        (Place(42, private=True), M, True),  # privately, by someone in the circle
        (Place(42, private=True), None, False),  # privately, by someone outside it
    ],
)
def test_a_button_or_command_counts_only_where_its_circle_is(
    place: Place, role: Role | None, belongs: bool
) -> None:
    assert place.belongs(-100, role) is belongs


@pytest.mark.parametrize(
    "button",
    [
        NeedButton(NeedAction.CLAIM, 1),
        NeedButton(NeedAction.CANCEL, 2**31 - 1, Origin.BOARD),
        NeedButton(NeedAction.DONE, 42, Origin.MINE),
        WizardButton(WizardStep.CATEGORY, "household"),
        WizardButton(WizardStep.DAY, "20261231"),
        WizardButton(WizardStep.STOP),
        NeedButton(NeedAction.MISSED, 7, Origin.FOLLOW_UP),
        NeedButton(NeedAction.CLAIM, 7, Origin.NUDGE),
        ReminderButton(123),
        SettingsButton(SettingKey.REMINDERS, "1440,120"),
        SettingsButton(SettingKey.MENU, "d"),
        NeedButton(NeedAction.BACKUP, 9),
        NeedButton(NeedAction.UNBACKUP, 9, Origin.BOARD),
        SeriesButton(SeriesAction.TAKE_ALL, 3),
        SeriesButton(SeriesAction.STOP_YES, 2**31 - 1),
        ThanksButton(12),
    ],
)
def test_callback_data_round_trips_and_stays_short(button: Button) -> None:
    data = encode(button)
    assert len(data.encode()) <= 64
    assert decode(data) == button


@pytest.mark.parametrize(
    "data",
    ["", "n", "n:c", "n:c:abc:k", "n:z:1:k", "n:c:1:q", "n:c:-1:k", "n:c:0:k", "w:nope:x",
     "x" * 65, "n:c:1:k:extra", "claim:n42", None, 42, "r:x:0", "r:x:abc", "r:y:1",
     "s:zz:1", "s:r", "z:t:0", "z:q:1", "z:t:2147483648", "h:x:1", "h:t:", "h:t:01"],
)  # fmt: skip
def test_callback_data_we_did_not_make_is_ignored(data: object) -> None:
    assert decode(data) is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("sqlite:///carecircle.sqlite3", "sqlite+aiosqlite:///carecircle.sqlite3"),
        ("sqlite:////var/lib/cc.db", "sqlite+aiosqlite:////var/lib/cc.db"),
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_get_an_async_driver(written: str, expected: str) -> None:
    assert async_database_url(written) == expected


def test_time_zone_names_are_found_from_what_people_type() -> None:
    assert canonical_zone("Europe/Berlin") == "Europe/Berlin"
    assert canonical_zone("europe/berlin") == "Europe/Berlin"
    assert canonical_zone("Berlin") is None
    assert suggest_zones("berlin") == ("Europe/Berlin",)
    assert suggest_zones("new york") == ("America/New_York",)


def test_the_token_is_redacted_from_every_log_line() -> None:
    record = logging.LogRecord(
        "httpx", logging.DEBUG, __file__, 1, "POST %s", (f"https://x/bot{TOKEN}/getMe",), None
    )
    RedactTokenFilter(TOKEN).filter(record)
    assert record.getMessage() == "POST https://x/bot<token>/getMe"


async def test_an_edited_command_does_not_post_again(circle: Circle) -> None:
    await circle.set_up()
    await circle.say(MARIA, "/need dinner on Friday")
    command = [m for m in circle.group() if m.from_user_id == MARIA.id][-1]
    await circle.feed(
        circle.fake.user_edits(MARIA.id, circle.group_id, command.message_id, "/need lunch Friday")
    )
    cards = [m for m in circle.group() if m.from_bot and "Asked by" in m.text]
    assert [c.text.splitlines()[1] for c in cards] == ["dinner"]
