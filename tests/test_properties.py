"""Properties over bad input: the time parser, the category recogniser and every reader of
what people type after a command (or send back as a button) take any text and answer with a
result or a kind error, never an exception.

Hypothesis runs derandomised (the same examples on every run, so CI is reproducible).
CARECIRCLE_PROPERTY_SCALE=10 runs ten times as many examples, and CARECIRCLE_PROPERTY_RANDOM=1
draws new ones each run, for a longer hunt on a developer's machine."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.callbacks import (
    Button,
    CheckInAction,
    CheckInButton,
    DataAction,
    DataButton,
    NeedAction,
    NeedButton,
    ObservationButton,
    ObservationChoice,
    Origin,
    QuestionAction,
    QuestionButton,
    ReminderButton,
    ReportButton,
    SeriesAction,
    SeriesButton,
    SettingKey,
    SettingsButton,
    TeamAction,
    TeamButton,
    ThanksButton,
    WizardButton,
    WizardStep,
)
from bot.categories import Category, looks_medical, recognise_category
from bot.services import checkin_schedules, planning, prefs, questions, team
from bot.services import settings as circle_settings
from bot.services.checkins import MAX_LINE, LineProblem, check_line
from bot.services.circles import canonical_zone, suggest_zones
from bot.services.needs import MAX_DESCRIPTION, DescriptionProblem, check_description
from bot.services.report import MAX_WEEKS, WeeksProblem, parse_weeks
from bot.timeparse import (
    PARTS_OF_DAY,
    NeedText,
    Precision,
    When,
    WhenError,
    format_when,
    format_when_short,
    local_to_utc,
    parse_time_on_day,
    parse_when,
    split_need_text,
)

T = TypeVar("T")

_SCALE = max(1, int(os.environ.get("CARECIRCLE_PROPERTY_SCALE", "1")))
_DERANDOMIZE = not os.environ.get("CARECIRCLE_PROPERTY_RANDOM")


def examples(count: int) -> settings:
    """Reproducible by default: derandomised, no example database, no deadline (dateparser
    takes its time on a first call)."""
    return settings(
        max_examples=count * _SCALE,
        deadline=None,
        derandomize=_DERANDOMIZE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# --- what people type ----------------------------------------------------------------------

# Far, odd and awkward zones: +14 and -11, quarter and half hours, a 30-minute DST shift
# (Lord Howe), a 2-hour one (Troll), negative DST (Dublin), DST at midnight (Santiago,
# Havana), Ramadan DST (Casablanca), month-first dates (New York, Adak).
ZONES = (
    "Europe/Berlin",
    "UTC",
    "America/New_York",
    "America/Adak",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Africa/Casablanca",
    "Antarctica/Troll",
    "Europe/Dublin",
    "Etc/GMT+12",
)
zones = st.sampled_from(ZONES).map(ZoneInfo)

# Any instant in the coming decade, given in UTC or in one of the zones above.
nows = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2034, 12, 31),
    timezones=st.sampled_from([UTC, *(ZoneInfo(z) for z in ZONES)]),
)

# Zero-width, direction marks and overrides, control characters, line breaks, emoji (with
# joiners), right-to-left scripts, characters that change length when cased, digits that
# are not ASCII (Arabic-Indic, full-width, superscript) and HTML.
ODD = (
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\r\n",
    "\t",
    "\n",
    "\u2028",
    "\u00a0",
    "🙂",
    "👩‍👩‍👧",
    "🏳️‍🌈",
    "שלום",
    "مرحبا",
    "ß",
    "İ",
    "ﬀ",
    "²",
    "٣",
    "١٤:٠٠",
    "１４：００",
    "<b>",
    "&amp;",
    "<",
    "&",
    '"',
    "’",
    ":",
    "@",
)
TIME_WORDS = (
    "tomorrow",
    "today",
    "tonight",
    "morning",
    "in the morning",
    "afternoon",
    "evening",
    "night",
    "noon",
    "midnight",
    "Friday",
    "fri",
    "Sat",
    "sun",
    "Wed",
    "next Tuesday",
    "next week",
    "this weekend",
    "in 2 days",
    "in 30 minutes",
    "in an hour",
    "2 days from now",
    "ago",
    "at 9",
    "at 3.30",
    "at 25",
    "9am",
    "6pm",
    "6 p.m.",
    "14:00",
    "25:00",
    "23:59",
    "00:00",
    "7",
    "the 5th",
    "31st",
    "3/12",
    "31/02",
    "12/31/2026",
    "2026-12-01",
    "2026-12-01 09:30",
    "1.12.",
    "3 December",
    "Dec 3",
    "March",
    "may",
    "2027",
    "1030",
    "o'clock",
    "14:00 UTC",
    "PST",
    "+0200",
    "yesterday",
    "last Monday",
    "29 Feb",
)
NEED_WORDS = (
    "ride",
    "to",
    "neurology",
    "dinner",
    "for",
    "on",
    "at",
    "by",
    "walk",
    "the",
    "dog",
    "pick",
    "up",
    "prescription",
    "MRI",
    "shopping",
    "sit with",
    "me",
    "please",
    "and",
    "help",
    ",",
    ".",
    "-",
    "(",
    ")",
    "—",
)
SEPARATORS = (" ", " ", " ", "", ", ", "\n", "\u200b", " - ")


@st.composite
def phrases(draw: st.DrawFn, vocabulary: Sequence[str] = TIME_WORDS + NEED_WORDS) -> str:
    """A jumble of words people use, odd characters and random bits, in any order."""
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(vocabulary),
                st.sampled_from(ODD),
                st.text(max_size=4),
                st.integers(-5, 3000).map(str),
            ),
            max_size=8,
        )
    )
    separator = draw(st.sampled_from(SEPARATORS))
    return separator.join(pieces)


# Far more than a Telegram message holds (4096): the bot must still not fall over.
huge_texts = st.builds(
    lambda word, times: (word + " ") * times,
    st.sampled_from(("x", "ride", "tomorrow", "at 9", "🙂", "\u200b", "‮ab")),
    st.integers(1000, 5200),
)

texts = st.one_of(st.text(), phrases())


# Numbers as people (and forged clients) write them: digits str.isdigit() accepts and int()
# does not ("²"), other scripts' digits, leading zeros, past PostgreSQL's INTEGER.
MAX_ROW_ID = 2**31 - 1
NUMBERISH = ("²", "٣", "１", "007", "0", "-1", "1e3", "2147483647", "2147483648", "9" * 13)
NUMBERISH_S = st.sampled_from(NUMBERISH)


# --- the time parser ------------------------------------------------------------------------


def _is_utc(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def check_when(when: When, now: datetime) -> None:
    """What every When the parser hands out promises."""
    match when.precision:
        case Precision.NONE:
            assert when.starts_at is None and when.ends_at is None
        case Precision.EXACT:
            assert when.starts_at is not None and when.ends_at is None
        case Precision.DAY | Precision.PART_OF_DAY:
            assert when.starts_at is not None and when.ends_at is not None
            assert when.starts_at < when.ends_at
    if when.precision is Precision.PART_OF_DAY:
        assert when.label in PARTS_OF_DAY
    for moment in (when.starts_at, when.ends_at):
        assert moment is None or _is_utc(moment), moment
    # Never in the past: for a range, not over yet.
    deadline = when.ends_at if when.ends_at is not None else when.starts_at
    assert deadline is None or deadline >= now, (when, now)


# Telegram's limit for a message: the bot replies with the error's words, so they must fit
# for anything a person can send (a message is at most 4096 characters too).
TELEGRAM_TEXT_LIMIT = 4096


def attempt(parse: Callable[[], T], text: str) -> T | WhenError:
    """The parser's answer, or its error; any other exception fails the property."""
    try:
        return parse()
    except WhenError as error:
        message = str(error)
        assert message.strip(), "a WhenError must say what to change"
        if len(text) <= TELEGRAM_TEXT_LIMIT:
            assert len(message) <= TELEGRAM_TEXT_LIMIT, f"a {len(message)}-character reply"
        return error


def check_split_need_text(text: str, tz: ZoneInfo, now: datetime) -> None:
    result = attempt(lambda: split_need_text(text, tz, now), text)
    if isinstance(result, WhenError):
        return
    assert isinstance(result, NeedText)
    check_when(result.when, now)
    assert len(result.description) <= len(text)
    if result.time_phrase is None:
        assert result.when.precision is Precision.NONE
    else:
        assert result.time_phrase in text
    # What the card would show is always formattable.
    assert isinstance(format_when(result.when, tz, now), str)
    assert isinstance(format_when_short(result.when, tz, now), str)


def check_parse_when(text: str, tz: ZoneInfo, now: datetime) -> None:
    result = attempt(lambda: parse_when(text, tz, now), text)
    if isinstance(result, WhenError):
        return
    assert isinstance(result, When)
    assert result.precision is not Precision.NONE
    check_when(result, now)
    assert format_when(result, tz, now)


@examples(200)
@given(text=texts, tz=zones, now=nows)
def test_split_need_text_gives_a_need_text_or_a_kind_error(
    text: str, tz: ZoneInfo, now: datetime
) -> None:
    check_split_need_text(text, tz, now)


@examples(200)
@given(text=texts, tz=zones, now=nows)
def test_parse_when_gives_a_when_or_a_kind_error(text: str, tz: ZoneInfo, now: datetime) -> None:
    check_parse_when(text, tz, now)


BERLIN_NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@examples(4)
@given(text=huge_texts, tz=zones, now=nows)
@example(text="ride at 9 " * 409, tz=ZoneInfo("Europe/Berlin"), now=BERLIN_NOW)
@example(text="ride " + "x" * 4000, tz=ZoneInfo("Europe/Berlin"), now=BERLIN_NOW)
def test_huge_texts_are_read_or_refused_too(text: str, tz: ZoneInfo, now: datetime) -> None:
    """As long as a Telegram message can be, and longer: each parser still answers."""
    check_split_need_text(text, tz, now)
    check_parse_when(text, tz, now)


@examples(200)
@given(
    text=st.one_of(
        texts,
        phrases(("14:30", "2pm", "9", "at 9", "noon", "midnight", "morning", "evening", "h")),
    ),
    tz=zones,
    now=nows,
    days_ahead=st.integers(-2, 30),
)
def test_parse_time_on_day_gives_a_time_on_that_day_or_a_kind_error(
    text: str, tz: ZoneInfo, now: datetime, days_ahead: int
) -> None:
    day = now.astimezone(tz).date() + timedelta(days=days_ahead)
    result = attempt(lambda: parse_time_on_day(text, day, tz, now), text)
    if isinstance(result, WhenError):
        return
    assert result.precision in (Precision.EXACT, Precision.PART_OF_DAY)
    check_when(result, now)
    assert result.starts_at is not None
    # "midnight" is the end of the chosen day, the start of the next.
    assert result.starts_at.astimezone(tz).date() in (day, day + timedelta(days=1))


def _wall_time_exists(naive: datetime, tz: ZoneInfo) -> bool:
    """False for a wall time skipped by a spring-forward gap."""
    return local_to_utc(naive, tz).astimezone(tz).replace(tzinfo=None) == naive


@examples(200)
@given(tz=zones, now=nows, minutes_ahead=st.integers(2, 399 * 24 * 60))
def test_a_future_date_and_time_reads_back_as_the_same_instant(
    tz: ZoneInfo, now: datetime, minutes_ahead: int
) -> None:
    local_now = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    wall = local_now + timedelta(minutes=minutes_ahead)
    assume(_wall_time_exists(wall, tz))
    expected = local_to_utc(wall, tz)
    assume(expected > now)  # after a fall-back repeat a later wall time can be earlier
    when = parse_when(f"{wall:%Y-%m-%d %H:%M}", tz, now)
    assert when == When(Precision.EXACT, starts_at=expected)
    # And what the card shows says that same wall time.
    assert format_when(when, tz, now).endswith(f", {wall:%H:%M}")


@examples(100)
@given(tz=zones, now=nows, days_ahead=st.integers(1, 390), hour=st.integers(0, 23))
def test_a_shown_time_typed_back_gives_the_same_time(
    tz: ZoneInfo, now: datetime, days_ahead: int, hour: int
) -> None:
    """Someone copies "Tue 8 Dec, 14:00" from a card into /when: the same instant."""
    day = now.astimezone(tz).date() + timedelta(days=days_ahead)
    wall = datetime.combine(day, time(hour, 30))
    assume(_wall_time_exists(wall, tz))
    when = When(Precision.EXACT, starts_at=local_to_utc(wall, tz))
    assert parse_when(format_when(when, tz, now), tz, now) == when


@examples(100)
@given(text=phrases(), tz=zones, now=nows)
def test_the_time_parser_is_deterministic(text: str, tz: ZoneInfo, now: datetime) -> None:
    first = attempt(lambda: split_need_text(text, tz, now), text)
    second = attempt(lambda: split_need_text(text, tz, now), text)
    if isinstance(first, WhenError):
        assert type(first) is type(second) and str(first) == str(second)
    else:
        assert first == second


# --- what kind of help ------------------------------------------------------------------------

category_texts = st.one_of(
    st.text(),
    phrases(
        (
            *NEED_WORDS,
            "cat",
            "vet",
            "GP",
            "laundry",
            "coffee",
            "visit",
            "pick me up",
            "nurse",
            "blood test",
            "check-up",
            "physiotherapy",
            "MS nurse",
        )
    ),
    huge_texts,
)


@st.composite
def ascii_case_flipped(draw: st.DrawFn, text: str) -> str:
    """The same text with the case of some ASCII letters swapped."""
    chance = draw(st.randoms(use_true_random=False))
    return "".join(ch.swapcase() if ch.isascii() and chance.random() < 0.5 else ch for ch in text)


@examples(300)
@given(data=st.data(), text=category_texts)
def test_the_category_is_total_deterministic_and_case_blind(data: st.DataObject, text: str) -> None:
    category = recognise_category(text)
    assert isinstance(category, Category)
    assert recognise_category(text) == category
    assert recognise_category(data.draw(ascii_case_flipped(text))) == category
    medical = looks_medical(text)
    assert isinstance(medical, bool)
    assert looks_medical(text) == medical
    assert looks_medical(data.draw(ascii_case_flipped(text))) == medical


@examples(200)
@given(text=st.text(alphabet=st.characters(codec="ascii")))
def test_upper_and_lower_case_are_the_same_request(text: str) -> None:
    assert recognise_category(text.upper()) == recognise_category(text.lower())
    assert looks_medical(text.upper()) == looks_medical(text.lower())


# --- what people type after a command -------------------------------------------------------

# context.args: the words after a command, split by Telegram's client on whitespace, but a
# reader must also survive empty strings and words with spaces in them.
SETTINGS_WORDS = (
    "reminders",
    "nudges",
    "summary",
    "digest",
    "morning",
    "off",
    "24h",
    "2h",
    "90m",
    "1d",
    "7:30",
    "7am",
    "12pm",
    "13:00",
    "0",
    "99999d",
    "and",
    "before",
    "+",
)
word_lists = st.one_of(
    st.lists(st.text(max_size=12), max_size=6),
    st.lists(st.sampled_from(SETTINGS_WORDS + ODD), max_size=6),
)


@examples(300)
@given(words=word_lists)
def test_settings_words_are_read_or_refused(words: list[str]) -> None:
    wanted = circle_settings.read_command(words)
    if isinstance(wanted, circle_settings.Choice):
        if wanted.setting is circle_settings.Setting.SUMMARY:
            assert wanted.at is None or (
                circle_settings.EARLIEST_SUMMARY <= wanted.at <= circle_settings.LATEST_SUMMARY
            )
        else:
            _check_leads(wanted.leads)
    else:
        assert isinstance(wanted, circle_settings.Setting | circle_settings.Unreadable)


def _check_leads(leads: tuple[int, ...]) -> None:
    assert len(leads) <= circle_settings.MAX_LEADS
    assert list(leads) == sorted(set(leads), reverse=True)
    assert all(
        circle_settings.SHORTEST_LEAD <= lead <= circle_settings.LONGEST_LEAD for lead in leads
    )


@examples(300)
@given(text=st.one_of(texts, phrases(SETTINGS_WORDS)))
def test_leads_and_summary_times_are_read_or_refused(text: str) -> None:
    leads = circle_settings.read_leads(text)
    if not isinstance(leads, circle_settings.Problem):
        _check_leads(leads)
    at = circle_settings.read_summary_time(text)
    assert (
        at is None
        or isinstance(at, circle_settings.Problem)
        or (circle_settings.EARLIEST_SUMMARY <= at <= circle_settings.LATEST_SUMMARY)
    )


@examples(100)
@given(
    leads=st.lists(
        st.integers(circle_settings.SHORTEST_LEAD, circle_settings.LONGEST_LEAD),
        min_size=1,
        max_size=circle_settings.MAX_LEADS,
    ),
    unit=st.sampled_from(("m", " min", "minutes")),
    at=st.times(circle_settings.EARLIEST_SUMMARY, circle_settings.LATEST_SUMMARY),
    circle_id=st.integers(1, MAX_ROW_ID),
)
def test_settings_read_back_what_they_write(
    leads: list[int], unit: str, at: time, circle_id: int
) -> None:
    expected = tuple(sorted(set(leads), reverse=True))
    assert circle_settings.read_leads(", ".join(f"{lead}{unit}" for lead in leads)) == expected
    minute = at.replace(second=0, microsecond=0)
    assert circle_settings.read_summary_time(f"{minute:%H:%M}") == minute
    assert planning.parse_leads(planning.format_leads(expected)) == expected
    for choice in (
        circle_settings.Choice(circle_settings.Setting.REMINDERS, leads=expected),
        circle_settings.Choice(circle_settings.Setting.NUDGES, leads=()),
        circle_settings.Choice(circle_settings.Setting.SUMMARY, at=minute),
        circle_settings.Choice(circle_settings.Setting.SUMMARY, at=None),
    ):
        button = circle_settings.choice_button(circle_id, choice)
        data = callbacks.encode(button)
        assert len(data.encode()) <= 64
        assert callbacks.decode(data) == button
        press = circle_settings.read_press(button)
        assert press == circle_settings.Press(circle_id, choice.setting, choice)


@examples(200)
@given(
    key=st.sampled_from(SettingKey),
    value=st.one_of(
        st.text(max_size=30),
        phrases(),
        st.builds(
            "{}.{}".format,
            st.sampled_from(NUMBERISH),
            st.one_of(st.sampled_from(("r", "n", "d", "off", "1440,120", "0730")), NUMBERISH_S),
        ),
    ),
)
@example(key=SettingKey.BACK, value="²")  # a digit to str.isdigit, not to int()
@example(key=SettingKey.REMINDERS, value="1.²")
@example(key=SettingKey.MENU, value="2147483648.r")  # past PostgreSQL's INTEGER
def test_any_settings_button_value_is_read_or_refused(key: SettingKey, value: str) -> None:
    press = circle_settings.read_press(SettingsButton(key, value))
    assert press is None or 0 < press.circle_id <= MAX_ROW_ID


CHECKIN_WORDS = (
    "daily",
    "weekly",
    "every",
    "day",
    "week",
    "sun",
    "Sunday",
    "thurs",
    "pause",
    "resume",
    "off",
    "me",
    "my",
    "19:00",
    "7pm",
    "7 pm",
    "noon",
    "25:00",
    "2w",
    "a week",
    "fortnight",
    "999",
    "0",
    "for",
)


@examples(300)
@given(text=st.one_of(texts, phrases(CHECKIN_WORDS)), supported=st.booleans())
def test_checkins_words_are_read_or_refused(text: str, supported: bool) -> None:
    wanted = checkin_schedules.read_command(text, supported)
    match wanted:
        case None | checkin_schedules.Resume() | checkin_schedules.Unreadable():
            pass
        case checkin_schedules.Pause(days=days):
            assert supported and 1 <= days <= checkin_schedules.MAX_PAUSE_DAYS
        case checkin_schedules.SetSchedule(schedule=schedule):
            assert supported
            if schedule is not None:
                assert planning.read_check_in_schedule(schedule.stored) == schedule
        case checkin_schedules.SetOwn(schedule=schedule):
            assert not supported
            if schedule is not None:
                assert schedule.day is not None
                stored = checkin_schedules.own_stored(schedule)
                assert planning.read_check_in_schedule(stored) == schedule
        case _:
            raise AssertionError(f"unexpected {wanted!r}")


@examples(200)
@given(words=st.lists(st.one_of(st.text(max_size=8), st.sampled_from(CHECKIN_WORDS)), max_size=5))
def test_checkin_schedule_parts_are_read_or_refused(words: list[str]) -> None:
    schedule = checkin_schedules.read_schedule(words)
    assert isinstance(schedule, planning.CheckInSchedule | checkin_schedules.Unreadable)
    pause = checkin_schedules.read_pause(words)
    assert isinstance(pause, checkin_schedules.Unreadable) or (
        1 <= pause <= checkin_schedules.MAX_PAUSE_DAYS
    )
    for word in words:
        assert checkin_schedules.weekday(word) in (None, *planning.WEEKDAYS)
        assert checkin_schedules.read_time(word) is None or isinstance(
            checkin_schedules.read_time(word), time
        )


TEAM_WORDS = (
    *NUMBERISH,
    "add",
    "edit",
    "remove",
    "list",
    "new",
    "neurologist:",
    "MS nurse",
    "GP",
    "Dr Weber",
    "030 1234567",
    "+49 (30) 123-4567",
    "tel:",
    "anna@clinic.de",
    "a@b",
    "@handle",
    "mailto:x@y.org",
    "1",
    "2",
    "#3",
    "1001",
    "name",
    "role",
    "phone",
    "email",
    "notes",
    "-",
    "none",
    "Tuesdays only",
)


@examples(300)
@given(text=st.one_of(texts, phrases(TEAM_WORDS)))
@example(text="remove ²")
@example(text="edit ² name Dr Weber")
def test_team_words_are_read_or_refused(text: str) -> None:
    wanted = team.read_command(text)
    match wanted:
        case team.Show() | team.Unreadable():
            pass
        case team.Add(draft=draft):
            assert draft.name and len(draft.name) <= team.MAX_NAME
            assert draft.role and len(draft.role) <= team.MAX_ROLE
            assert draft.notes is None or len(draft.notes) <= team.MAX_NOTES
            assert draft.phone is None or len(draft.phone) <= team.MAX_PHONE
            assert draft.email is None or len(draft.email) <= team.MAX_EMAIL
        case team.Edit(number=number, value=value):
            assert 1 <= number <= 1000
            assert value is None or len(value) <= team.MAX_NOTES
        case team.Remove(number=number):
            assert 1 <= number <= 1000
        case _:
            raise AssertionError(f"unexpected {wanted!r}")
    assert team.clean_phone(text) is None or len(team.clean_phone(text) or "") <= team.MAX_PHONE
    assert team.clean_email(text) is None or "@" in (team.clean_email(text) or "")


PREFS_WORDS = (
    "love",
    "I'd love",
    "help i’d love",
    "like",
    "don't",
    "dont",
    "please don’t",
    "do not",
    "clear",
    "remove",
    "both",
    "all",
    ":",
    "-",
    "walks",
    "visits after 8pm",
)


@examples(300)
@given(text=st.one_of(texts, phrases(PREFS_WORDS)))
def test_prefs_words_are_read_or_refused(text: str) -> None:
    wanted = prefs.read_command(text)
    match wanted:
        case prefs.Show() | prefs.Unreadable():
            pass
        case prefs.Change(prefs=which, text=note):
            assert which and set(which) <= set(prefs.Pref)
            assert note is None or (note.strip() and len(note) <= prefs.MAX_PREF)
        case _:
            raise AssertionError(f"unexpected {wanted!r}")


@examples(200)
@given(text=texts)
def test_questions_lines_descriptions_and_weeks_are_checked(text: str) -> None:
    problem = questions.check_question(text)
    assert (problem is None) == (0 < len(text.strip()) <= questions.MAX_QUESTION)
    line = check_line(text)
    assert isinstance(line, LineProblem) or 0 < len(line) <= MAX_LINE
    described = check_description(text)
    assert described is None or isinstance(described, DescriptionProblem)
    assert (described is None) == (0 < len(text.strip()) <= MAX_DESCRIPTION)
    weeks = parse_weeks(text)
    assert isinstance(weeks, WeeksProblem) or 1 <= weeks <= MAX_WEEKS


_AVAILABLE = frozenset(available_timezones())
ZONE_WORDS = (
    "Europe/Berlin",
    "europe/berlin",
    "UTC",
    "utc",
    "Berlin",
    "America/Indiana",  # a folder of zones, not a zone
    "America/Argentina",
    "Europe/",
    "right/Europe/Berlin",  # leap-second variant: not a zone to offer
    "posix/Europe/Berlin",
    "../../etc/passwd",
    "/etc/localtime",
    "Etc/GMT+5",
    "Europe/Berlin\x00",
    "zone.tab",
)


@examples(200)
@given(text=st.one_of(st.sampled_from(ZONE_WORDS), texts, phrases(ZONE_WORDS)))
@example(text="America/Indiana")
@example(text="right/Europe/Berlin")
def test_a_time_zone_is_a_real_zone_or_none(text: str) -> None:
    zone = canonical_zone(text)
    if zone is not None:
        assert zone in _AVAILABLE
        assert ZoneInfo(zone).key == zone
    for suggestion in suggest_zones(text):
        assert suggestion in _AVAILABLE


@examples(300)
@given(text=st.one_of(texts, phrases(("8:00", "08:30", "7", "23:59", "24:00", ":", "٣", "²"))))
def test_stored_clock_times_and_leads_are_read_or_refused(text: str) -> None:
    at = planning.parse_clock_time(text)
    assert at is None or isinstance(at, time)
    leads = planning.parse_leads(text)
    assert list(leads) == sorted(leads, reverse=True)
    assert all(isinstance(lead, int) for lead in leads)
    schedule = planning.read_check_in_schedule(text)
    assert schedule is None or isinstance(schedule, planning.CheckInSchedule)


@examples(100)
@given(at=st.times())
def test_a_clock_time_reads_back(at: time) -> None:
    minute = at.replace(second=0, microsecond=0)
    assert planning.parse_clock_time(f"{minute:%H:%M}") == minute
    assert planning.parse_clock_time(f"{minute.hour}:{minute:%M}") == minute


# --- callback data --------------------------------------------------------------------------

ids = st.integers(1, MAX_ROW_ID)
user_ids = st.integers(1, 2**52 - 1)
# Values the bot itself puts on buttons: no ":" (the separator), ASCII.
values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.,_-", max_size=16)
buttons: st.SearchStrategy[Button] = st.one_of(
    st.builds(NeedButton, st.sampled_from(NeedAction), ids, st.sampled_from(Origin)),
    st.builds(WizardButton, st.sampled_from(WizardStep), values),
    st.builds(ReminderButton, ids),
    st.builds(SettingsButton, st.sampled_from(SettingKey), values),
    st.builds(ObservationButton, st.sampled_from(ObservationChoice), ids),
    st.builds(ReportButton, ids),
    st.builds(QuestionButton, st.sampled_from(QuestionAction), ids),
    st.builds(TeamButton, st.sampled_from(TeamAction), ids),
    st.builds(CheckInButton, st.sampled_from(CheckInAction), ids, values.map(lambda v: v[:8])),
    st.builds(DataButton, st.sampled_from((DataAction.DELETE, DataAction.KEEP_CIRCLE)), ids),
    st.builds(DataButton, st.sampled_from((DataAction.FORGET, DataAction.KEEP_ME)), user_ids),
    st.builds(SeriesButton, st.sampled_from(SeriesAction), ids),
    st.builds(ThanksButton, ids),
)


@st.composite
def tampered(draw: st.DrawFn) -> str:
    """Data of one of our buttons, changed a little: what an old or a forged button sends."""
    data = callbacks.encode(draw(buttons))
    position = draw(st.integers(0, len(data)))
    cut = draw(st.integers(0, 3))
    insert = draw(
        st.one_of(
            st.sampled_from(("0", "00", ":", "-", "٣", "²", "１", " ", "x", "\ud800", "9" * 13)),
            st.text(max_size=3),
        )
    )
    return data[:position] + insert + data[position + cut :]


callback_data = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cs", "L", "N", "P"])),
    buttons.map(callbacks.encode),
    tampered(),
    st.sampled_from(("n:c:007:k", "r:x:٣", "n:c:1:k:", "n:c:0:k", "x:d:-1", "", ":", "::::")),
)


@examples(500)
@given(data=callback_data)
@example(data="\ud800")  # a lone surrogate: not UTF-8 at all
@example(data="w:cat:\ud800")
@example(data="n:c:007:k")  # not how we write 7
@example(data="n:c:2147483648:k")  # past PostgreSQL's INTEGER: not a need of ours
@example(data="x:f:5000000000")  # a Telegram user id may be that large
def test_any_callback_data_is_one_of_our_buttons_or_none(data: str) -> None:
    button = callbacks.decode(data)
    if button is not None:
        assert callbacks.encode(button) == data
        assert len(data.encode()) <= 64
        assert _ids_fit(button), button


def _ids_fit(button: Button) -> bool:
    """Every id a button carries can be looked up: a row id fits PostgreSQL's INTEGER, a
    Telegram user id its 52 bits."""
    person = isinstance(button, DataButton) and button.action in (
        DataAction.FORGET,
        DataAction.KEEP_ME,
    )
    limit = 2**52 - 1 if person else MAX_ROW_ID
    numbers = [getattr(button, f.name) for f in fields(button)]
    return all(0 < n <= limit for n in numbers if isinstance(n, int))


@examples(100)
@given(data=st.one_of(st.binary(), st.integers(), st.none(), st.lists(st.text(), max_size=2)))
def test_callback_data_that_is_not_text_is_none(data: Any) -> None:
    assert callbacks.decode(data) is None


@examples(300)
@given(button=buttons)
def test_every_button_fits_and_reads_back(button: Button) -> None:
    data = callbacks.encode(button)
    assert 0 < len(data.encode()) <= 64
    assert callbacks.decode(data) == button
