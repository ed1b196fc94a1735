"""The clock that sends what is due. The database holds every scheduled message; this only
wakes up (at the next due time, and on a short sweep), takes due rows atomically, hands
each to the Deliverer and records what happened. Nothing scheduled lives only in memory.

Exactly once: a row is taken (pending → sending) by one conditional UPDATE before it is
sent, and a taken row is never taken again. A graceful stop finishes the messages being
sent and puts the untried ones back. A process killed in the middle of a send leaves that
row "sending"; it is later marked unsure and logged, never sent twice."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from sqlalchemy.exc import IntegrityError
from telegram.ext import CallbackContext, Job, JobQueue

from bot.clock import Clock
from bot.delivery import Deliverer, Outcome
from bot.pacing import replying
from bot.services import checkin_schedules, reminders, series, weekly_summary
from storage import people
from storage import scheduled as store
from storage.db import SessionMaker
from storage.models import Circle, MessageKind, MessageState, ScheduledMessage

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(seconds=30)
FIRST_SWEEP_AFTER = timedelta(seconds=1)
# Later than this after its time, a message says it is late (the bot was down).
LATE_AFTER = timedelta(minutes=15)
TRY_AGAIN_IN = timedelta(minutes=1)
MAX_TRIES = 5
# A row left "sending" this long belongs to a process that stopped mid-send.
STUCK_AFTER = timedelta(minutes=30)
BATCH = 200
# Messages to different chats go out side by side; the rate limiter paces them (one a
# second per chat, 30 a second in all), so more chats than that are kept going at once.
PARALLEL_CHATS = 64
DIGEST_CHECK_EVERY = timedelta(hours=1)
SUPERSEDABLE = frozenset({MessageKind.REMINDER, MessageKind.NUDGE, MessageKind.FOLLOW_UP})


@dataclass
class RunReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0
    put_back: int = 0
    held: int = 0
    # Another run was sending (here, or in another replica: storage/scheduled.sending_turn),
    # so this one did nothing; that one wakes for what is still due when it ends.
    another_run: bool = False

    def count(self, outcome: Outcome) -> None:
        if outcome.try_again:
            self.retried += 1
        elif outcome.state == MessageState.SENT:
            self.sent += 1
        elif outcome.state == MessageState.SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1


def _destination(row: ScheduledMessage) -> tuple[str, int]:
    if row.recipient_id is not None:
        return ("person", row.recipient_id)
    return ("circle", row.circle_id or 0)


class Scheduler:
    def __init__(self, sm: SessionMaker, clock: Clock, deliverer: Deliverer) -> None:
        self.sm = sm
        self.clock = clock
        self.deliverer = deliverer
        self._lock = asyncio.Lock()
        self._stopping = False
        self._job_queue: JobQueue[Any] | None = None
        self._wake_job: Job[Any] | None = None
        self._wake_at: datetime | None = None

    async def prepare(self) -> None:
        """At start-up: every circle's morning summary is planned."""
        planned = await reminders.ensure_digests(self.sm, self.clock.now())
        if planned:
            log.info("planned %d morning summaries", planned)
        planned = await weekly_summary.ensure_planned(self.sm, self.clock.now())
        if planned:
            log.info("planned %d weekly summaries for coordinators", planned)
        planned = await series.ensure_planned(self.sm, self.clock.now())
        if planned:
            log.info("planned the next date of %d repeating needs", planned)

    def attach(self, job_queue: JobQueue[Any]) -> None:
        self._job_queue = job_queue
        self._stopping = False
        # Jobs added before the JobQueue starts are timed from now: a first run "at once"
        # would be in the past when it starts, and APScheduler would skip it.
        job_queue.run_repeating(
            self._on_job, interval=SWEEP_EVERY, first=FIRST_SWEEP_AFTER, name="scheduler-sweep"
        )
        # Planning every circle's next summary is done by this job, not before polling: with
        # 10,000 circles it takes a while, and updates need not wait for it.
        job_queue.run_repeating(
            self._on_digest_check,
            interval=DIGEST_CHECK_EVERY,
            first=FIRST_SWEEP_AFTER,
            name="scheduler-digests",
        )

    async def _on_job(self, _context: CallbackContext[Any, Any, Any, Any]) -> None:
        report = await self.run_due()
        if not report.another_run:
            # Not while another run sends: what is due now would wake this job at once, again
            # and again, for as long as that run lasts (minutes, in the 08:00 storm).
            await self.wake()

    async def _on_digest_check(self, _context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.prepare()
        await self.wake()  # for what was just planned

    async def wake(self) -> None:
        """Be awake at the next due time. Called after anything that may plan a message."""
        if self._job_queue is None or self._stopping:
            return
        async with self.sm() as session:
            due = await store.next_due(session)
        if due is None:
            return
        now = self.clock.now()
        if self._wake_at is not None and self._wake_at <= due and self._wake_at > now:
            return  # already awake in time
        if self._wake_job is not None:
            with suppress(JobLookupError):  # it has already run
                self._wake_job.schedule_removal()
        delay = max((due - now).total_seconds(), 0.0)
        self._wake_at = due
        self._wake_job = self._job_queue.run_once(self._on_job, when=delay, name="scheduler-wake")

    @property
    def wake_at(self) -> datetime | None:
        """When the one-shot wake-up was last set for (the sweep runs regardless)."""
        return self._wake_at

    async def stop(self) -> None:
        """Finish the messages being sent now, put back the rest, and send no more."""
        self._stopping = True
        async with self._lock:
            pass

    async def run_due(self) -> RunReport:
        report = RunReport()
        if self._lock.locked():
            report.another_run = True  # it keeps going until nothing is due
            return report
        async with self._lock, store.sending_turn(self.sm) as ours:
            if not ours:
                log.debug("another replica is sending scheduled messages")
                report.another_run = True
                return report
            now = self.clock.now()
            await self._set_aside(now, report)
            while not self._stopping:
                now = self.clock.now()
                async with self.sm() as session:
                    rows = await store.take_due(session, now, BATCH)
                    await session.commit()
                if not rows:
                    break
                await self._send_batch(rows, now, report)
                if len(rows) < BATCH:
                    break
        if report.sent or report.failed or report.dropped or report.put_back:
            log.info("scheduled messages: %s", report)
        return report

    async def _set_aside(self, now: datetime, report: RunReport) -> None:
        async with self.sm() as session:
            unsure = await store.mark_unsure(session, now - STUCK_AFTER)
            for row in unsure:
                log.warning(
                    "%s message %s was being sent when the bot stopped; not sending it again",
                    row.kind,
                    row.id,
                )
            await self._plan_after(session, unsure, now)
            await session.commit()
        # After days down there may be tens of thousands: a batch at a time, so memory
        # stays that of one batch. Each is named at INFO (why did Anna get no reminder?);
        # the operator's warning is one line for them all.
        kinds: Counter[str] = Counter()
        earliest: datetime | None = None
        while not self._stopping:
            async with self.sm() as session:
                dropped = await store.drop_expired(session, now, BATCH)
                for row in dropped:
                    log.info(
                        "dropped %s message %s due %s: too late to be useful",
                        row.kind,
                        row.id,
                        row.due_at,
                    )
                    kinds[str(row.kind)] += 1
                    earliest = row.due_at if earliest is None else min(earliest, row.due_at)
                await self._plan_after(session, dropped, now)
                await session.commit()
            report.dropped += len(dropped)
            if len(dropped) < BATCH:
                break
        if kinds:
            log.warning(
                "dropped %d scheduled messages too late to be useful (%s), due since %s",
                kinds.total(),
                ", ".join(f"{count} {kind}" for kind, count in kinds.most_common()),
                earliest,
            )

    async def _plan_after(
        self, session: Any, rows: Sequence[ScheduledMessage], now: datetime
    ) -> None:
        """A morning summary, however it ended, is followed by the next morning's; a
        scheduled check-in by the next one."""
        for row in rows:
            if row.kind == MessageKind.DIGEST and row.circle_id is not None:
                circle = await session.get(Circle, row.circle_id)
                if circle is not None:
                    await reminders.plan_next_digest(session, circle, max(now, row.due_at))
            elif row.kind in (MessageKind.CHECK_IN, MessageKind.HOLDING_UP):
                await checkin_schedules.plan_after(session, row, now)

    async def _send_batch(
        self, rows: Sequence[ScheduledMessage], now: datetime, report: RunReport
    ) -> None:
        rows = await self._skip_superseded(rows, now, report)
        rows = await self._hold_for_dormant_circles(rows, report)
        # One chat's messages go in order; different chats in parallel.
        by_chat: dict[tuple[str, int], list[ScheduledMessage]] = defaultdict(list)
        for row in rows:
            by_chat[_destination(row)].append(row)
        gate = asyncio.Semaphore(PARALLEL_CHATS)

        async def send_chat(chat_rows: list[ScheduledMessage]) -> None:
            async with gate:
                for row in chat_rows:
                    await self._send_one(row, report)

        # The chats with the most messages start first: a chat gets one a second, so its
        # last message would otherwise keep the whole batch waiting at the end.
        chats = sorted(by_chat.values(), key=len, reverse=True)
        # Background work: a reply to someone tapping now goes ahead of these (even when a
        # handler's wake-up armed this job and its context came along).
        with replying(False):
            await asyncio.gather(*(send_chat(chat_rows) for chat_rows in chats))

    async def _hold_for_dormant_circles(
        self, rows: Sequence[ScheduledMessage], report: RunReport
    ) -> list[ScheduledMessage]:
        """While the bot is out of a circle's group, its messages wait; a person's own
        /remind reminders are theirs and still come."""
        circle_ids = {row.circle_id for row in rows if row.circle_id is not None}
        if not circle_ids:
            return list(rows)
        async with self.sm() as session:
            dormant = await people.dormant_among(session, circle_ids)
            held = [
                row for row in rows if row.circle_id in dormant and row.kind != MessageKind.PERSONAL
            ]
            if held:
                await store.hold(session, [row.id for row in held if row.id is not None])
                await session.commit()
        report.held += len(held)
        held_ids = {row.id for row in held}
        return [row for row in rows if row.id not in held_ids]

    async def _skip_superseded(
        self, rows: Sequence[ScheduledMessage], now: datetime, report: RunReport
    ) -> list[ScheduledMessage]:
        """After down-time, the "24 h before" and "2 h before" reminders of one need can be
        due together: only the latest is worth sending."""
        latest: dict[tuple[str, int, int | None], ScheduledMessage] = {}
        for row in rows:
            if row.need_id is not None and row.kind in SUPERSEDABLE:
                latest[(row.kind, row.need_id, row.recipient_id)] = row  # rows come oldest first
        keep = [
            row
            for row in rows
            if row.need_id is None
            or row.kind not in SUPERSEDABLE
            or latest[(row.kind, row.need_id, row.recipient_id)] is row
        ]
        kept = {row.id for row in keep}
        skipped = [row.id for row in rows if row.id not in kept and row.id is not None]
        if skipped:
            async with self.sm() as session:
                for message_id in skipped:
                    await store.finish(session, message_id, MessageState.SKIPPED, now, late=True)
                await session.commit()
            report.skipped += len(skipped)
        return keep

    async def _send_one(self, row: ScheduledMessage, report: RunReport) -> None:
        assert row.id is not None
        if self._stopping:
            async with self.sm() as session:
                await store.put_back(session, [row.id])
                await session.commit()
            report.put_back += 1
            return
        now = self.clock.now()
        late = now - row.due_at > LATE_AFTER
        try:
            outcome = await self.deliverer.deliver(row, now, late)
        except Exception:
            # A bug in one message must not stop the others; it is not tried again.
            log.exception("could not send %s message %s", row.kind, row.id)
            outcome = Outcome(MessageState.FAILED)
        report.count(outcome)
        async with self.sm() as session:
            if (
                outcome.try_again
                and row.tries + 1 < MAX_TRIES
                and now + TRY_AGAIN_IN < row.expires_at
            ):
                await store.try_again_at(session, row.id, now + TRY_AGAIN_IN)
            else:
                state = MessageState.FAILED if outcome.try_again else outcome.state
                await store.finish(session, row.id, state, now, late)
                follow_ons = reminders.rows_for(outcome.then, row, now)
                await store.add_messages(session, follow_ons)
                await self._plan_after(session, [row], now)
            try:
                await session.commit()
            except IntegrityError:
                # Its circle was deleted while it was being sent: record it, plan nothing.
                await session.rollback()
                await store.finish(session, row.id, outcome.state, now, late)
                await session.commit()
