"""Is the bot alive? ``GET /healthz`` on HEALTH_PORT answers the operator (or Docker, or a
load balancer) with JSON: 200 when all is well, 503 with the problems otherwise.

It checks that the database answers, that the scheduler's clock is still ticking, and that no
scheduled message is overdue (due a while ago and still waiting); it also says when the last
update was handled (a quiet night is not a problem, so that is only reported)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import tornado.web
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy import func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.clock import Clock, SystemClock
from bot.context import AppContext
from bot.scheduler import SWEEP_EVERY
from bot.updates import UpdateProcessor
from storage.db import SessionMaker
from storage.models import MessageState, ScheduledMessage

log = logging.getLogger(__name__)

# The scheduler sweeps every 30 seconds: a message still waiting two minutes after its time,
# or a clock silent for that long, means something is stuck.
OVERDUE_AFTER = timedelta(minutes=2)
SILENT_AFTER = 4 * SWEEP_EVERY
DATABASE_PATIENCE = 5.0  # seconds


@dataclass
class HealthReport:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "failing",
            **self.facts,
            "problems": self.problems,
        }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


async def count_overdue(sm: SessionMaker, before: datetime) -> int:
    async with sm() as session:
        await session.execute(text("SELECT 1"))
        rows = await session.exec(
            select(func.count())
            .select_from(ScheduledMessage)
            .where(
                col(ScheduledMessage.state) == MessageState.PENDING,
                col(ScheduledMessage.due_at) <= before,
            )
        )
        return int(rows.one())


class Health:
    """What the running bot knows about itself, and the check built on it."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        mode: str,
        clock: Clock | None = None,
    ) -> None:
        self.application = application
        self.mode = mode
        self.clock = clock or SystemClock()
        self.started_at = self.clock.now()
        self.scheduler_ran_at: datetime | None = None
        if application.job_queue is not None:
            # Every job of the bot's JobQueue is the scheduler's (sweep, wake-up, digests).
            application.job_queue.scheduler.add_listener(
                self._scheduler_ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
            )

    def _scheduler_ran(self, _event: object) -> None:
        self.scheduler_ran_at = self.clock.now()

    @property
    def last_update_at(self) -> datetime | None:
        processor = self.application.update_processor
        if isinstance(processor, UpdateProcessor):
            return processor.last_processed_at
        return None

    async def check(self) -> HealthReport:
        now = self.clock.now()
        report = HealthReport()
        report.facts.update(
            mode=self.mode,
            uptime_seconds=int((now - self.started_at).total_seconds()),
            last_update_at=_iso(self.last_update_at),
        )
        context = cast(AppContext, self.application.bot_data["app"])
        try:
            overdue: int | None = await asyncio.wait_for(
                count_overdue(context.sm, now - OVERDUE_AFTER), DATABASE_PATIENCE
            )
            report.facts["database"] = "ok"
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            overdue = None
            report.facts["database"] = "unreachable"
            report.problems.append(f"the database does not answer ({type(error).__name__})")
        if overdue:
            report.problems.append(f"{overdue} scheduled messages are overdue")
        ran = self.scheduler_ran_at
        if (ran or self.started_at) < now - SILENT_AFTER:
            since = "since start-up" if ran is None else f"since {_iso(ran)}"
            report.problems.append(f"the scheduler has not run {since}")
        report.facts["scheduler"] = {"last_run_at": _iso(ran), "overdue": overdue}
        return report


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        report = await self.health.check()
        if not report.healthy:
            log.warning("health check failing: %s", "; ".join(report.problems))
        self.set_status(report.status_code)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(report.as_json()))


class HealthServer:
    """A tiny HTTP server (tornado, which the webhook server runs on too) for GET /healthz.

    It has its own port because PTB's webhook server takes no extra routes."""

    def __init__(self, health: Health) -> None:
        app = tornado.web.Application(
            [(r"/healthz", _HealthHandler, {"health": health})],
            log_function=lambda _handler: None,  # probes every few seconds are not news
        )
        self._server = HTTPServer(app)
        self.port: int | None = None

    async def start(self, listen: str, port: int) -> int:
        sockets = bind_sockets(port, address=listen)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
