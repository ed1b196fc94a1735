"""How the scheduler copes with many future messages: finding the due ones, sending them, memory.

    .venv/bin/python -m bench.scheduler [--future N] [--compare N] [--due K] [--database-url URL]

Fills a database (a temporary SQLite file unless --database-url says otherwise; a PostgreSQL
URL gets a scratch database on that server, dropped afterwards) with N pending messages due
over the next 30 days: personal reminders, and reminders and nudges of needs that exist. Then
times what every wake-up of the scheduler asks the database (p50/p99), shows the query plan of
the take query, sends K due personal reminders through the in-process fake Bot API and checks
each arrived once, and reads the bot's memory with fewer (--compare) and with all N rows.

The rows are written by a child process, so the figures of this process are the bot's: an
Application with its scheduler, a fixed clock and no pacing of Telegram calls."""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
from sqlalchemy import event, func, insert, make_url, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from telegram.ext import AIORateLimiter, Application

from bot.app import build_application
from bot.clock import ManualClock
from bot.context import AppContext
from bot.scheduler import BATCH, RunReport, Scheduler
from bot.services.planning import PERSONAL_USEFUL_FOR
from bot.settings import Settings, async_database_url, sqlite_path
from storage import scheduled as store
from storage.db import SessionMaker, create_engine, migrate, session_maker
from storage.models import (
    Circle,
    CircleStatus,
    Membership,
    MessageKind,
    MessageState,
    Need,
    NeedStatus,
    Person,
    Role,
    ScheduledMessage,
)
from tests.fake_telegram import FakeRequest, FakeTelegram

TOKEN = "7000000001:AAHbenchTOKENforCareCircle_0123456789"
# Wednesday 25 November 2026, 10:00 in Berlin; the clock never moves.
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
HORIZON = timedelta(days=30)
ZONE = "Europe/Berlin"
PATIENT_BASE, HELPER_BASE, GROUP_BASE = 700_000_000, 800_000_000, -1_002_000_000_000
CHUNK = 5_000
# One row in ten is a need with two messages: a helper's reminders or the group's nudges.
ROWS_PER_NEED = 10
REMINDER_LEADS, NUDGE_LEADS = (24 * 60, 2 * 60), (48 * 60, 24 * 60)
WARM_UP = 50
MEMORY_WAKE_UPS = 20
TARGET_FIND_MS = 1.0
# "Flat": what a wake-up allocates, and the process's resident size, do not follow the rows.
FLAT_RSS_MIB = 2.0
FLAT_PEAK_SHARE = 0.10
FLAT_PEAK_KIB = 16.0

Row = dict[str, Any]


def patient_of(n: int) -> int:
    return PATIENT_BASE + n


def helper_of(n: int) -> int:
    return HELPER_BASE + n


def group_of(n: int) -> int:
    return GROUP_BASE - n


# ---------------------------------------------------------------------- filling (child)


@dataclass(frozen=True)
class FillPlan:
    url: str
    circles: int
    first_row: int  # seeds this batch, so two batches differ
    rows: int
    make_circles: bool
    # What "now" the rows are planned from: the benches' fixed NOW, or the real time for a
    # bot started on the real clock (bench.footprint), so nothing is overdue when it starts.
    now: datetime = NOW


@dataclass(frozen=True)
class FillResult:
    rows: int
    needs: int
    seconds: float


def _message(
    kind: MessageKind,
    circle_id: int,
    recipient_id: int | None,
    due_at: datetime,
    expires_at: datetime,
    *,
    need_id: int | None = None,
    lead: int = 0,
    text: str | None = None,
) -> Row:
    """One pending scheduled_message row as a dict; every row has the same keys."""
    return {
        "kind": kind.value,
        "circle_id": circle_id,
        "need_id": need_id,
        "recipient_id": recipient_id,
        "due_at": due_at,
        "expires_at": expires_at,
        "lead": lead,
        "text": text,
        "state": MessageState.PENDING.value,
        "tries": 0,
        "taken_at": None,
        "sent_at": None,
        "late": False,
        "created_at": NOW,
    }


def _chunks(rows: Sequence[Row]) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


async def _insert(connection: AsyncConnection, table: Any, rows: Sequence[Row]) -> None:
    for chunk in _chunks(rows):
        await connection.execute(insert(table), list(chunk))


async def _insert_returning_ids(
    connection: AsyncConnection, table: Any, rows: Sequence[Row]
) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = await connection.execute(
            insert(table).returning(table.id, sort_by_parameter_order=True), list(chunk)
        )
        ids.extend(result.scalars().all())
    return ids


async def _make_circles(connection: AsyncConnection, count: int) -> None:
    """Circles with a supported person and one helper each, both of whom started the bot."""
    circles = [
        {
            "chat_id": group_of(n),
            "title": f"Circle {n}",
            "patient_id": patient_of(n),
            "timezone": ZONE,
            "invite_code": f"bench{n:08d}",
            "status": CircleStatus.ACTIVE.value,
            "created_at": NOW,
            "reminder_leads": ",".join(map(str, REMINDER_LEADS)),
            "nudge_leads": ",".join(map(str, NUDGE_LEADS)),
            "digest_time": "08:00",
        }
        for n in range(count)
    ]
    circle_ids = await _insert_returning_ids(connection, Circle, circles)
    people = [
        {
            "user_id": user_id,
            "first_name": f"{name} {n}",
            "last_name": None,
            "username": None,
            "can_message": True,
            "start_hint_at": None,
            "updated_at": NOW,
        }
        for n in range(count)
        for user_id, name in ((patient_of(n), "Maria"), (helper_of(n), "Anna"))
    ]
    await _insert(connection, Person, people)
    members = [
        {
            "circle_id": circle_id,
            "user_id": user_id,
            "role": role.value,
            "joined_at": NOW,
            "away_until": None,
        }
        for n, circle_id in enumerate(circle_ids)
        for user_id, role in ((patient_of(n), Role.PATIENT), (helper_of(n), Role.MEMBER))
    ]
    await _insert(connection, Membership, members)


async def _fill(plan: FillPlan) -> FillResult:
    started = time.perf_counter()
    now = plan.now
    engine = create_engine(plan.url)
    rnd = random.Random(plan.first_row)
    try:
        async with engine.begin() as connection:
            if plan.make_circles:
                await _make_circles(connection, plan.circles)
            result = await connection.execute(
                select(col(Circle.id), col(Circle.patient_id), col(Circle.chat_id)).order_by(
                    col(Circle.id)
                )
            )
            circles = [
                (cid, patient, chat) for cid, patient, chat in result.all() if cid is not None
            ]
            # A need starts late enough that all its messages are still to come.
            earliest_need = timedelta(minutes=max(NUDGE_LEADS) + 120)
            needs: list[Row] = []
            for k in range(plan.rows // ROWS_PER_NEED):
                circle_id, patient, chat = circles[k % len(circles)]
                claimed = k % 2 == 0
                start = now + earliest_need + (HORIZON - earliest_need) * rnd.random()
                needs.append(
                    {
                        "circle_id": circle_id,
                        "category": "ride",
                        "description": f"Ride to the neurologist ({plan.first_row + k})",
                        "precision": "exact",
                        "starts_at": start,
                        "ends_at": None,
                        "when_label": None,
                        "status": (NeedStatus.CLAIMED if claimed else NeedStatus.OPEN).value,
                        "requested_by": patient,
                        "claimer_id": helper_of(patient - PATIENT_BASE) if claimed else None,
                        "claimed_at": now if claimed else None,
                        "done_at": None,
                        "cancelled_at": None,
                        "cancelled_by": None,
                        "card_chat_id": chat,
                        "card_message_id": None,
                        "created_at": now,
                    }
                )
            need_ids = await _insert_returning_ids(connection, Need, needs)
            rows: list[Row] = []
            for need, need_id in zip(needs, need_ids, strict=True):
                claimer = need["claimer_id"]
                kind = MessageKind.REMINDER if claimer else MessageKind.NUDGE
                for lead in REMINDER_LEADS if claimer else NUDGE_LEADS:
                    due = need["starts_at"] - timedelta(minutes=lead)
                    rows.append(
                        _message(
                            kind,
                            need["circle_id"],
                            claimer,
                            due,
                            need["starts_at"],
                            need_id=need_id,
                            lead=lead,
                        )
                    )
            # The rest: personal reminders (/remind), to each circle's two people in turn.
            for k in range(plan.rows - len(rows)):
                circle_id, patient, _chat = circles[k % len(circles)]
                person = (
                    patient if (k // len(circles)) % 2 == 0 else helper_of(patient - PATIENT_BASE)
                )
                due = now + timedelta(minutes=1) + (HORIZON - timedelta(minutes=1)) * rnd.random()
                rows.append(
                    _message(
                        MessageKind.PERSONAL,
                        circle_id,
                        person,
                        due,
                        due + PERSONAL_USEFUL_FOR,
                        text=f"Call the MS nurse ({plan.first_row + k})",
                    )
                )
            await _insert(connection, ScheduledMessage, rows)
        if engine.dialect.name == "sqlite":
            # One big transaction leaves a long write-ahead log; a running bot's is short.
            async with engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await engine.dispose()
    return FillResult(len(rows), len(needs), time.perf_counter() - started)


def fill_in_child(plan: FillPlan) -> FillResult:
    return asyncio.run(_fill(plan))


async def fill(plan: FillPlan) -> FillResult:
    """Writes the rows from a fresh process, so building them leaves nothing in this one."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, fill_in_child, plan)


# ---------------------------------------------------------------------- measuring


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p99, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def rss_mib() -> float:
    """The resident set size now (VmRSS); the peak from getrusage where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class SizeFigures:
    pending: int
    next_due_query: tuple[float, float]
    take_due_query: tuple[float, float]
    next_due: tuple[float, float]
    take_due: tuple[float, float]
    wake_up: tuple[float, float]
    rss_mib: float
    peak_kib: float
    retained_kib: float


class Bench:
    def __init__(self, url: str, engine: AsyncEngine, repeat: int) -> None:
        self.url = url
        self.engine = engine
        self.repeat = repeat
        self.sm: SessionMaker = session_maker(engine)
        self.clock = ManualClock(NOW)
        self.fake = FakeTelegram(token=TOKEN)
        settings = Settings(telegram_bot_token=TOKEN, database_url=url, _env_file=None)
        self.app: Application[Any, Any, Any, Any, Any, Any] = build_application(
            settings,
            engine,
            clock=self.clock,
            request=FakeRequest(self.fake),
            # As in the tests: no pacing, so the figures are our own overhead.
            rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
        )

    @property
    def scheduler(self) -> Scheduler:
        return cast(AppContext, self.app.bot_data["app"]).scheduler

    def meet(self, circles: int) -> None:
        """The fake knows every circle's people (who started the bot) and groups."""
        for n in range(circles):
            for user_id, name in ((patient_of(n), "Maria"), (helper_of(n), "Anna")):
                self.fake.add_user(user_id, f"{name} {n}")
                self.fake.start_bot(user_id)
            self.fake.add_group(group_of(n), f"Circle {n}", supergroup=True)

    async def pending(self) -> int:
        async with self.engine.connect() as connection:
            result = await connection.execute(
                select(func.count())
                .select_from(ScheduledMessage)
                .where(col(ScheduledMessage.state) == MessageState.PENDING)
            )
            return int(result.scalar_one())

    async def next_due(self) -> None:
        async with self.sm() as session:
            await store.next_due(session)

    async def take_due(self) -> None:
        async with self.sm() as session:
            rows = await store.take_due(session, self.clock.now(), BATCH)
            await session.commit()
        if rows:
            raise RuntimeError(f"{len(rows)} messages were due; the find figures need none")

    async def wake_up(self) -> None:
        """What the scheduler's job does each time: send what is due, then find the next."""
        report = await self.scheduler.run_due()
        if report != RunReport():
            raise RuntimeError(f"a wake-up with nothing due did something: {report}")
        await self.next_due()

    async def queries_alone(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """next_due and take_due in one open session: the queries without the session's
        own cost (a connection from the pool, BEGIN, COMMIT)."""
        found, taken = [], []
        async with self.sm() as session:
            for _ in range(self.repeat):
                started = time.perf_counter()
                await store.next_due(session)
                found.append(time.perf_counter() - started)
            for _ in range(self.repeat):
                started = time.perf_counter()
                rows = await store.take_due(session, self.clock.now(), BATCH)
                taken.append(time.perf_counter() - started)
                if rows:
                    raise RuntimeError(f"{len(rows)} messages were due; the figures need none")
            await session.rollback()
        return percentiles(found), percentiles(taken)

    async def sample(self, action: Callable[[], Awaitable[None]]) -> tuple[float, float]:
        samples = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            await action()
            samples.append(time.perf_counter() - started)
        return percentiles(samples)

    async def measure(self) -> SizeFigures:
        for _ in range(WARM_UP):
            await self.wake_up()
        next_due_query, take_due_query = await self.queries_alone()
        next_due = await self.sample(self.next_due)
        take_due = await self.sample(self.take_due)
        wake_up = await self.sample(self.wake_up)
        gc.collect()
        rss = rss_mib()
        tracemalloc.start()
        try:
            await self.wake_up()  # anything tracemalloc itself sets up on first use
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            peak = 0
            for _ in range(MEMORY_WAKE_UPS):
                tracemalloc.reset_peak()
                current = tracemalloc.get_traced_memory()[0]
                await self.wake_up()
                peak = max(peak, tracemalloc.get_traced_memory()[1] - current)
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        return SizeFigures(
            await self.pending(),
            next_due_query,
            take_due_query,
            next_due,
            take_due,
            wake_up,
            rss,
            peak / 1024,
            retained / 1024,
        )

    async def query_plans(self) -> list[tuple[str, list[str]]]:
        """The plans of the statements a wake-up runs, exactly as the bot sends them."""
        captured: list[tuple[str, Any]] = []

        def grab(
            _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
        ) -> None:
            if not many and statement.lstrip().upper().startswith(("UPDATE", "SELECT")):
                captured.append((statement, parameters))

        event.listen(self.engine.sync_engine, "before_cursor_execute", grab)
        try:
            await self.wake_up()  # nothing is due, so it changes nothing
        finally:
            event.remove(self.engine.sync_engine, "before_cursor_execute", grab)
        sqlite = self.engine.dialect.name == "sqlite"
        plans = []
        async with self.engine.connect() as connection:
            for statement, parameters in captured:
                if sqlite:
                    result = await connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    )
                    depth: dict[int, int] = {0: 0}
                    lines = []
                    for node, parent, _unused, detail in map(tuple, result.all()):
                        depth[node] = depth.get(parent, 0) + 1
                        lines.append("  " * (depth[node] - 1) + str(detail))
                else:
                    result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                    lines = [str(line) for (line,) in result.all()]
                plans.append((" ".join(statement.split()), lines))
            await connection.rollback()
        return plans

    async def send_due(self, count: int, circles: int) -> tuple[float, RunReport, list[str]]:
        """K personal reminders fall due now, each to someone who started the bot; one
        wake-up sends them. Returns the time, the report and whatever did not add up."""
        async with self.engine.begin() as connection:
            result = await connection.execute(select(col(Circle.id)).order_by(col(Circle.id)))
            circle_ids = [cid for cid in result.scalars().all() if cid is not None]
            rows = [
                _message(
                    MessageKind.PERSONAL,
                    circle_ids[k % circles],
                    patient_of(k % circles) if (k // circles) % 2 == 0 else helper_of(k % circles),
                    NOW - timedelta(milliseconds=k),
                    NOW - timedelta(milliseconds=k) + PERSONAL_USEFUL_FOR,
                    text=f"Due now ({k})",
                )
                for k in range(count)
            ]
            ids = await _insert_returning_ids(connection, ScheduledMessage, rows)
        people = {patient_of(n) for n in range(circles)} | {helper_of(n) for n in range(circles)}
        calls_before = len(self.fake.calls_of("sendMessage"))
        private_before = sum(len(self.fake.bot_messages(user)) for user in people)
        pending_before = await self.pending()

        started = time.perf_counter()
        report = await self.scheduler.run_due()
        seconds = time.perf_counter() - started

        problems = []
        calls = self.fake.calls_of("sendMessage")[calls_before:]
        private = sum(len(self.fake.bot_messages(user)) for user in people) - private_before
        if report != RunReport(sent=count):
            problems.append(f"the scheduler reported {report}, not {count} sent")
        if private != count or len(calls) != count:
            problems.append(f"{private} private messages arrived ({len(calls)} sendMessage calls)")
        if any(call.status != 200 for call in calls):
            problems.append("the fake Bot API refused some messages")
        if self.fake.violations:
            problems.append(f"Bot API contract broken: {self.fake.violations[:3]}")
        async with self.engine.connect() as connection:
            result = await connection.execute(
                select(col(ScheduledMessage.state), func.count())
                .where(col(ScheduledMessage.id).in_(ids))
                .group_by(col(ScheduledMessage.state))
            )
            states = {str(state): n or 0 for state, n in map(tuple, result.all())}
        if states != {MessageState.SENT.value: count}:
            problems.append(f"the {count} rows are {states}, not all sent")
        pending_after = await self.pending()
        if pending_after != pending_before - count:
            problems.append(
                f"{pending_before - count - pending_after} future rows were touched as well"
            )
        return seconds, report, problems


# ---------------------------------------------------------------------- database


def add_database_url_option(parser: argparse.ArgumentParser) -> None:
    """--database-url as the benches that fill their own scratch database take it."""
    parser.add_argument(
        "--database-url",
        default=None,
        type=async_database_url,  # postgresql://… becomes postgresql+asyncpg://…
        help="a PostgreSQL server (a scratch database is made there and dropped); "
        "default: a temporary SQLite file",
    )


@asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """A SQLite file in a temporary folder; or the SQLite file given (checked to be new);
    or a scratch database on the PostgreSQL server of the URL given, dropped afterwards."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    if url.startswith("sqlite"):
        yield url
        return
    server = make_url(url)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"carecircle_bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


# ---------------------------------------------------------------------- report


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:6.3f} / {pair[1]:6.3f}"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_table(sizes: list[SizeFigures], send: tuple[int, float], circles: int) -> None:
    small, large = sizes[0], sizes[-1]
    width = 20
    target = f"< {TARGET_FIND_MS:g} ms"
    print()
    print(
        f"{'p50 / p99 ms, or as named':<40}"
        + "".join(f"{f'{s.pending:,} pending':>{width}}" for s in sizes)
        + "  target"
    )
    rows: list[tuple[str, list[str], str]] = [
        ("next_due query", [_ms(s.next_due_query) for s in sizes], target),
        ("take_due query, nothing due", [_ms(s.take_due_query) for s in sizes], target),
        ("next_due in its own session", [_ms(s.next_due) for s in sizes], ""),
        ("take_due in its own session + commit", [_ms(s.take_due) for s in sizes], ""),
        ("whole empty wake-up", [_ms(s.wake_up) for s in sizes], ""),
        ("wake-up tracemalloc peak (KiB)", [f"{s.peak_kib:.1f}" for s in sizes], "flat"),
        ("kept after 20 wake-ups (KiB)", [f"{s.retained_kib:.1f}" for s in sizes], "flat"),
        ("resident set size (MiB)", [f"{s.rss_mib:.1f}" for s in sizes], "flat"),
    ]
    for name, values, goal in rows:
        print(f"{name:<40}" + "".join(f"{v:>{width}}" for v in values) + f"  {goal}")
    due, seconds = send
    sending = f"{seconds:.3f} s, {seconds / due * 1000:.2f} ms/msg, {due / seconds:.0f} msg/s"
    print(f"{f'send {due} due in one wake-up':<40}{sending:>{width * len(sizes)}}")
    print()
    queries_ok = all(
        s.next_due_query[0] < TARGET_FIND_MS and s.take_due_query[0] < TARGET_FIND_MS for s in sizes
    )
    sessions_ok = all(
        s.next_due[0] < TARGET_FIND_MS and s.take_due[0] < TARGET_FIND_MS for s in sizes
    )
    print(f"find-due queries under {TARGET_FIND_MS:g} ms per wake-up (p50): {_met(queries_ok)}")
    print(f"  the same with a session and commit each, as the bot runs them: {_met(sessions_ok)}")
    if len(sizes) > 1:
        rss_flat = large.rss_mib - small.rss_mib <= FLAT_RSS_MIB
        peak_flat = large.peak_kib <= small.peak_kib * (1 + FLAT_PEAK_SHARE) + FLAT_PEAK_KIB
        print(
            f"memory flat from {small.pending:,} to {large.pending:,} pending rows "
            f"(RSS within {FLAT_RSS_MIB:g} MiB, wake-up peak within "
            f"{FLAT_PEAK_SHARE:.0%} + {FLAT_PEAK_KIB:g} KiB): {_met(rss_flat and peak_flat)}"
        )
    print(f"({circles:,} circles; RSS includes the in-process fake Bot API and Python itself)")


async def main(args: argparse.Namespace) -> int:
    sizes_wanted = [args.future]
    if 0 < args.compare < args.future:
        sizes_wanted = [args.compare, args.future]
    async with database(args.database_url) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            bench = Bench(url, engine, args.repeat)
            bench.meet(args.circles)
            await bench.app.initialize()
            database_kind = engine.dialect.name
            print(
                f"scheduler with future messages on {database_kind}; clock fixed at "
                f"{NOW:%Y-%m-%d %H:%M} UTC, rows due over the next {HORIZON.days} days, "
                f"{args.repeat} repetitions per figure"
            )
            sizes: list[SizeFigures] = []
            filled = 0
            for target in sizes_wanted:
                result = await fill(
                    FillPlan(url, args.circles, filled, target - filled, make_circles=filled == 0)
                )
                if filled == 0:
                    await bench.scheduler.prepare()  # each circle's next morning summary
                filled = target
                # PostgreSQL's autovacuum keeps statistics; SQLite has none unless asked.
                if database_kind == "postgresql" or args.analyze:
                    async with engine.begin() as connection:
                        await connection.exec_driver_sql("ANALYZE")
                print(
                    f"filled {result.rows:,} rows ({result.needs:,} needs) in "
                    f"{result.seconds:.1f} s in a child process"
                )
                figures = await bench.measure()
                sizes.append(figures)
                print(
                    f"  {figures.pending:,} pending: take_due query {_ms(figures.take_due_query)}"
                    f" ms, whole empty wake-up {_ms(figures.wake_up)} ms, "
                    f"RSS {figures.rss_mib:.1f} MiB"
                )
            print("\nquery plans of a wake-up:")
            for statement, lines in await bench.query_plans():
                print(f"  {statement[:150]}{' …' if len(statement) > 150 else ''}")
                for line in lines:
                    print(f"    {line}")
            seconds, report, problems = await bench.send_due(args.due, args.circles)
            print(
                f"\nsent {report.sent} due personal reminders in one wake-up: {seconds:.3f} s, "
                f"{seconds / args.due * 1000:.2f} ms per message, {args.due / seconds:.0f}/s"
            )
            print_table(sizes, (args.due, seconds), args.circles)
            await bench.app.shutdown()
        finally:
            await engine.dispose()
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    print(f"check: exactly {args.due} private messages arrived, all {args.due} rows are sent")
    return 0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scheduler",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--future", type=int, default=100_000, help="future pending rows (default 100000)"
    )
    parser.add_argument(
        "--compare",
        type=int,
        default=10_000,
        help="measure first with this many rows, then add the rest (default 10000; 0: off)",
    )
    parser.add_argument("--circles", type=int, default=1_000, help="circles (default 1000)")
    parser.add_argument(
        "--due", type=int, default=500, help="messages due now, sent in one wake-up (default 500)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1_000, help="wake-ups timed per figure (default 1000)"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on SQLite too after filling (the bot never does; PostgreSQL always)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a SQLite file that does not exist yet, or a PostgreSQL server "
        "(postgresql://…; a scratch database is made there and dropped). "
        "Default: a temporary SQLite file.",
    )
    args = parser.parse_args()
    if args.database_url is not None:
        try:
            args.database_url = async_database_url(args.database_url)
        except ValueError as error:
            parser.error(str(error))
        path = sqlite_path(args.database_url)
        if args.database_url.startswith("sqlite") and (path is None or path.exists()):
            parser.error(
                "--database-url: give a SQLite file that does not exist yet (it is filled "
                "with bench rows), or leave it out for a temporary one"
            )
    if args.future < 1 or args.circles < 1 or args.due < 1 or args.repeat < 1:
        parser.error("--future, --circles, --due and --repeat must be at least 1")
    return args


if __name__ == "__main__":
    began = time.perf_counter()
    code = asyncio.run(main(_parse()))
    print(f"total {time.perf_counter() - began:.1f} s")
    raise SystemExit(code)
