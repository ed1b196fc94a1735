"""The bot's footprint with a whole society chapter in the database: start-up time to
polling and resident memory.

    .venv/bin/python -m bench.footprint [--circles 10000] [--future 100000] [--down-days N]
                                        [--database-url URL]

Fills a database (a temporary SQLite file, or a scratch database on the PostgreSQL server
given) with `--circles` circles and `--future` scheduled messages due over the next 30 days
(bench.scheduler's filling, in a child process), serves the fake Bot API over HTTP on
127.0.0.1 and starts the bot the way a person does: `python -m bot` with TELEGRAM_API_URL
pointing at the fake. Start-up is the time from starting the process to its first
getUpdates (migrations checked, commands registered, polling; the morning summaries are
planned by a job that starts at the same moment);
memory is the process's resident set (VmRSS, and its peak VmHWM) once it has polled for
a few seconds and its scheduler has swept. Started twice: the first start plans every
circle's morning summary; the second finds them planned, as every later start does.

With `--down-days N` the messages were planned N days before the bot starts, as after N
days down: the first start catches up (drops what is too late, sends what is still useful,
late) while it is measured.

Targets: under 150 MB resident and under 2 s to polling."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.scheduler import TOKEN, FillPlan, add_database_url_option, database, fill
from storage.db import create_engine, migrate
from tests.fake_telegram import FakeTelegram, FakeTelegramHTTPServer

REPO = Path(__file__).resolve().parent.parent
TARGET_MB, TARGET_SECONDS = 150.0, 2.0
SETTLE_SECONDS = 4.0  # polling, and the scheduler's first sweep (1 s after start)


def memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (peak), in MB (10^6 bytes)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024 / 1e6
    return values["VmRSS"], values["VmHWM"]


async def start_once(
    url: str, api_url: str, fake: FakeTelegram, folder: Path
) -> tuple[float, float, float]:
    """(seconds to the first getUpdates, RSS MB, peak RSS MB) of one start."""
    polled = asyncio.Event()

    def observe(method: str, _params: object) -> None:
        if method == "getUpdates":
            polled.set()

    # As the first getUpdates arrives: its answer comes a long-poll timeout later.
    fake.arrivals.append(observe)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=url,
        DEFAULT_TIMEZONE="Europe/Berlin",
        LOG_LEVEL="INFO",
        POLLING_TIMEOUT="1",
        PYTHONPATH=str(REPO),
    )
    log = folder / "bot.log"
    started = time.perf_counter()
    with log.open("a") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=folder, env=env, stdout=out, stderr=out
        )
    try:
        waiting = asyncio.ensure_future(polled.wait())
        ended = asyncio.ensure_future(process.wait())
        await asyncio.wait({waiting, ended}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
        if not polled.is_set():
            ended.cancel()
            waiting.cancel()
            raise RuntimeError(f"the bot did not start polling; its log:\n{log.read_text()}")
        seconds = time.perf_counter() - started
        ended.cancel()
        await asyncio.sleep(SETTLE_SECONDS)
        rss, peak = memory_mb(process.pid)
    finally:
        fake.arrivals.remove(observe)
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
    return seconds, rss, peak


async def import_seconds() -> tuple[float, float]:
    """(Python starting and stopping, importing the bot): the least of three runs each."""
    code = (
        "import time; t = time.perf_counter(); import bot.__main__; print(time.perf_counter() - t)"
    )
    bare, imports = [], []
    for _ in range(3):
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "pass", env={**os.environ, "PYTHONPATH": str(REPO)}
        )
        await process.wait()
        bare.append(time.perf_counter() - began)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        imports.append(float(out.decode().strip()))
    return min(bare), min(imports)


async def main(args: argparse.Namespace) -> int:
    async with database(args.database_url) as url:
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()
        # `python -m bot` runs on the real clock: the rows are planned from the real now, so
        # that they are all still to come when it starts, whatever the day of the run (or
        # from --down-days before it).
        planned_at = datetime.now(UTC) - timedelta(days=args.down_days)
        plan = FillPlan(url, args.circles, 0, args.future, make_circles=True, now=planned_at)
        result = await fill(plan)
        if url.startswith("postgresql"):
            engine = create_engine(url)
            async with engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
            await engine.dispose()
        print(
            f"filled {args.circles:,} circles and {result.rows:,} future scheduled messages "
            f"({result.needs:,} needs) in {result.seconds:.1f} s, in a child process"
        )
        fake = FakeTelegram(token=TOKEN)
        plain_url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
        with tempfile.TemporaryDirectory() as folder:
            async with FakeTelegramHTTPServer(fake) as server:
                runs = []
                for label in ("first start (then plans the summaries)", "second start"):
                    seconds, rss, peak = await start_once(
                        plain_url, server.base_url, fake, Path(folder)
                    )
                    runs.append((seconds, rss, peak))
                    print(
                        f"{label:<44} {seconds:5.2f} s to polling, RSS {rss:6.1f} MB "
                        f"(peak {peak:6.1f} MB)"
                    )
    bare, imports = await import_seconds()
    print(
        f"of which: Python itself starts and stops in {bare:.2f} s; importing the bot's "
        f"modules takes {imports:.2f} s"
    )
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    slowest = max(r[0] for r in runs)
    largest = max(r[2] for r in runs)
    print(
        f"\n`python -m bot` on {kind} against the fake Bot API over HTTP on 127.0.0.1; "
        f"measured {SETTLE_SECONDS:g} s after the first getUpdates"
    )
    print(
        f"start-up to polling: {slowest:.2f} s at most (target < {TARGET_SECONDS:g} s: "
        f"{'met' if slowest < TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"resident memory: {largest:.1f} MB at its peak (target < {TARGET_MB:g} MB: "
        f"{'met' if largest < TARGET_MB else 'MISSED'})"
    )
    return 0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.footprint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--circles", type=int, default=10_000, help="default 10000")
    parser.add_argument("--future", type=int, default=100_000, help="default 100000")
    parser.add_argument(
        "--down-days",
        type=float,
        default=0.0,
        help="plan the messages this many days before the bot starts (default 0)",
    )
    add_database_url_option(parser)
    args = parser.parse_args()
    if args.circles < 1 or args.future < 1:
        parser.error("--circles and --future must be at least 1")
    if args.down_days < 0:
        parser.error("--down-days cannot be negative")
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(_parse())))
