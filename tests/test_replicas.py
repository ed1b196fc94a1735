"""Two replicas of the real `python -m bot`, in webhook mode behind a round-robin proxy on
127.0.0.1, sharing one PostgreSQL database: every update is handled once, and every
scheduled message is sent once by one of them (rows are taken with FOR UPDATE SKIP LOCKED).

Runs when CARECIRCLE_TEST_POSTGRES_URL points at a PostgreSQL server (.ci/run starts one)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from storage import scheduled
from storage.db import create_engine, migrate, session_maker
from storage.models import (
    Circle,
    Membership,
    MessageKind,
    MessageState,
    Role,
    ScheduledMessage,
)
from storage.models import Person as PersonRow
from tests.conftest import (
    ANNA,
    BEN,
    CARL,
    GROUP_ID,
    MARIA,
    TOKEN,
    TOM,
    Person,
    fresh_postgres_database,
)
from tests.fake_telegram import SECRET_HEADER, FakeTelegram, FakeTelegramHTTPServer
from tests.fake_telegram.proxy import RoundRobinProxy
from tests.test_end_to_end import RunningBot, eventually, start_bot
from tests.test_webhook import free_port

SECRET = "carecircle-replicas_secret-0123456789"
HELPERS = (TOM, ANNA, BEN, CARL)
# People with reminders of their own falling due as the replicas start: more rows than one
# scheduler takes at once (200), so the replica whose turn it is to send takes two batches.
REMINDED = range(900_001, 900_151)
REMINDERS_EACH = 2
CLAIM = "🙋 I'll do it"


async def seed(url: str, now: datetime) -> list[int]:
    """A circle (Maria's group; Tom, Anna, Ben and Carl are in it and started the bot), and
    personal reminders due a moment ago. Returns the reminders' ids."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with session_maker(engine)() as session:
            circle = Circle(
                chat_id=GROUP_ID,
                title="Maria's helpers",
                patient_id=MARIA.id,
                timezone="Europe/Berlin",
                invite_code="replicas0001",
                created_at=now,
            )
            session.add(circle)
            await session.flush()
            assert circle.id is not None
            for person in (MARIA, *HELPERS):
                session.add(
                    PersonRow(
                        user_id=person.id, first_name=person.name, can_message=True, updated_at=now
                    )
                )
                role = Role.PATIENT if person == MARIA else Role.MEMBER
                session.add(
                    Membership(circle_id=circle.id, user_id=person.id, role=role, joined_at=now)
                )
            rows = [
                ScheduledMessage(
                    kind=MessageKind.PERSONAL,
                    circle_id=circle.id,
                    recipient_id=user_id,
                    due_at=now - timedelta(seconds=1),
                    expires_at=now + timedelta(hours=1),
                    text=f"Reminder {n} for {user_id}",
                    created_at=now,
                )
                for user_id in REMINDED
                for n in range(REMINDERS_EACH)
            ]
            session.add_all(rows)
            await session.commit()
            return [row.id for row in rows if row.id is not None]
    finally:
        await engine.dispose()


async def states_of(url: str, ids: list[int]) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(col(ScheduledMessage.state), func.count())
                .where(col(ScheduledMessage.id).in_(ids))
                .group_by(col(ScheduledMessage.state))
            )
            return {str(state): int(str(n)) for state, n in map(tuple, result.all())}
    finally:
        await engine.dispose()


def card(fake: FakeTelegram, words: str) -> Any:
    cards = [m for m in fake.bot_messages(GROUP_ID) if words in m.text and "\nAsked by" in m.text]
    return cards[-1] if cards else None


def has_card(fake: FakeTelegram, words: str) -> bool:
    return card(fake, words) is not None


def claimed_by(fake: FakeTelegram, words: str, person: Person) -> bool:
    return f"Claimed by {person.name}" in card(fake, words).text


def sent_by(log: str) -> int:
    return sum(int(n) for n in re.findall(r"scheduled messages: RunReport\(sent=(\d+)", log))


async def test_two_replicas_share_the_work_and_do_everything_once(tmp_path: Path) -> None:
    fake = FakeTelegram(token=TOKEN)
    for person in (MARIA, *HELPERS):
        fake.add_user(person.id, person.name)
        fake.start_bot(person.id)
    for user_id in REMINDED:
        fake.add_user(user_id, f"Person {user_id}")
        fake.start_bot(user_id)
    fake.add_group(GROUP_ID, "Maria's helpers", supergroup=True)

    async with fresh_postgres_database() as url:
        planted = await seed(url, datetime.now(UTC))
        ports = [free_port(), free_port()]
        async with (
            FakeTelegramHTTPServer(fake) as api,
            RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports]) as proxy,
            httpx.AsyncClient(timeout=30.0) as client,
        ):
            webhook = f"{proxy.url}/telegram/hook"
            bots: list[RunningBot] = []
            logs: list[str] = []
            try:
                for n, port in enumerate(ports):
                    env = {
                        "WEBHOOK_URL": webhook,
                        "WEBHOOK_SECRET": SECRET,
                        "WEBHOOK_LISTEN": "127.0.0.1",
                        "WEBHOOK_PORT": str(port),
                        "LOG_LEVEL": "INFO",
                    }
                    bots.append(await start_bot(api.base_url, url, tmp_path, f"replica{n}", env))
                await eventually(
                    lambda: len(fake.calls_of("setWebhook")) == 2, "both replicas listening"
                )
                await eventually(
                    lambda: all(len(fake.bot_messages(u)) == REMINDERS_EACH for u in REMINDED),
                    "the planted reminders sent",
                )
                await talk(fake, client, webhook, proxy)
                states = await states_of(url, planted)
            finally:
                for bot in bots:
                    logs.append(await bot.stop())

    assert states == {MessageState.SENT.value: len(planted)}
    for user_id in REMINDED:
        texts = sorted(m.text for m in fake.bot_messages(user_id))
        assert texts == [
            f"⏰ You asked me to remind you:\nReminder {n} for {user_id}"
            for n in range(REMINDERS_EACH)
        ]
    # One replica at a time sends (storage/scheduled.sending_turn), so together they keep to
    # Telegram's limits as one bot: the first to wake sent them all, in one run.
    shares = [sent_by(log) for log in logs]
    assert sorted(shares) == [0, len(planted)], shares
    assert set(proxy.sent_to) == {f"http://127.0.0.1:{port}" for port in ports}
    assert fake.violations == []
    assert all("Traceback" not in log for log in logs), logs


async def talk(
    fake: FakeTelegram, client: httpx.AsyncClient, webhook: str, proxy: RoundRobinProxy
) -> None:
    """Needs posted and claimed through the proxy, each update handled exactly once."""

    async def post(update: dict[str, Any]) -> None:
        answer = await client.post(webhook, json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200, answer.text
        fake.confirm_update(int(update["update_id"]))

    needs = ("dinner on Friday", "ride to neurology tomorrow 14:00", "walk the dog Saturday 10:00")
    for need in needs:
        await post(fake.user_sends(MARIA.id, GROUP_ID, f"/need {need}"))
    for words in ("dinner", "neurology", "walk the dog"):
        await eventually(partial(has_card, fake, words), f"the {words} card")

    presses = []
    for person, words in ((ANNA, "dinner"), (TOM, "neurology")):
        update = fake.user_presses(person.id, GROUP_ID, card(fake, words).message_id, CLAIM)
        presses.append(update)
        await post(update)
        await eventually(
            partial(claimed_by, fake, words, person), f"{person.name} claims the {words}"
        )

    # Ben and Carl press for the dog walk at the same moment, through different replicas.
    walk = card(fake, "walk the dog").message_id
    race = [fake.user_presses(p.id, GROUP_ID, walk, CLAIM) for p in (BEN, CARL)]
    presses += race
    await asyncio.gather(*(post(update) for update in race))
    assert proxy.sent_to[-1] != proxy.sent_to[-2]

    def answered(update: dict[str, Any]) -> bool:
        return fake.callback_answer_for(update["callback_query"]["id"]) is not None

    await eventually(lambda: all(answered(u) for u in presses), "every press answered")
    await post(fake.user_sends(ANNA.id, GROUP_ID, "/board"))
    await eventually(
        lambda: any(
            "walk the dog" in m.text and "\nAsked by" not in m.text
            for m in fake.bot_messages(GROUP_ID)
        ),
        "the board",
    )

    # One card per need, one answer per press, one board: nothing handled twice.
    for words in ("dinner", "neurology", "walk the dog"):
        assert (
            sum(
                1 for m in fake.bot_messages(GROUP_ID) if words in m.text and "\nAsked by" in m.text
            )
            == 1
        )
    answers = [str(c.params["callback_query_id"]) for c in fake.calls_of("answerCallbackQuery")]
    assert sorted(answers) == sorted(str(u["callback_query"]["id"]) for u in presses)
    walk_text = fake.message(GROUP_ID, walk).text
    winners = [p for p in (BEN, CARL) if f"Claimed by {p.name}" in walk_text]
    assert len(winners) == 1, walk_text

    def thanked() -> list[Person]:
        return [
            p
            for p in (BEN, CARL)
            if any("Thank you for helping" in m.text for m in fake.bot_messages(p.id))
        ]

    await eventually(lambda: bool(thanked()), "the winner thanked")
    assert thanked() == winners
    # Anna and Tom were thanked once each, for their one claim.
    for person in (ANNA, TOM):
        thanks = [m for m in fake.bot_messages(person.id) if "Thank you for helping" in m.text]
        assert len(thanks) == 1


async def test_two_schedulers_taking_at_once_take_a_batch_each_and_never_the_same_row() -> None:
    async with fresh_postgres_database() as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            sm = session_maker(engine)
            now = datetime.now(UTC)
            async with sm() as session:
                session.add_all(
                    ScheduledMessage(
                        kind=MessageKind.PERSONAL,
                        recipient_id=MARIA.id,
                        due_at=now - timedelta(seconds=1),
                        expires_at=now + timedelta(hours=1),
                        text=f"Reminder {n}",
                        created_at=now,
                    )
                    for n in range(300)
                )
                await session.commit()
            async with sm() as first, sm() as second:
                # The first has taken its rows but not committed: they are locked.
                mine = await scheduled.take_due(first, now, 200)
                theirs = await scheduled.take_due(second, now, 200)
                await first.commit()
                await second.commit()
        finally:
            await engine.dispose()
    assert (len(mine), len(theirs)) == (200, 100)
    assert not {row.id for row in mine} & {row.id for row in theirs}
