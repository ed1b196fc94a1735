"""Reading "every Tuesday 10:00" and listing a series' dates: pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.series_rules import (
    EVERY_DAY,
    WEEKDAYS,
    Rule,
    SeriesProblem,
    TimeOfDay,
    dates_between,
    decode_rule,
    falls_on,
    first_date,
    looks_like_series,
    next_date,
    parse_series_text,
    post_at,
    time_of_day,
    when_on,
)
from bot.timeparse import Precision

BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 25 November 2026, 10:00 in Berlin.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TEN = TimeOfDay(Precision.EXACT, at=time(10, 0))
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "description", "rule", "at"),
    [
        ("ride to physio every Tuesday 10:00", "ride to physio", "weekly:1:tue", "10:00"),
        ("ride to physio every tuesday at 10", "ride to physio", "weekly:1:tue", "10:00"),
        ("ride to physio every Tue 10am", "ride to physio", "weekly:1:tue", "10:00"),
        ("ride at 10:00 every Tuesday", "ride", "weekly:1:tue", "10:00"),
        ("ride to physio every other Tuesday 10:00", "ride to physio", "weekly:2:tue", "10:00"),
        ("physio every other week on Mon at 9", "physio", "weekly:2:mon", "09:00"),
        ("physio every 2 weeks on Monday 9:00", "physio", "weekly:2:mon", "09:00"),
        ("physio every fortnight on Monday 9:00", "physio", "weekly:2:mon", "09:00"),
        ("walk Max every weekday 8:30", "walk Max", "weekly:1:mon,tue,wed,thu,fri", "08:30"),
        ("visit every Mon and Thu 9:30", "visit", "weekly:1:mon,thu", "09:30"),
        ("visit every Mon, Wed & Fri at 3pm", "visit", "weekly:1:mon,wed,fri", "15:00"),
        ("pills every day at 8", "pills", "weekly:1:mon,tue,wed,thu,fri,sat,sun", "08:00"),
        ("lunch every Sunday at noon", "lunch", "weekly:1:sun", "12:00"),
        ("garden every weekend 10.30", "garden", "weekly:1:sat,sun", "10:30"),
        ("call each Thursday at 6", "call", "weekly:1:thu", "18:00"),
        ("coffee every Tuesdays 10:00", "coffee", "weekly:1:tue", "10:00"),
    ],
)
def test_reads_series(text: str, description: str, rule: str, at: str) -> None:
    parsed = parse_series_text(text, BERLIN, NOW)
    assert parsed is not None
    assert (parsed.description, parsed.rule.encode(), parsed.time.local_time) == (
        description,
        rule,
        at,
    )


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("walk Max every weekday morning", "morning"),
        ("dinner every Friday evening", "evening"),
        ("visit every Sunday afternoon", "afternoon"),
        ("call every Monday tonight", "evening"),
    ],
)
def test_reads_parts_of_the_day(text: str, label: str) -> None:
    parsed = parse_series_text(text, BERLIN, NOW)
    assert parsed is not None
    assert parsed.time == TimeOfDay(Precision.PART_OF_DAY, label=label)


@pytest.mark.parametrize(
    "text",
    [
        "ride to neurology tomorrow 14:00",
        "call me every now and then",
        "help with everything on Friday",
        "dinner on Friday",
    ],
)
def test_not_a_series(text: str) -> None:
    assert not looks_like_series(text)
    assert parse_series_text(text, BERLIN, NOW) is None


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("ride every Funday 10:00", 'I don\'t know the day "Funday"'),
        ("ride every Tuesday", "What time on each date?"),
        ("ride every other week 10:00", "Which day of the week?"),
        ("ride every other day 10:00", '"Every other day" is something'),
        ("every Tuesday 10:00", "What is needed each time?"),
        ("ride every Tuesday 25:00", '"25:00" isn\'t a time I can read.'),
        ("ride every Tuesday 10:00 until yesterday", 'The end "yesterday" has already passed.'),
        ("ride every Tuesday 10:00 until banana", 'I couldn\'t read the end date "banana".'),
        ("ride every Tuesday 10:00 until tomorrow", "There's no Tuesday before that end date."),
    ],
)
def test_problems_say_what_to_change(text: str, start: str) -> None:
    with pytest.raises(SeriesProblem) as raised:
        parse_series_text(text, BERLIN, NOW)
    assert str(raised.value).startswith(start)


def test_an_end_date_is_kept_in_the_rule() -> None:
    parsed = parse_series_text("ride every Tuesday 10:00 until 1 March", BERLIN, NOW)
    assert parsed is not None
    assert parsed.rule.encode() == "weekly:1:tue:2027-03-01"
    assert decode_rule(parsed.rule.encode()) == parsed.rule


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (Rule(frozenset({TUE})), "every Tuesday"),
        (Rule(frozenset({TUE}), 2), "every other Tuesday"),
        (Rule(frozenset({MON, THU})), "every Mon and Thu"),
        (Rule(frozenset({MON, WED, FRI})), "every Mon, Wed and Fri"),
        (Rule(WEEKDAYS), "every weekday"),
        (Rule(EVERY_DAY), "every day"),
    ],
)
def test_describes_rules(rule: Rule, words: str) -> None:
    assert rule.describe() == words
    assert decode_rule(rule.encode()) == rule


def test_bad_stored_rules_are_refused() -> None:
    for stored in ("", "daily:1:tue", "weekly:3:tue", "weekly:1:", "weekly:1:xyz"):
        with pytest.raises(ValueError):
            decode_rule(stored)


def test_first_date_is_today_only_while_its_time_is_still_to_come() -> None:
    wednesday = Rule(frozenset({WED}))
    at_eleven = TimeOfDay(Precision.EXACT, at=time(11))
    assert first_date(wednesday, at_eleven, BERLIN, NOW) == date(2026, 11, 25)
    assert first_date(wednesday, TEN, BERLIN, NOW) == date(2026, 12, 2)  # 10:00 is now
    assert first_date(Rule(frozenset({TUE})), TEN, BERLIN, NOW) == date(2026, 12, 1)


def test_every_other_week_counts_weeks_from_the_first_date() -> None:
    rule = Rule(frozenset({MON, THU}), 2)
    anchor = date(2026, 11, 30)  # a Monday
    assert dates_between(rule, anchor, date(2026, 11, 1), date(2026, 12, 31)) == [
        date(2026, 11, 30),
        date(2026, 12, 3),
        date(2026, 12, 14),
        date(2026, 12, 17),
        date(2026, 12, 28),
        date(2026, 12, 31),
    ]
    assert not falls_on(rule, anchor, date(2026, 12, 7))
    assert next_date(rule, anchor, date(2026, 12, 3)) == date(2026, 12, 14)


def test_every_other_week_anchored_mid_week() -> None:
    # Started on a Thursday: that week counts, so the Monday after is an "off" week.
    rule = Rule(frozenset({MON, THU}), 2)
    anchor = date(2026, 11, 26)
    assert dates_between(rule, anchor, anchor, date(2026, 12, 14)) == [
        date(2026, 11, 26),
        date(2026, 12, 7),
        date(2026, 12, 10),
    ]


def test_an_end_date_ends_the_series() -> None:
    rule = Rule(frozenset({SAT}), 1, last=date(2026, 12, 12))
    anchor = date(2026, 11, 28)
    assert dates_between(rule, anchor, anchor, date(2027, 1, 31)) == [
        date(2026, 11, 28),
        date(2026, 12, 5),
        date(2026, 12, 12),
    ]
    assert next_date(rule, anchor, date(2026, 12, 12)) is None


def test_spring_forward_keeps_local_ten_oclock() -> None:
    # Clocks go forward on Sun 28 March 2027 (last Sunday of March).
    before = when_on(date(2027, 3, 23), TEN, BERLIN)
    after = when_on(date(2027, 3, 30), TEN, BERLIN)
    assert before.starts_at == utc(2027, 3, 23, 9)
    assert after.starts_at == utc(2027, 3, 30, 8)
    assert after.starts_at - before.starts_at == timedelta(days=7, hours=-1)
    # The card for Tue 30 March goes up a week before, at 10:00 CET.
    assert post_at(date(2027, 3, 30), TEN, BERLIN, 7) == utc(2027, 3, 23, 9)
    assert post_at(date(2027, 4, 6), TEN, BERLIN, 7) == utc(2027, 3, 30, 8)
    # Posted 3 days ahead, the post itself falls across the change.
    assert post_at(date(2027, 3, 30), TEN, BERLIN, 3) == utc(2027, 3, 27, 9)


def test_fall_back_keeps_local_ten_oclock() -> None:
    # Clocks go back on Sun 25 October 2026 (last Sunday of October).
    assert when_on(date(2026, 10, 20), TEN, BERLIN).starts_at == utc(2026, 10, 20, 8)
    assert when_on(date(2026, 10, 27), TEN, BERLIN).starts_at == utc(2026, 10, 27, 9)
    # A daily 02:30 on the change night takes the first of the two 02:30s.
    early = TimeOfDay(Precision.EXACT, at=time(2, 30))
    assert when_on(date(2026, 10, 25), early, BERLIN).starts_at == utc(2026, 10, 25, 0, 30)


def test_a_time_in_the_spring_gap_moves_to_the_jump() -> None:
    early = TimeOfDay(Precision.EXACT, at=time(2, 30))
    assert when_on(date(2027, 3, 28), early, BERLIN).starts_at == utc(2027, 3, 28, 1)


def test_part_of_the_day_keeps_its_local_range_across_the_change() -> None:
    morning = TimeOfDay(Precision.PART_OF_DAY, label="morning")
    before = when_on(date(2027, 3, 26), morning, BERLIN)
    after = when_on(date(2027, 3, 29), morning, BERLIN)
    assert (before.starts_at, before.ends_at) == (utc(2027, 3, 26, 7), utc(2027, 3, 26, 11))
    assert (after.starts_at, after.ends_at) == (utc(2027, 3, 29, 6), utc(2027, 3, 29, 10))
    assert after.label == "morning"


def test_time_of_day_round_trips_through_the_stored_columns() -> None:
    assert time_of_day("exact", "09:30", None) == TimeOfDay(Precision.EXACT, at=time(9, 30))
    assert time_of_day("part", None, "evening") == TimeOfDay(Precision.PART_OF_DAY, label="evening")


@given(
    days=st.frozensets(st.integers(0, 6), min_size=1),
    interval=st.sampled_from([1, 2]),
    offset=st.integers(0, 400),
)
def test_next_date_agrees_with_falls_on(days: frozenset[int], interval: int, offset: int) -> None:
    rule = Rule(days, interval)
    anchor = date(2026, 11, 25) + timedelta(days=offset % 7)
    after = anchor + timedelta(days=offset)
    found = next_date(rule, anchor, after)
    assert found is not None and found > after and falls_on(rule, anchor, found)
    between = dates_between(rule, anchor, after + timedelta(days=1), found - timedelta(days=1))
    assert between == []


@given(text=st.text(max_size=80))
def test_reading_never_fails_unkindly(text: str) -> None:
    try:
        parse_series_text(text, BERLIN, NOW)
    except SeriesProblem as problem:
        assert str(problem)
