"""The test bench: a fake Telegram, a database, a driven clock and the real Application.

Tests speak as people: `await circle.say(anna, "/need …")`, `await circle.press(anna, card,
"🙋 I'll do it")`, then look at what each person sees in the fake's chats."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.app import build_application, register_commands
from bot.categories import Category
from bot.clock import ManualClock
from bot.context import AppContext
from bot.scheduler import RunReport, Scheduler
from bot.services.needs import NeedCard
from bot.settings import Settings, async_database_url
from bot.timeparse import Precision, When
from storage import scheduled
from storage.db import SessionMaker, create_engine, migrate, session_maker
from storage.models import Need, NeedHelper, NeedStatus, ScheduledMessage
from tests.fake_telegram import FakeMessage, FakeRequest, FakeTelegram

TOKEN = "7000000001:AAHfakeTOKENforCareCircleTests_0123456"
# Wednesday 25 November 2026, 10:00 in Berlin.
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
GROUP_ID = -1001000000001


@dataclass(frozen=True)
class Person:
    id: int
    name: str


MARIA = Person(101, "Maria")  # the person the circle supports
TOM = Person(102, "Tom")  # her husband, a coordinator
ANNA = Person(103, "Anna")
BEN = Person(104, "Ben")
CARL = Person(105, "Carl")


def a_card(**changes: Any) -> NeedCard:
    """A need's card as the renderers get it, for tests of texts and buttons alone: Maria's
    open dinner in the group, with no time, no helper and no message yet, unless changed."""
    card = NeedCard(
        id=1,
        circle_id=1,
        chat_id=GROUP_ID,
        category=Category.MEAL,
        description="dinner",
        when=When(Precision.NONE),
        status=NeedStatus.OPEN,
        requested_by=MARIA.id,
        requester_name="Maria",
        patient_id=MARIA.id,
        patient_name="Maria",
        claimer_id=None,
        claimer_name=None,
        cancelled_by_name=None,
        card_chat_id=None,
        card_message_id=None,
        timezone="Europe/Berlin",
    )
    return replace(card, **changes)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "database_url": database_url,
        "default_timezone": "Europe/Berlin",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


AppFactory = Callable[[], Application[Any, Any, Any, Any, Any, Any]]


class Circle:
    """One family group and the bot, driven update by update."""

    def __init__(
        self,
        fake: FakeTelegram,
        application: Application[Any, Any, Any, Any, Any, Any],
        clock: ManualClock,
        sm: SessionMaker,
        factory: AppFactory,
        group_id: int = GROUP_ID,
    ) -> None:
        self.fake = fake
        self.factory = factory
        self.app = application
        self.clock = clock
        self.sm = sm
        self.group_id = group_id

    async def restart(self) -> None:
        """Stop the bot (gracefully) and start a new Application on the same database."""
        await self.scheduler.stop()
        await self.app.shutdown()
        self.app = self.factory()
        await self.app.initialize()
        await self.scheduler.prepare()

    @property
    def scheduler(self) -> Scheduler:
        return cast(AppContext, self.app.bot_data["app"]).scheduler

    async def tick(self) -> RunReport:
        """The scheduler wakes up now and sends whatever is due."""
        return await self.scheduler.run_due()

    async def run_until(self, when: datetime) -> None:
        """Time passes with the bot running: each message goes out at its own time."""
        while True:
            async with self.sm() as session:
                due = await scheduled.next_due(session)
            if due is None or due > when:
                break
            self.clock.set(max(due, self.clock.now()))
            await self.tick()
        self.clock.set(when)
        await self.tick()

    async def run_for(self, delta: timedelta) -> None:
        await self.run_until(self.clock.now() + delta)

    async def scheduled(self) -> list[ScheduledMessage]:
        async with self.sm() as session:
            rows = await session.exec(select(ScheduledMessage).order_by(col(ScheduledMessage.id)))
            return list(rows.all())

    async def only_need(self) -> Need:
        """The one need stored (a story that posts just one)."""
        async with self.sm() as session:
            return (await session.exec(select(Need))).one()

    async def need_versions(self) -> dict[int, int]:
        """Each need's version: how many changes its card has shown."""
        async with self.sm() as session:
            rows = await session.exec(select(Need.id, Need.version))
            return {need_id: version for need_id, version in rows.all() if need_id is not None}

    async def helper_rows(self) -> list[tuple[int, str]]:
        """Who holds a place or stands by, as (person, role), in the order they came."""
        async with self.sm() as session:
            rows = await session.exec(select(NeedHelper).order_by(col(NeedHelper.id)))
            return [(row.user_id, row.role) for row in rows.all()]

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(
        self, person: Person, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> None:
        chat = self.group_id if chat_id is None else chat_id
        await self.feed(self.fake.user_sends(person.id, chat, text, reply_to_message_id=reply_to))

    async def say_privately(self, person: Person, text: str, reply_to: int | None = None) -> None:
        await self.say(person, text, chat_id=person.id, reply_to=reply_to)

    async def press(
        self, person: Person, message: FakeMessage, button_text: str
    ) -> tuple[str | None, bool] | None:
        """Press a button on a message as shown now; returns the callback answer (text, alert)."""
        update = self.fake.user_presses(
            person.id, message.chat_id, message.message_id, button_text=button_text
        )
        await self.feed(update)
        answer = self.fake.callback_answer_for(update["callback_query"]["id"])
        return (answer[1], answer[2]) if answer else None

    def group(self) -> list[FakeMessage]:
        return self.fake.messages(self.group_id)

    def last_in_group(self) -> FakeMessage:
        return self.fake.last_message(self.group_id)

    def private(self, person: Person) -> list[FakeMessage]:
        return [m for m in self.fake.private_messages(person.id) if m.from_bot]

    def card(self, words: str) -> FakeMessage:
        """The current state of the need card whose text contains these words."""
        cards = [
            m for m in self.group() if m.from_bot and words in m.text and "\nAsked by " in m.text
        ]
        assert cards, f"no card with {words!r} in the group: {[m.text for m in self.group()]}"
        return cards[-1]

    async def start_privately(self, person: Person) -> None:
        await self.say_privately(person, "/start")

    async def set_up(self, *members: Person, patient: Person = MARIA) -> None:
        """Maria sets the group up; everyone named writes once and starts the bot privately."""
        await self.say(patient, "/setup")
        for person in (patient, *members):
            if person != patient:
                await self.say(person, "Hello everyone")
            await self.start_privately(person)


@pytest.fixture
def fake() -> FakeTelegram:
    telegram = FakeTelegram(token=TOKEN)
    for person in (MARIA, TOM, ANNA, BEN, CARL):
        telegram.add_user(person.id, person.name)
    telegram.add_group(GROUP_ID, "Maria's helpers", supergroup=True)
    return telegram


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# .ci/run starts a PostgreSQL server and points this at it; without it, the PostgreSQL runs
# are skipped (and CI refuses to run without it).
POSTGRES_ADMIN_URL = os.environ.get("CARECIRCLE_TEST_POSTGRES_URL", "")
if not POSTGRES_ADMIN_URL and os.environ.get("CI"):
    raise RuntimeError("CI must provide CARECIRCLE_TEST_POSTGRES_URL (see .ci/run)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_databases: run the test on SQLite and again on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "postgresql_only: run the test on PostgreSQL alone (what only replicas do)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgresql_only"):
        metafunc.parametrize("database_kind", ["postgresql"])
    elif metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database_kind", ["sqlite", "postgresql"])


@pytest.fixture
def database_kind() -> str:
    return "sqlite"


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    if not POSTGRES_ADMIN_URL:
        pytest.skip("no PostgreSQL server configured")
    name = f"carecircle_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield async_database_url(f"{base}/{name}")
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def database_url(tmp_path: Path, database_kind: str) -> AsyncIterator[str]:
    if database_kind == "postgresql":
        async with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'carecircle.sqlite3'}"


@pytest.fixture
def connections() -> int | None:
    """How many database connections the bot may hold at once; None: the pool's default."""
    return None


@pytest.fixture
async def engine(
    database_url: str, clock: ManualClock, connections: int | None
) -> AsyncIterator[AsyncEngine]:
    # How long a PostgreSQL connection sat in the pool follows the story's clock too.
    engine = create_engine(
        database_url, clock=lambda: clock.now().timestamp(), connections=connections
    )
    await migrate(engine)
    yield engine
    await engine.dispose()


def quiet_rate_limiter() -> AIORateLimiter:
    # No pacing in tests (they send bursts on purpose), but 429s are still waited out.
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


@pytest.fixture
async def circle(
    fake: FakeTelegram, clock: ManualClock, engine: AsyncEngine, database_url: str
) -> AsyncIterator[Circle]:
    def factory() -> Application[Any, Any, Any, Any, Any, Any]:
        return build_application(
            make_settings(database_url),
            engine,
            clock=clock,
            request=FakeRequest(fake),
            rate_limiter=quiet_rate_limiter(),
        )

    application = factory()
    await application.initialize()
    await register_commands(application)
    await cast(AppContext, application.bot_data["app"]).scheduler.prepare()
    story = Circle(fake, application, clock, session_maker(engine), factory)
    yield story
    await story.app.shutdown()
    assert fake.violations == [], "the bot broke the Bot API contract"
