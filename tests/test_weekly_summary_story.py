"""Stories of the coordinators' weekly summary: Monday 09:00 in the circle's zone, privately,
counting the week's needs and how the last 30 days' help was spread — as care, never a
ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.render.weekly_summary import spread_text, wait_text
from bot.services.weekly_summary import ensure_planned, next_summary
from storage.models import MessageKind, MessageState, ScheduledMessage
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle, Person

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 30 November 2026, 09:00 in Berlin.
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall-clock time in November 2026, as UTC (UTC+1 all month)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


async def _summaries(circle: Circle) -> list[ScheduledMessage]:
    return [r for r in await circle.scheduled() if r.kind == MessageKind.WEEKLY_SUMMARY]


async def _make_coordinator(circle: Circle, person: Person) -> None:
    hello = [m for m in circle.group() if m.from_user_id == person.id][-1]
    await circle.say(MARIA, "/coordinator", reply_to=hello.message_id)


async def _claim_at(circle: Circle, when: datetime, person: Person, words: str) -> None:
    await circle.run_until(when)
    await circle.press(person, circle.card(words), "🙋 I'll do it")


def _weekly(circle: Circle, person: Person) -> list[str]:
    return [m.text for m in circle.private(person) if "How the week went" in m.text]


async def test_tom_hears_how_the_week_went_on_monday_morning(circle: Circle) -> None:
    await circle.set_up(TOM, ANNA, BEN, CARL)
    await _make_coordinator(circle, TOM)
    [planned] = await _summaries(circle)
    assert (planned.recipient_id, planned.due_at, planned.state) == (
        TOM.id,
        MONDAY,
        MessageState.PENDING,
    )

    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(MARIA, "/need dinner for Friday")
    await circle.say(MARIA, "/need pharmacy run Sat 10:00")
    await circle.say(MARIA, "/need walk Max Sun morning")
    await _claim_at(circle, _at(25, 14), BEN, "pharmacy run")  # waited 4 hours
    await _claim_at(circle, _at(25, 15), ANNA, "ride to neurology")  # 5 h: a day before, open
    await _claim_at(circle, _at(25, 16), ANNA, "dinner")  # 6 hours
    await circle.run_until(_at(26, 16))
    await circle.press(ANNA, circle.card("ride to neurology"), "✅ Done")
    await circle.run_until(_at(27, 20))
    await circle.press(ANNA, circle.card("dinner"), "✅ Done")

    await circle.run_until(MONDAY - timedelta(minutes=1))
    assert _weekly(circle, TOM) == []
    await circle.run_until(MONDAY + timedelta(minutes=1))
    [text] = _weekly(circle, TOM)
    assert text == (
        "💛 How the week went for Maria\n"
        "Mon 23 Nov – Mon 30 Nov\n"
        "\n"
        "• 4 needs posted, 3 taken, 2 done.\n"
        "• Needs waited about 5 hours for a helper.\n"
        "• 2 needs were still open a day before their time: “ride to neurology”, “walk Max”.\n"
        "\n"
        "The last 30 days\n"
        "Anna carried most of the help this month (2 of 3). A gentle word to others in the "
        "circle might share the load — and give Anna a rest.\n"
        "\n"
        "Thank you for looking after Maria and the circle. 💛"
    )
    # Only Tom, only privately.
    for person in (MARIA, ANNA, BEN, CARL):
        assert _weekly(circle, person) == []
    assert not [m for m in circle.group() if "How the week went" in m.text]

    sent, following = await _summaries(circle)
    assert sent.state == MessageState.SENT
    assert (following.recipient_id, following.state) == (TOM.id, MessageState.PENDING)
    assert following.due_at == MONDAY + timedelta(days=7)


async def test_a_quiet_week_sends_nothing_but_the_next_monday_is_planned(circle: Circle) -> None:
    await circle.set_up(TOM)
    await _make_coordinator(circle, TOM)
    await circle.run_until(MONDAY + timedelta(hours=1))
    assert _weekly(circle, TOM) == []
    skipped, following = await _summaries(circle)
    assert skipped.state == MessageState.SKIPPED
    assert following.state == MessageState.PENDING
    assert following.due_at == MONDAY + timedelta(days=7)


async def test_planning_is_idempotent_and_ends_when_someone_stops_coordinating(
    circle: Circle,
) -> None:
    await circle.set_up(TOM, ANNA)
    await _make_coordinator(circle, TOM)
    await _make_coordinator(circle, ANNA)
    await circle.restart()
    await circle.restart()
    assert await ensure_planned(circle.sm, circle.clock.now()) == 0
    rows = await _summaries(circle)
    assert sorted(r.recipient_id or 0 for r in rows) == [TOM.id, ANNA.id]

    hello = [m for m in circle.group() if m.from_user_id == ANNA.id][-1]
    await circle.say(MARIA, "/coordinator remove", reply_to=hello.message_id)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.run_until(MONDAY + timedelta(minutes=1))
    assert len(_weekly(circle, TOM)) == 1
    assert _weekly(circle, ANNA) == []
    pending = [r for r in await _summaries(circle) if r.state == MessageState.PENDING]
    assert [r.recipient_id for r in pending] == [TOM.id]


async def test_a_summary_lost_while_the_bot_was_down_is_planned_again(circle: Circle) -> None:
    await circle.set_up(TOM)
    await _make_coordinator(circle, TOM)
    # Down from Sunday to Tuesday: Monday's summary is too late and dropped.
    circle.clock.set(MONDAY + timedelta(days=1))
    await circle.tick()
    await circle.restart()
    states = [(r.state, r.due_at) for r in await _summaries(circle)]
    assert states == [
        (MessageState.DROPPED, MONDAY),
        (MessageState.PENDING, MONDAY + timedelta(days=7)),
    ]


def test_monday_nine_stays_nine_across_daylight_saving() -> None:
    # Spring forward on Sunday 28 March 2027: 09:00 is 07:00 UTC from then on.
    spring = next_summary(BERLIN, TOM.id, datetime(2027, 3, 22, 8, 0, tzinfo=UTC))
    assert spring.due_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    # Fall back on Sunday 31 October 2027: 09:00 is 08:00 UTC again.
    autumn = next_summary(BERLIN, TOM.id, datetime(2027, 10, 25, 7, 0, tzinfo=UTC))
    assert autumn.due_at == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    assert autumn.expires_at - autumn.due_at == timedelta(hours=12)
    # Just before nine on a Monday: that same morning.
    same_day = next_summary(BERLIN, TOM.id, datetime(2027, 11, 1, 7, 59, tzinfo=UTC))
    assert same_day.due_at == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)


def test_the_spread_reads_as_care_not_a_ranking() -> None:
    two = spread_text((("Anna", 4), ("Ben", 3), ("Carl", 1), ("Dora", 1)))
    assert two == (
        "Anna and Ben carried most of the help this month (7 of 9). "
        "A gentle word to others in the circle might spread it."
    )
    shared = spread_text((("Anna", 2), ("Ben", 2), ("Carl", 2)))
    assert shared == "Help was shared by Anna, Ben and Carl this month (6 times in all). " + (
        "Lovely to see it spread."
    )
    alone = spread_text((("Ben", 5),))
    assert alone.startswith("Ben carried all of the help this month (5 of 5).")
    assert spread_text(()).startswith("Nobody took a need in the last 30 days.")
    for text in (two, shared, alone):
        lowered = text.lower()
        assert "top" not in lowered and "#" not in text and "rank" not in lowered
    assert wait_text(timedelta(minutes=40)) == "about 40 minutes"
    assert wait_text(timedelta(hours=1, minutes=10)) == "about 1 hour"
    assert wait_text(timedelta(days=2, hours=3)) == "about 2 days"
