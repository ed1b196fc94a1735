"""SQLite on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs each call on a worker thread and wakes the event loop when it is done. A
statement of this bot takes SQLite some 20 microseconds, but the hop to the thread and back
costs far more: it was about half of every button press (bench/interactions.py: a claim
took 25 ms with the thread and 12 ms without). So this connection runs each call where it
is made, on the loop's thread.

The one thing the thread was good for is waiting: while another connection writes, SQLite
answers "database is locked" (SQLITE_BUSY), and a busy timeout would sleep inside SQLite,
stalling the whole loop, including the writer that holds the lock. Here SQLite's own
timeout is 0 and the wait is an `asyncio.sleep` between tries, so the writer finishes and
every other update goes on meanwhile. The total wait is bounded as the old 30 s timeout was.

It overrides aiosqlite's private `_execute` and `_connect`, so pyproject.toml pins aiosqlite
to the 0.22 series; the tests here and every story test run through it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

BUSY_TIMEOUT = 30.0  # seconds a statement waits for another connection's write to end
_FIRST_PAUSE = 0.0002
_LONGEST_PAUSE = 0.005
# A call that returns at once never lets the loop run anything else. A job of thousands of
# statements (planning every circle's morning summary) would hold every update up until it
# ends, so the driver steps aside at most this long after it last did. Inside a write
# transaction it waits longer: whoever runs meanwhile and wants to write only finds the
# database locked, so a short transaction (a tap's) is best finished first.
TIME_SLICE = 0.005
TIME_SLICE_WRITING = 0.05


class _Slices:
    """When the driver last let the loop run other tasks."""

    stepped_aside_at = time.monotonic()

    @classmethod
    async def step_aside_if_due(cls, writing: bool) -> None:
        now = time.monotonic()
        if now - cls.stepped_aside_at >= (TIME_SLICE_WRITING if writing else TIME_SLICE):
            cls.stepped_aside_at = now
            await asyncio.sleep(0)


class InLoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run at once on the caller's thread; only a
    locked database makes it wait, and then without blocking the loop."""

    def __init__(
        self, connector: Callable[[], sqlite3.Connection], busy_timeout: float = BUSY_TIMEOUT
    ) -> None:
        super().__init__(connector, iter_chunk_size=64)  # its worker thread is never started
        self.busy_timeout = busy_timeout

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        await _Slices.step_aside_if_due(writing=self._connection.in_transaction)
        pause = _FIRST_PAUSE
        give_up_at: float | None = None
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                # Only plain SQLITE_BUSY is worth another try. SQLITE_BUSY_SNAPSHOT (a read
                # transaction that wants to write after another connection did) can only
                # be cured by starting over, so it goes up as before.
                if getattr(error, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
                    raise
                now = time.monotonic()
                if give_up_at is None:
                    give_up_at = now + self.busy_timeout
                if now >= give_up_at:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)

    async def _connect(self) -> InLoopConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InLoopConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def async_creator(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Callable[[], Any]:
    """What `create_async_engine(url, async_creator=…)` calls for each new connection: the
    file and options SQLAlchemy's aiosqlite dialect would have used, on this driver."""
    args, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    # SQLAlchemy checks threads itself; the loop's thread may differ between event loops
    # (each test has its own).
    options = {**options, "timeout": 0, "check_same_thread": False}
    connector = partial(sqlite3.connect, *args, **options)

    async def connect() -> InLoopConnection:
        return await InLoopConnection(connector, busy_timeout)

    return connect
