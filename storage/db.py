"""Engine, sessions and migrations."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, exc, inspect, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration (tests/test_migrations.py checks it is Alembic's head). A database
# already there needs no Alembic at start-up, which saves a quarter of a second of imports.
HEAD_REVISION = "0005"

SessionMaker = async_sessionmaker[AsyncSession]

# A pooled PostgreSQL connection unused this long is checked with a round trip before it is
# handed out; one used more recently is not. HikariCP (Java's common pool) does the same,
# with the same half second ("aliveBypassWindowMs").
PING_AFTER_IDLE = 0.5
_LAST_USED = "carecircle_last_used"


def create_engine(
    url: str,
    *,
    ping_after_idle: float = PING_AFTER_IDLE,
    clock: Callable[[], float] = time.monotonic,
    connections: int | None = None,
) -> AsyncEngine:
    """`connections`: at most this many at once (default: SQLAlchemy's pool, 5 kept and 10
    more when busy). tests/test_one_connection.py runs on one, to show that no update waits
    for a second connection while it holds one: with many updates side by side, each holding
    one and waiting for another, the pool would run dry and every one of them would wait."""
    pool: dict[str, Any] = {}
    if connections is not None:
        pool = {"pool_size": connections, "max_overflow": 0}
    if url.startswith("sqlite"):
        # Each statement runs on the loop's thread (see storage/sqlite_driver.py). SQLite
        # serialises writers; concurrent claims wait for each other (up to 30 s, without
        # blocking the loop) rather than fail with "database is locked".
        engine = create_async_engine(url, async_creator=sqlite_driver.async_creator(url), **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file; it only skips an fsync per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_async_engine(url, **pool)
    _check_idle_connections(engine, ping_after_idle, clock)
    return engine


def _check_idle_connections(engine: AsyncEngine, idle: float, clock: Callable[[], float]) -> None:
    """Hand out no connection that died while it sat in the pool (PostgreSQL restarted, a
    firewall forgot it): an update using it would fail. SQLAlchemy's `pool_pre_ping` checks
    every connection on every checkout, one round trip each time: an update takes three or
    four, some 2 ms of a claim's 19 on PostgreSQL (bench/interactions.py). A connection put
    back moments ago is alive but for a restart within that moment, and then SQLAlchemy
    still sees the first error, lets every older connection go, and the next update works."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _put_back(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = clock()

    @event.listens_for(pool, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None or clock() - last_used < idle:
            return  # new, or in use just now
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            # As pool_pre_ping does: this connection and every older one are let go, and
            # the pool tries again with a new one.
            raise exc.InvalidatePoolError(f"pooled connection lost while idle: {error}") from error


def session_maker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""
    async with engine.begin() as connection:
        if await _revision(connection) == HEAD_REVISION:
            return
        await connection.run_sync(_upgrade)


async def _revision(connection: AsyncConnection) -> str | None:
    """The database's revision; None for a new database (no alembic_version yet)."""
    has_table = await connection.run_sync(lambda c: inspect(c).has_table("alembic_version"))
    if not has_table:
        return None
    result = await connection.execute(text("SELECT version_num FROM alembic_version"))
    return result.scalar_one_or_none()
