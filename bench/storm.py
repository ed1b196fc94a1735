"""A reminder storm: many scheduled messages due in the same minute, sent to a fake Bot API
that enforces Telegram's limits and answers 429 beyond them.

    .venv/bin/python -m bench.storm [--messages 10000] [--chats 2000] [--speedup 3]
                                    [--database-url URL] [--stop-after SECONDS]

Half the chats are circles' groups, nudged about open needs; the other half are helpers,
reminded privately of needs they took (by default 1,000 groups × 5 nudges and 1,000 people
× 5 reminders, due at random seconds of one minute). The real Scheduler, Deliverer,
Notifier and the bot's own pacing rate limiter send them in-process to the fake, whose
limits are Telegram's: 30 messages a second overall, 20 a minute per group, one a second
per chat. `--speedup S` divides every period by S on both sides (the ratios are what
count).

Checks: every message arrived exactly once, no 429 was answered, and the time taken is
within 1.10x of the least the limits allow for this mix (computed and printed).
`--stop-after` stops the scheduler part-way (as a shutdown does), checks that nothing was
lost or left half-sent, then starts a new scheduler that sends the rest."""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from telegram.ext import Application

from bench.scheduler import (
    NOW,
    TOKEN,
    Row,
    _insert,
    _insert_returning_ids,
    _make_circles,
    _message,
    add_database_url_option,
    database,
    group_of,
    helper_of,
    patient_of,
)
from bot.app import build_application
from bot.clock import ManualClock
from bot.context import AppContext
from bot.delivery import Deliverer
from bot.pacing import PacingRateLimiter
from bot.scheduler import RunReport, Scheduler
from bot.settings import Settings
from storage.db import create_engine, migrate, session_maker
from storage.models import (
    Circle,
    MessageKind,
    MessageState,
    Need,
    NeedHelper,
    NeedStatus,
    ScheduledMessage,
)
from tests.fake_telegram import FakeRequest, FakeTelegram, FloodLimits

OVERALL, GROUP_PER_MINUTE, CHAT = 30, 20, 1
TARGET = 1.10


@dataclass(frozen=True)
class Mix:
    groups: dict[int, int]  # chat id → messages
    people: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.groups.values()) + sum(self.people.values())


def minimum_seconds(mix: Mix, speedup: float) -> tuple[float, str]:
    """The least time from the first message to the last that the limits allow, and which
    limit sets it. With N messages at most 30 in any second, the last can go no earlier
    than ceil(N/30) - 1 seconds after the first; a chat with k messages needs k - 1 seconds;
    a group with k also (ceil(k/20) - 1) minutes."""
    bounds = {"overall 30/s": (math.ceil(mix.total / OVERALL) - 1) * 1.0}
    chat = max([*mix.groups.values(), *mix.people.values()], default=1)
    bounds["1/s per chat"] = (chat - 1) / CHAT
    group = max(mix.groups.values(), default=1)
    bounds["20/min per group"] = (math.ceil(group / GROUP_PER_MINUTE) - 1) * 60.0
    limit = max(bounds, key=lambda k: bounds[k])
    return bounds[limit] / speedup, limit


async def seed(connection: AsyncConnection, circles: int, messages: int, seed: int) -> Mix:
    """`circles` circles; half the messages nudge their groups about open needs, half remind
    their helpers of needs they took; all due within the minute before NOW."""
    await _make_circles(connection, circles)
    result = await connection.execute(select(col(Circle.id)).order_by(col(Circle.id)))
    circle_ids = [cid for cid in result.scalars().all() if cid is not None]
    rnd = random.Random(seed)
    starts = NOW + timedelta(hours=20)
    needs: list[Row] = []
    for k in range(messages):
        n = k % circles
        claimed = (k // circles) % 2 == 1
        needs.append(
            {
                "circle_id": circle_ids[n],
                "category": "ride",
                "description": f"Ride to the neurologist ({k})",
                "precision": "exact",
                "starts_at": starts + timedelta(minutes=k % 600),
                "ends_at": None,
                "when_label": None,
                "status": (NeedStatus.CLAIMED if claimed else NeedStatus.OPEN).value,
                "requested_by": patient_of(n),
                "claimer_id": helper_of(n) if claimed else None,
                "claimed_at": NOW - timedelta(days=1) if claimed else None,
                "done_at": None,
                "cancelled_at": None,
                "cancelled_by": None,
                "card_chat_id": group_of(n),
                "card_message_id": None,
                "created_at": NOW - timedelta(days=2),
                "places": 1,
                "taken": 1 if claimed else 0,
            }
        )
    need_ids = await _insert_returning_ids(connection, Need, needs)
    helpers = [
        {
            "need_id": need_id,
            "user_id": need["claimer_id"],
            "role": "helper",
            "claimed_at": need["claimed_at"],
        }
        for need, need_id in zip(needs, need_ids, strict=True)
        if need["claimer_id"] is not None
    ]
    await _insert(connection, NeedHelper, helpers)
    rows: list[Row] = []
    groups: Counter[int] = Counter()
    people: Counter[int] = Counter()
    for k, (need, need_id) in enumerate(zip(needs, need_ids, strict=True)):
        due = NOW - timedelta(seconds=60 * rnd.random())
        claimer = need["claimer_id"]
        kind = MessageKind.REMINDER if claimer else MessageKind.NUDGE
        rows.append(
            _message(
                kind, need["circle_id"], claimer, due, need["starts_at"], need_id=need_id, lead=k
            )
        )
        if claimer:
            people[claimer] += 1
        else:
            groups[group_of(k % circles)] += 1
    rows.sort(key=lambda row: row["due_at"])
    await _insert(connection, ScheduledMessage, rows)
    return Mix(dict(groups), dict(people))


def meet(fake: FakeTelegram, circles: int) -> None:
    for n in range(circles):
        for user_id, name in ((patient_of(n), "Maria"), (helper_of(n), "Anna")):
            fake.add_user(user_id, f"{name} {n}")
            fake.start_bot(user_id)
        fake.add_group(group_of(n), f"Circle {n}", supergroup=True)


def check_delivery(fake: FakeTelegram, mix: Mix, circles: int) -> list[str]:
    """Each need's message arrived once, in the right chat; nothing else was sent."""
    problems = []
    for chat_id, expected in (*mix.groups.items(), *mix.people.items()):
        texts = [m.text for m in fake.bot_messages(chat_id)]
        if len(texts) != expected:
            problems.append(f"chat {chat_id}: {len(texts)} messages, expected {expected}")
        needs = [t.split("(")[-1].split(")")[0] for t in texts]
        if len(set(needs)) != len(needs):
            problems.append(f"chat {chat_id}: a need's message arrived twice: {texts}")
    others = sum(len(fake.bot_messages(patient_of(n))) for n in range(circles))
    if others:
        problems.append(f"{others} messages went to the supported people")
    return problems


async def states(connection: AsyncConnection) -> dict[str, int]:
    result = await connection.execute(
        select(col(ScheduledMessage.state), func.count()).group_by(col(ScheduledMessage.state))
    )
    return {str(state): int(str(n)) for state, n in map(tuple, result.all())}


def _spread(times: Sequence[float]) -> str:
    return f"{len(times)} sent over {max(times) - min(times):.2f} s" if times else "none sent"


async def main(args: argparse.Namespace) -> int:
    circles = args.chats // 2
    speedup = args.speedup
    async with database(args.database_url) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            began = time.perf_counter()
            async with engine.begin() as connection:
                mix = await seed(connection, circles, args.messages, args.seed)
            print(
                f"seeded {circles:,} circles, {mix.total:,} needs and {mix.total:,} messages "
                f"due in one minute on {engine.dialect.name} in {time.perf_counter() - began:.1f} s"
            )
            fake = FakeTelegram(token=TOKEN)
            meet(fake, circles)
            limits = FloodLimits(OVERALL, GROUP_PER_MINUTE, CHAT, speedup=speedup)
            fake.limits = limits
            clock = ManualClock(NOW)  # fixed: every message is due, none is late
            settings = Settings(telegram_bot_token=TOKEN, database_url=url, _env_file=None)
            app: Application[Any, Any, Any, Any, Any, Any] = build_application(
                settings,
                engine,
                clock=clock,
                request=FakeRequest(fake),
                rate_limiter=PacingRateLimiter(OVERALL, GROUP_PER_MINUTE, CHAT, speedup=speedup),
            )
            await app.initialize()
            context = cast(AppContext, app.bot_data["app"])
            fake.calls.clear()
            minimum, limit = minimum_seconds(mix, speedup)
            print(
                f"{len(mix.groups):,} groups get {mix.total - sum(mix.people.values()):,} nudges, "
                f"{len(mix.people):,} people get {sum(mix.people.values()):,} reminders; "
                f"limits 30/s overall, 20/min per group, 1/s per chat, sped up {speedup:g}x"
            )
            print(f"least time the limits allow: {minimum:.2f} s (set by {limit})")

            report = RunReport()
            started = time.perf_counter()
            stop_seconds = None
            if args.stop_after is not None:
                run = asyncio.create_task(context.scheduler.run_due())
                await asyncio.sleep(args.stop_after)
                stopping = time.perf_counter()
                await context.scheduler.stop()
                stop_seconds = time.perf_counter() - stopping
                first = await run
                async with engine.connect() as connection:
                    halfway = await states(connection)
                print(
                    f"stopped after {args.stop_after:g} s: stop() took {stop_seconds:.2f} s; "
                    f"{first.sent:,} sent, {first.put_back:,} put back; rows now {halfway}"
                )
                if halfway.get(MessageState.SENDING.value):
                    print("FAILED: rows were left half-sent", file=sys.stderr)
                    return 1
                # A new process would start here: a new scheduler on the same database.
                context.scheduler = Scheduler(
                    session_maker(engine), clock, Deliverer(session_maker(engine), context.notifier)
                )
                report = first
            second = await context.scheduler.run_due()
            seconds = time.perf_counter() - started
            for field in ("sent", "skipped", "failed", "retried", "held", "dropped"):
                setattr(report, field, getattr(report, field) + getattr(second, field))
            await app.shutdown()
            async with engine.connect() as connection:
                final = await states(connection)
        finally:
            await engine.dispose()

    accepted = [t for times in limits.accepted.values() for t in times]
    sends = fake.calls_of("sendMessage")
    problems = check_delivery(fake, mix, circles)
    if final != {MessageState.SENT.value: mix.total}:
        problems.append(f"rows are {final}, not all {mix.total} sent")
    if report.sent != mix.total:
        problems.append(f"the scheduler reported {report}")
    refused = len(limits.refusals)
    if refused:
        problems.append(f"{refused} answers were 429 ({Counter(r.limit for r in limits.refusals)})")
    if fake.violations:
        problems.append(f"Bot API contract broken: {fake.violations[:3]}")
    ratio = seconds / minimum if minimum else float("inf")
    print()
    print(f"sendMessage calls         {len(sends):,} ({refused} answered 429)")
    print(f"messages delivered        {_spread(accepted)}")
    print(f"time taken                {seconds:.2f} s  ({mix.total / seconds:.1f} messages/s)")
    print(f"least the limits allow    {minimum:.2f} s  ({limit})")
    print(
        f"ratio                     {ratio:.3f}x  (target ≤ {TARGET:.2f}x: "
        f"{'met' if ratio <= TARGET else 'MISSED'})"
    )
    if stop_seconds is not None:
        print(f"stop in the middle        took {stop_seconds:.2f} s; time above includes it")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    if not problems:
        print(
            f"check: all {mix.total:,} messages arrived exactly once, in the right chats; "
            "no 429; every row is sent"
        )
    return 1 if problems else 0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.storm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--messages", type=int, default=10_000, help="default 10000")
    parser.add_argument(
        "--chats", type=int, default=2_000, help="half groups, half people (default 2000)"
    )
    parser.add_argument(
        "--speedup",
        type=float,
        default=3.0,
        help="divide every limit's period by this, on the fake and the bot (default 3: "
        "10,000 messages in about 2 minutes; 1 is Telegram's real pace, about 6 minutes; "
        "above ~4 the bot's own cost per message, not the limits, sets the pace)",
    )
    parser.add_argument(
        "--stop-after", type=float, default=None, help="stop the scheduler after this many s"
    )
    parser.add_argument("--seed", type=int, default=7)
    add_database_url_option(parser)
    args = parser.parse_args()
    if args.chats < 2 or args.messages < args.chats or args.speedup <= 0:
        parser.error("--chats at least 2, --messages at least --chats, --speedup positive")
    return args


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(_parse())))
