"""The report's statistics and wording as plain functions: averages, fitted trends, the
weeks a person may ask for, and text the PDF's font can print."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.render import report as texts
from bot.render.common import MESSAGE_LIMIT
from bot.report_files import draw_chart, printable, weekly_averages
from bot.services.report import (
    DEFAULT_WEEKS,
    Entry,
    Note,
    OpenQuestion,
    Report,
    Score,
    Trend,
    VoiceNote,
    WeeksProblem,
    average,
    day_position,
    fitted_line,
    parse_weeks,
    period_bounds,
    shown_change,
    slope,
    summarise,
    trend,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_average_is_rounded_to_one_decimal_halves_up() -> None:
    assert average([]) is None
    assert average([3]) == 3.0
    assert average([3, 4]) == 3.5
    assert average([3, 3, 4]) == 3.3
    # 3.25 exactly: Python's round() would give 3.2; a person (and a doctor) expects 3.3.
    assert average([3, 3, 3, 4]) == 3.3
    assert average([1, 2, 2, 2]) == 1.8
    assert average([5, 5, 4]) == 4.7


def test_slope_is_the_least_squares_fit() -> None:
    assert slope([]) is None
    assert slope([(1.0, 3.0)]) is None
    assert slope([(2.0, 3.0), (2.0, 5.0)]) is None  # no spread in time
    assert slope([(0.0, 2.0), (10.0, 3.0)]) == pytest.approx(0.1)
    # y = 1 + 0.5x with noise symmetric around the middle: it cancels out of the slope.
    points = [(0.0, 1.0), (1.0, 1.5 + 0.2), (2.0, 2.0 - 0.4), (3.0, 2.5 + 0.2), (4.0, 3.0)]
    assert slope(points) == pytest.approx(0.5)
    line = fitted_line([(0.0, 2.0), (1.0, 3.0), (2.0, 4.0)])
    assert line is not None
    assert line == pytest.approx((2.0, 1.0))


def test_trend_is_better_or_worse_from_half_a_point_over_the_period() -> None:
    period = 28

    def line(change: float) -> list[tuple[float, float]]:
        return [(float(d), 3.0 + change * d / period) for d in range(0, 29, 4)]

    assert trend(line(0.5), period)[0] == Trend.BETTER
    assert trend(line(0.5), period)[1] == pytest.approx(0.5)
    assert trend(line(-0.5), period)[0] == Trend.WORSE
    assert trend(line(-0.5), period)[1] == pytest.approx(-0.5)
    assert trend(line(0.49), period)[0] == Trend.STABLE
    assert trend(line(-0.49), period)[0] == Trend.STABLE
    assert trend(line(0.0), period)[0] == Trend.STABLE
    assert trend(line(0.0), period)[1] == pytest.approx(0.0)
    assert trend(line(3.0), period)[0] == Trend.BETTER
    # The same slope over a longer period moves further.
    assert trend(line(0.3), period * 2)[0] == Trend.BETTER


def test_fewer_than_three_answers_give_no_trend() -> None:
    assert trend([], 28) == (Trend.TOO_FEW, None)
    assert trend([(0.0, 1.0), (20.0, 5.0)], 28) == (Trend.TOO_FEW, None)
    assert trend([(3.0, 1.0), (3.0, 5.0), (3.0, 3.0)], 28) == (Trend.TOO_FEW, None)
    assert trend([(0.0, 1.0), (10.0, 3.0), (20.0, 5.0)], 28)[0] == Trend.BETTER


def test_the_change_shown_never_contradicts_the_word() -> None:
    assert shown_change(0.47) == 0.4  # stable: must not read as +0.5
    assert shown_change(0.5 - 1e-12) == 0.5  # better: must not read as +0.4
    assert shown_change(-1.26) == -1.2
    assert shown_change(2.2528) == 2.2
    assert texts.signed(shown_change(-0.047)) == "0.0"
    assert texts.signed(2.2) == "+2.2"
    assert texts.signed(-2.6) == "−2.6"


@pytest.mark.parametrize(
    ("typed", "weeks"),
    [
        ("", DEFAULT_WEEKS),
        ("8", 8),
        (" 8 ", 8),
        ("8 weeks", 8),
        ("1 week", 1),
        ("12w", 12),
        ("52", 52),
        ("0", WeeksProblem.OUT_OF_RANGE),
        ("53", WeeksProblem.OUT_OF_RANGE),
        ("lots", WeeksProblem.UNREADABLE),
        ("-3", WeeksProblem.UNREADABLE),
        ("4.5", WeeksProblem.UNREADABLE),
        ("8 months", WeeksProblem.UNREADABLE),
    ],
)
def test_weeks_as_typed(typed: str, weeks: int | WeeksProblem) -> None:
    assert parse_weeks(typed) == weeks


def test_the_period_is_whole_local_days_ending_today() -> None:
    now = datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("UTC"))  # already the 25th in Berlin
    first, last, start = period_bounds(now, BERLIN, 4)
    assert (first, last) == (date(2026, 10, 29), date(2026, 11, 25))
    assert start == datetime(2026, 10, 29, tzinfo=BERLIN)
    assert (last - first).days + 1 == 28


def test_day_position_follows_the_local_clock_across_a_dst_change() -> None:
    first = date(2026, 10, 24)  # Berlin leaves summer time on Sunday 25 Oct
    assert day_position(datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), first) == 0.5
    assert day_position(datetime(2026, 10, 26, 18, 0, tzinfo=BERLIN), first) == 2.75


def _entry(day: int, physical: int | None, mood: int | None, energy: int | None) -> Entry:
    when = datetime(2026, 10, 29, 9, 0, tzinfo=BERLIN) + timedelta(days=day)
    return Entry(when, physical, mood, energy, None, None, has_voice=False)


def test_a_month_of_scores_in_known_patterns() -> None:
    entries = [
        _entry(
            d,
            2 if d in (10, 20) else 3,
            2 if d < 7 else 3 if d < 21 else 4,
            4 if d < 14 else 3 if d < 21 else 2,
        )
        for d in range(28)
    ]
    physical, mood, energy = summarise(entries, date(2026, 10, 29), 28)
    assert (physical.score, mood.score, energy.score) == (Score.PHYSICAL, Score.MOOD, Score.ENERGY)
    assert [s.answers for s in (physical, mood, energy)] == [28, 28, 28]
    assert (physical.average, mood.average, energy.average) == (2.9, 3.0, 3.3)
    assert (physical.trend, mood.trend, energy.trend) == (Trend.STABLE, Trend.BETTER, Trend.WORSE)
    # Checked against numpy.polyfit on the same points.
    assert mood.change == pytest.approx(2.2528735632, abs=1e-9)
    assert energy.change == pytest.approx(-2.6283524904, abs=1e-9)
    assert texts.trend_words(mood, 4) == "better (+2.2 over 4 weeks)"
    assert texts.trend_words(energy, 4) == "worse (−2.6 over 4 weeks)"
    assert texts.trend_words(physical, 4, with_period=False) == "stable (0.0 points)"


def test_unanswered_scores_are_left_out_not_counted_as_zero() -> None:
    entries = [_entry(0, 4, None, None), _entry(1, 4, 2, None), _entry(2, None, None, None)]
    physical, mood, energy = summarise(entries, date(2026, 10, 29), 28)
    assert (physical.answers, physical.average, physical.trend) == (2, 4.0, Trend.TOO_FEW)
    assert (mood.answers, mood.average) == (1, 2.0)
    assert (energy.answers, energy.average, energy.trend) == (0, None, Trend.TOO_FEW)
    assert texts.trend_words(physical, 4) == "not enough check-ins for a trend"
    assert texts.average_words(energy) == "no answers"


def _report(notes: int, questions: int) -> Report:
    entries = tuple(_entry(d, 3, 3, 3) for d in range(notes))
    return Report(
        name="Zoë",
        timezone="Europe/Berlin",
        weeks=4,
        first_day=date(2026, 10, 29),
        last_day=date(2026, 11, 25),
        made_at=datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN),
        entries=entries,
        scores=summarise(entries, date(2026, 10, 29), 28),
        notes=tuple(Note(e.when.date(), "A long day & <more> " * 40) for e in entries),
        voice_notes=(),
        questions=tuple(
            OpenQuestion(date(2026, 11, 1), f"Question {i}?") for i in range(questions)
        ),
        observations=(),
    )


def test_the_message_fits_telegram_and_points_to_the_pdf_for_the_rest() -> None:
    text = texts.report_text(_report(notes=28, questions=40), with_chart=True)
    assert len(text) <= MESSAGE_LIMIT
    assert "more in the PDF" in text
    assert "&amp; &lt;more&gt;" in text and "<more>" not in text
    assert "Physical wellbeing: average 3.0 from 28 answers, → stable (0.0 over 4 weeks)" in text
    assert "patient" not in text.lower()
    short = texts.report_text(_report(notes=3, questions=2), with_chart=False)
    assert "more in the PDF" not in short
    assert short.endswith("A printable PDF follows.")


def test_voice_notes_and_written_notes_in_date_order() -> None:
    report = _report(notes=2, questions=0)
    with_voice = replace(report, voice_notes=(VoiceNote(date(2026, 10, 29), 42),))
    lines = texts.note_lines(with_voice)
    assert [d.day for d, _ in lines] == [29, 29, 30]
    assert lines[1][1] == "voice note, 0:42"
    assert texts.voice_words(None) == "voice note"
    assert texts.voice_words(125) == "voice note, 2:05"


def test_text_for_the_pdf_keeps_names_and_scripts_and_drops_what_it_cannot_draw() -> None:
    assert printable("Zoë") == "Zoë"
    assert printable("Слабость в ногах") == "Слабость в ногах"
    assert printable("Maria 🏖 at the lake") == "Maria at the lake"
    assert printable("Ärger — “quotes” ½") == "Ärger — “quotes” ½"


def test_long_reports_chart_weekly_averages() -> None:
    entries = tuple(_entry(d, 3, 2 if d % 2 else 4, None) for d in range(0, 20))
    report = replace(
        _report(notes=0, questions=0),
        weeks=13,
        entries=entries,
        scores=summarise(entries, date(2026, 10, 29), 13 * 7),
    )
    mood = report.scores[1]
    weekly = weekly_averages(report, mood)
    assert [x for x, _ in weekly] == [3.5, 10.5, 17.5]
    assert [y for _, y in weekly] == pytest.approx([22 / 7, 20 / 7, 18 / 6])
    png = draw_chart(report)
    assert png is not None and png.startswith(b"\x89PNG")
    assert draw_chart(_report(notes=0, questions=0)) is None  # no scores: no chart
