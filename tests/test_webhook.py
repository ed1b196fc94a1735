"""Webhook mode, end to end on 127.0.0.1: the real `python -m bot` sets its webhook at the
fake Telegram, which posts updates to it with the secret header, as Telegram does. A post
without the secret, or with another one, is refused and never handled."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.settings import Settings
from tests.conftest import ANNA, GROUP_ID, MARIA, TOKEN
from tests.fake_telegram import SECRET_HEADER, FakeTelegram, FakeTelegramHTTPServer, WebhookDelivery
from tests.test_end_to_end import PATIENCE, eventually, start_bot

SECRET = "carecircle-webhook_secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, str, WebhookDelivery]]:
    fake = FakeTelegram(token=TOKEN)
    fake.add_user(MARIA.id, MARIA.name)
    fake.add_user(ANNA.id, ANNA.name)
    fake.add_group(GROUP_ID, "Maria's helpers", supergroup=True)
    async with FakeTelegramHTTPServer(fake) as server, WebhookDelivery(fake) as delivery:
        yield fake, server.base_url, delivery


def forged(update_id: int, text: str) -> dict[str, Any]:
    """An update that did not come from Telegram: someone who found the webhook's address."""
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": 9999,
            "from": {"id": MARIA.id, "is_bot": False, "first_name": MARIA.name},
            "chat": {"id": GROUP_ID, "type": "supergroup", "title": "Maria's helpers"},
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


def log_entries(log: str) -> list[dict[str, Any]]:
    entries = []
    for line in log.splitlines():
        entry = json.loads(line)  # LOG_FORMAT=json: every line is one JSON object
        assert isinstance(entry, dict)
        entries.append(entry)
    return entries


async def test_a_circle_through_the_webhook_and_forged_posts_are_refused(
    telegram: tuple[FakeTelegram, str, WebhookDelivery], tmp_path: Path
) -> None:
    fake, api_url, delivery = telegram
    port, health_port = free_port(), free_port()
    webhook = f"http://127.0.0.1:{port}/telegram/hook"
    started = time.monotonic()
    bot = await start_bot(
        api_url,
        tmp_path / "carecircle.sqlite3",
        tmp_path,
        "webhook",
        {
            "WEBHOOK_URL": webhook,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "HEALTH_PORT": str(health_port),
            "LOG_FORMAT": "json",
        },
    )
    try:
        first = fake.user_sends(MARIA.id, MARIA.id, "/start")
        await eventually(lambda: delivery.delivered(first["update_id"]), "the first post taken")
        startup_seconds = time.monotonic() - started
        assert fake.webhook_url == webhook and fake.webhook_secret == SECRET
        assert fake.commands("all_group_chats"), "commands registered"

        async with httpx.AsyncClient(timeout=PATIENCE) as client:
            # Someone else posts to the webhook: no secret, then a guessed one.
            missing = await client.post(webhook, json=forged(1, "/need forged lunch Friday"))
            wrong = await client.post(
                webhook,
                json=forged(2, "/need forged dinner Friday"),
                headers={SECRET_HEADER: "guessed"},
            )
            assert (missing.status_code, wrong.status_code) == (403, 403)

            fake.user_sends(ANNA.id, ANNA.id, "/start")
            fake.user_sends(MARIA.id, GROUP_ID, "/setup")
            await eventually(
                lambda: any("care circle" in m.text for m in fake.bot_messages(GROUP_ID)), "setup"
            )
            fake.user_sends(MARIA.id, GROUP_ID, "/need ride to neurology tomorrow 14:00")
            await eventually(
                lambda: any("Asked by Maria" in m.text for m in fake.bot_messages(GROUP_ID)),
                "card",
            )
            card = [m for m in fake.bot_messages(GROUP_ID) if "Asked by Maria" in m.text][-1]
            fake.user_presses(ANNA.id, GROUP_ID, card.message_id, button_text="🙋 I'll do it")
            await eventually(
                lambda: "Claimed by Anna" in fake.message(GROUP_ID, card.message_id).text, "claim"
            )
            await eventually(
                lambda: any(
                    "Anna will give you a ride" in m.text for m in fake.bot_messages(MARIA.id)
                ),
                "Maria told",
            )

            health = await client.get(f"http://127.0.0.1:{health_port}/healthz")
            assert health.status_code == 200, health.text
            report = health.json()
            assert report["status"] == "ok" and report["mode"] == "webhook"
            assert report["database"] == "ok" and report["last_update_at"] is not None
            assert report["scheduler"]["overdue"] == 0
            # The webhook server takes nothing but Telegram's posts.
            assert (await client.get(webhook)).status_code == 405
        assert bot.process.returncode is None
    finally:
        log = await bot.stop()
    # The forged needs were never handled: no card, no draft, nothing.
    assert not any("forged" in m.text for m in fake.messages(GROUP_ID))
    assert [d.status for d in delivery.deliveries if d.status is not None] == [200] * len(
        [d for d in delivery.deliveries if d.status is not None]
    )
    assert fake.violations == []

    assert TOKEN not in log and SECRET not in log, "a secret leaked into the log"
    entries = log_entries(log)
    [startup] = [e for e in entries if e["message"].startswith("CareCircle starting:")]
    assert startup["message"] == (
        f"CareCircle starting: mode=webhook database=SQLite timezone=Europe/Berlin "
        f"api={api_url} webhook={webhook} listen=127.0.0.1:{port} "
        f"health=http://127.0.0.1:{health_port}/healthz"
    )
    assert startup["level"] == "INFO" and startup["time"].endswith("Z")
    # While an update is handled, every line names it, and its circle once there is one.
    sends = [e for e in entries if "Calling Bot API endpoint `sendMessage`" in e["message"]]
    assert sends and all("update" in e for e in sends)
    assert any("circle" in e for e in sends)
    print(f"webhook mode: first update taken {startup_seconds:.2f} s after start")


def test_the_webhook_path_comes_from_the_url_unless_given() -> None:
    def settings(**values: Any) -> Settings:
        return Settings(telegram_bot_token=TOKEN, webhook_secret=SECRET, _env_file=None, **values)

    assert settings().mode == "polling"
    hooked = settings(webhook_url="https://bot.example.org/tg/hook")
    assert (hooked.mode, hooked.webhook_url_path) == ("webhook", "/tg/hook")
    assert settings(webhook_url="https://bot.example.org").webhook_url_path == "/"
    proxied = settings(webhook_url="https://bot.example.org/tg/hook", webhook_path="hook/")
    assert proxied.webhook_url_path == "/hook"
    assert hooked.webhook_listen == "0.0.0.0" and hooked.webhook_port == 8443
    assert hooked.health_port is None


@pytest.mark.parametrize("busy", ["WEBHOOK_PORT", "HEALTH_PORT"])
async def test_a_port_in_use_stops_start_up_with_one_clear_line(
    busy: str, telegram: tuple[FakeTelegram, str, WebhookDelivery], tmp_path: Path
) -> None:
    _fake, api_url, _delivery = telegram
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = {"WEBHOOK_PORT": str(free_port()), "HEALTH_PORT": str(free_port())}
        ports[busy] = str(taken.getsockname()[1])
        bot = await start_bot(
            api_url,
            tmp_path / "carecircle.sqlite3",
            tmp_path,
            "busy",
            {
                "WEBHOOK_URL": f"http://127.0.0.1:{ports['WEBHOOK_PORT']}/hook",
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_LISTEN": "127.0.0.1",
                **ports,
            },
        )
        code = await asyncio.wait_for(bot.process.wait(), PATIENCE)
    last = bot.log_path.read_text().strip().splitlines()[-1]
    assert code == 2
    where = f"127.0.0.1:{ports[busy]} (Address already in use)"
    if busy == "WEBHOOK_PORT":
        assert last == (
            f"CareCircle cannot start: cannot listen for Telegram's webhook posts on {where}; "
            "change WEBHOOK_PORT or WEBHOOK_LISTEN."
        )
    else:
        assert last == (
            f"CareCircle cannot start: cannot serve the health check on {where}; "
            "change HEALTH_PORT or HEALTH_LISTEN."
        )
