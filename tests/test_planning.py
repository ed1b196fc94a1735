"""The plain scheduling rules of bot/services/planning.py: reminders, nudges, the
"Did it happen?" follow-up and the morning summary, with exact UTC instants, across
daylight-saving changes and in far time zones. No bot, no database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.services.planning import (
    DEFAULT_DIGEST_TIME,
    DEFAULT_NUDGE_LEADS,
    DEFAULT_REMINDER_LEADS,
    PERSONAL_USEFUL_FOR,
    Planned,
    anchor,
    follow_up,
    for_need,
    format_leads,
    next_digest,
    nudges,
    over_at,
    parse_clock_time,
    parse_leads,
    personal,
    reminders,
)
from bot.timeparse import NO_TIME, Precision, When, day_when, local_to_utc, part_of_day_when
from storage.models import MessageKind, NeedStatus

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")  # UTC-11
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
APIA = ZoneInfo("Pacific/Apia")  # skipped Friday 30 December 2011 entirely

CLAIMER = 501
PATIENT = 77
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

# Wednesday 25 November 2026, 10:00 in Berlin.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """A local wall time as a UTC instant (fold=1: the second of a repeated hour)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


def exact(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> When:
    return When(Precision.EXACT, starts_at=local(tz, year, month, day, hour, minute))


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of an instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


def claimed(when: When, tz: ZoneInfo, now: datetime) -> list[Planned]:
    return for_need(
        NeedStatus.CLAIMED,
        when,
        tz,
        CLAIMER,
        DEFAULT_REMINDER_LEADS,
        DEFAULT_NUDGE_LEADS,
        now,
    )


def opened(when: When, tz: ZoneInfo, now: datetime) -> list[Planned]:
    return for_need(
        NeedStatus.OPEN, when, tz, None, DEFAULT_REMINDER_LEADS, DEFAULT_NUDGE_LEADS, now
    )


def reminder(due: datetime, start: datetime, lead: int) -> Planned:
    return Planned(MessageKind.REMINDER, due, start, CLAIMER, lead)


def nudge(due: datetime, start: datetime, lead: int) -> Planned:
    return Planned(MessageKind.NUDGE, due, start, None, lead)


def asked(due: datetime, ask: int = 1) -> Planned:
    return Planned(MessageKind.FOLLOW_UP, due, due + DAY, CLAIMER, ask)


def digests(digest_time: str, tz: ZoneInfo, after: datetime, count: int) -> list[Planned]:
    """next_digest iterated from its own due time, as the scheduler does after sending."""
    found: list[Planned] = []
    for _ in range(count):
        planned = next_digest(digest_time, tz, PATIENT, after)
        assert planned is not None
        found.append(planned)
        after = planned.due_at
    return found


# --- parse_leads / format_leads / parse_clock_time ---------------------------------------


@pytest.mark.parametrize(
    ("stored", "leads"),
    [
        ("1440,120", (1440, 120)),
        ("120,1440", (1440, 120)),
        ("2880,1440", (2880, 1440)),
        ("60", (60,)),
        ("", ()),
        (" 60 , 1440 ,", (1440, 60)),
        ("10,10080,30", (10080, 30, 10)),
    ],
)
def test_parse_leads_reads_the_stored_form_largest_first(
    stored: str, leads: tuple[int, ...]
) -> None:
    assert parse_leads(stored) == leads


@pytest.mark.parametrize("leads", [(1440, 120), (2880, 1440), (60,), (), (10080, 30, 10)])
def test_format_leads_round_trips(leads: tuple[int, ...]) -> None:
    assert parse_leads(format_leads(leads)) == leads


def test_format_leads_stored_form() -> None:
    assert format_leads(DEFAULT_REMINDER_LEADS) == "1440,120"
    assert format_leads(DEFAULT_NUDGE_LEADS) == "2880,1440"
    assert format_leads(()) == ""


def test_defaults() -> None:
    assert DEFAULT_REMINDER_LEADS == (24 * 60, 2 * 60)
    assert DEFAULT_NUDGE_LEADS == (48 * 60, 24 * 60)
    assert parse_clock_time(DEFAULT_DIGEST_TIME) == time(8, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:00", time(8, 0)),
        ("08:30", time(8, 30)),
        ("7", time(7, 0)),
        ("0", time(0, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 9:15 ", time(9, 15)),
        ("12", time(12, 0)),
    ],
)
def test_parse_clock_time_reads_a_time_of_day(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "24:00", "8:60", "25", "-1", "8.30", "8h", "abc", "12:00:00", ":30", "8 :30", "7am"],
)
def test_parse_clock_time_rejects_what_is_not_a_time(text: str) -> None:
    assert parse_clock_time(text) is None


@pytest.mark.parametrize("text", ["²", "8:²", "0²:00"])
def test_parse_clock_time_returns_none_for_superscript_digits(text: str) -> None:
    assert parse_clock_time(text) is None


# --- anchor / over_at -------------------------------------------------------------------


def test_anchor_of_an_exact_need_is_its_instant() -> None:
    when = exact(BERLIN, 2026, 12, 2, 14)
    assert anchor(when, BERLIN) == utc(2026, 12, 2, 13)
    assert over_at(when) == utc(2026, 12, 2, 14)


def test_anchor_of_a_day_need_is_local_noon() -> None:
    friday = day_when(date(2026, 12, 4), BERLIN)
    assert anchor(friday, BERLIN) == utc(2026, 12, 4, 11)
    # Over at the next local midnight.
    assert over_at(friday) == utc(2026, 12, 4, 23)


def test_anchor_of_a_part_of_day_need_is_its_start() -> None:
    morning = part_of_day_when(date(2026, 12, 5), "morning", BERLIN)
    assert anchor(morning, BERLIN) == utc(2026, 12, 5, 7)
    assert over_at(morning) == utc(2026, 12, 5, 11)


def test_a_need_with_no_time_has_no_anchor() -> None:
    assert anchor(NO_TIME, BERLIN) is None
    assert over_at(NO_TIME) is None


@pytest.mark.parametrize(
    ("tz", "day", "noon_utc"),
    [
        (KIRITIMATI, date(2026, 6, 12), utc(2026, 6, 11, 22)),
        (PAGO_PAGO, date(2026, 6, 12), utc(2026, 6, 12, 23)),
        (KOLKATA, date(2026, 6, 12), utc(2026, 6, 12, 6, 30)),
        (KATHMANDU, date(2026, 6, 12), utc(2026, 6, 12, 6, 15)),
        (AUCKLAND, date(2026, 1, 16), utc(2026, 1, 15, 23)),
        (AUCKLAND, date(2026, 7, 17), utc(2026, 7, 17, 0)),
        # Noon on the DST days themselves, after the change.
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 10)),
        (BERLIN, date(2026, 10, 25), utc(2026, 10, 25, 11)),
        (SYDNEY, date(2026, 4, 5), utc(2026, 4, 5, 2)),
        (SYDNEY, date(2026, 10, 4), utc(2026, 10, 4, 1)),
    ],
)
def test_day_need_anchor_is_local_noon_in_any_zone(
    tz: ZoneInfo, day: date, noon_utc: datetime
) -> None:
    assert anchor(day_when(day, tz), tz) == noon_utc


# --- a need in Berlin with the default leads --------------------------------------------

# Wednesday 2 December 2026, 14:00 in Berlin (13:00 UTC).
NEED = exact(BERLIN, 2026, 12, 2, 14)
NEED_AT = utc(2026, 12, 2, 13)


def test_claimed_exact_need_gets_both_reminders_and_one_follow_up() -> None:
    assert claimed(NEED, BERLIN, NOW) == [
        reminder(utc(2026, 12, 1, 13), NEED_AT, 1440),
        reminder(utc(2026, 12, 2, 11), NEED_AT, 120),
        # An exact need lasts an hour; asked an hour after that: 16:00 local.
        asked(utc(2026, 12, 2, 15)),
    ]


def test_open_exact_need_gets_only_the_group_nudges() -> None:
    assert opened(NEED, BERLIN, NOW) == [
        nudge(utc(2026, 11, 30, 13), NEED_AT, 2880),
        nudge(utc(2026, 12, 1, 13), NEED_AT, 1440),
    ]


@pytest.mark.parametrize("status", [NeedStatus.DONE, NeedStatus.CANCELLED, NeedStatus.MISSED])
@pytest.mark.parametrize("claimer", [CLAIMER, None])
def test_finished_needs_get_nothing(status: NeedStatus, claimer: int | None) -> None:
    assert (
        for_need(status, NEED, BERLIN, claimer, DEFAULT_REMINDER_LEADS, DEFAULT_NUDGE_LEADS, NOW)
        == []
    )


@pytest.mark.parametrize("status", list(NeedStatus))
def test_a_need_with_no_time_gets_nothing(status: NeedStatus) -> None:
    assert (
        for_need(status, NO_TIME, BERLIN, CLAIMER, DEFAULT_REMINDER_LEADS, DEFAULT_NUDGE_LEADS, NOW)
        == []
    )
    assert reminders(NO_TIME, BERLIN, CLAIMER, DEFAULT_REMINDER_LEADS, NOW) == []
    assert nudges(NO_TIME, BERLIN, DEFAULT_NUDGE_LEADS, NOW) == []
    assert follow_up(NO_TIME, BERLIN, CLAIMER, NOW) == []


def test_claimed_without_a_claimer_gets_nothing() -> None:
    assert (
        for_need(
            NeedStatus.CLAIMED,
            NEED,
            BERLIN,
            None,
            DEFAULT_REMINDER_LEADS,
            DEFAULT_NUDGE_LEADS,
            NOW,
        )
        == []
    )


def test_reminders_already_past_are_not_planned() -> None:
    # Tue 1 Dec 15:00 local: the 24 h reminder (14:00 local) has gone by.
    now = utc(2026, 12, 1, 14)
    assert claimed(NEED, BERLIN, now) == [
        reminder(utc(2026, 12, 2, 11), NEED_AT, 120),
        asked(utc(2026, 12, 2, 15)),
    ]


def test_a_reminder_due_exactly_now_is_not_planned_but_one_a_moment_later_is() -> None:
    due = utc(2026, 12, 2, 11)
    assert reminders(NEED, BERLIN, CLAIMER, (120,), due) == []
    just_before = due - timedelta(microseconds=1)
    assert reminders(NEED, BERLIN, CLAIMER, (120,), just_before) == [reminder(due, NEED_AT, 120)]


def test_a_nudge_due_within_the_next_hour_is_not_planned() -> None:
    # The 24 h nudge is due at 13:00 UTC on 1 Dec; 30 minutes before it, it is not planned.
    assert opened(NEED, BERLIN, utc(2026, 12, 1, 12, 30)) == []
    # 59 minutes before: still too close.
    assert opened(NEED, BERLIN, utc(2026, 12, 1, 12, 1)) == []


def test_a_nudge_due_exactly_an_hour_from_now_is_planned() -> None:
    assert opened(NEED, BERLIN, utc(2026, 12, 1, 12)) == [
        nudge(utc(2026, 12, 1, 13), NEED_AT, 1440),
    ]


def test_nudges_close_to_the_need_are_dropped_one_by_one() -> None:
    # Two and a half days ahead both are planned, two days minus 30 minutes ahead only one.
    assert len(opened(NEED, BERLIN, utc(2026, 11, 30, 1))) == 2
    assert opened(NEED, BERLIN, utc(2026, 11, 30, 13, 30)) == [
        nudge(utc(2026, 12, 1, 13), NEED_AT, 1440),
    ]


def test_claimed_need_in_progress_gets_only_its_follow_up() -> None:
    during = utc(2026, 12, 2, 13, 30)
    assert claimed(NEED, BERLIN, during) == [asked(utc(2026, 12, 2, 15))]


def test_claimed_need_long_over_gets_nothing_more() -> None:
    # Its follow-up was due at 15:00 UTC; from then on replanning adds no new one.
    assert claimed(NEED, BERLIN, utc(2026, 12, 2, 15)) == []
    assert claimed(NEED, BERLIN, utc(2026, 12, 3, 9)) == []
    assert claimed(NEED, BERLIN, utc(2026, 12, 2, 14, 59)) == [asked(utc(2026, 12, 2, 15))]


def test_open_need_that_is_over_gets_nothing() -> None:
    assert opened(NEED, BERLIN, utc(2026, 12, 2, 20)) == []


def test_custom_and_switched_off_leads() -> None:
    planned = for_need(
        NeedStatus.CLAIMED, NEED, BERLIN, CLAIMER, parse_leads("30,10080,60"), (), NOW
    )
    assert planned == [
        # Largest first whatever order they were stored in; a week before is 25 Nov 14:00.
        reminder(utc(2026, 11, 25, 13), NEED_AT, 10080),
        reminder(utc(2026, 12, 2, 12), NEED_AT, 60),
        reminder(utc(2026, 12, 2, 12, 30), NEED_AT, 30),
        asked(utc(2026, 12, 2, 15)),
    ]
    assert for_need(NeedStatus.CLAIMED, NEED, BERLIN, CLAIMER, (), (), NOW) == [
        asked(utc(2026, 12, 2, 15))
    ]
    assert for_need(NeedStatus.OPEN, NEED, BERLIN, None, (), (), NOW) == []


def test_a_zero_lead_is_not_a_reminder() -> None:
    assert reminders(NEED, BERLIN, CLAIMER, (0,), NOW) == []
    assert nudges(NEED, BERLIN, (0,), NOW) == []


def test_day_need_counts_from_local_noon() -> None:
    friday = day_when(date(2026, 12, 4), BERLIN)
    noon = utc(2026, 12, 4, 11)
    assert claimed(friday, BERLIN, NOW) == [
        reminder(utc(2026, 12, 3, 11), noon, 1440),
        reminder(utc(2026, 12, 4, 9), noon, 120),
        # Over at midnight; an hour later is night, so 09:00 local on Saturday.
        asked(utc(2026, 12, 5, 8)),
    ]
    assert opened(friday, BERLIN, NOW) == [
        nudge(utc(2026, 12, 2, 11), noon, 2880),
        nudge(utc(2026, 12, 3, 11), noon, 1440),
    ]


def test_day_need_for_today_after_its_reminders() -> None:
    friday = day_when(date(2026, 12, 4), BERLIN)
    # 10:30 local on the day: both reminders (noon the day before, 10:00) are past.
    assert claimed(friday, BERLIN, utc(2026, 12, 4, 9, 30)) == [asked(utc(2026, 12, 5, 8))]
    # Afternoon: no nudge any more for an open one, but the day is not over.
    assert opened(friday, BERLIN, utc(2026, 12, 4, 14)) == []


def test_part_of_day_need_counts_from_the_start_and_follows_up_after_the_end() -> None:
    morning = part_of_day_when(date(2026, 12, 5), "morning", BERLIN)
    start = utc(2026, 12, 5, 7)
    assert claimed(morning, BERLIN, NOW) == [
        reminder(utc(2026, 12, 4, 7), start, 1440),
        reminder(utc(2026, 12, 5, 5), start, 120),
        asked(utc(2026, 12, 5, 12)),  # 13:00 local
    ]


def test_evening_need_is_followed_up_next_morning() -> None:
    evening = part_of_day_when(date(2026, 12, 5), "evening", BERLIN)
    # Ends 21:00 local; 22:00 is quiet time, so 09:00 local on Sunday.
    assert follow_up(evening, BERLIN, CLAIMER, NOW) == [asked(utc(2026, 12, 6, 8))]


def test_personal_reminder_is_useful_for_twelve_hours() -> None:
    due = utc(2026, 12, 1, 7, 45)
    assert personal(due, CLAIMER) == Planned(
        MessageKind.PERSONAL, due, utc(2026, 12, 1, 19, 45), CLAIMER
    )
    assert timedelta(hours=12) == PERSONAL_USEFUL_FOR


# --- follow-up: quiet hours, second ask, at most two -------------------------------------


@pytest.mark.parametrize(
    ("need_local", "asked_local"),
    [
        # (local need start: an exact need lasts 1 h, asked 1 h later) -> local ask time
        (datetime(2026, 12, 2, 18, 59), datetime(2026, 12, 2, 20, 59)),
        (datetime(2026, 12, 2, 19, 0), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 2, 21, 30), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 2, 22, 0), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 2, 23, 30), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 3, 6, 59), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 3, 7, 0), datetime(2026, 12, 3, 9, 0)),
        (datetime(2026, 12, 3, 7, 1), datetime(2026, 12, 3, 9, 1)),
        (datetime(2026, 12, 3, 12, 0), datetime(2026, 12, 3, 14, 0)),
    ],
)
def test_follow_up_is_moved_out_of_the_night(need_local: datetime, asked_local: datetime) -> None:
    when = When(Precision.EXACT, starts_at=local_to_utc(need_local, BERLIN))
    [planned] = follow_up(when, BERLIN, CLAIMER, NOW)
    assert wall(planned.due_at, BERLIN) == asked_local
    assert planned.due_at == local_to_utc(asked_local, BERLIN)
    assert planned.expires_at == planned.due_at + DAY
    assert planned.kind == MessageKind.FOLLOW_UP
    assert planned.recipient_id == CLAIMER
    assert planned.lead == 1


def test_follow_up_is_asked_again_a_day_later_and_at_most_twice() -> None:
    assert follow_up(NEED, BERLIN, CLAIMER, NOW, ask=1) == [asked(utc(2026, 12, 2, 15), 1)]
    assert follow_up(NEED, BERLIN, CLAIMER, NOW, ask=2) == [asked(utc(2026, 12, 3, 15), 2)]
    assert follow_up(NEED, BERLIN, CLAIMER, NOW, ask=3) == []
    assert follow_up(NEED, BERLIN, CLAIMER, NOW, ask=4) == []


def test_second_ask_of_a_late_need_also_waits_for_the_morning() -> None:
    late = exact(BERLIN, 2026, 12, 2, 22)
    assert follow_up(late, BERLIN, CLAIMER, NOW, ask=1) == [asked(utc(2026, 12, 3, 8), 1)]
    assert follow_up(late, BERLIN, CLAIMER, NOW, ask=2) == [asked(utc(2026, 12, 4, 8), 2)]


def test_second_ask_when_the_first_was_sent_late_is_not_planned_in_the_past() -> None:
    # The first ask went out late, after the second one's time: the second comes now.
    now = utc(2026, 12, 3, 15, 30)
    assert follow_up(NEED, BERLIN, CLAIMER, now, ask=2) == [asked(now, 2)]


# --- daylight-saving days: "24 h before" is 24 real hours --------------------------------


@pytest.mark.parametrize(
    ("tz", "need_local", "need_utc", "before_24h_utc", "before_24h_local", "before_2h_utc"),
    [
        # Berlin, spring forward Sun 29 Mar 2026 02:00 CET -> 03:00 CEST.
        (
            BERLIN,
            datetime(2026, 3, 29, 10, 0),
            utc(2026, 3, 29, 8),
            utc(2026, 3, 28, 8),
            datetime(2026, 3, 28, 9, 0),
            utc(2026, 3, 29, 6),  # 08:00 CEST
        ),
        # Berlin, fall back Sun 25 Oct 2026 03:00 CEST -> 02:00 CET.
        (
            BERLIN,
            datetime(2026, 10, 25, 10, 0),
            utc(2026, 10, 25, 9),
            utc(2026, 10, 24, 9),
            datetime(2026, 10, 24, 11, 0),
            utc(2026, 10, 25, 7),  # 08:00 CET
        ),
        # New York, spring forward Sun 8 Mar 2026 02:00 EST -> 03:00 EDT.
        (
            NEW_YORK,
            datetime(2026, 3, 8, 10, 0),
            utc(2026, 3, 8, 14),
            utc(2026, 3, 7, 14),
            datetime(2026, 3, 7, 9, 0),
            utc(2026, 3, 8, 12),  # 08:00 EDT
        ),
        # New York, fall back Sun 1 Nov 2026 02:00 EDT -> 01:00 EST.
        (
            NEW_YORK,
            datetime(2026, 11, 1, 10, 0),
            utc(2026, 11, 1, 15),
            utc(2026, 10, 31, 15),
            datetime(2026, 10, 31, 11, 0),
            utc(2026, 11, 1, 13),  # 08:00 EST
        ),
        # Sydney, fall back Sun 5 Apr 2026 03:00 AEDT -> 02:00 AEST.
        (
            SYDNEY,
            datetime(2026, 4, 5, 10, 0),
            utc(2026, 4, 5, 0),
            utc(2026, 4, 4, 0),
            datetime(2026, 4, 4, 11, 0),
            utc(2026, 4, 4, 22),  # 08:00 AEST
        ),
        # Sydney, spring forward Sun 4 Oct 2026 02:00 AEST -> 03:00 AEDT.
        (
            SYDNEY,
            datetime(2026, 10, 4, 10, 0),
            utc(2026, 10, 3, 23),
            utc(2026, 10, 2, 23),
            datetime(2026, 10, 3, 9, 0),
            utc(2026, 10, 3, 21),  # 08:00 AEDT
        ),
        # A need just after the Berlin jump: 2 h before it is 00:30 CET.
        (
            BERLIN,
            datetime(2026, 3, 29, 3, 30),
            utc(2026, 3, 29, 1, 30),
            utc(2026, 3, 28, 1, 30),
            datetime(2026, 3, 28, 2, 30),
            utc(2026, 3, 28, 23, 30),
        ),
    ],
)
def test_reminders_and_nudges_count_real_hours_across_dst(
    tz: ZoneInfo,
    need_local: datetime,
    need_utc: datetime,
    before_24h_utc: datetime,
    before_24h_local: datetime,
    before_2h_utc: datetime,
) -> None:
    start = local_to_utc(need_local, tz)
    assert start == need_utc
    when = When(Precision.EXACT, starts_at=start)
    now = start - timedelta(days=5)
    assert claimed(when, tz, now)[:2] == [
        reminder(before_24h_utc, need_utc, 1440),
        reminder(before_2h_utc, need_utc, 120),
    ]
    assert wall(before_24h_utc, tz) == before_24h_local
    # The wall clock moved by the hour the clocks changed.
    assert wall(before_24h_utc, tz).time() != need_local.time()
    assert opened(when, tz, now) == [
        nudge(need_utc - timedelta(hours=48), need_utc, 2880),
        nudge(before_24h_utc, need_utc, 1440),
    ]


def test_day_need_on_the_spring_forward_day_counts_from_noon_cest() -> None:
    sunday = day_when(date(2026, 3, 29), BERLIN)
    noon = utc(2026, 3, 29, 10)
    assert claimed(sunday, BERLIN, utc(2026, 3, 20)) == [
        reminder(utc(2026, 3, 28, 10), noon, 1440),  # 11:00 CET on Saturday
        reminder(utc(2026, 3, 29, 8), noon, 120),  # 10:00 CEST
        # Over at midnight CEST (22:00 UTC); 01:00 local is night: 09:00 CEST Monday.
        asked(utc(2026, 3, 30, 7)),
    ]


def test_day_need_on_the_fall_back_day_counts_from_noon_cet() -> None:
    sunday = day_when(date(2026, 10, 25), BERLIN)
    noon = utc(2026, 10, 25, 11)
    assert claimed(sunday, BERLIN, utc(2026, 10, 20)) == [
        reminder(utc(2026, 10, 24, 11), noon, 1440),  # 13:00 CEST on Saturday
        reminder(utc(2026, 10, 25, 9), noon, 120),  # 10:00 CET
        asked(utc(2026, 10, 26, 8)),  # 09:00 CET Monday
    ]


def test_follow_up_across_fall_back_keeps_local_quiet_hours() -> None:
    # Sat 24 Oct 20:00 CEST; asked at 22:00 CEST -> 09:00 CET Sunday, after the change.
    saturday = exact(BERLIN, 2026, 10, 24, 20)
    assert follow_up(saturday, BERLIN, CLAIMER, utc(2026, 10, 20), ask=1) == [
        asked(utc(2026, 10, 25, 8), 1)
    ]
    # 24 real hours later is 21:00 CET Sunday, night again -> 09:00 CET Monday.
    assert follow_up(saturday, BERLIN, CLAIMER, utc(2026, 10, 20), ask=2) == [
        asked(utc(2026, 10, 26, 8), 2)
    ]


def test_second_ask_after_fall_back_comes_only_half_a_day_after_the_first() -> None:
    # Sat 24 Oct 19:30 CEST: the first ask, 21:30 CEST, waits for 09:00 CET on Sunday.
    # 24 real hours after 21:30 CEST is 20:30 CET on Sunday, not quiet, so the second
    # ask follows the first after only 11.5 hours (24 h counted from the unmoved time).
    saturday = exact(BERLIN, 2026, 10, 24, 19, 30)
    [first] = follow_up(saturday, BERLIN, CLAIMER, utc(2026, 10, 20), ask=1)
    [second] = follow_up(saturday, BERLIN, CLAIMER, utc(2026, 10, 20), ask=2)
    assert first == asked(utc(2026, 10, 25, 8), 1)
    assert second == asked(utc(2026, 10, 25, 19, 30), 2)
    assert second.due_at - first.due_at == timedelta(hours=11, minutes=30)


def test_second_ask_pushed_into_the_night_by_spring_forward() -> None:
    # Sat 28 Mar 18:30 CET: first ask 20:30 CET. 24 real hours later it is 21:30 CEST,
    # which is quiet time, so the second ask waits for 09:00 CEST on Monday.
    saturday = exact(BERLIN, 2026, 3, 28, 18, 30)
    assert follow_up(saturday, BERLIN, CLAIMER, utc(2026, 3, 20), ask=1) == [
        asked(utc(2026, 3, 28, 19, 30), 1)
    ]
    assert follow_up(saturday, BERLIN, CLAIMER, utc(2026, 3, 20), ask=2) == [
        asked(utc(2026, 3, 30, 7), 2)
    ]


# --- morning summary ----------------------------------------------------------------------


def test_next_digest_is_tomorrow_morning_after_it_passed_today() -> None:
    assert next_digest("08:00", BERLIN, PATIENT, NOW) == Planned(
        MessageKind.DIGEST, utc(2026, 11, 26, 7), utc(2026, 11, 26, 11), PATIENT
    )


def test_next_digest_is_this_morning_before_it_is_due() -> None:
    assert next_digest("08:00", BERLIN, PATIENT, utc(2026, 11, 25, 5)) == Planned(
        MessageKind.DIGEST, utc(2026, 11, 25, 7), utc(2026, 11, 25, 11), PATIENT
    )


def test_next_digest_is_strictly_after() -> None:
    due = utc(2026, 11, 25, 7)
    at_due = next_digest("08:00", BERLIN, PATIENT, due)
    assert at_due is not None
    assert at_due.due_at == utc(2026, 11, 26, 7)
    a_second_before = next_digest("08:00", BERLIN, PATIENT, due - timedelta(seconds=1))
    assert a_second_before is not None
    assert a_second_before.due_at == due


def test_next_digest_strictly_after_a_fractional_second() -> None:
    after = datetime(2026, 11, 25, 6, 59, 59, 500000, tzinfo=UTC)
    planned = next_digest("08:00", BERLIN, PATIENT, after)
    assert planned is not None
    assert planned.due_at == utc(2026, 11, 25, 7)


@pytest.mark.parametrize("digest_time", [None, "", "off", "25:00", "8:60", "8am"])
def test_no_digest_when_switched_off_or_unreadable(digest_time: str | None) -> None:
    assert next_digest(digest_time, BERLIN, PATIENT, NOW) is None


@pytest.mark.parametrize(
    ("digest_time", "due", "expires"),
    [
        ("05:00", utc(2026, 11, 26, 4), utc(2026, 11, 26, 11)),
        ("08:00", utc(2026, 11, 26, 7), utc(2026, 11, 26, 11)),
        ("7", utc(2026, 11, 26, 6), utc(2026, 11, 26, 11)),
        # Close to noon or after: still at least an hour to be sent in.
        ("11:30", utc(2026, 11, 25, 10, 30), utc(2026, 11, 25, 11, 30)),
        ("12:00", utc(2026, 11, 25, 11), utc(2026, 11, 25, 12)),
        ("14:00", utc(2026, 11, 25, 13), utc(2026, 11, 25, 14)),
    ],
)
def test_digest_is_useful_until_local_noon_or_at_least_an_hour(
    digest_time: str, due: datetime, expires: datetime
) -> None:
    planned = next_digest(digest_time, BERLIN, PATIENT, NOW)
    assert planned is not None
    assert (planned.due_at, planned.expires_at) == (due, expires)
    assert planned.kind == MessageKind.DIGEST
    assert planned.recipient_id == PATIENT
    assert planned.lead == 0
    assert planned.due_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        (BERLIN, datetime(2026, 3, 26, 12)),  # spring forward Sun 29 Mar
        (BERLIN, datetime(2026, 10, 22, 12)),  # fall back Sun 25 Oct
        (NEW_YORK, datetime(2026, 3, 5, 12)),  # spring forward Sun 8 Mar
        (NEW_YORK, datetime(2026, 10, 29, 12)),  # fall back Sun 1 Nov
        (SYDNEY, datetime(2026, 4, 2, 12)),  # fall back Sun 5 Apr
        (SYDNEY, datetime(2026, 10, 1, 12)),  # spring forward Sun 4 Oct
        (AUCKLAND, datetime(2026, 4, 2, 12)),  # fall back Sun 5 Apr
        (AUCKLAND, datetime(2026, 9, 24, 12)),  # spring forward Sun 27 Sep
    ],
)
def test_digest_comes_once_a_day_at_eight_across_a_dst_week(tz: ZoneInfo, start: datetime) -> None:
    found = digests("08:00", tz, local_to_utc(start, tz), 8)
    days = [wall(planned.due_at, tz).date() for planned in found]
    assert days == [start.date() + DAY * (index + 1) for index in range(8)]
    for planned in found:
        assert wall(planned.due_at, tz).time() == time(8, 0)
        assert wall(planned.expires_at, tz).time() == time(12, 0)
        assert planned.due_at.tzinfo is UTC
    # The UTC time of day changes by an hour somewhere in that week.
    assert len({planned.due_at.time() for planned in found}) == 2


@pytest.mark.parametrize(
    ("tz", "day", "due", "expires"),
    [
        # The local 02:30 does not exist; it comes at 03:30, an hour of clock change later
        # (the same instant as 02:30 in the old offset) - once, on that day.
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 10)),
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 16)),
        (SYDNEY, date(2026, 10, 4), utc(2026, 10, 3, 16, 30), utc(2026, 10, 4, 1)),
        (AUCKLAND, date(2026, 9, 27), utc(2026, 9, 26, 14, 30), utc(2026, 9, 26, 23)),
    ],
)
def test_digest_in_the_spring_forward_gap_comes_once_just_after_the_jump(
    tz: ZoneInfo, day: date, due: datetime, expires: datetime
) -> None:
    found = digests("02:30", tz, local_to_utc(datetime.combine(day - 3 * DAY, time(12)), tz), 8)
    days = [wall(planned.due_at, tz).date() for planned in found]
    assert days == [day - 2 * DAY + DAY * index for index in range(8)]
    [on_the_day] = [planned for planned in found if wall(planned.due_at, tz).date() == day]
    assert (on_the_day.due_at, on_the_day.expires_at) == (due, expires)
    assert wall(on_the_day.due_at, tz).time() == time(3, 30)
    for planned in found:
        if planned is not on_the_day:
            assert wall(planned.due_at, tz).time() == time(2, 30)


@pytest.mark.parametrize(
    ("tz", "day", "first"),
    [
        (BERLIN, date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
        (SYDNEY, date(2026, 4, 5), utc(2026, 4, 4, 15, 30)),
        (AUCKLAND, date(2026, 4, 5), utc(2026, 4, 4, 13, 30)),
    ],
)
def test_digest_in_the_repeated_hour_first_comes_at_its_first_occurrence(
    tz: ZoneInfo, day: date, first: datetime
) -> None:
    planned = next_digest("02:30", tz, PATIENT, local_to_utc(datetime.combine(day, time()), tz))
    assert planned is not None
    assert planned.due_at == first
    assert planned.expires_at == local_to_utc(datetime.combine(day, time(12)), tz)


@pytest.mark.parametrize(
    ("tz", "digest_time", "day"),
    [
        (BERLIN, "02:30", date(2026, 10, 25)),
        (NEW_YORK, "01:30", date(2026, 11, 1)),
        (SYDNEY, "02:30", date(2026, 4, 5)),
        (AUCKLAND, "02:30", date(2026, 4, 5)),
    ],
)
def test_digest_in_the_repeated_hour_comes_once(tz: ZoneInfo, digest_time: str, day: date) -> None:
    found = digests(digest_time, tz, local_to_utc(datetime.combine(day - 3 * DAY, time(12)), tz), 8)
    days = [wall(planned.due_at, tz).date() for planned in found]
    assert days == [day - 2 * DAY + DAY * index for index in range(8)]


# --- far time zones -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "after", "due", "expires"),
    [
        # UTC+14: 08:00 on Tue 2 Jun local is still Mon 1 Jun in UTC.
        (KIRITIMATI, utc(2026, 6, 1), utc(2026, 6, 1, 18), utc(2026, 6, 1, 22)),
        (KIRITIMATI, utc(2026, 6, 1, 18), utc(2026, 6, 2, 18), utc(2026, 6, 2, 22)),
        # UTC-11: 08:00 local is 19:00 UTC the same date; noon is 23:00 UTC.
        (PAGO_PAGO, utc(2026, 6, 1), utc(2026, 6, 1, 19), utc(2026, 6, 1, 23)),
        (PAGO_PAGO, utc(2026, 6, 1, 19, 0, 1), utc(2026, 6, 2, 19), utc(2026, 6, 2, 23)),
        (KOLKATA, utc(2026, 6, 1), utc(2026, 6, 1, 2, 30), utc(2026, 6, 1, 6, 30)),
        (KOLKATA, utc(2026, 6, 1, 2, 30), utc(2026, 6, 2, 2, 30), utc(2026, 6, 2, 6, 30)),
        (KATHMANDU, utc(2026, 6, 1), utc(2026, 6, 1, 2, 15), utc(2026, 6, 1, 6, 15)),
        # Auckland summer (NZDT +13) and winter (NZST +12): the day before in UTC.
        (AUCKLAND, utc(2026, 1, 15), utc(2026, 1, 15, 19), utc(2026, 1, 15, 23)),
        (AUCKLAND, utc(2026, 7, 15), utc(2026, 7, 15, 20), utc(2026, 7, 16, 0)),
    ],
)
def test_digest_at_eight_local_in_far_zones(
    tz: ZoneInfo, after: datetime, due: datetime, expires: datetime
) -> None:
    planned = next_digest("08:00", tz, PATIENT, after)
    assert planned is not None
    assert (planned.due_at, planned.expires_at) == (due, expires)
    assert wall(planned.due_at, tz).time() == time(8, 0)
    assert wall(planned.expires_at, tz).time() == time(12, 0)
    assert wall(planned.expires_at, tz).date() == wall(planned.due_at, tz).date()


def test_kiritimati_local_date_is_ahead_of_utc() -> None:
    planned = next_digest("08:00", KIRITIMATI, PATIENT, utc(2026, 6, 1))
    assert planned is not None
    assert planned.due_at.date() == date(2026, 6, 1)
    assert wall(planned.due_at, KIRITIMATI).date() == date(2026, 6, 2)


@pytest.mark.parametrize(
    ("tz", "digest_time", "after", "due", "expires"),
    [
        # 05:00 in Kolkata/Kathmandu is the evening before in UTC.
        (KOLKATA, "05:00", utc(2026, 6, 1, 12), utc(2026, 6, 1, 23, 30), utc(2026, 6, 2, 6, 30)),
        (
            KATHMANDU,
            "05:00",
            utc(2026, 6, 1, 12),
            utc(2026, 6, 1, 23, 15),
            utc(2026, 6, 2, 6, 15),
        ),
        # 13:30 in Pago Pago is the next day in UTC; expires an hour later (after noon).
        (PAGO_PAGO, "13:30", utc(2026, 6, 1, 12), utc(2026, 6, 2, 0, 30), utc(2026, 6, 2, 1, 30)),
    ],
)
def test_digest_local_date_differs_from_utc_date(
    tz: ZoneInfo, digest_time: str, after: datetime, due: datetime, expires: datetime
) -> None:
    planned = next_digest(digest_time, tz, PATIENT, after)
    assert planned is not None
    assert (planned.due_at, planned.expires_at) == (due, expires)
    assert wall(planned.due_at, tz).date() != planned.due_at.date()


def test_digest_across_the_day_samoa_skipped() -> None:
    # Apia jumped from UTC-10 to UTC+14 and had no Friday 30 December 2011.
    found = digests("08:00", APIA, utc(2011, 12, 28), 4)
    assert [planned.due_at for planned in found] == [
        utc(2011, 12, 28, 18),
        utc(2011, 12, 29, 18),
        utc(2011, 12, 30, 18),
        utc(2011, 12, 31, 18),
    ]
    assert [wall(planned.due_at, APIA).date() for planned in found] == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]


@pytest.mark.parametrize(
    ("tz", "need_local", "asked_utc"),
    [
        # Ends 21:00 local, asked at 22:00 local -> 09:00 local next day = 19:00 UTC.
        (KIRITIMATI, datetime(2026, 6, 10, 20, 0), utc(2026, 6, 10, 19)),
        # 06:00 local need, asked 08:00 local -> 09:00 local = 20:00 UTC.
        (PAGO_PAGO, datetime(2026, 6, 10, 6, 0), utc(2026, 6, 10, 20)),
        # 19:45 local -> 21:45 local -> 09:00 local next day.
        (KOLKATA, datetime(2026, 6, 10, 19, 45), utc(2026, 6, 11, 3, 30)),
        (KATHMANDU, datetime(2026, 6, 10, 19, 30), utc(2026, 6, 11, 3, 15)),
        # 23:00 NZDT on 15 Jan -> 01:00 local -> 09:00 NZDT 16 Jan = 20:00 UTC 15 Jan.
        (AUCKLAND, datetime(2026, 1, 15, 23, 0), utc(2026, 1, 15, 20)),
        # Daytime: untouched.
        (KIRITIMATI, datetime(2026, 6, 10, 13, 0), utc(2026, 6, 10, 1)),
        (PAGO_PAGO, datetime(2026, 6, 10, 17, 0), utc(2026, 6, 11, 6)),
    ],
)
def test_follow_up_quiet_hours_are_local_in_far_zones(
    tz: ZoneInfo, need_local: datetime, asked_utc: datetime
) -> None:
    when = When(Precision.EXACT, starts_at=local_to_utc(need_local, tz))
    now = local_to_utc(need_local, tz) - 3 * DAY
    assert claimed(when, tz, now)[-1] == asked(asked_utc)
    local_ask = wall(asked_utc, tz).time()
    assert time(9, 0) <= local_ask < time(21, 0)


@pytest.mark.parametrize(
    ("tz", "day", "noon_utc"),
    [
        (KIRITIMATI, date(2026, 6, 12), utc(2026, 6, 11, 22)),
        (PAGO_PAGO, date(2026, 6, 12), utc(2026, 6, 12, 23)),
        (KATHMANDU, date(2026, 6, 12), utc(2026, 6, 12, 6, 15)),
    ],
)
def test_day_need_reminders_in_far_zones(tz: ZoneInfo, day: date, noon_utc: datetime) -> None:
    when = day_when(day, tz)
    assert claimed(when, tz, utc(2026, 6, 1))[:2] == [
        reminder(noon_utc - DAY, noon_utc, 1440),
        reminder(noon_utc - 2 * HOUR, noon_utc, 120),
    ]
    # Over at the next local midnight: asked 09:00 local the day after.
    assert claimed(when, tz, utc(2026, 6, 1))[-1] == asked(
        local_to_utc(datetime.combine(day + DAY, time(9)), tz)
    )


# --- property-style checks over generated inputs ----------------------------------------

ZONES = [
    BERLIN,
    NEW_YORK,
    SYDNEY,
    AUCKLAND,
    KIRITIMATI,
    PAGO_PAGO,
    KOLKATA,
    KATHMANDU,
    ZoneInfo("UTC"),
    ZoneInfo("America/Santiago"),  # changes at local midnight
    ZoneInfo("America/St_Johns"),  # -03:30 with DST
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
    ZoneInfo("Pacific/Chatham"),  # +12:45 / +13:45
    ZoneInfo("America/Havana"),  # changes at local midnight
]
LEAD_CHOICES = [10, 30, 60, 120, 180, 720, 1440, 2880, 4320, 10080]
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(9, 0)


def random_when(rng: random.Random, tz: ZoneInfo, base: datetime) -> When:
    """A need somewhere in the 10 days around base (some in the past), any precision."""
    instant = base + timedelta(minutes=rng.randint(-3 * 24 * 60, 10 * 24 * 60))
    kind = rng.choice(["exact", "exact", "day", "part", "none"])
    if kind == "none":
        return NO_TIME
    day = instant.astimezone(tz).date()
    if kind == "day":
        return day_when(day, tz)
    if kind == "part":
        return part_of_day_when(day, rng.choice(["morning", "afternoon", "evening"]), tz)
    return When(Precision.EXACT, starts_at=instant.replace(second=0))


def random_leads(rng: random.Random) -> tuple[int, ...]:
    return tuple(sorted(rng.sample(LEAD_CHOICES, rng.randint(0, 3)), reverse=True))


def is_quiet(instant: datetime, tz: ZoneInfo) -> bool:
    clock = instant.astimezone(tz).time()
    return clock >= QUIET_FROM or clock < QUIET_UNTIL


def random_base(rng: random.Random) -> datetime:
    """Any minute of 2026, with random seconds and microseconds."""
    return utc(2026, 1, 1) + timedelta(
        seconds=rng.randint(0, 365 * 24 * 3600), microseconds=rng.randint(0, 999_999)
    )


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_every_need_plan_is_consistent(tz: ZoneInfo) -> None:
    rng = random.Random(f"needs-{tz.key}")
    for _ in range(600):
        now = random_base(rng)
        when = random_when(rng, tz, now)
        status = rng.choice(list(NeedStatus))
        claimer = rng.choice([CLAIMER, CLAIMER, None])
        reminder_leads, nudge_leads = random_leads(rng), random_leads(rng)
        plans = for_need(status, when, tz, claimer, reminder_leads, nudge_leads, now)
        case = (tz.key, status, when, claimer, reminder_leads, nudge_leads, now)

        if when.precision == Precision.NONE or status not in (
            NeedStatus.OPEN,
            NeedStatus.CLAIMED,
        ):
            assert plans == [], case
            continue
        if status == NeedStatus.CLAIMED and claimer is None:
            assert plans == [], case
            continue
        start = anchor(when, tz)
        end = over_at(when)
        assert start is not None and end is not None

        kinds = [plan.kind for plan in plans]
        if status == NeedStatus.OPEN:
            assert set(kinds) <= {MessageKind.NUDGE}, case
        else:
            assert set(kinds) <= {MessageKind.REMINDER, MessageKind.FOLLOW_UP}, case
            assert kinds.count(MessageKind.FOLLOW_UP) == (1 if end + HOUR > now else 0), case

        for plan in plans:
            assert plan.due_at.tzinfo is not None and plan.expires_at.tzinfo is not None, case
            assert plan.due_at.utcoffset() == timedelta(0), case
            assert plan.expires_at.utcoffset() == timedelta(0), case
            assert plan.due_at < plan.expires_at, case
            assert plan.due_at > now, case
            if plan.kind == MessageKind.REMINDER:
                assert plan.recipient_id == claimer, case
                assert plan.lead in reminder_leads, case
                assert plan.due_at == start - timedelta(minutes=plan.lead), case
                assert plan.expires_at == start, case
            elif plan.kind == MessageKind.NUDGE:
                assert plan.recipient_id is None, case
                assert plan.lead in nudge_leads, case
                assert plan.due_at >= now + HOUR, case
                assert plan.due_at == start - timedelta(minutes=plan.lead), case
                assert plan.expires_at == start, case
            else:
                assert plan.recipient_id == claimer, case
                assert plan.lead == 1, case
                assert plan.due_at >= end + HOUR, case
                assert plan.due_at < end + HOUR + 13 * HOUR, case
                assert not is_quiet(plan.due_at, tz), case
                assert plan.expires_at == plan.due_at + DAY, case

        # Every lead still in the future is planned, once.
        if status == NeedStatus.CLAIMED:
            expected = [
                lead for lead in reminder_leads if now < start - timedelta(minutes=lead) < start
            ]
            assert [plan.lead for plan in plans if plan.kind == MessageKind.REMINDER] == expected
        else:
            expected = [
                lead
                for lead in nudge_leads
                if now + HOUR <= start - timedelta(minutes=lead) < start
            ]
            assert [plan.lead for plan in plans] == expected


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_every_follow_up_ask_is_out_of_the_night(tz: ZoneInfo) -> None:
    rng = random.Random(f"follow-up-{tz.key}")
    for _ in range(600):
        start = random_base(rng)
        when = random_when(rng, tz, start)
        if when.precision == Precision.NONE:
            continue
        end = over_at(when)
        assert end is not None
        now = end - timedelta(minutes=rng.randint(1, 5 * 24 * 60))
        [first] = follow_up(when, tz, CLAIMER, now, ask=1)
        [second] = follow_up(when, tz, CLAIMER, now, ask=2)
        assert follow_up(when, tz, CLAIMER, now, ask=3) == []
        for plan, ask in ((first, 1), (second, 2)):
            assert plan.due_at.utcoffset() == timedelta(0)
            assert plan.lead == ask
            assert not is_quiet(plan.due_at, tz), (tz.key, when, ask, plan)
            assert plan.due_at >= end + HOUR + (ask - 1) * DAY
            assert plan.due_at < plan.expires_at == plan.due_at + DAY
        assert second.due_at > first.due_at
        raw = end + HOUR
        offsets = {
            instant.astimezone(tz).utcoffset()
            for instant in (raw, raw + DAY, first.due_at, second.due_at)
        }
        if len(offsets) == 1:
            # No clock change in between: the same local time a day later.
            assert second.due_at - first.due_at == DAY, (tz.key, when)


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_every_digest_is_strictly_later_at_its_local_time_and_useful_till_noon(
    tz: ZoneInfo,
) -> None:
    rng = random.Random(f"digest-{tz.key}")
    for _ in range(300):
        # Whole seconds: see test_next_digest_strictly_after_a_fractional_second.
        after = random_base(rng).replace(microsecond=0)
        # The summary times /settings allows: 05:00 to 12:00.
        at = time(rng.randint(5, 11), rng.choice([0, 15, 30, 45]))
        if rng.random() < 0.1:
            at = time(12, 0)
        digest_time = f"{at.hour}:{at.minute:02d}"
        planned = next_digest(digest_time, tz, PATIENT, after)
        assert planned is not None
        case = (tz.key, digest_time, after, planned)
        assert planned.due_at.tzinfo is UTC, case
        # Aware, but not always UTC: when due + 1 h wins it is in the circle's zone.
        assert planned.expires_at.tzinfo is not None, case
        assert after < planned.due_at <= after + DAY + 2 * HOUR, case
        assert wall(planned.due_at, tz).time() == at, case
        assert planned.due_at < planned.expires_at, case
        assert planned.expires_at >= planned.due_at + HOUR, case
        noon = local_to_utc(datetime.combine(wall(planned.due_at, tz).date(), time(12)), tz)
        assert planned.expires_at == max(noon, planned.due_at + HOUR), case
        # Asking again just before it was due gives the same summary.
        again = next_digest(digest_time, tz, PATIENT, planned.due_at - timedelta(seconds=1))
        assert again == planned, case


@pytest.mark.parametrize("tz", [*ZONES, APIA], ids=str)
def test_a_year_of_summaries_at_eight_is_one_per_local_day(tz: ZoneInfo) -> None:
    start = local_to_utc(datetime(2026, 1, 1, 12), tz)
    found = digests("08:00", tz, start, 365)
    days = [wall(planned.due_at, tz).date() for planned in found]
    assert days == [date(2026, 1, 2) + DAY * index for index in range(365)]
    assert all(wall(planned.due_at, tz).time() == time(8, 0) for planned in found)
    # A day is 24 real hours, or 24 h give or take the zone's DST shift (Lord Howe: 30 min).
    shifts = {DAY, DAY - HOUR, DAY + HOUR, DAY - HOUR / 2, DAY + HOUR / 2}
    assert {later.due_at - earlier.due_at for earlier, later in pairwise(found)} <= shifts
