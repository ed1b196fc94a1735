"""How long the real handlers take per update, through the in-process fake Bot API.

    .venv/bin/python -m bench.interactions [--needs N]

Prints p50/p99 per kind of update (post a need, claim it, /board) on a SQLite file, beside a
bare python-telegram-bot echo handler through the same fake as the yardstick."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.clock import ManualClock
from bot.settings import Settings
from storage.db import create_engine, migrate
from tests.fake_telegram import FakeRequest, FakeTelegram

TOKEN = "7000000001:AAHbenchTOKENforCareCircle_0123456789"
GROUP = -1001000000001
PATIENT, HELPER = 101, 102


def _figures(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<14} n={len(samples):<5} p50={statistics.median(ordered) * 1000:7.2f} ms  "
        f"p99={p99 * 1000:7.2f} ms  rate={len(samples) / sum(samples):8.1f}/s"
    )


async def _timed(feed: Callable[[dict[str, Any]], Awaitable[None]], raw: dict[str, Any]) -> float:
    started = time.perf_counter()
    await feed(raw)
    return time.perf_counter() - started


async def _echo_yardstick(fake: FakeTelegram, rounds: int) -> list[float]:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app = Application.builder().token(TOKEN).request(FakeRequest(fake)).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()

    async def feed(raw: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(raw, app.bot))

    samples = []
    for n in range(rounds):
        samples.append(await _timed(feed, fake.user_sends(HELPER, GROUP, f"hello {n}")))
    await app.shutdown()
    return samples


async def main(rounds: int) -> None:
    fake = FakeTelegram(token=TOKEN)
    fake.add_user(PATIENT, "Maria")
    fake.add_user(HELPER, "Anna")
    fake.add_group(GROUP, "Maria's helpers", supergroup=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = create_engine(url)
        await migrate(engine)
        settings = Settings(telegram_bot_token=TOKEN, database_url=url, _env_file=None)
        clock = ManualClock(datetime(2026, 11, 25, 9, tzinfo=UTC))
        app: Application[Any, Any, Any, Any, Any, Any] = build_application(
            settings,
            engine,
            clock=clock,
            request=FakeRequest(fake),
            rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        )
        await app.initialize()

        async def feed(raw: dict[str, Any]) -> None:
            await app.process_update(Update.de_json(raw, app.bot))

        await feed(fake.user_sends(PATIENT, PATIENT, "/start"))
        await feed(fake.user_sends(HELPER, HELPER, "/start"))
        await feed(fake.user_sends(PATIENT, GROUP, "/setup"))
        post, claim, board = [], [], []
        for n in range(rounds):
            raw = fake.user_sends(PATIENT, GROUP, "/need ride to neurology tomorrow 14:00")
            post.append(await _timed(feed, raw))
            card = fake.last_message(GROUP)
            raw = fake.user_presses(HELPER, GROUP, card.message_id, button_text="🙋 I'll do it")
            claim.append(await _timed(feed, raw))
            if n % 10 == 0:
                board.append(await _timed(feed, fake.user_sends(HELPER, GROUP, "/board")))
        await app.shutdown()
        await engine.dispose()
    echo = await _echo_yardstick(fake, rounds)
    print(f"{rounds} needs posted and claimed on SQLite, in-process fake Bot API")
    for name, samples in (("echo (PTB)", echo), ("post /need", post), ("claim", claim)):
        print(_figures(name, samples))
    print(_figures("/board", board))
    print(f"claim / echo p50 ratio: {statistics.median(claim) / statistics.median(echo):.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=300)
    asyncio.run(main(parser.parse_args().needs))
