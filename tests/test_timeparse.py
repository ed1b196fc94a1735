from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import (
    NO_TIME,
    Precision,
    When,
    WhenError,
    WhenInPast,
    WhenUnclear,
    day_when,
    format_when,
    format_when_short,
    local_to_utc,
    parse_time_on_day,
    parse_when,
    part_of_day_when,
    split_need_text,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")

# Wednesday 25 November 2026, 10:00 in Berlin (09:00 UTC).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    """A local wall time (fold=0) as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def exact(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> When:
    return When(Precision.EXACT, starts_at=local(tz, year, month, day, hour, minute))


# --- split_need_text: the product examples and many phrasings ---------------------------


@pytest.mark.parametrize(
    ("text", "description", "phrase", "expected"),
    [
        (
            "ride to neurology tomorrow 14:00",
            "ride to neurology",
            "tomorrow 14:00",
            exact(BERLIN, 2026, 11, 26, 14, 0),
        ),
        ("dinner for Friday", "dinner", "Friday", day_when(date(2026, 11, 27), BERLIN)),
        (
            "someone to walk Max Sat morning",
            "someone to walk Max",
            "Sat morning",
            part_of_day_when(date(2026, 11, 28), "morning", BERLIN),
        ),
        (
            "a call this evening, feeling low",
            "a call, feeling low",
            "this evening",
            part_of_day_when(date(2026, 11, 25), "evening", BERLIN),
        ),
        (
            "pick up prescription Fri 6pm",
            "pick up prescription",
            "Fri 6pm",
            exact(BERLIN, 2026, 11, 27, 18, 0),
        ),
        (
            "help in the garden next Tuesday morning",
            "help in the garden",
            "next Tuesday morning",
            part_of_day_when(date(2026, 12, 1), "morning", BERLIN),
        ),
        ("MRI 2026-12-01 09:30", "MRI", "2026-12-01 09:30", exact(BERLIN, 2026, 12, 1, 9, 30)),
        ("Fri 6pm", "", "Fri 6pm", exact(BERLIN, 2026, 11, 27, 18, 0)),
        (
            "next Tuesday morning",
            "",
            "next Tuesday morning",
            part_of_day_when(date(2026, 12, 1), "morning", BERLIN),
        ),
        ("tomorrow at 9", "", "tomorrow at 9", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("ride tomorrow 9", "ride", "tomorrow 9", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("in 2 days", "", "in 2 days", day_when(date(2026, 11, 27), BERLIN)),
        ("dinner in two days", "dinner", "in two days", day_when(date(2026, 11, 27), BERLIN)),
        ("3 December 18:30", "", "3 December 18:30", exact(BERLIN, 2026, 12, 3, 18, 30)),
        ("on the 5th at noon", "", "on the 5th at noon", exact(BERLIN, 2026, 12, 5, 12, 0)),
        ("dinner on the 30th", "dinner", "on the 30th", day_when(date(2026, 11, 30), BERLIN)),
        (
            "this evening",
            "",
            "this evening",
            part_of_day_when(date(2026, 11, 25), "evening", BERLIN),
        ),
        ("today 14:00", "", "today 14:00", exact(BERLIN, 2026, 11, 25, 14, 0)),
        ("call in 30 minutes", "call", "in 30 minutes", exact(BERLIN, 2026, 11, 25, 10, 30)),
        (
            "a lift to the clinic at 3",
            "a lift to the clinic",
            "at 3",
            exact(BERLIN, 2026, 11, 25, 15, 0),
        ),
        ("dinner at 7", "dinner", "at 7", exact(BERLIN, 2026, 11, 25, 19, 0)),
        ("dinner 7pm", "dinner", "7pm", exact(BERLIN, 2026, 11, 25, 19, 0)),
        (
            "ride at 10.30 tomorrow",
            "ride",
            "at 10.30 tomorrow",
            exact(BERLIN, 2026, 11, 26, 10, 30),
        ),
        (
            "walk Max at 7 in the morning",
            "walk Max",
            "at 7 in the morning",
            # 07:00 today is over, so dateparser's future preference means tomorrow.
            exact(BERLIN, 2026, 11, 26, 7, 0),
        ),
        ("lunch at noon tomorrow", "lunch", "at noon tomorrow", exact(BERLIN, 2026, 11, 26, 12, 0)),
        (
            "dinner tonight",
            "dinner",
            "tonight",
            part_of_day_when(date(2026, 11, 25), "evening", BERLIN),
        ),
        (
            "ride on monday to the clinic",
            "ride to the clinic",
            "on monday",
            day_when(date(2026, 11, 30), BERLIN),
        ),
        (
            "I may need a lift on Monday",
            "I may need a lift",
            "on Monday",
            day_when(date(2026, 11, 30), BERLIN),
        ),
        ("coffee Sun", "coffee", "Sun", day_when(date(2026, 11, 29), BERLIN)),
        ("dinner tomorrow (7pm)", "dinner", "tomorrow (7pm)", exact(BERLIN, 2026, 11, 26, 19, 0)),
        ("ride Fri, 6pm please", "ride please", "Fri, 6pm", exact(BERLIN, 2026, 11, 27, 18, 0)),
        (
            "lunch at 12:00 on Friday",
            "lunch",
            "at 12:00 on Friday",
            exact(BERLIN, 2026, 11, 27, 12, 0),
        ),
        (
            "soup for Mum on Thursday",
            "soup for Mum",
            "on Thursday",
            day_when(date(2026, 11, 26), BERLIN),
        ),
        (
            "dinner next Tuesday, at 14:00",
            "dinner",
            "next Tuesday, at 14:00",
            exact(BERLIN, 2026, 12, 1, 14, 0),
        ),
        (
            "help in the morning",
            "help",
            "in the morning",
            part_of_day_when(date(2026, 11, 25), "morning", BERLIN),
        ),
        (
            "ride tomorrow in the morning",
            "ride",
            "tomorrow in the morning",
            part_of_day_when(date(2026, 11, 26), "morning", BERLIN),
        ),
        ("ride 3/12", "ride", "3/12", day_when(date(2026, 12, 3), BERLIN)),
        ("day after tomorrow", "", "day after tomorrow", day_when(date(2026, 11, 27), BERLIN)),
        (
            "ride to the MRI 2 days from now",
            "ride to the MRI",
            "2 days from now",
            day_when(date(2026, 11, 27), BERLIN),
        ),
        ("tomorrow", "", "tomorrow", day_when(date(2026, 11, 26), BERLIN)),
    ],
)
def test_split_need_text(text: str, description: str, phrase: str, expected: When) -> None:
    result = split_need_text(text, BERLIN, NOW)
    assert result.when == expected
    assert result.description == description
    assert result.time_phrase == phrase


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("Ride to Neurology, tomorrow at 14:00!", "Ride to Neurology!"),
        ("Dinner for Dad, Friday evening.", "Dinner for Dad."),
        ("Tomorrow 14:00: Ride to the MRI", "Ride to the MRI"),
        ("Soup for MUM on Friday, please!", "Soup for MUM, please!"),
        ("dinner (tomorrow 7pm) for Anna", "dinner for Anna"),
        ("Lift to the GP - Friday", "Lift to the GP"),
        ("Walk Max; Sat morning", "Walk Max"),
    ],
)
def test_description_keeps_capitalisation_and_punctuation(text: str, description: str) -> None:
    result = split_need_text(text, BERLIN, NOW)
    assert result.description == description
    assert result.when.precision is not Precision.NONE


@pytest.mark.parametrize(
    "text",
    [
        "someone to sit with me",
        "help me sort the post",
        "a second pair of hands",
        "walk the dog",
        "ride to the hospital",
        "coffee and a chat",
        "soup, I'm not feeling great",
        "sat with me",
        "may I have a lift",
        "the March for MS",
        "2 bags of shopping",
        "10 minutes of company",
        "sit with Mum for an hour",
        "Sun cream from the shop",
        "help 1-2 hours of cleaning",
        "£10.50 of shopping",
        "call me in a second",
        "call me now",
        "a day out",
        "help for 2 hours",
        "on the way home",
        "a fix for the door",
        "Wed photos to sort",
        "take the post to the post office",
        "cook a week of meals",
        "something small, nothing urgent",
    ],
)
def test_texts_without_time(text: str) -> None:
    result = split_need_text(text, BERLIN, NOW)
    assert result.when == NO_TIME
    assert result.time_phrase is None
    assert result.description == text


def test_only_time_gives_empty_description() -> None:
    assert split_need_text("  Friday  ", BERLIN, NOW).description == ""


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("ride tomorrow 25:00", "25:00"),
        ("dinner on 31/02", "31/02"),
        ("ride at 25", "at 25"),
        ("ride 25:00", "25:00"),
        ("lunch 13/13", "13/13"),
        ("ride at 1030", "at 1030"),
    ],
)
def test_unclear_leftover_time(text: str, token: str) -> None:
    with pytest.raises(WhenUnclear) as caught:
        split_need_text(text, BERLIN, NOW)
    message = str(caught.value)
    assert token in message
    assert "For example" in message


@pytest.mark.parametrize(
    "text",
    [
        "lunch tomorrow or friday",
        "meals next week",
        "dinner on the 32nd",
        "help next month",
    ],
)
def test_unclear_other(text: str) -> None:
    with pytest.raises(WhenUnclear) as caught:
        split_need_text(text, BERLIN, NOW)
    assert "for example" in str(caught.value).lower()


def test_two_times_are_named() -> None:
    with pytest.raises(WhenUnclear, match='"tomorrow" and "friday"'):
        split_need_text("lunch tomorrow or friday", BERLIN, NOW)


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("today 14:00", datetime(2026, 11, 25, 15, 0, tzinfo=BERLIN)),
        ("yesterday", NOW),
        ("ride yesterday 10:00", NOW),
        ("this morning", datetime(2026, 11, 25, 12, 30, tzinfo=BERLIN)),
        ("dinner this evening", datetime(2026, 11, 25, 21, 30, tzinfo=BERLIN)),
        ("MRI 2026-11-01 09:30", NOW),
        ("ride 2 days ago", NOW),
    ],
)
def test_past(text: str, now: datetime) -> None:
    with pytest.raises(WhenInPast) as caught:
        split_need_text(text, BERLIN, now)
    message = str(caught.value)
    assert "already passed" in message
    assert "for example" in message


def test_today_in_the_future_is_fine() -> None:
    result = split_need_text("today 14:00", BERLIN, NOW)
    assert result.when == exact(BERLIN, 2026, 11, 25, 14, 0)


def test_range_counts_until_its_end() -> None:
    # 11:30 is inside the morning: still fine, the range has not ended.
    now = datetime(2026, 11, 25, 11, 30, tzinfo=BERLIN)
    when = split_need_text("this morning", BERLIN, now).when
    assert when == part_of_day_when(date(2026, 11, 25), "morning", BERLIN)
    # Same for a day that has started.
    assert split_need_text("today", BERLIN, now).when == day_when(date(2026, 11, 25), BERLIN)


def test_past_message_suggests_with_description() -> None:
    with pytest.raises(WhenInPast, match='"ride tomorrow 14:00"'):
        split_need_text("ride yesterday", BERLIN, NOW)


def test_in_the_morning_after_noon_means_tomorrow() -> None:
    now = datetime(2026, 11, 25, 13, 0, tzinfo=BERLIN)
    result = split_need_text("help in the morning", BERLIN, now)
    assert result.when == part_of_day_when(date(2026, 11, 26), "morning", BERLIN)


def test_errors_are_value_errors() -> None:
    assert issubclass(WhenInPast, WhenError)
    assert issubclass(WhenUnclear, WhenError)
    assert issubclass(WhenError, ValueError)


def test_month_first_in_us_zones() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=NEW_YORK)
    assert split_need_text("ride 12/3", NEW_YORK, now).when == day_when(date(2026, 12, 3), NEW_YORK)
    assert split_need_text("ride 3/12", BERLIN, NOW).when == day_when(date(2026, 12, 3), BERLIN)
    # An ordinal day is not mistaken for a month in either order.
    assert split_need_text("dinner on the 5th", NEW_YORK, now).when == day_when(
        date(2026, 12, 5), NEW_YORK
    )


def test_ordinal_rolls_into_next_year() -> None:
    now = datetime(2026, 12, 20, 10, 0, tzinfo=BERLIN)
    assert split_need_text("dinner on the 5th", BERLIN, now).when == day_when(
        date(2027, 1, 5), BERLIN
    )


def test_now_may_be_in_any_zone() -> None:
    in_utc = NOW.astimezone(UTC)
    assert split_need_text("tomorrow 14:00", BERLIN, in_utc) == split_need_text(
        "tomorrow 14:00", BERLIN, NOW
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        split_need_text("tomorrow", BERLIN, datetime(2026, 11, 25, 10, 0))


# --- parse_when ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9:00", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("tomorrow at 9", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("in 30 minutes", exact(BERLIN, 2026, 11, 25, 10, 30)),
        ("in 2 hours", exact(BERLIN, 2026, 11, 25, 12, 0)),
        ("Fri 6pm", exact(BERLIN, 2026, 11, 27, 18, 0)),
        ("next Tuesday morning", part_of_day_when(date(2026, 12, 1), "morning", BERLIN)),
        ("2026-12-01 09:30", exact(BERLIN, 2026, 12, 1, 9, 30)),
        ("3 December 18:30", exact(BERLIN, 2026, 12, 3, 18, 30)),
        ("Friday", day_when(date(2026, 11, 27), BERLIN)),
        ("friday afternoon", part_of_day_when(date(2026, 11, 27), "afternoon", BERLIN)),
        ("Saturday night", part_of_day_when(date(2026, 11, 28), "evening", BERLIN)),
        ("this evening", part_of_day_when(date(2026, 11, 25), "evening", BERLIN)),
        ("morning", part_of_day_when(date(2026, 11, 25), "morning", BERLIN)),
        ("afternoon", part_of_day_when(date(2026, 11, 25), "afternoon", BERLIN)),
        ("  in the evening ", part_of_day_when(date(2026, 11, 25), "evening", BERLIN)),
        ("on the 5th at noon", exact(BERLIN, 2026, 12, 5, 12, 0)),
        ("in 2 days", day_when(date(2026, 11, 27), BERLIN)),
        ("today 14:00", exact(BERLIN, 2026, 11, 25, 14, 0)),
        ("4 January 2027 09:30", exact(BERLIN, 2027, 1, 4, 9, 30)),
    ],
)
def test_parse_when(text: str, expected: When) -> None:
    assert parse_when(text, BERLIN, NOW) == expected


@pytest.mark.parametrize(
    "text", ["banana", "", "   ", "dinner tomorrow", "next week", "tomorrow 25:00", "31/02"]
)
def test_parse_when_unclear(text: str) -> None:
    with pytest.raises(WhenUnclear):
        parse_when(text, BERLIN, NOW)


@pytest.mark.parametrize("text", ["yesterday", "today 9:00", "2026-11-20"])
def test_parse_when_past(text: str) -> None:
    with pytest.raises(WhenInPast):
        parse_when(text, BERLIN, NOW)


# --- parse_time_on_day ----------------------------------------------------------------------

DAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", exact(BERLIN, 2026, 11, 26, 14, 30)),
        ("2pm", exact(BERLIN, 2026, 11, 26, 14, 0)),
        ("2 pm", exact(BERLIN, 2026, 11, 26, 14, 0)),
        ("9", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("3", exact(BERLIN, 2026, 11, 26, 15, 0)),
        ("at 9", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("9am", exact(BERLIN, 2026, 11, 26, 9, 0)),
        ("00:30", exact(BERLIN, 2026, 11, 26, 0, 30)),
        ("noon", exact(BERLIN, 2026, 11, 26, 12, 0)),
        ("midnight", exact(BERLIN, 2026, 11, 27, 0, 0)),
        ("morning", part_of_day_when(DAY, "morning", BERLIN)),
        ("Afternoon", part_of_day_when(DAY, "afternoon", BERLIN)),
        ("evening ", part_of_day_when(DAY, "evening", BERLIN)),
    ],
)
def test_parse_time_on_day(text: str, expected: When) -> None:
    assert parse_time_on_day(text, DAY, BERLIN, NOW) == expected


@pytest.mark.parametrize("text", ["25:00", "banana", "tomorrow 9", "Friday 14:00", "3/12", ""])
def test_parse_time_on_day_unclear(text: str) -> None:
    with pytest.raises(WhenUnclear, match="for example"):
        parse_time_on_day(text, DAY, BERLIN, NOW)


@pytest.mark.parametrize("text", ["9:00", "morning", "8"])
def test_parse_time_on_day_past(text: str) -> None:
    with pytest.raises(WhenInPast, match="already passed"):
        parse_time_on_day(
            text, date(2026, 11, 25), BERLIN, datetime(2026, 11, 25, 12, 30, tzinfo=BERLIN)
        )


def test_parse_time_on_day_part_in_progress_is_fine() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    when = parse_time_on_day("morning", date(2026, 11, 25), BERLIN, now)
    assert when.precision is Precision.PART_OF_DAY


# --- ranges ------------------------------------------------------------------------------------


def test_day_when_is_local_midnight_to_midnight() -> None:
    when = day_when(date(2026, 11, 27), BERLIN)
    assert when == When(Precision.DAY, utc(2026, 11, 26, 23, 0), utc(2026, 11, 27, 23, 0))


@pytest.mark.parametrize(
    ("part", "start_hour", "end_hour"),
    [("morning", 8, 12), ("afternoon", 12, 17), ("evening", 17, 21), ("tonight", 17, 21)],
)
def test_part_of_day_ranges(part: str, start_hour: int, end_hour: int) -> None:
    when = part_of_day_when(date(2026, 11, 27), part, BERLIN)
    assert when.starts_at == local(BERLIN, 2026, 11, 27, start_hour)
    assert when.ends_at == local(BERLIN, 2026, 11, 27, end_hour)
    assert when.label in {"morning", "afternoon", "evening"}


def test_unknown_part_of_day() -> None:
    with pytest.raises(WhenUnclear, match="morning"):
        part_of_day_when(date(2026, 11, 27), "brunch", BERLIN)


def test_results_are_utc() -> None:
    when = split_need_text("tomorrow 14:00", BERLIN, NOW).when
    assert when.starts_at is not None
    assert when.starts_at.tzinfo is UTC


# --- daylight saving and far zones -----------------------------------------------------------

SPRING_EVE = datetime(2027, 3, 27, 10, 0, tzinfo=BERLIN)
SPRING_DAY = date(2027, 3, 28)


def test_berlin_spring_forward_gap_moves_forward() -> None:
    when = split_need_text("ride tomorrow 02:30", BERLIN, SPRING_EVE).when
    # 02:00-03:00 does not exist; the first valid instant is 03:00 CEST = 01:00 UTC.
    assert when.starts_at == utc(2027, 3, 28, 1, 0)
    assert parse_time_on_day("02:30", SPRING_DAY, BERLIN, SPRING_EVE).starts_at == utc(
        2027, 3, 28, 1, 0
    )
    assert local_to_utc(datetime(2027, 3, 28, 2, 0), BERLIN) == utc(2027, 3, 28, 1, 0)
    assert local_to_utc(datetime(2027, 3, 28, 2, 59, 59), BERLIN) == utc(2027, 3, 28, 1, 0)


def test_berlin_spring_forward_offsets() -> None:
    on_the_day = parse_time_on_day("09:00", SPRING_DAY, BERLIN, SPRING_EVE)
    day_before = parse_time_on_day(
        "09:00", date(2027, 3, 27), BERLIN, datetime(2027, 3, 27, 8, 0, tzinfo=BERLIN)
    )
    assert on_the_day.starts_at == utc(2027, 3, 28, 7, 0)
    assert day_before.starts_at == utc(2027, 3, 27, 8, 0)
    assert split_need_text("ride tomorrow 09:00", BERLIN, SPRING_EVE).when == on_the_day


def test_berlin_spring_forward_day_is_23_hours() -> None:
    when = day_when(SPRING_DAY, BERLIN)
    assert when.starts_at is not None and when.ends_at is not None
    assert when.ends_at - when.starts_at == timedelta(hours=23)
    assert format_when(when, BERLIN, SPRING_EVE) == "Sun 28 Mar"


def test_berlin_fall_back_day_is_25_hours_and_ambiguous_takes_first() -> None:
    eve = datetime(2026, 10, 24, 10, 0, tzinfo=BERLIN)
    when = day_when(date(2026, 10, 25), BERLIN)
    assert when.starts_at is not None and when.ends_at is not None
    assert when.ends_at - when.starts_at == timedelta(hours=25)
    # 02:30 happens twice: 00:30 UTC (CEST) and 01:30 UTC (CET). The first one wins.
    assert parse_when("tomorrow 02:30", BERLIN, eve).starts_at == utc(2026, 10, 25, 0, 30)
    assert parse_time_on_day("02:30", date(2026, 10, 25), BERLIN, eve).starts_at == utc(
        2026, 10, 25, 0, 30
    )
    assert parse_time_on_day("09:00", date(2026, 10, 25), BERLIN, eve).starts_at == utc(
        2026, 10, 25, 8, 0
    )


def test_new_york_spring_forward() -> None:
    eve = datetime(2027, 3, 13, 12, 0, tzinfo=NEW_YORK)
    gap = parse_when("tomorrow 2:30am", NEW_YORK, eve)
    assert gap.starts_at == utc(2027, 3, 14, 7, 0)  # 03:00 EDT
    assert parse_when("tomorrow 9:00", NEW_YORK, eve).starts_at == utc(2027, 3, 14, 13, 0)
    assert parse_when(
        "9:00", NEW_YORK, datetime(2027, 3, 13, 8, 0, tzinfo=NEW_YORK)
    ).starts_at == utc(2027, 3, 13, 14, 0)
    day = day_when(date(2027, 3, 14), NEW_YORK)
    assert day.starts_at is not None and day.ends_at is not None
    assert day.ends_at - day.starts_at == timedelta(hours=23)


def test_southern_hemisphere_dst() -> None:
    # Sydney leaves DST on the first Sunday of April 2027: a 25-hour day.
    day = day_when(date(2027, 4, 4), SYDNEY)
    assert day.starts_at is not None and day.ends_at is not None
    assert day.ends_at - day.starts_at == timedelta(hours=25)
    # Auckland starts DST on the last Sunday of September 2026: 02:00-03:00 is skipped.
    eve = datetime(2026, 9, 26, 10, 0, tzinfo=AUCKLAND)
    assert parse_when("tomorrow 2:30am", AUCKLAND, eve).starts_at == local(
        AUCKLAND, 2026, 9, 27, 3, 0
    )
    # In November Auckland is UTC+13.
    now = datetime(2026, 11, 25, 10, 0, tzinfo=AUCKLAND)
    assert parse_when("tomorrow 14:00", AUCKLAND, now).starts_at == utc(2026, 11, 26, 1, 0)


def test_half_hour_offset() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=KOLKATA)
    when = split_need_text("ride tomorrow 9:30", KOLKATA, now).when
    assert when.starts_at == utc(2026, 11, 26, 4, 0)
    assert day_when(date(2026, 11, 26), KOLKATA).starts_at == utc(2026, 11, 25, 18, 30)


def test_tomorrow_when_it_is_already_tomorrow_locally() -> None:
    # 20:00 UTC on 25 Nov is already 09:00 on 26 Nov in Auckland.
    now = utc(2026, 11, 25, 20, 0)
    result = split_need_text("ride tomorrow 14:00", AUCKLAND, now)
    assert result.when.starts_at == local(AUCKLAND, 2026, 11, 27, 14, 0)
    assert split_need_text("today", AUCKLAND, now).when == day_when(date(2026, 11, 26), AUCKLAND)
    assert format_when_short(result.when, AUCKLAND, now) == "tomorrow 14:00"


# --- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (exact(BERLIN, 2026, 12, 1, 14, 0), "Tue 1 Dec, 14:00"),
        (day_when(date(2026, 11, 27), BERLIN), "Fri 27 Nov"),
        (part_of_day_when(date(2026, 11, 28), "morning", BERLIN), "Sat 28 Nov, morning"),
        (exact(BERLIN, 2027, 1, 4, 9, 30), "Mon 4 Jan 2027, 09:30"),
        (NO_TIME, ""),
    ],
)
def test_format_when(when: When, text: str) -> None:
    assert format_when(when, BERLIN, NOW) == text


def test_format_when_uses_circle_zone() -> None:
    when = When(Precision.EXACT, starts_at=utc(2026, 12, 1, 23, 30))
    assert format_when(when, BERLIN, NOW) == "Wed 2 Dec, 00:30"
    assert format_when(when, NEW_YORK, NOW) == "Tue 1 Dec, 18:30"


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (exact(BERLIN, 2026, 11, 25, 14, 0), "today 14:00"),
        (exact(BERLIN, 2026, 11, 26, 9, 5), "tomorrow 09:05"),
        (part_of_day_when(date(2026, 11, 26), "morning", BERLIN), "tomorrow morning"),
        (day_when(date(2026, 11, 27), BERLIN), "Fri"),
        (exact(BERLIN, 2026, 12, 1, 14, 0), "Tue 14:00"),
        (part_of_day_when(date(2026, 11, 28), "evening", BERLIN), "Sat evening"),
        (day_when(date(2026, 11, 25), BERLIN), "today"),
        (day_when(date(2026, 11, 24), BERLIN), "yesterday"),
        (exact(BERLIN, 2026, 12, 8, 14, 0), "Tue 8 Dec 14:00"),
        (day_when(date(2027, 1, 4), BERLIN), "Mon 4 Jan 2027"),
        (NO_TIME, ""),
    ],
)
def test_format_when_short(when: When, text: str) -> None:
    assert format_when_short(when, BERLIN, NOW) == text


def test_time_equal_to_now_is_still_a_time() -> None:
    # dateparser calls "today 10:00" a day when it is exactly 10:00:00.
    result = split_need_text("ride today 10:00", BERLIN, NOW)
    assert result.when == exact(BERLIN, 2026, 11, 25, 10, 0)
