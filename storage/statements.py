"""Statements built once.

Building a statement with SQLAlchemy's expression language, and working out its key in the
cache of compiled SQL, costs about as much as running it. So the statements that (nearly)
every update runs are built once, with parameters for what changes, and SQLAlchemy finds
them compiled: noting who wrote in the group (two INSERTs) took 0.71 ms built each time and
0.26 ms built once; a press's first query 0.32 ms and 0.15 ms.

SELECTs, UPDATEs and DELETEs are built at import, each beside the function that runs it,
and run through the session with their parameters (`session.exec(statement, params=…)`,
`session.execute(statement, {…})`). A parameter of an UPDATE may not be named after a
column it sets. An UPDATE after which the need is read back anyway says
`synchronize_session=False`: the ORM's look through the session for copies to bring up to
date costs more than the statement. An INSERT … ON CONFLICT is spelled per dialect, so it
is built on first use for each (`@cache`) and runs on the session's connection
(`run_built`): the ORM would take parameters given with an INSERT for the rows of a bulk
insert. Rows of one table go in together (`run_many`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def insert_for(dialect: str, table: type[SQLModel]):  # type: ignore[no-untyped-def]
    """An INSERT that can say what to do ON CONFLICT: it is spelled per dialect, and both
    dialects we run on support it."""
    if dialect == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def insert_on_conflict(session: AsyncSession, table: type[SQLModel]):  # type: ignore[no-untyped-def]
    return insert_for(session.get_bind().dialect.name, table)


async def run_built(
    session: AsyncSession, build: Callable[..., Executable], *key: object, **values: object
) -> CursorResult[Any]:
    """Run the statement `build(dialect, *key)` (cached) in the session's transaction."""
    connection = await _connection(session)
    return await connection.execute(build(connection.dialect.name, *key), values)


async def run_many(
    session: AsyncSession, statement: Executable, rows: Sequence[dict[str, Any]]
) -> None:
    """Run a statement built once for each of these rows, in the session's transaction."""
    connection = await _connection(session)
    await connection.execute(statement, rows)


async def _connection(session: AsyncSession) -> AsyncConnection:
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the ORM would write before this statement, as execute does
    return await session.connection()
