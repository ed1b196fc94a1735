"""With several replicas on PostgreSQL, one at a time sends scheduled messages, so together
they keep to Telegram's limits as one bot (storage/scheduled.sending_turn)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from storage.models import MessageKind, MessageState, ScheduledMessage
from storage.scheduled import SENDING_TURN_LOCK, sending_turn
from tests.conftest import ANNA, Circle

pytestmark = pytest.mark.postgresql_only


async def plant_reminders(circle: Circle, count: int, due_in: timedelta) -> None:
    now = circle.clock.now()
    async with circle.sm() as session:
        session.add_all(
            ScheduledMessage(
                kind=MessageKind.PERSONAL,
                recipient_id=ANNA.id,
                due_at=now + due_in,
                expires_at=now + due_in + timedelta(hours=12),
                text=f"Water the tomatoes ({n})",
                created_at=now,
            )
            for n in range(count)
        )
        await session.commit()


def reminders_to_anna(circle: Circle) -> list[str]:
    return [m.text for m in circle.private(ANNA) if "You asked me" in m.text]


async def test_while_another_replica_sends_this_one_leaves_it_and_takes_over_after(
    circle: Circle, database_url: str
) -> None:
    await circle.set_up(ANNA)
    await plant_reminders(circle, 3, due_in=timedelta(0))
    # Another replica, in the middle of its run: it holds the turn on its own connection.
    other_replica = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        assert await other_replica.fetchval("SELECT pg_try_advisory_lock($1)", SENDING_TURN_LOCK)
        report = await circle.tick()
        assert report.another_run and report.sent == 0
        assert reminders_to_anna(circle) == []
        pending = {r.state for r in await circle.scheduled() if r.kind == MessageKind.PERSONAL}
        assert pending == {MessageState.PENDING}, "nothing taken while it was not our turn"
    finally:
        # That replica stops, or dies: its turn goes with its connection.
        await other_replica.close()

    report = await circle.tick()
    assert (report.sent, report.another_run) == (3, False)
    assert len(reminders_to_anna(circle)) == 3


async def test_a_replica_waiting_its_turn_does_not_wake_itself_again_and_again(
    circle: Circle, database_url: str
) -> None:
    await circle.set_up(ANNA)
    job_queue = circle.app.job_queue
    assert job_queue is not None
    circle.scheduler.attach(job_queue)  # as at start-up; the queue itself is not running
    await plant_reminders(circle, 2, due_in=timedelta(0))
    await plant_reminders(circle, 1, due_in=timedelta(hours=1))
    other_replica = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        assert await other_replica.fetchval("SELECT pg_try_advisory_lock($1)", SENDING_TURN_LOCK)
        await circle.scheduler._on_job(None)  # type: ignore[arg-type]  # a wake-up, as the job runs it
        # What is due now is the other replica's to send. Waking for it would run this job
        # at once, and again, for as long as the other's run lasts.
        assert circle.scheduler.wake_at is None
    finally:
        await other_replica.close()

    await circle.scheduler._on_job(None)  # type: ignore[arg-type]
    assert len(reminders_to_anna(circle)) == 2
    assert circle.scheduler.wake_at == circle.clock.now() + timedelta(hours=1)


async def test_a_turn_whose_connection_broke_ends_quietly_and_the_next_run_has_it(
    circle: Circle, database_url: str
) -> None:
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        async with sending_turn(circle.sm) as ours:
            assert ours
            # PostgreSQL restarts, or the network drops the connection, mid-run.
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        async with sending_turn(circle.sm) as ours:
            assert ours
    finally:
        await admin.close()
