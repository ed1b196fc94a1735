"""Stories of /report: Maria takes a month of her check-ins to her neurologist — a summary
in her private chat, a chart and a printable PDF. Nobody else can ask for it, and Tom's own
"holding up" check-ins never appear in it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlmodel import select

from handlers.report import send_report
from storage.models import CheckIn, CheckInKind, Observation, Question
from storage.models import Circle as CircleRow
from tests.conftest import ANNA, MARIA, TOM, Circle
from tests.fake_telegram import FakeMessage
from tests.fake_telegram.server import UploadedFile

BERLIN = ZoneInfo("Europe/Berlin")
# The clock starts on Wed 25 Nov 2026, 10:00 in Berlin: four weeks back is Thu 29 Oct.
FIRST_DAY = datetime(2026, 10, 29, tzinfo=BERLIN)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment `day` days into the four weeks, on Berlin's clock."""
    return (FIRST_DAY + timedelta(days=day)).replace(hour=hour, minute=minute).astimezone(UTC)


async def _circle_id(circle: Circle) -> int:
    async with circle.sm() as session:
        row = (
            await session.exec(select(CircleRow).where(CircleRow.chat_id == circle.group_id))
        ).one()
        assert row.id is not None
        return row.id


async def _add(circle: Circle, *rows: CheckIn | Question | Observation) -> None:
    async with circle.sm() as session:
        session.add_all(rows)
        await session.commit()


def _checkin(
    circle_id: int,
    when: datetime,
    physical: int | None,
    mood: int | None,
    energy: int | None,
    **more: object,
) -> CheckIn:
    return CheckIn(
        circle_id=circle_id,
        user_id=MARIA.id,
        kind=CheckInKind.WELLBEING,
        started_at=when,
        finished_at=when + timedelta(minutes=2),
        physical=physical,
        mood=mood,
        energy=energy,
        **more,  # type: ignore[arg-type]
    )


async def _a_month(circle: Circle) -> int:
    """Every morning at 09:00 for four weeks: mood lifting (2, then 3, then 4), energy
    sinking (4, then 3, then 2), physical wellbeing flat at 3 with two harder days."""
    circle_id = await _circle_id(circle)
    rows: list[CheckIn | Question | Observation] = []
    for day in range(28):
        notes: dict[str, object] = {}
        if day == 6:
            notes = {"note": "Legs heavier on the stairs; needed the rail"}
        if day == 15:
            notes = {"note": "Tired <b>after</b> physio & the walk"}
        if day == 20:
            notes = {"voice_file_id": "voice-1", "voice_seconds": 42}
        rows.append(
            _checkin(
                circle_id,
                local(day, 9),
                2 if day in (10, 20) else 3,
                2 if day < 7 else 3 if day < 21 else 4,
                4 if day < 14 else 3 if day < 21 else 2,
                **notes,
            )
        )
    rows += [
        # Abandoned after the first question: it still counts, with what was answered.
        _checkin(circle_id, local(12, 20), 3, None, None),
        # Abandoned before any answer: not a check-in.
        _checkin(circle_id, local(3, 20), None, None, None),
        # Before the four weeks: not in this report.
        _checkin(circle_id, local(-3, 9), 1, 1, 1, note="OLD NOTE"),
        # Tom's own "holding up" check-ins are his alone.
        CheckIn(
            circle_id=circle_id,
            user_id=TOM.id,
            kind=CheckInKind.HOLDING_UP,
            started_at=local(10, 18),
            physical=1,
            mood=1,
            energy=1,
            note="TOM IS EXHAUSTED",
        ),
        Question(
            circle_id=circle_id,
            asked_by=MARIA.id,
            text="Could the tiredness be from the new tablets?",
            created_at=local(22, 12),
        ),
        Question(
            circle_id=circle_id,
            asked_by=MARIA.id,
            text="ANSWERED QUESTION",
            created_at=local(2, 12),
            answered_at=local(9, 12),
        ),
        Observation(
            circle_id=circle_id,
            helper_id=ANNA.id,
            text="Maria needed a rest halfway to the car",
            created_at=local(16, 15),
            in_report=True,
        ),
        Observation(
            circle_id=circle_id,
            helper_id=ANNA.id,
            text="NOT CHOSEN FOR THE REPORT",
            created_at=local(17, 15),
            in_report=False,
        ),
    ]
    await _add(circle, *rows)
    return circle_id


def _upload(message: FakeMessage) -> UploadedFile:
    assert isinstance(message.file, UploadedFile), message
    return message.file


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


MONTH_TEXT = [
    "📋 Maria's report for the care team",
    "29 Oct – 25 Nov 2026 (last 4 weeks)",
    "",
    "29 check-ins, on 28 of the 28 days.",
    "",
    "📊 Scores",
    "• Physical wellbeing: average 2.9 from 29 answers, → stable (0.0 over 4 weeks)",
    "• Mood: average 3.0 from 28 answers, ↑ better (+2.2 over 4 weeks)",
    "• Energy: average 3.3 from 28 answers, ↓ worse (−2.6 over 4 weeks)",
    "",
    "Scores are from 1 (very poor) to 5 (very good); a low energy score means more fatigue. "
    "'Better' or 'worse' means the fitted trend (a straight line through all the answers) "
    "moved by at least half a point over these 4 weeks; otherwise 'stable'.",
    "",
    "📝 Notes",
    "• Wed 4 Nov: Legs heavier on the stairs; needed the rail",
    "• Fri 13 Nov: Tired <b>after</b> physio & the walk",
    "• Wed 18 Nov: voice note, 0:42",
    "",
    "❓ Open questions for the next appointment",
    "• Could the tiredness be from the new tablets? (noted Fri 20 Nov)",
    "",
    "👀 Noticed by helpers",
    "• Anna, Sat 14 Nov: Maria needed a rest halfway to the car",
    "",
    "The chart and a printable PDF follow.",
]


async def test_a_month_of_check_ins_becomes_a_summary_a_chart_and_a_pdf(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    await _a_month(circle)
    before = len(circle.private(MARIA))

    await circle.say_privately(MARIA, "/report")

    summary, chart, pdf = circle.private(MARIA)[before:]
    assert summary.text.splitlines() == MONTH_TEXT
    assert "patient" not in summary.text.lower()
    assert (MARIA.id, "upload_document") in circle.fake.chat_actions

    assert chart.file_kind == "photo"
    png = _upload(chart).content
    assert png.startswith(PNG_MAGIC)
    assert 30_000 < len(png) < 2_000_000
    assert chart.caption is not None and "Maria's scores, 29 Oct – 25 Nov 2026" in chart.caption

    assert pdf.file_kind == "document"
    document = _upload(pdf)
    assert document.filename == "carecircle-report-2026-11-25.pdf"
    assert document.content.startswith(b"%PDF")
    text = _pdf_text(document.content)
    for expected in [
        "Maria's check-in report for the care team",
        "Period: 29 Oct – 25 Nov 2026 (last 4 weeks)",
        "29 check-ins, on 28 of the 28 days",
        "Physical wellbeing 29 2.9 stable (0.0 points)",
        "Mood 28 3.0 better (+2.2 points)",
        "Energy 28 3.3 worse (−2.6 points)",
        "at least half a point over these 4 weeks",
        "Legs heavier on the stairs; needed the rail",
        "Tired <b>after</b> physio & the walk",
        "voice note, 0:42",
        "Could the tiredness be from the new tablets?",
        "Noticed by helpers",
        "Anna: Maria needed a rest halfway to the car",
        "All check-ins",
    ]:
        assert expected in text, expected
    assert "20:00 3 – –" in text  # the check-in left after its first answer
    assert "– – –" not in text  # the one left before any answer is not listed
    everything = "\n".join(m.text for m in circle.private(MARIA)) + text
    for never in ["TOM IS EXHAUSTED", "OLD NOTE", "ANSWERED QUESTION", "NOT CHOSEN", "patient"]:
        assert never not in everything
    assert circle.fake.violations == []


async def test_the_report_with_no_check_ins_says_so_kindly_and_keeps_the_questions(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA)
    circle_id = await _circle_id(circle)
    await _add(
        circle,
        Question(
            circle_id=circle_id,
            asked_by=MARIA.id,
            text="Is physiotherapy twice a week possible?",
            created_at=local(20, 12),
        ),
    )
    before = len(circle.private(MARIA))

    await circle.say_privately(MARIA, "/report")

    (reply,) = circle.private(MARIA)[before:]
    assert reply.text.splitlines() == [
        "📋 Maria, there are no check-ins from the last 4 weeks (29 Oct – 25 Nov 2026), "
        "so there's nothing to chart yet.",
        "",
        "Whenever you're ready: /checkin checks in now — three taps and a note if you like — "
        "and /checkins daily 19:00 has me ask you every evening. After a few check-ins, "
        "/report will show your care team how things are going.",
        "",
        "❓ Open questions for the next appointment",
        "• Is physiotherapy twice a week possible? (noted Wed 18 Nov)",
    ]
    assert circle.fake.calls_of("sendPhoto") == []
    assert circle.fake.calls_of("sendDocument") == []


async def test_only_the_person_themselves_gets_the_report_and_only_privately(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, TOM)
    await _a_month(circle)

    await circle.say(MARIA, "/report")
    assert circle.last_in_group().text == (
        "🔒 Reports hold health information, so I only send them in a private chat. "
        "Please send /report to me privately."
    )

    for helper in (TOM, ANNA):
        await circle.say_privately(helper, "/report")
        assert circle.private(helper)[-1].text == (
            "🔒 The care-team report is Maria's own health information, so only Maria can "
            "ask for it."
        )
    assert circle.fake.calls_of("sendPhoto") == []
    assert circle.fake.calls_of("sendDocument") == []
    assert not any("Legs heavier" in m.text for m in circle.group())


async def test_weeks_can_be_chosen_and_a_typo_gets_an_example(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await _a_month(circle)

    await circle.say_privately(MARIA, "/report lots")
    assert circle.private(MARIA)[-1].text == (
        "How many weeks should the report cover? For example, /report 8 covers the last "
        "8 weeks, and /report on its own the last 4."
    )
    await circle.say_privately(MARIA, "/report 60")
    assert circle.private(MARIA)[-1].text.startswith("A report can cover 1 to 52 weeks.")
    assert circle.fake.calls_of("sendDocument") == []

    before = len(circle.private(MARIA))
    await circle.say_privately(MARIA, "/report 1")
    summary, _chart, pdf = circle.private(MARIA)[before:]
    lines = summary.text.splitlines()
    assert lines[1] == "19 Nov – 25 Nov 2026 (last 1 week)"
    assert lines[3] == "7 check-ins, on 7 of the 7 days."
    # Mood was 3 until Wed 18 Nov and 4 from Thu 19 Nov: flat within this week.
    assert "• Mood: average 4.0 from 7 answers, → stable (0.0 over 1 week)" in lines
    assert "Legs heavier" not in summary.text
    assert "Legs heavier" not in _pdf_text(_upload(pdf).content)


async def test_too_few_answers_for_a_trend_and_a_report_sent_by_another_feature(
    circle: Circle,
) -> None:
    """The day-before-appointment offer sends the same report through send_report."""
    await circle.set_up(ANNA)
    circle_id = await _circle_id(circle)
    await _add(
        circle,
        _checkin(circle_id, local(25, 19), 4, 3, None),
        _checkin(circle_id, local(26, 19), 4, 2, 2, note="Zoë came by 🌸"),
    )
    before = len(circle.private(MARIA))

    await send_report(circle.app.bot, circle.sm, MARIA.id, circle_id, 4, circle.clock.now())

    summary, chart, pdf = circle.private(MARIA)[before:]
    assert "• Physical wellbeing: average 4.0 from 2 answers, not enough check-ins for a trend" in (
        summary.text.splitlines()
    )
    assert "• Energy: average 2.0 from 1 answer, not enough check-ins for a trend" in (
        summary.text.splitlines()
    )
    assert "• Tue 24 Nov: Zoë came by 🌸" in summary.text.splitlines()
    assert _upload(chart).content.startswith(PNG_MAGIC)
    text = _pdf_text(_upload(pdf).content)
    assert "Zoë came by" in text
    assert "not enough check-ins for a trend" in text
