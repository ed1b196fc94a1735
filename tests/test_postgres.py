"""The same stories on a real PostgreSQL: `DATABASE_URL=postgresql://…` is all it takes.

.ci/run starts a server and sets CARECIRCLE_TEST_POSTGRES_URL; on a developer's machine
without one these tests are skipped, in CI they must run."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from storage.db import create_engine, migrate
from storage.models import Need, NeedStatus
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle


@pytest.fixture
def database_kind() -> str:
    return "postgresql"


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


async def cut_every_connection(database_url: str) -> None:
    """What a PostgreSQL restart does to the bot's pooled connections."""
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def test_after_postgresql_restarted_the_first_press_goes_through_without_an_error(
    circle: Circle, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await cut_every_connection(database_url)
    circle.clock.advance(timedelta(minutes=5))  # the server was down a while

    with caplog.at_level(logging.ERROR):
        await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")

    assert "Claimed by Anna" in circle.card("neurology").text
    assert any("Anna will give you a ride" in m.text for m in circle.private(MARIA))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_connection_cut_while_idle_is_replaced_before_it_is_used(
    database_url: str,
) -> None:
    now = 1000.0
    engine = create_engine(database_url, clock=lambda: now)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
        await cut_every_connection(database_url)
        now += 60

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_handed_out_without_a_round_trip(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = 1000.0
    engine = create_engine(database_url, clock=lambda: now)
    dialect = engine.sync_engine.dialect
    pinged_at: list[float] = []
    ping = dialect.do_ping

    def counted_ping(dbapi_connection: Any) -> bool:
        pinged_at.append(now)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted_ping)
    try:
        for _ in range(3):  # updates coming one after another
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
            now += 0.1
        assert pinged_at == []

        now += 60  # a quiet minute
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
        assert pinged_at == [now]
    finally:
        await engine.dispose()
