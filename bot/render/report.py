"""What /report says: plain words a person can show their neurologist, with dates.

The pieces of wording (periods, trends, note lines) are shared with the chart and the PDF
so all three say the same thing in the same words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from bot.render.common import MESSAGE_LIMIT, e, shorten
from bot.services.report import (
    MAX_WEEKS,
    TREND_THRESHOLD,
    OpenQuestion,
    Report,
    ScoreSummary,
    Trend,
    WeeksProblem,
    shown_change,
)

SCALE = "Scores are from 1 (very poor) to 5 (very good); a low energy score means more fatigue."
TOO_FEW = "not enough check-ins for a trend"
ARROWS = {Trend.BETTER: "↑", Trend.STABLE: "→", Trend.WORSE: "↓"}
# Long notes are cut in the message (the PDF has them in full).
ITEM_LIMIT = 300

IN_GROUP = (
    "🔒 Reports hold health information, so I only send them in a private chat. "
    "Please send /report to me privately."
)


def not_yours(name: str) -> str:
    return (
        f"🔒 The care-team report is {e(name)}'s own health information, so only "
        f"{e(name)} can ask for it."
    )


NOT_IN_A_CIRCLE = (
    "🔒 The care-team report is for the person a circle supports, and it stays private "
    "to them. If that's you, set up your family group first: add me to it and send /setup."
)


def weeks_problem(problem: WeeksProblem) -> str:
    if problem == WeeksProblem.OUT_OF_RANGE:
        return (
            f"A report can cover 1 to {MAX_WEEKS} weeks. For example, /report 8 covers the "
            "last 8 weeks, and /report on its own the last 4."
        )
    return (
        "How many weeks should the report cover? For example, /report 8 covers the last "
        "8 weeks, and /report on its own the last 4."
    )


# ---------------------------------------------------------------- shared wording


def weeks_phrase(weeks: int) -> str:
    return "1 week" if weeks == 1 else f"{weeks} weeks"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def period(report: Report) -> str:
    """The period, e.g. 29 Oct – 25 Nov 2026; both years when it crosses New Year."""
    first, last = report.first_day, report.last_day
    if first.year != last.year:
        return f"{first:%-d %b %Y} – {last:%-d %b %Y}"
    return f"{first:%-d %b} – {last:%-d %b %Y}"


def day(report: Report, when: date) -> str:
    """A day, e.g. Tue 3 Nov, with the year when it could be unclear."""
    if report.first_day.year != report.last_day.year or when.year != report.last_day.year:
        return f"{when:%a %-d %b %Y}"
    return f"{when:%a %-d %b}"


def signed(value: float) -> str:
    if abs(value) < 0.05:
        return "0.0"
    return f"+{value:.1f}" if value > 0 else f"−{abs(value):.1f}"


def trend_words(summary: ScoreSummary, weeks: int, *, with_period: bool = True) -> str:
    """The trend, e.g. "better (+1.1 over 4 weeks)", or why there is none."""
    if summary.trend == Trend.TOO_FEW or summary.change is None:
        return TOO_FEW
    change = signed(shown_change(summary.change))
    if not with_period:
        return f"{summary.trend.value} ({change} points)"
    return f"{summary.trend.value} ({change} over {weeks_phrase(weeks)})"


def average_words(summary: ScoreSummary) -> str:
    if summary.average is None:
        return "no answers"
    return f"average {summary.average:.1f} from {plural(summary.answers, 'answer')}"


def checkins_words(report: Report) -> str:
    """How many check-ins, e.g. "23 check-ins, on 23 of the 28 days"."""
    return (
        f"{plural(report.checkins, 'check-in')}, on {report.days_checked_in} of the "
        f"{report.period_days} days"
    )


def trend_rule(weeks: int) -> str:
    return (
        f"'Better' or 'worse' means the fitted trend (a straight line through all the "
        f"answers) moved by at least {_threshold_words()} over these {weeks_phrase(weeks)}; "
        "otherwise 'stable'."
    )


def _threshold_words() -> str:
    return "half a point" if TREND_THRESHOLD == 0.5 else f"{TREND_THRESHOLD:g} points"


def voice_words(seconds: int | None) -> str:
    if seconds is None:
        return "voice note"
    return f"voice note, {seconds // 60}:{seconds % 60:02d}"


def note_lines(report: Report, *, voice_suffix: str = "") -> list[tuple[date, str]]:
    """Written notes and voice notes together, oldest first, as (day, plain text)."""
    lines = [(n.day, 0, n.text) for n in report.notes]
    lines += [(v.day, 1, voice_words(v.seconds) + voice_suffix) for v in report.voice_notes]
    return [(d, text) for d, _, text in sorted(lines, key=lambda line: (line[0], line[1]))]


def question_words(report: Report, question: OpenQuestion) -> str:
    return f"{question.text} (noted {day(report, question.asked_on)})"


def chart_title(name: str, report: Report) -> str:
    return f"{name}'s check-in scores, {period(report)}"


def pdf_filename(report: Report) -> str:
    return f"carecircle-report-{report.last_day.isoformat()}.pdf"


# ---------------------------------------------------------------- the message


def _bullets(items: Sequence[str], shown: int) -> list[str]:
    lines = [f"• {item}" for item in items[:shown]]
    if len(items) > shown:
        lines.append(f"<i>…and {len(items) - shown} more in the PDF.</i>")
    return lines


def _questions(report: Report, shown: int) -> list[str]:
    if not report.questions:
        return []
    items = [e(shorten(question_words(report, q), ITEM_LIMIT)) for q in report.questions]
    return ["", "<b>❓ Open questions for the next appointment</b>", *_bullets(items, shown)]


def _length(text: str) -> int:
    """Telegram counts UTF-16 units (an emoji is two); the tags make this an upper bound."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(build: Callable[[int], str]) -> str:
    """The longest version that fits in one message: lists are cut, never the scores."""
    shown = 1000
    text = build(shown)
    while _length(text) > MESSAGE_LIMIT and shown > 0:
        shown //= 2
        text = build(shown)
    return text


def report_text(report: Report, *, with_chart: bool) -> str:
    def build(shown: int) -> str:
        lines = [
            f"📋 <b>{e(report.name)}'s report for the care team</b>",
            f"{period(report)} (last {weeks_phrase(report.weeks)})",
            "",
            f"{checkins_words(report)}.",
            "",
            "<b>📊 Scores</b>",
        ]
        for summary in report.scores:
            arrow = ARROWS.get(summary.trend)
            lines.append(
                f"• {summary.label}: {average_words(summary)}, "
                f"{(arrow + ' ') if arrow and summary.average is not None else ''}"
                f"{trend_words(summary, report.weeks)}"
            )
        lines += ["", f"<i>{e(SCALE)} {e(trend_rule(report.weeks))}</i>"]
        notes = note_lines(report)
        if notes:
            items = [f"{day(report, d)}: {e(shorten(text, ITEM_LIMIT))}" for d, text in notes]
            lines += ["", "<b>📝 Notes</b>", *_bullets(items, shown)]
        lines += _questions(report, shown)
        if report.observations:
            items = [
                f"{e(o.helper)}, {day(report, o.day)}: {e(shorten(o.text, ITEM_LIMIT))}"
                for o in report.observations
            ]
            lines += ["", "<b>👀 Noticed by helpers</b>", *_bullets(items, shown)]
        lines += [
            "",
            "The chart and a printable PDF follow." if with_chart else "A printable PDF follows.",
        ]
        return "\n".join(lines)

    return _fitting(build)


def empty_text(report: Report) -> str:
    def build(shown: int) -> str:
        lines = [
            f"📋 {e(report.name)}, there are no check-ins from the last "
            f"{weeks_phrase(report.weeks)} ({period(report)}), so there's nothing to chart yet.",
            "",
            "Whenever you're ready: /checkin checks in now — three taps and a note if you "
            "like — and /checkins daily 19:00 has me ask you every evening. After a few "
            "check-ins, /report will show your care team how things are going.",
        ]
        lines += _questions(report, shown)
        return "\n".join(lines)

    return _fitting(build)


def chart_caption(report: Report) -> str:
    return (
        f"📈 {e(report.name)}'s scores, {period(report)}: one panel each, 1 (very poor) to "
        "5 (very good). The dashed line is the fitted trend."
    )


def pdf_caption(report: Report) -> str:
    return (
        f"🖨 {e(report.name)}'s report for {period(report)} as a PDF, ready to print or "
        "show at the appointment."
    )
