"""Schema migrations: an existing database moves to the newest revision losing nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from bot.services.reminders import ensure_digests
from storage.db import HEAD_REVISION, alembic_config, create_engine, migrate, session_maker
from storage.models import MessageKind
from storage.scheduled import pending_for_recipient
from tests.conftest import START

# Storage matters here: every story runs on SQLite and again on PostgreSQL.
pytestmark = pytest.mark.both_databases


def _to(revision: str) -> Callable[[Connection], None]:
    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return upgrade


async def _fill_revision_0001(connection: AsyncConnection) -> None:
    await connection.execute(
        text(
            "INSERT INTO person (user_id, first_name, can_message, updated_at) "
            "VALUES (101, 'Maria', true, :now), (103, 'Anna', true, :now)"
        ),
        {"now": START},
    )
    await connection.execute(
        text(
            "INSERT INTO circle (id, chat_id, title, patient_id, timezone, invite_code, status, "
            "created_at) VALUES (1, -100, 'Maria''s helpers', 101, 'Europe/Berlin', 'abc', "
            "'active', :now)"
        ),
        {"now": START},
    )
    await connection.execute(
        text(
            "INSERT INTO membership (circle_id, user_id, role, joined_at) VALUES "
            "(1, 101, 'patient', :now), (1, 103, 'member', :now)"
        ),
        {"now": START},
    )
    await connection.execute(
        text(
            "INSERT INTO need (id, circle_id, category, description, precision, status, "
            "requested_by, claimer_id, created_at) VALUES "
            "(1, 1, 'meal', 'soup', 'none', 'claimed', 101, 103, :now)"
        ),
        {"now": START},
    )


async def upgrade_from_the_previous_revision_keeps_everything(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to("0001"))
            await _fill_revision_0001(connection)
        await migrate(engine)
        async with engine.connect() as connection:
            circle = (
                await connection.execute(
                    text("SELECT title, reminder_leads, nudge_leads, digest_time FROM circle")
                )
            ).one()
            need = (
                await connection.execute(text("SELECT description, claimer_id FROM need"))
            ).one()
            away = (await connection.execute(text("SELECT away_until FROM membership"))).all()
        assert tuple(circle) == ("Maria's helpers", "1440,120", "2880,1440", "08:00")
        assert tuple(need) == ("soup", 103)
        assert [row[0] for row in away] == [None, None]
        # At the next start the circle's morning summary is planned, once.
        sm = session_maker(engine)
        assert await ensure_digests(sm, START) == 1
        assert await ensure_digests(sm, START) == 0
        async with sm() as session:
            [digest] = await pending_for_recipient(session, 101, MessageKind.DIGEST, 10)
        assert digest.circle_id == 1
    finally:
        await engine.dispose()


async def test_upgrade_from_the_previous_revision_keeps_everything(database_url: str) -> None:
    await upgrade_from_the_previous_revision_keeps_everything(database_url)


async def test_the_migrations_build_exactly_the_tables_the_code_declares(database_url: str) -> None:
    await migrations_match_the_models(database_url)


async def migrations_match_the_models(database_url: str) -> None:
    """A model changed without a migration (or the other way round) shows up here."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
        assert differences == []
    finally:
        await engine.dispose()


def test_the_head_revision_known_at_start_up_is_alembics_head() -> None:
    # migrate() skips Alembic when the database is at HEAD_REVISION: a new migration must
    # move it, or start-up would never run that migration.
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
