"""Stories of repeating needs: "/need ride to physio every Tuesday 10:00" makes a series;
each date gets its own card in the group a set number of days ahead; someone may take every
date; the series can be stopped or a date skipped. Time is driven: `circle.run_until` lives
through each scheduled post as a running bot would."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.services import series as series_service
from storage.models import (
    Circle as CircleRow,
)
from storage.models import (
    MessageKind,
    MessageState,
    Need,
    NeedSeries,
    NeedStatus,
    ScheduledMessage,
)
from tests.conftest import ANNA, BEN, MARIA, TOM, Circle
from tests.fake_telegram import FakeMessage

# Storage matters here (one Need per date, however many replicas post): SQLite and PostgreSQL.
pytestmark = pytest.mark.both_databases

PHYSIO = "/need ride to physio every Tuesday 10:00"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _needs(circle: Circle) -> list[Need]:
    async with circle.sm() as session:
        rows = await session.exec(select(Need).order_by(col(Need.occurs_on), col(Need.id)))
        return list(rows.all())


async def _series(circle: Circle) -> list[NeedSeries]:
    async with circle.sm() as session:
        return list((await session.exec(select(NeedSeries))).all())


async def _posts(circle: Circle, state: MessageState = MessageState.PENDING) -> list[datetime]:
    return [
        r.due_at
        for r in await circle.scheduled()
        if r.kind == MessageKind.SERIES_POST and r.state == state
    ]


def _cards(circle: Circle, words: str) -> list[str]:
    """The first lines of every card with these words, as they are now."""
    return [
        m.text.splitlines()[2]
        for m in circle.group()
        if m.from_bot and words in m.text and "\nAsked by " in m.text
    ]


def _card_on(circle: Circle, day_words: str) -> FakeMessage:
    cards = [
        m for m in circle.group() if m.from_bot and "\nAsked by " in m.text and day_words in m.text
    ]
    assert cards, f"no card on {day_words}"
    return cards[-1]


async def test_a_weekly_series_posts_each_date_a_week_ahead(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, TOM)
    await circle.say(MARIA, PHYSIO)

    card = circle.card("ride to physio")
    assert card.text.splitlines() == [
        "🚗 Ride",
        "ride to physio",
        "🗓 Tue 1 Dec, 10:00",
        "Asked by Maria",
        "",
        "🟢 Open — tap “I'll do it” to help.",
    ]
    assert card.buttons == [
        ["🙋 I'll do it"],
        ["✖️ Skip this date"],
        ["🔁 I'll do every date", "⏹ Stop the series"],
    ]
    confirmation = circle.last_in_group()
    assert confirmation.text.splitlines()[0] == (
        "🔁 Every Tuesday 10:00 — I'll post each date 7 days ahead. Next: Tue 1 Dec"
    )
    [series] = await _series(circle)
    assert (series.rule, series.precision, series.local_time) == ("weekly:1:tue", "exact", "10:00")
    assert series.starts_on == date(2026, 12, 1) and series.posted_until == date(2026, 12, 1)
    [need] = await _needs(circle)
    assert (need.series_id, need.occurs_on) == (series.id, date(2026, 12, 1))
    assert need.starts_at == utc(2026, 12, 1, 9)
    # The next date (Tue 8 Dec) enters the window on Tue 1 Dec 10:00 Berlin.
    assert await _posts(circle) == [utc(2026, 12, 1, 9)]

    await circle.run_until(utc(2026, 12, 1, 8, 59))
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00"]
    await circle.run_until(utc(2026, 12, 1, 9))
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]
    assert [n.occurs_on for n in await _needs(circle)] == [date(2026, 12, 1), date(2026, 12, 8)]
    assert await _posts(circle, MessageState.SENT) == [utc(2026, 12, 1, 9)]
    assert await _posts(circle) == [utc(2026, 12, 8, 9)]

    # Nobody took the new date: the usual nudges come for it, like for any need.
    await circle.run_until(utc(2026, 12, 7, 9, 30))
    nudges = [m.text for m in circle.group() if "Still looking" in m.text]
    assert any("ride to physio" in text for text in nudges)


async def test_each_date_keeps_its_local_time_across_the_spring_change(circle: Circle) -> None:
    # Wed 17 March 2027, 10:00 in Berlin (CET, UTC+1). Clocks go forward on Sun 28 March.
    circle.clock.set(utc(2027, 3, 17, 9))
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    assert [n.starts_at for n in await _needs(circle)] == [utc(2027, 3, 23, 9)]
    # Tue 30 March's card goes up on Tue 23 March 10:00 CET = 09:00 UTC …
    assert await _posts(circle) == [utc(2027, 3, 23, 9)]
    await circle.run_until(utc(2027, 3, 23, 9))
    # … and Tue 30 March 10:00 is summer time (CEST, UTC+2): 08:00 UTC.
    assert [n.starts_at for n in await _needs(circle)] == [
        utc(2027, 3, 23, 9),
        utc(2027, 3, 30, 8),
    ]
    assert _cards(circle, "ride to physio") == ["🗓 Tue 23 Mar, 10:00", "🗓 Tue 30 Mar, 10:00"]
    # The next post is at 10:00 local on Tue 30 March: 08:00 UTC now.
    assert await _posts(circle) == [utc(2027, 3, 30, 8)]
    await circle.run_until(utc(2027, 3, 30, 8))
    assert [n.starts_at for n in await _needs(circle)][-1] == utc(2027, 4, 6, 8)


async def test_each_date_keeps_its_local_time_across_the_autumn_change(circle: Circle) -> None:
    # Wed 20 October 2027 in Berlin (CEST, UTC+2). Clocks go back on Sun 31 October.
    circle.clock.set(utc(2027, 10, 20, 8))
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need walk Max every Mon and Thu 9:30")
    await circle.run_until(utc(2027, 11, 5, 12))
    starts = {n.occurs_on: n.starts_at for n in await _needs(circle)}
    assert starts[date(2027, 10, 28)] == utc(2027, 10, 28, 7, 30)  # CEST
    assert starts[date(2027, 11, 1)] == utc(2027, 11, 1, 8, 30)  # CET: an hour later in UTC
    assert starts[date(2027, 11, 4)] == utc(2027, 11, 4, 8, 30)
    sent = await _posts(circle, MessageState.SENT)
    # Thu 28 Oct's card went up Thu 21 Oct 09:30 CEST; Mon 8 Nov's on Mon 1 Nov 09:30 CET.
    assert utc(2027, 10, 21, 7, 30) in sent and utc(2027, 11, 1, 8, 30) in sent


async def test_every_other_week_keeps_to_its_weeks(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need physio every other week on Monday at 9")
    assert circle.last_in_group().text.splitlines()[0] == (
        "🔁 Every other Monday 09:00 — I'll post each date 7 days ahead. Next: Mon 30 Nov"
    )
    await circle.run_until(utc(2027, 1, 4, 8))  # Mon 4 Jan 09:00 Berlin: Mon 11 Jan goes up
    assert [n.occurs_on for n in await _needs(circle)] == [
        date(2026, 11, 30),
        date(2026, 12, 14),
        date(2026, 12, 28),
        date(2027, 1, 11),
    ]


async def test_every_weekday_morning_posts_the_coming_week_at_once(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need walk Max every weekday morning")
    # Wed 10:00: this morning has begun, so from Thursday; a week ahead reaches next Wed.
    assert _cards(circle, "walk Max") == [
        "🗓 Thu 26 Nov, morning",
        "🗓 Fri 27 Nov, morning",
        "🗓 Mon 30 Nov, morning",
        "🗓 Tue 1 Dec, morning",
        "🗓 Wed 2 Dec, morning",
    ]
    assert "🐾" in circle.card("walk Max").text or "Pet" in circle.card("walk Max").text


async def test_anna_takes_every_date_and_later_gives_the_series_back(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, TOM)
    await circle.say(MARIA, PHYSIO)
    answer = await circle.press(ANNA, circle.card("ride to physio"), "🔁 I'll do every date")
    assert answer == ("Thank you! Every date is yours 💛", False)
    card = circle.card("ride to physio")
    assert "Claimed by Anna" in card.text
    assert card.buttons[-1] == ["⏹ Stop the series"]
    assert "🔁 Anna will do every Tuesday 10:00: 🚗 ride to physio. Thank you!" in [
        m.text for m in circle.group()
    ]
    thanks = circle.private(ANNA)[-1]
    assert thanks.text.startswith("💛 Thank you! Every Tuesday 10:00 is yours: 🚗 ride to physio")
    assert "Already posted and now yours: Tue 1 Dec." in thanks.text
    assert thanks.buttons == [["↩️ Give the series back"]]
    assert circle.private(MARIA)[-1].text == (
        "🔁 Anna will help you every Tuesday 10:00: 🚗 ride to physio."
    )
    # Ben is too late for the whole series.
    await circle.run_until(utc(2026, 12, 1, 9))
    new_card = _card_on(circle, "Tue 8 Dec")
    assert "Claimed by Anna" in new_card.text
    told = [m.text for m in circle.private(ANNA) if "The next date is up" in m.text]
    assert told and "Tue 8 Dec, 10:00" in told[-1]
    reminders = [r for r in await circle.scheduled() if r.kind == MessageKind.REMINDER]
    assert any(r.recipient_id == ANNA.id and r.due_at == utc(2026, 12, 7, 9) for r in reminders)

    answer = await circle.press(ANNA, thanks, "↩️ Give the series back")
    assert answer == ("Given back — thank you for all you did.", False)
    given_back = circle.fake.message(thanks.chat_id, thanks.message_id)
    assert given_back.text.startswith("↩️ You've given back every Tuesday 10:00")
    assert given_back.buttons == []
    assert circle.last_in_group().text.startswith("↩️ Anna can't do every Tuesday 10:00 any more")
    # The dates she took stay hers; the next one is posted open.
    await circle.run_until(utc(2026, 12, 8, 9))
    assert "Claimed by Anna" in _card_on(circle, "Tue 8 Dec").text
    assert "🟢 Open" in _card_on(circle, "Tue 15 Dec").text
    [series] = await _series(circle)
    assert series.standing_helper_id is None


async def test_maria_cannot_take_her_own_series_and_ben_is_too_late(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, "/need walk Max every weekday morning")
    card = circle.card("walk Max")
    answer = await circle.press(MARIA, card, "🔁 I'll do every date")
    assert answer is not None and answer[0] is not None and "your own request" in answer[0]
    await circle.press(ANNA, card, "🔁 I'll do every date")
    # Every open date was Anna's at once.
    assert all("Claimed by Anna" in m.text for m in circle.group() if "\nAsked by " in m.text)


async def test_tom_stops_the_series_and_helpers_are_told(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN, TOM)
    await circle.say(MARIA, PHYSIO)
    await circle.press(ANNA, circle.card("ride to physio"), "🙋 I'll do it")
    await circle.run_until(utc(2026, 12, 1, 9, 30))
    # Tue 1 Dec happened and was done; Tue 8 Dec is open.
    await circle.press(ANNA, _card_on(circle, "Tue 1 Dec"), "✅ Done")
    await circle.press(BEN, _card_on(circle, "Tue 8 Dec"), "🙋 I'll do it")

    # Anna (a member) may not stop it.
    answer = await circle.press(ANNA, _card_on(circle, "Tue 8 Dec"), "⏹ Stop the series")
    assert answer is not None and answer[1] is True
    assert "Only Maria, a coordinator or whoever asked for it" in (answer[0] or "")

    await circle.press(MARIA, _card_on(circle, "Tue 8 Dec"), "⏹ Stop the series")
    question = circle.last_in_group()
    assert question.text.splitlines()[0] == "⏹ Stop every Tuesday 10:00?"
    assert "The dates already posted (Tue 8 Dec) will be cancelled" in question.text
    assert question.buttons == [["⏹ Yes, stop it"], ["↩️ No, keep it"]]
    await circle.press(MARIA, question, "↩️ No, keep it")
    assert circle.fake.message(question.chat_id, question.message_id).text.startswith("🔁 Kept")
    assert not (await _series(circle))[0].stopped_at

    await circle.press(MARIA, _card_on(circle, "Tue 8 Dec"), "⏹ Stop the series")
    question = circle.last_in_group()
    await circle.press(MARIA, question, "⏹ Yes, stop it")
    stopped = circle.fake.message(question.chat_id, question.message_id)
    assert stopped.text.startswith("⏹ Every Tuesday 10:00 has been stopped by Maria")
    assert "1 date ahead was cancelled." in stopped.text and stopped.buttons == []
    assert "Cancelled" in _card_on(circle, "Tue 8 Dec").text
    assert "Done" in _card_on(circle, "Tue 1 Dec").text
    assert circle.private(BEN)[-1].text.startswith("✖️ Maria cancelled ride to physio")
    assert await _posts(circle) == []
    [series] = await _series(circle)
    assert series.stopped_by == MARIA.id

    # Nothing more is ever posted.
    cards_before = len(_cards(circle, "ride to physio"))
    await circle.run_until(utc(2026, 12, 30, 12))
    assert len(_cards(circle, "ride to physio")) == cards_before
    statuses = {n.occurs_on: n.status for n in await _needs(circle)}
    assert statuses == {
        date(2026, 12, 1): NeedStatus.DONE,
        date(2026, 12, 8): NeedStatus.CANCELLED,
    }


async def test_skip_one_date_on_its_card_or_before_it_is_posted(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, PHYSIO)
    await circle.press(ANNA, circle.card("ride to physio"), "🙋 I'll do it")
    # A posted date: its card's ✖️ Skip this date cancels that date only.
    await circle.press(MARIA, circle.card("ride to physio"), "✖️ Skip this date")
    assert "Cancelled" in circle.card("ride to physio").text
    assert "cancelled ride to physio" in circle.private(ANNA)[-1].text

    # A date not posted yet: /series skip.
    await circle.say(MARIA, "/series skip 15 December")
    assert circle.last_in_group().text == (
        "⏭ Skipped Tue 15 Dec: 🚗 ride to physio. The next one is Tue 8 Dec."
    )
    await circle.say(BEN, "/series skip 22 December")
    assert "Only Maria, a coordinator or whoever asked for it" in circle.last_in_group().text
    await circle.say(MARIA, "/series skip Wednesday")
    assert circle.last_in_group().text.startswith("None of the repeating needs falls on")
    await circle.say(MARIA, "/series skip 15 December")
    assert circle.last_in_group().text == "That date is already skipped or over."

    await circle.run_until(utc(2026, 12, 15, 12))
    assert _cards(circle, "ride to physio") == [
        "🗓 Tue 1 Dec, 10:00",
        "🗓 Tue 8 Dec, 10:00",
        "🗓 Tue 22 Dec, 10:00",
    ]
    statuses = {n.occurs_on: n.status for n in await _needs(circle)}
    assert statuses[date(2026, 12, 15)] == NeedStatus.CANCELLED


async def test_stopping_a_series_counts_a_change_to_each_date_it_cancels(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    await circle.say(MARIA, PHYSIO)
    before = await circle.need_versions()

    await circle.press(MARIA, circle.card("ride to physio"), "⏹ Stop the series")
    await circle.press(MARIA, circle.last_in_group(), "⏹ Yes, stop it")

    # Replicas sharing the database see each cancelled card as changed, and show it again.
    after = await circle.need_versions()
    assert before and all(after[need] > version for need, version in before.items())


async def test_series_lists_the_running_series_with_a_stop_button(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    await circle.say(MARIA, "/series")
    assert circle.last_in_group().text.startswith("🔁 There are no repeating needs right now.")
    await circle.say(MARIA, PHYSIO)
    await circle.say_privately(MARIA, "/need dinner every Friday evening")
    assert circle.private(MARIA)[-1].text.startswith("🔁 Every Friday evening")
    await circle.press(ANNA, circle.card("ride to physio"), "🙋 I'll do it")

    await circle.say_privately(MARIA, "/series")
    listing = circle.private(MARIA)[-1]
    assert listing.text.splitlines()[:7] == [
        "🔁 Repeating needs",
        "",
        "1. 🚗 ride to physio — every Tuesday 10:00",
        "   Next: Tue 1 Dec (Anna), Tue 8 Dec (posted later), Tue 15 Dec (posted later)",
        "2. 🍲 dinner — every Friday evening",
        "   Next: Fri 27 Nov (open), Fri 4 Dec (posted later), Fri 11 Dec (posted later)",
        "",
    ]
    assert listing.buttons == [["⏹ Stop 1: ride to physio"], ["⏹ Stop 2: dinner"]]
    await circle.press(MARIA, listing, "⏹ Stop 2: dinner")
    question = circle.private(MARIA)[-1]
    assert question.text.startswith("⏹ Stop every Friday evening?")
    await circle.press(MARIA, question, "⏹ Yes, stop it")
    assert circle.last_in_group().text.startswith("⏹ Every Friday evening has been stopped by")
    assert "Cancelled" in circle.card("dinner").text

    await circle.say_privately(MARIA, "/series skip 1 8 December")
    assert circle.private(MARIA)[-1].text.startswith("⏭ Skipped Tue 8 Dec")


async def test_bad_series_get_a_kind_reply_and_nothing_is_stored(circle: Circle) -> None:
    await circle.set_up(ANNA)
    replies = {
        "/need ride every Funday 10:00": 'I don\'t know the day "Funday".',
        "/need ride to physio every Tuesday": "What time on each date?",
        "/need ride every Tuesday 10:00 until yesterday": 'The end "yesterday" has already passed',
        "/need ride every other day 10:00": '"Every other day" is something I can\'t do yet.',
        "/need every Tuesday 10:00": "What is needed each time?",
        "/need ride every Tuesday 25:00": '"25:00" isn\'t a time I can read.',
        "/need 40 people to ride every Tuesday 10:00": "40 helpers is more than",
    }
    for typed, reply in replies.items():
        await circle.say(MARIA, typed)
        assert circle.last_in_group().text.startswith(reply), (typed, circle.last_in_group().text)
    assert await _series(circle) == []
    assert await _needs(circle) == []
    assert await _posts(circle) == []


async def test_two_people_and_an_end_date(circle: Circle) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(
        MARIA, "/need 2 people to help with the garden every Saturday 10:00 until 12 Dec"
    )
    [series] = await _series(circle)
    assert (series.places, series.rule, series.description) == (
        2,
        "weekly:1:sat:2026-12-12",
        "help with the garden",
    )
    await circle.run_until(utc(2027, 1, 10, 12))
    assert [n.occurs_on for n in await _needs(circle)] == [
        date(2026, 11, 28),
        date(2026, 12, 5),
        date(2026, 12, 12),
    ]
    assert all(n.places == 2 for n in await _needs(circle))
    assert await _posts(circle) == []


async def test_days_ahead_is_a_setting_and_moves_the_next_post(circle: Circle) -> None:
    await circle.set_up(ANNA, TOM)
    await circle.say(MARIA, PHYSIO)
    assert await _posts(circle) == [utc(2026, 12, 1, 9)]
    await circle.say(ANNA, "/settings series 3d")
    assert circle.last_in_group().text.startswith("Only Maria or a coordinator")
    await circle.say(MARIA, "/settings series 40")
    assert circle.last_in_group().text.startswith("Each date can be posted 1 to 28 days ahead.")
    await circle.say(MARIA, "/settings series")
    assert "Now: 7 days ahead." in circle.last_in_group().text

    await circle.say(MARIA, "/settings series 3d")
    saved = circle.last_in_group().text
    assert "🔁 Repeating needs: each date is posted 3 days ahead" in saved
    async with circle.sm() as session:
        assert (await session.exec(select(CircleRow.series_days_ahead))).one() == 3
    # Tue 8 Dec's card now goes up on Sat 5 Dec, 10:00 Berlin.
    assert await _posts(circle) == [utc(2026, 12, 5, 9)]

    await circle.say(MARIA, "/settings series 14 days")
    # Tue 8 Dec is now within the window: it goes up at once.
    await circle.tick()
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]
    assert await _posts(circle) == [utc(2026, 12, 1, 9)]  # for Tue 15 Dec


async def test_a_planned_post_survives_a_restart(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    await circle.restart()
    await circle.run_until(utc(2026, 12, 1, 9))
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]


async def test_an_unreachable_group_holds_the_post_until_the_bot_is_back(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    circle.fake.chats[circle.group_id].bot_status = "kicked"
    await circle.run_until(utc(2026, 12, 1, 9, 30))
    assert await _posts(circle, MessageState.HELD) != []
    await circle.feed(circle.fake.bot_added_to_group(circle.group_id, MARIA.id))
    await circle.tick()
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]
    # Made once, however the post was retried.
    assert [n.occurs_on for n in await _needs(circle)] == [date(2026, 12, 1), date(2026, 12, 8)]


async def test_two_replicas_making_the_same_date_make_one_need(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    [series] = await _series(circle)
    assert series.id is not None
    now = circle.clock.now()
    made = await asyncio.gather(
        *(series_service.make_date(circle.sm, series.id, date(2026, 12, 8), now) for _ in range(4))
    )
    assert sum(1 for m in made if m is not None) == 1
    assert [n.occurs_on for n in await _needs(circle)] == [date(2026, 12, 1), date(2026, 12, 8)]


async def test_a_stopped_series_posts_nothing_even_if_a_post_was_due(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    [series] = await _series(circle)
    # Stopped behind the scheduler's back (another replica): its due row posts nothing.
    async with circle.sm() as session:
        row = await session.get(NeedSeries, series.id)
        assert row is not None
        row.stopped_at = circle.clock.now()
        session.add(row)
        await session.commit()
    await circle.run_until(utc(2026, 12, 1, 9, 30))
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00"]
    rows: list[ScheduledMessage] = [
        r for r in await circle.scheduled() if r.kind == MessageKind.SERIES_POST
    ]
    assert [r.state for r in rows] == [MessageState.SKIPPED]


async def test_two_series_on_one_day_ask_which_to_skip(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    await circle.say(MARIA, "/need lunch every Tuesday at noon")
    await circle.say(MARIA, "/series skip 8 December")
    assert circle.last_in_group().text == (
        "More than one repeating need falls on 8 December — which one? "
        "/series skip 1 8 December or /series skip 2 8 December"
    )
    await circle.say(MARIA, "/series skip 2 8 December")
    assert circle.last_in_group().text.startswith("⏭ Skipped Tue 8 Dec: 🍲 lunch.")
    await circle.say(MARIA, "/series stop")
    assert circle.last_in_group().text.startswith("Send /series to see the repeating needs")
    await circle.run_until(utc(2026, 12, 1, 12))
    assert _cards(circle, "physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]
    assert _cards(circle, "lunch") == ["🗓 Tue 1 Dec, 12:00"]


async def test_a_lost_post_is_planned_again_at_start_up(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    async with circle.sm() as session:
        row = (
            await session.exec(
                select(ScheduledMessage).where(
                    col(ScheduledMessage.kind) == MessageKind.SERIES_POST
                )
            )
        ).one()
        await session.delete(row)
        await session.commit()
    assert await series_service.ensure_planned(circle.sm, circle.clock.now()) == 1
    assert await series_service.ensure_planned(circle.sm, circle.clock.now()) == 0
    assert await _posts(circle) == [utc(2026, 12, 1, 9)]


async def test_a_date_taken_but_never_made_is_made_after_a_restart(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, PHYSIO)
    [series] = await _series(circle)
    assert series.id is not None
    # The bot takes Tue 8 Dec as it enters the window, then stops before making its need.
    circle.clock.set(utc(2026, 12, 1, 9))
    due = await series_service.take_due_dates(circle.sm, series.id, circle.clock.now())
    assert due is not None and due.days == (date(2026, 12, 8),)
    assert [n.occurs_on for n in await _needs(circle)] == [date(2026, 12, 1)]

    await circle.restart()
    await circle.run_for(timedelta(minutes=1))
    assert _cards(circle, "ride to physio") == ["🗓 Tue 1 Dec, 10:00", "🗓 Tue 8 Dec, 10:00"]
    assert [n.occurs_on for n in await _needs(circle)] == [date(2026, 12, 1), date(2026, 12, 8)]
    # And the post after it is still planned for when Tue 15 Dec enters the window.
    assert await _posts(circle) == [utc(2026, 12, 8, 9)]


async def test_a_date_released_privately_while_every_date_is_being_taken_shows_as_open(
    circle: Circle,
) -> None:
    await circle.set_up(ANNA, BEN)
    await circle.say(MARIA, PHYSIO)
    card = circle.card("ride to physio")
    # Taking every date edits the date's card; Telegram is slow to take that edit.
    held = circle.fake.hold_next("editMessageText", chat_id=card.chat_id)
    take_all = circle.fake.user_presses(
        ANNA.id, card.chat_id, card.message_id, "🔁 I'll do every date"
    )
    taking = asyncio.create_task(circle.feed(take_all))
    await asyncio.wait_for(held.reached.wait(), 5)
    # Meanwhile, in her private chat, Anna gives the first date back from /mine.
    await circle.say_privately(ANNA, "/mine")
    mine = circle.private(ANNA)[-1]
    assert mine.buttons[0][1] == "↩️ Release 1"
    release = circle.fake.user_presses(ANNA.id, ANNA.id, mine.message_id, "↩️ Release 1")
    releasing = asyncio.create_task(circle.feed(release))
    for _ in range(50):
        await asyncio.sleep(0)
    held.release()
    await asyncio.wait_for(asyncio.gather(taking, releasing), 5)

    # The card ends on the release, not on the older "Claimed by Anna".
    after = circle.card("ride to physio")
    assert "Claimed by Anna" not in after.text
    assert "🟢 Open" in after.text
    assert [need.status for need in await _needs(circle)] == [NeedStatus.OPEN]
