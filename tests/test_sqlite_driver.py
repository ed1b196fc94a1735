"""SQLite runs on the event loop's thread (storage/sqlite_driver.py): a writer waiting for
another connection's write must wait without stopping the loop, and give up in the end."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import sqlite_driver
from storage.db import create_engine


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))


async def _bodies(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT body FROM note ORDER BY id"))
        return [row[0] for row in result]


async def test_a_writer_waits_for_another_without_stopping_the_loop(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await _table(engine)
    holding = asyncio.Event()
    let_go = asyncio.Event()

    async def first_writer() -> None:
        # Holds SQLite's write lock across an await, as a handler does between statements.
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO note (body) VALUES ('first')"))
            holding.set()
            await let_go.wait()

    async def second_writer() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO note (body) VALUES ('second')"))

    started = time.monotonic()
    first = asyncio.create_task(first_writer())
    await holding.wait()
    second = asyncio.create_task(second_writer())
    # The second writer is now waiting for the lock. This coroutine still runs, so the loop
    # is free: with SQLite's own busy timeout it would sit inside SQLite for 30 s instead.
    for _ in range(20):
        await asyncio.sleep(0.001)
    assert not second.done()
    let_go.set()
    await asyncio.gather(first, second)

    assert await _bodies(engine) == ["first", "second"]
    assert time.monotonic() - started < 5
    await engine.dispose()


async def test_a_writer_gives_up_after_the_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    holder = create_engine(url)
    impatient = create_async_engine(
        url, async_creator=sqlite_driver.async_creator(url, busy_timeout=0.05)
    )
    await _table(holder)

    async with holder.begin() as connection:
        await connection.execute(text("INSERT INTO note (body) VALUES ('kept')"))
        with pytest.raises(OperationalError, match="database is locked"):
            async with impatient.begin() as other:
                await other.execute(text("INSERT INTO note (body) VALUES ('lost')"))

    assert await _bodies(holder) == ["kept"]
    await impatient.dispose()
    await holder.dispose()


async def test_reads_and_writes_round_trip_on_the_loop_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await _table(engine)
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO note (body) VALUES (:body)"), [{"body": "a"}, {"body": "b"}]
        )
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO note (body) VALUES ('rolled back')"))
        await connection.rollback()
    assert await _bodies(engine) == ["a", "b"]
    # The pragmas of storage/db.py still apply to these connections.
    async with engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    assert (mode, keys) == ("wal", 1)
    await engine.dispose()


async def longest_hold(engine: AsyncEngine, job: Callable[[], Awaitable[None]]) -> float:
    """Runs the job beside a task that only wants a turn now and then; returns the longest
    the job kept that task from running."""
    done = asyncio.Event()
    turns: list[float] = []

    async def run_job() -> None:
        await job()
        done.set()

    async def someone_else() -> None:
        while not done.is_set():
            turns.append(time.monotonic())
            await asyncio.sleep(0)
        turns.append(time.monotonic())

    started = time.monotonic()
    turns.append(started)  # it wants its first turn as the job starts
    await asyncio.gather(run_job(), someone_else())
    took = time.monotonic() - started
    longest = max(later - earlier for earlier, later in itertools.pairwise(turns))
    # Each statement returns at once: without the driver stepping aside, the job would hold
    # the loop from start to end.
    assert took > 0.3, "the job must be long enough to tell"
    return longest


async def test_a_long_job_of_reads_steps_aside_every_few_milliseconds(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await _table(engine)

    async def job() -> None:
        # Like gathering a month of check-ins for a report, one question at a time.
        async with engine.connect() as connection:
            for n in range(15000):
                await connection.execute(text("SELECT count(*) FROM note WHERE id > :n"), {"n": n})

    assert await longest_hold(engine, job) < 0.04
    await engine.dispose()


async def test_even_one_long_transaction_steps_aside_now_and_then(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await _table(engine)

    async def job() -> None:
        async with engine.begin() as connection:
            for n in range(12000):
                await connection.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": n})

    # Inside a write transaction the driver steps aside less often (every 50 ms): whoever
    # runs meanwhile and wants to write would only find the database locked.
    assert await longest_hold(engine, job) < 0.2
    await engine.dispose()
