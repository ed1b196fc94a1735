"""The same stories on a real PostgreSQL: `DATABASE_URL=postgresql://…` is all it takes.

.ci/run starts a server and sets CARECIRCLE_TEST_POSTGRES_URL; on a developer's machine
without one these tests are skipped, in CI they must run."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.settings import async_database_url
from storage.db import create_engine, migrate
from storage.models import Need, NeedStatus
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle
from tests.test_migrations import (
    migrations_match_the_models,
    upgrade_from_the_previous_revision_keeps_everything,
)
from tests.test_reminders_story import two_schedulers_race

ADMIN_URL = os.environ.get("CARECIRCLE_TEST_POSTGRES_URL", "")

if not ADMIN_URL and os.environ.get("CI"):
    raise RuntimeError("CI must provide CARECIRCLE_TEST_POSTGRES_URL (see .ci/run)")

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="no PostgreSQL server configured")


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh database per test, dropped afterwards."""
    name = f"carecircle_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN_URL.rsplit("/", 1)[0]
    yield async_database_url(f"{base}/{name}")
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_migrations_build_the_schema_and_a_second_run_keeps_the_data(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"circle", "person", "membership", "need", "need_draft", "alembic_version"} <= tables
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO person (user_id, first_name, can_message, updated_at) "
                    "VALUES (1, 'Maria', true, now())"
                )
            )
        await migrate(engine)
        async with engine.connect() as connection:
            names = (await connection.execute(text("SELECT first_name FROM person"))).all()
        assert [row[0] for row in names] == ["Maria"]
    finally:
        await engine.dispose()


async def test_a_whole_story_on_postgresql(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    assert "Claimed by Anna" in circle.card("neurology").text
    await circle.press(ANNA, circle.card("neurology"), "✅ Done")
    assert "Done by Anna" in circle.card("neurology").text
    await circle.restart()
    await circle.say(MARIA, "/board")
    assert "Nothing is needed right now" in circle.last_in_group().text


async def test_four_people_pressing_at_once_on_postgresql(circle: Circle) -> None:
    helpers = (ANNA, BEN, CARL, TOM)
    await circle.set_up(*helpers)
    await circle.say(MARIA, "/need dinner on Friday")
    card = circle.card("dinner")
    presses = [
        circle.fake.user_presses(p.id, card.chat_id, card.message_id, "🙋 I'll do it")
        for p in helpers
    ]
    await asyncio.gather(*(circle.feed(press) for press in presses))
    async with circle.sm() as session:
        [need] = (await session.exec(select(Need))).all()
    assert need.status == NeedStatus.CLAIMED
    winners = [p for p in helpers if p.id == need.claimer_id]
    assert len(winners) == 1
    thanked = [
        p for p in helpers if any("Thank you for helping" in m.text for m in circle.private(p))
    ]
    assert thanked == winners


async def test_reminders_are_sent_once_across_a_restart_on_postgresql(circle: Circle) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    await circle.run_until(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await circle.restart()
    await circle.run_until(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    reminders = [m for m in circle.private(ANNA) if "Reminder:" in m.text]
    assert len(reminders) == 2
    assert sum("Did it happen" in m.text for m in circle.private(ANNA)) == 1


async def test_two_schedulers_racing_send_every_message_once_on_postgresql(
    circle: Circle,
) -> None:
    await two_schedulers_race(circle)


async def test_upgrade_from_the_previous_revision_on_postgresql(database_url: str) -> None:
    await upgrade_from_the_previous_revision_keeps_everything(database_url)


async def test_the_migrations_match_the_models_on_postgresql(database_url: str) -> None:
    await migrations_match_the_models(database_url)
