"""The real `python -m bot`, started as a person would start it, against the fake Telegram
served over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.conftest import ANNA, GROUP_ID, MARIA, TOKEN
from tests.fake_telegram import FakeTelegram, FakeTelegramHTTPServer

REPO = Path(__file__).resolve().parent.parent
# Waiting for another process (not driving our own clock): bounded, checked often.
PATIENCE = 30.0


async def eventually(check: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class RunningBot:
    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    async def stop(self) -> str:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), PATIENCE)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.log_path.read_text()


def bot_env(api_url: str, database: Path | str) -> dict[str, str]:
    """`database` is a SQLite file, or a whole URL (a PostgreSQL database)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=database if isinstance(database, str) else f"sqlite:///{database}",
        DEFAULT_TIMEZONE="Europe/Berlin",
        LOG_LEVEL="DEBUG",
        POLLING_TIMEOUT="1",
        PYTHONPATH=str(REPO),
    )
    return env


async def start_bot(
    api_url: str,
    database: Path | str,
    workdir: Path,
    name: str,
    extra_env: dict[str, str] | None = None,
) -> RunningBot:
    log_path = workdir / f"{name}.log"
    env = bot_env(api_url, database)
    env.update(extra_env or {})
    with log_path.open("w") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=log_file,
        )
    return RunningBot(process, log_path)


@pytest.fixture
async def fake_server() -> AsyncIterator[FakeTelegramHTTPServer]:
    fake = FakeTelegram(token=TOKEN)
    fake.add_user(MARIA.id, MARIA.name)
    fake.add_user(ANNA.id, ANNA.name)
    fake.add_group(GROUP_ID, "Maria's helpers", supergroup=True)
    server = FakeTelegramHTTPServer(fake)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def served_fake(fake_server: FakeTelegramHTTPServer) -> tuple[FakeTelegram, str]:
    return fake_server.fake, fake_server.base_url


@pytest.mark.both_databases
async def test_setup_post_and_claim_through_the_real_entry_point(
    served_fake: tuple[FakeTelegram, str], tmp_path: Path, database_url: str
) -> None:
    fake, url = served_fake
    # SQLite in a folder that does not exist yet (start-up makes it), or a PostgreSQL database.
    postgres = database_url.startswith("postgresql")
    database: Path | str = database_url if postgres else tmp_path / "data" / "carecircle.sqlite3"
    bot = await start_bot(url, database, tmp_path, "first")
    try:
        await eventually(lambda: bool(fake.commands("all_group_chats")), "commands registered")

        fake.user_sends(MARIA.id, MARIA.id, "/start")
        fake.user_sends(ANNA.id, ANNA.id, "/start")
        fake.user_sends(MARIA.id, GROUP_ID, "/setup")
        await eventually(
            lambda: any("care circle" in m.text for m in fake.bot_messages(GROUP_ID)), "setup"
        )
        fake.user_sends(MARIA.id, GROUP_ID, "/need ride to neurology tomorrow 14:00")
        await eventually(
            lambda: any("Asked by Maria" in m.text for m in fake.bot_messages(GROUP_ID)), "card"
        )
        card = [m for m in fake.bot_messages(GROUP_ID) if "Asked by Maria" in m.text][-1]
        fake.user_presses(ANNA.id, GROUP_ID, card.message_id, button_text="🙋 I'll do it")
        await eventually(
            lambda: "Claimed by Anna" in fake.message(GROUP_ID, card.message_id).text, "claim"
        )
        await eventually(
            lambda: any("Anna will give you a ride" in m.text for m in fake.bot_messages(MARIA.id)),
            "Maria told",
        )
    finally:
        log = await bot.stop()
    assert fake.violations == []
    assert TOKEN not in log, "the bot token leaked into the log"
    kind = "PostgreSQL" if postgres else "SQLite"
    assert f"CareCircle starting: mode=polling database={kind} timezone=Europe/Berlin" in log
    assert "health=off" in log
    # Lines written while an update is handled say which update and circle they belong to.
    assert re.search(r"Z DEBUG \S+ update=\d+ circle=\d+ Calling Bot API endpoint `send", log)

    # A second start on the same database keeps everything.
    again = await start_bot(url, database, tmp_path, "second")
    try:
        fake.user_sends(ANNA.id, GROUP_ID, "/board")
        await eventually(
            lambda: any("Maria's board" in m.text for m in fake.bot_messages(GROUP_ID)), "board"
        )
    finally:
        log = await again.stop()
    board = [m for m in fake.bot_messages(GROUP_ID) if "Maria's board" in m.text][-1]
    assert "ride to neurology" in board.text and "🙋 Anna" in board.text
    assert TOKEN not in log


async def run_once(env_changes: dict[str, str | None], tmp_path: Path) -> tuple[int, str]:
    env = bot_env("http://127.0.0.1:9", tmp_path / "db.sqlite3")
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), PATIENCE)
    assert process.returncode is not None
    return process.returncode, err.decode()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"TELEGRAM_BOT_TOKEN": None}, "TELEGRAM_BOT_TOKEN is not set"),
        (
            {"TELEGRAM_BOT_TOKEN": "not-a-token"},
            "TELEGRAM_BOT_TOKEN does not look like a bot token",
        ),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE 'Mars/Olympus' is not an IANA"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with sqlite:///"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET is not set"),
        (
            {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "no spaces"},
            "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
        ),
        (
            {"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s3cret"},
            "WEBHOOK_URL must be the public https:// address",
        ),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT: Input should be less than or equal to 65535"),
        ({"HEALTH_PORT": "http"}, "HEALTH_PORT: Input should be a valid integer"),
    ],
)
async def test_a_bad_setting_stops_start_up_with_one_clear_line(
    changes: dict[str, str | None], expected: str, tmp_path: Path
) -> None:
    code, err = await run_once(changes, tmp_path)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("CareCircle cannot start: ")
    assert expected in lines[0]


async def test_unreachable_telegram_stops_with_one_line_and_no_token(tmp_path: Path) -> None:
    code, err = await run_once({"POLLING_TIMEOUT": "0"}, tmp_path)
    assert code == 2
    assert "cannot reach Telegram at http://127.0.0.1:9" in err
    assert TOKEN not in err


async def test_polling_carries_on_after_network_errors(
    fake_server: FakeTelegramHTTPServer, tmp_path: Path
) -> None:
    """Telegram unreachable for a while (a dropped connection, a 502 from its proxy) while
    polling: PTB retries getUpdates, the bot keeps running and answers the next message."""
    fake = fake_server.fake
    bot = await start_bot(fake_server.base_url, tmp_path / "db.sqlite3", tmp_path, "flaky")
    try:
        await eventually(lambda: bool(fake.calls_of("getUpdates")), "polling started")
        fake_server.drop_next("getUpdates")
        fake.fail_next("getUpdates", 502, "Bad Gateway")
        await eventually(
            lambda: any(c.status == 502 for c in fake.calls_of("getUpdates")), "both errors seen"
        )
        assert fake_server.dropped == ["getUpdates"]
        fake.user_sends(MARIA.id, MARIA.id, "/start")
        await eventually(lambda: bool(fake.bot_messages(MARIA.id)), "Maria answered")
        assert bot.process.returncode is None, "the bot stopped"
    finally:
        log = await bot.stop()
    # One calm line each, no traceback: PTB tries again by itself.
    assert "Telegram could not be reached (Bad Gateway); trying again" in log
    assert "Server disconnected without sending a response" in log
    assert "Traceback" not in log
    assert TOKEN not in log
    assert fake.violations == []
