"""The report's chart (PNG) and printable PDF.

Drawing is CPU work, so each runs in a worker thread and the event loop keeps serving
everyone else. The chart is a `matplotlib.figure.Figure` of its own (no pyplot, no global
state), so two reports can be drawn at once. Both use the DejaVu Sans font that matplotlib
ships, so names like Zoë and notes in Cyrillic print as written; characters the font has
no glyph for (most emoji) are left out rather than printed as empty boxes."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.lines import Line2D

from bot.render import report as words
from bot.services.report import Report, Score, ScoreSummary, day_position

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR = _FONTS / "DejaVuSans.ttf"
BOLD = _FONTS / "DejaVuSans-Bold.ttf"
ITALIC = _FONTS / "DejaVuSans-Oblique.ttf"

# Okabe-Ito colours: told apart with colour-blindness; markers and dashes tell them
# apart on a black-and-white printout.
STYLE: dict[Score, tuple[str, str]] = {
    Score.PHYSICAL: ("#0072B2", "o"),
    Score.MOOD: ("#D55E00", "s"),
    Score.ENERGY: ("#009E73", "^"),
}
TREND_COLOUR = "#555555"
LONG_PERIOD_WEEKS = 12


# ---------------------------------------------------------------- text the fonts can print


@cache
def _printable_codepoints() -> frozenset[int]:
    regular = set(FT2Font(str(REGULAR)).get_charmap())
    bold = set(FT2Font(str(BOLD)).get_charmap())
    italic = set(FT2Font(str(ITALIC)).get_charmap())
    return frozenset(regular & bold & italic)


_SPACES = re.compile(r"[ \t]{2,}")


def printable(text: str) -> str:
    """The text without characters the report's font cannot draw (emoji, mostly)."""
    known = _printable_codepoints()
    kept = "".join(ch for ch in text if ch in "\n\t" or ord(ch) in known)
    return _SPACES.sub(" ", kept).strip()


# ---------------------------------------------------------------- the chart


def _ticks(report: Report) -> tuple[list[float], list[str]]:
    """Positions (days into the period, at midnight) and their date labels."""
    if report.weeks == 1:
        step, fmt = 1, "%a\n%-d %b"
    elif report.weeks <= 12:
        step, fmt = 7, "%-d %b"
    elif report.weeks <= 26:
        step, fmt = 14, "%-d %b"
    else:
        step, fmt = 28, "%-d %b\n%Y"
    offsets = list(range(0, report.period_days, step))
    last = report.period_days - 1
    # The last day is labelled too (it is the day the report was made), unless it would
    # crowd the tick before it.
    if (last - offsets[-1]) * 2 >= step:
        offsets.append(last)
    else:
        offsets[-1] = last
    labels = [(report.first_day + timedelta(days=d)).strftime(fmt) for d in offsets]
    return [float(d) for d in offsets], labels


def _is_long(report: Report) -> bool:
    """Past about three months, a line through every answer is a thicket: the answers
    become faint dots and a line joins the weekly averages."""
    return report.weeks > LONG_PERIOD_WEEKS


def weekly_averages(report: Report, summary: ScoreSummary) -> list[tuple[float, float]]:
    """(middle of the week, average) for each week of the period with an answer."""
    weeks: dict[int, list[int]] = {}
    for point in summary.points:
        week = int(day_position(point.when, report.first_day) // 7)
        weeks.setdefault(week, []).append(point.value)
    return [(week * 7 + 3.5, sum(v) / len(v)) for week, v in sorted(weeks.items())]


def _draw_panel(axes: Axes, report: Report, summary: ScoreSummary) -> None:
    colour, marker = STYLE[summary.score]
    xs = [day_position(p.when, report.first_day) for p in summary.points]
    ys = [p.value for p in summary.points]
    if summary.points and _is_long(report):
        axes.plot(xs, ys, color=colour, marker=marker, markersize=3, linestyle="", alpha=0.3)
        weekly = weekly_averages(report, summary)
        axes.plot(
            [x for x, _ in weekly],
            [y for _, y in weekly],
            color=colour,
            marker=marker,
            markersize=5,
            linewidth=1.8,
        )
    elif summary.points:
        axes.plot(xs, ys, color=colour, marker=marker, markersize=6, linewidth=1.6)
    else:
        axes.text(
            0.5,
            0.5,
            "No answers in this period",
            transform=axes.transAxes,
            ha="center",
            va="center",
            color="#777777",
        )
    if summary.line is not None:
        intercept, per_day = summary.line
        axes.plot(
            [0, report.period_days],
            [intercept, intercept + per_day * report.period_days],
            color=TREND_COLOUR,
            linestyle="--",
            linewidth=1.4,
        )
    if summary.average is None:
        heading = f"{summary.label}: no answers"
    else:
        trend = words.trend_words(summary, report.weeks)
        heading = f"{summary.label}: average {summary.average:.1f}, {trend}"
    axes.set_title(heading, loc="left", fontsize=11, fontweight="bold", color=colour)
    axes.set_ylim(0.6, 5.4)
    axes.set_yticks([1, 2, 3, 4, 5], ["1 very poor", "2", "3", "4", "5 very good"])
    axes.set_ylabel("Score")
    axes.set_xlim(0, report.period_days)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.grid(axis="x", color="#eeeeee", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)


def draw_chart(report: Report) -> bytes | None:
    """The scores over time as a PNG, one panel per score; None without any score."""
    if not any(summary.points for summary in report.scores):
        return None
    figure = Figure(figsize=(10, 8.5), dpi=150, layout="constrained")
    panels = figure.subplots(len(report.scores), 1, sharex=True, squeeze=False)[:, 0]
    for axes, summary in zip(panels, report.scores, strict=True):
        _draw_panel(axes, report, summary)
    ticks, labels = _ticks(report)
    bottom = panels[-1]
    bottom.set_xticks(ticks, labels)
    bottom.set_xlabel(f"Date ({report.timezone} time)")
    if report.weeks <= 12:
        bottom.set_xticks([float(d) for d in range(report.period_days + 1)], minor=True)
    name = printable(report.name) or "Check-in"
    figure.suptitle(words.chart_title(name, report), fontsize=15, fontweight="bold")
    grey = "#333333"
    if _is_long(report):
        handles = [
            Line2D(
                [], [], color=grey, marker="o", linestyle="", alpha=0.3, label="Check-in answer"
            ),
            Line2D([], [], color=grey, marker="o", linewidth=1.8, label="Weekly average"),
        ]
    else:
        handles = [Line2D([], [], color=grey, marker="o", linewidth=1.6, label="Check-in answer")]
    handles.append(Line2D([], [], color=TREND_COLOUR, linestyle="--", label="Fitted trend"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


async def chart_png(report: Report) -> bytes | None:
    return await asyncio.to_thread(draw_chart, report)


# ---------------------------------------------------------------- the PDF


class _ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text}  ·  Page {self.page_no()} of {{nb}}", align="C")


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_text_color(20, 20, 20)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10.5)


def _paragraph(pdf: FPDF, text: str, *, size: float = 10.5, italic: bool = False) -> None:
    pdf.set_font("DejaVu", "I" if italic else "", size)
    pdf.multi_cell(0, size * 0.5, text, align="LEFT", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10.5)


def _two_columns(pdf: FPDF, heads: tuple[str, str], rows: list[tuple[str, str]]) -> None:
    with pdf.table(
        col_widths=(32, pdf.epw - 32),
        text_align=("LEFT", "LEFT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 238, 238)),
        line_height=5.5,
        padding=1.5,
    ) as table:
        table.row(heads)
        for left, right in rows:
            table.row((left, right))


def _scores_table(pdf: FPDF, report: Report) -> None:
    with pdf.table(
        col_widths=(40, 22, 22, pdf.epw - 84),
        text_align=("LEFT", "CENTER", "CENTER", "LEFT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 238, 238)),
        line_height=6,
        padding=1.5,
    ) as table:
        period = words.weeks_phrase(report.weeks)
        table.row(("Score", "Answers", "Average", f"Trend (fitted change over {period})"))
        for summary in report.scores:
            average = "–" if summary.average is None else f"{summary.average:.1f}"
            trend = (
                "–"
                if summary.average is None
                else words.trend_words(summary, report.weeks, with_period=False)
            )
            table.row((summary.label, str(summary.answers), average, trend))


def _score(value: int | None) -> str:
    return "–" if value is None else str(value)


def _all_checkins(pdf: FPDF, report: Report) -> None:
    with pdf.table(
        col_widths=(38, 16, 26, 20, 20, pdf.epw - 120),
        text_align=("LEFT", "CENTER", "CENTER", "CENTER", "CENTER", "LEFT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 238, 238)),
        line_height=5,
        padding=1,
    ) as table:
        table.row(("Date", "Time", "Physical", "Mood", "Energy", "Note"))
        for entry in report.entries:
            note = "written" if entry.note else ""
            if entry.has_voice:
                note = f"{note} + voice" if note else "voice"
            table.row(
                (
                    words.day(report, entry.when.date()),
                    f"{entry.when:%H:%M}",
                    _score(entry.physical),
                    _score(entry.mood),
                    _score(entry.energy),
                    note,
                )
            )


def draw_pdf(report: Report, chart: bytes | None) -> bytes:
    name = printable(report.name) or "Check-in"
    pdf = _ReportPDF(f"{name}'s own ratings, collected by CareCircle")
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.add_font("DejaVu", "I", str(ITALIC))
    pdf.set_title(f"{name}'s check-in report, {words.period(report)}")
    pdf.set_author("CareCircle")
    pdf.set_creator("CareCircle")
    pdf.set_lang("en")
    pdf.set_creation_date(report.made_at)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 19)
    pdf.multi_cell(
        0, 9, f"{name}'s check-in report for the care team", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    made = report.made_at
    pdf.ln(1)
    _paragraph(
        pdf, f"Period: {words.period(report)} (last {words.weeks_phrase(report.weeks)})", size=11
    )
    _paragraph(
        pdf,
        f"Made on {made:%A %-d %B %Y} at {made:%H:%M}; all times are {report.timezone} time.",
        size=11,
    )
    pdf.ln(2)
    _paragraph(
        pdf,
        f"{words.checkins_words(report)}. At each check-in {name} rated physical "
        "wellbeing, mood and energy, and could add a note.",
        size=11,
    )

    _heading(pdf, "Scores")
    _scores_table(pdf, report)
    pdf.ln(2)
    _paragraph(pdf, f"{words.SCALE} {words.trend_rule(report.weeks)}", size=9.5, italic=True)

    if chart is not None:
        height = pdf.epw * 8.5 / 10
        if pdf.will_page_break(height + 10):
            pdf.add_page()
        _heading(pdf, "Scores over time")
        pdf.image(io.BytesIO(chart), w=pdf.epw, h=height)

    _heading(pdf, "Notes")
    notes = words.note_lines(report, voice_suffix=" (kept in the Telegram chat; not transcribed)")
    if notes:
        _two_columns(
            pdf, ("Date", "Note"), [(words.day(report, d), printable(t)) for d, t in notes]
        )
    else:
        _paragraph(pdf, "No notes in this period.")

    _heading(pdf, "Open questions for the next appointment")
    if report.questions:
        _two_columns(
            pdf,
            ("Noted on", "Question"),
            [(words.day(report, q.asked_on), printable(q.text)) for q in report.questions],
        )
    else:
        _paragraph(pdf, "No open questions.")

    if report.observations:
        _heading(pdf, "Noticed by helpers")
        _paragraph(pdf, f"Chosen by {name} to share with the care team.", size=9.5, italic=True)
        pdf.ln(1)
        _two_columns(
            pdf,
            ("Date", "Observation"),
            [
                (words.day(report, o.day), f"{printable(o.helper)}: {printable(o.text)}")
                for o in report.observations
            ],
        )

    if report.entries:
        _heading(pdf, "All check-ins")
        _all_checkins(pdf, report)
    return bytes(pdf.output())


async def report_pdf(report: Report, chart: bytes | None) -> bytes:
    return await asyncio.to_thread(draw_pdf, report, chart)
