"""What the operator sees: log lines that say which update and circle they belong to and
never a secret, a start-up line, and a health check that tells a live bot from a stuck one."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from bot.__main__ import startup_line
from bot.app import build_application
from bot.health import Health, HealthServer
from bot.logs import log_handler, note_circle, update_scope
from bot.settings import Settings
from bot.updates import UpdateProcessor
from storage.db import create_engine
from tests.conftest import ANNA, MARIA, TOKEN, Circle, make_settings
from tests.fake_telegram import FakeRequest, FakeTelegram

SECRET = "webhook_SECRET-for-operations-tests"
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO bot\.scheduler (?P<rest>.*)$")


@contextmanager
def captured(log_format: str = "text", level: int = logging.INFO) -> Iterator[io.StringIO]:
    """The bot's own log handler, writing to a string, on a logger of the bot."""
    stream = io.StringIO()
    handler = log_handler(TOKEN, log_format=log_format, webhook_secret=SECRET, stream=stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


# ---------------------------------------------------------------- structured logs


def test_a_line_says_which_update_and_circle_it_belongs_to() -> None:
    log = logging.getLogger("bot.scheduler")
    with captured() as stream:
        log.info("before")
        with update_scope(123):
            log.info("no circle yet")
            note_circle(4)
            log.info("sent %d messages", 2)
        log.info("after")
    rests = [LINE.match(line) for line in lines(stream)]
    assert [m.group("rest") if m else None for m in rests] == [
        "before",
        "update=123 no circle yet",
        "update=123 circle=4 sent 2 messages",
        "after",
    ]


async def test_work_started_by_an_update_does_not_claim_it_once_it_is_done() -> None:
    log = logging.getLogger("bot.scheduler")
    go = asyncio.Event()

    async def later() -> None:
        await go.wait()
        log.info("a timer set during the update")

    with captured() as stream:
        with update_scope(7):
            note_circle(3)
            task = asyncio.create_task(later())  # inherits the update's context
        go.set()
        await task
    assert lines(stream)[0].endswith("INFO bot.scheduler a timer set during the update")


def test_json_lines_carry_the_ids_and_never_a_secret() -> None:
    log = logging.getLogger("telegram.ext.ExtBot")
    with captured("json") as stream, update_scope(55):
        note_circle(9)
        log.info("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
        log.info("setWebhook with parameters %s", {"secret_token": SECRET})
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
        except RuntimeError:
            log.exception("could not reach Telegram")
    entries = [json.loads(line) for line in lines(stream)]
    assert [e["message"] for e in entries] == [
        "Set Bot API URL: https://api.telegram.org/bot<token>",
        "setWebhook with parameters {'secret_token': '<webhook-secret>'}",
        "could not reach Telegram",
    ]
    assert {(e["update"], e["circle"], e["level"]) for e in entries} == {
        (55, 9, "INFO"),
        (55, 9, "ERROR"),
    }
    assert "bot<token>/getMe failed" in entries[2]["exception"]
    assert TOKEN not in stream.getvalue() and SECRET not in stream.getvalue()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entries[0]["time"])


def test_text_lines_never_carry_a_secret_either() -> None:
    with captured() as stream:
        logging.getLogger("httpx").warning("POST https://x/bot%s/setWebhook %s", TOKEN, SECRET)
    assert lines(stream)[0].endswith(
        "WARNING httpx POST https://x/bot<token>/setWebhook <webhook-secret>"
    )


async def test_each_update_is_handled_in_its_scope_and_its_circle_is_named(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up(ANNA)
    processor = circle.app.update_processor
    assert isinstance(processor, UpdateProcessor)
    caplog.set_level(logging.DEBUG, logger="telegram.ext.ExtBot")
    with captured(level=logging.DEBUG) as stream:
        for raw in (
            circle.fake.user_sends(MARIA.id, circle.group_id, "/board"),
            circle.fake.user_sends(ANNA.id, ANNA.id, "/help"),
        ):
            update = Update.de_json(raw, circle.app.bot)
            # As PTB's update fetcher does it.
            await processor.process_update(update, circle.app.process_update(update))
    sends = [line for line in lines(stream) if "Calling Bot API endpoint `sendMessage`" in line]
    ids = [re.search(r" update=(\d+)(?: circle=(\d+))? ", line) for line in sends]
    assert len(ids) == 2 and all(ids)
    (group_update, group_circle), (private_update, private_circle) = [
        m.groups() for m in ids if m is not None
    ]
    assert int(private_update) == int(group_update) + 1
    # Anna is in one circle, so her private chat is about it too.
    assert group_circle is not None and private_circle == group_circle
    assert processor.last_processed_at is not None


async def test_a_group_set_up_a_moment_ago_is_named_in_its_next_lines(circle: Circle) -> None:
    processor = circle.app.update_processor

    async def circle_named_when(person_id: int, text: str) -> str | None:
        with captured(level=logging.DEBUG) as stream:
            update = Update.de_json(
                circle.fake.user_sends(person_id, circle.group_id, text), circle.app.bot
            )
            await processor.process_update(update, circle.app.process_update(update))
        sends = [line for line in lines(stream) if "Calling Bot API endpoint `sendMessage`" in line]
        found = re.search(r" circle=(\d+) ", sends[-1])
        return found.group(1) if found else None

    assert await circle_named_when(MARIA.id, "/help") is None  # no circle here yet
    await circle.set_up(ANNA)
    first = await circle_named_when(MARIA.id, "/board")
    assert first is not None
    # Asked again a moment later, the answer comes from memory and is the same.
    assert await circle_named_when(ANNA.id, "/board") == first


# ---------------------------------------------------------------- start-up line


def test_the_start_up_line_says_mode_database_and_zone_and_no_secret() -> None:
    polling = make_settings(
        "postgresql://carecircle:hunter2pass@db:5432/carecircle", default_timezone="Europe/Vienna"
    )
    assert startup_line(polling) == (
        "CareCircle starting: mode=polling database=PostgreSQL timezone=Europe/Vienna "
        "api=https://api.telegram.org health=off"
    )
    webhook = make_settings(
        "sqlite:///x.sqlite3",
        webhook_url="https://bot.example.org/tg",
        webhook_secret=SECRET,
        health_port=8080,
    )
    line = startup_line(webhook)
    assert line == (
        "CareCircle starting: mode=webhook database=SQLite timezone=Europe/Berlin "
        "api=https://api.telegram.org webhook=https://bot.example.org/tg listen=0.0.0.0:8443 "
        "health=http://127.0.0.1:8080/healthz"
    )
    assert "hunter2pass" not in startup_line(polling) and SECRET not in line


# ---------------------------------------------------------------- health


async def test_a_live_bot_is_healthy_and_says_when_it_last_handled_an_update(
    circle: Circle,
) -> None:
    health = Health(circle.app, "polling", clock=circle.clock)
    report = await health.check()
    assert (report.status_code, report.as_json()) == (
        200,
        {
            "status": "ok",
            "mode": "polling",
            "uptime_seconds": 0,
            "last_update_at": None,
            "database": "ok",
            "scheduler": {"last_run_at": None, "overdue": 0},
            "problems": [],
        },
    )
    update = Update.de_json(circle.fake.user_sends(MARIA.id, MARIA.id, "/start"), circle.app.bot)
    await circle.app.update_processor.process_update(update, circle.app.process_update(update))
    assert (await health.check()).as_json()["last_update_at"] is not None


async def test_overdue_messages_and_a_silent_scheduler_make_it_unhealthy(circle: Circle) -> None:
    health = Health(circle.app, "webhook", clock=circle.clock)
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")

    # Anna's "24 h before" reminder was due at 13:00 UTC; nobody sent it.
    circle.clock.set(datetime(2026, 11, 25, 13, 3, tzinfo=UTC))
    report = await health.check()
    assert report.status_code == 503
    assert report.problems == [
        "1 scheduled messages are overdue",
        "the scheduler has not run since start-up",
    ]

    await circle.tick()  # the scheduler wakes and sends it
    health.scheduler_ran_at = circle.clock.now()
    report = await health.check()
    assert report.status_code == 200, report.problems
    assert report.as_json()["scheduler"] == {"last_run_at": "2026-11-25T13:03:00Z", "overdue": 0}

    circle.clock.advance(timedelta(minutes=3))
    assert (await health.check()).problems == [
        "the scheduler has not run since 2026-11-25T13:03:00Z"
    ]


async def test_the_health_check_hears_the_scheduler_run(circle: Circle) -> None:
    health = Health(circle.app, "polling", clock=circle.clock)
    job_queue = circle.app.job_queue
    assert job_queue is not None
    await job_queue.start()
    try:

        async def tick(_context: Any) -> None:
            return None

        job_queue.run_once(tick, when=0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while health.scheduler_ran_at is None:  # waiting for the JobQueue, not for time
            assert loop.time() < deadline, "the job never ran"
            await asyncio.sleep(0.01)
    finally:
        await job_queue.stop()
    assert health.scheduler_ran_at == circle.clock.now()


@pytest.fixture
async def unreachable_database_app(fake: FakeTelegram, tmp_path: Any) -> AsyncIterator[Health]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'folder' / 'db.sqlite3'}"
    engine = create_engine(url)
    application = build_application(make_settings(url), engine, request=FakeRequest(fake))
    yield Health(application, "polling")
    await engine.dispose()


async def test_an_unreachable_database_makes_it_unhealthy(
    unreachable_database_app: Health,
) -> None:
    report = await unreachable_database_app.check()
    assert report.status_code == 503
    assert report.as_json()["database"] == "unreachable"
    assert report.problems == ["the database does not answer (OperationalError)"]


async def test_get_healthz_answers_with_json_200_or_503(
    circle: Circle, unreachable_database_app: Health
) -> None:
    healthy = HealthServer(Health(circle.app, "polling", clock=circle.clock))
    failing = HealthServer(unreachable_database_app)
    ok_port = await healthy.start("127.0.0.1", 0)
    bad_port = await failing.start("127.0.0.1", 0)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            ok = await client.get(f"http://127.0.0.1:{ok_port}/healthz")
            bad = await client.get(f"http://127.0.0.1:{bad_port}/healthz")
            elsewhere = await client.get(f"http://127.0.0.1:{ok_port}/")
    finally:
        await healthy.stop()
        await failing.stop()
    assert (ok.status_code, ok.json()["status"]) == (200, "ok")
    assert ok.headers["content-type"] == "application/json"
    assert (bad.status_code, bad.json()["status"]) == (503, "failing")
    assert elsewhere.status_code == 404


def test_env_example_lists_every_setting_and_works_once_the_token_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    written = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert written == {name.upper() for name in Settings.model_fields}
    for name in written:
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n"))
    settings = Settings(_env_file=env_file)
    assert settings.token == TOKEN
    assert settings.mode == "polling" and settings.health_port is None
