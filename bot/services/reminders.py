"""Writing what the bot will say later. Called inside the transaction of the change that
causes it, so a claim and its reminders are stored together or not at all."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.categories import looks_medical
from bot.services import planning
from bot.services.planning import Planned
from bot.timeparse import Precision, When
from storage import needs as need_store
from storage import scheduled as store
from storage.db import SessionMaker
from storage.models import (
    Circle,
    CircleStatus,
    HelperRole,
    MessageKind,
    Need,
    NeedHelper,
    NeedStatus,
    ScheduledMessage,
)

NEED_KINDS = (
    MessageKind.REMINDER,
    MessageKind.NUDGE,
    MessageKind.FOLLOW_UP,
    MessageKind.APPOINTMENT,
)
# What a replan for some people only (a claim, a release) replaces: the person supported's
# offer of their report before an appointment (APPOINTMENT) stays as it is.
_PEOPLES_KINDS = tuple(kind for kind in NEED_KINDS if kind != MessageKind.APPOINTMENT)
# Enough for anyone's own reminders; a limit keeps one person from filling the table.
MAX_PERSONAL = 50
MAX_PERSONAL_TEXT = 500


def _rows(
    planned: Iterable[Planned],
    circle_id: int | None,
    need_id: int | None,
    now: datetime,
    text: str | None = None,
) -> list[ScheduledMessage]:
    return [item.row(circle_id, now, need_id=need_id, text=text) for item in planned]


def rows_for(
    planned: Iterable[Planned], cause: ScheduledMessage, now: datetime
) -> list[ScheduledMessage]:
    """Messages that follow from one just sent (the second "Did it happen?")."""
    return _rows(planned, cause.circle_id, cause.need_id, now)


def need_when(need: Need) -> When:
    return When(Precision(need.precision), need.starts_at, need.ends_at, need.when_label)


async def replan_need(
    session: AsyncSession,
    need: Need,
    circle: Circle,
    now: datetime,
    *,
    only_for: Collection[int] | None = None,
    held: Sequence[NeedHelper] | None = None,
) -> list[Planned]:
    """Replace what is still to come for this need with what its state calls for now: the
    group's nudges while a place is open, each helper's own reminders and "Did it happen?".
    With `only_for`, just those people's messages and the group's change (one helper took or
    gave back a place): everyone else's stay as they are. `held` is the need's helpers and
    backups when the caller has read them in this transaction already."""
    assert need.id is not None and circle.id is not None
    if held is None:
        held = await need_store.helpers_of(session, [need.id])
    helpers = list(need_store.people_in(held, HelperRole.HELPER))
    planned = planning.for_need(
        NeedStatus(need.status),
        need_when(need),
        ZoneInfo(circle.timezone),
        need.claimer_id,
        planning.parse_leads(circle.reminder_leads),
        planning.parse_leads(circle.nudge_leads),
        now,
        medical_for=circle.patient_id if looks_medical(need.description) else None,
        helpers=helpers,
    )
    if only_for is None:
        await store.remove_pending_for_need(session, need.id, NEED_KINDS)
    else:
        people = set(only_for)
        await store.remove_pending_for_people(session, need.id, people, _PEOPLES_KINDS)
        planned = [
            item
            for item in planned
            if item.kind in _PEOPLES_KINDS
            and (item.recipient_id is None or item.recipient_id in people)
        ]
    await store.add_messages(session, _rows(planned, circle.id, need.id, now))
    return planned


async def replan_circle(session: AsyncSession, circle: Circle, now: datetime) -> None:
    """After /settings changed the leads: every upcoming need gets its messages again."""
    assert circle.id is not None
    rows = await session.exec(
        select(Need).where(
            col(Need.circle_id) == circle.id,
            col(Need.status).in_([NeedStatus.OPEN, NeedStatus.CLAIMED]),
            col(Need.starts_at).is_not(None),
            # Not over yet: a day-only need for today still has reminders from midday.
            or_(col(Need.starts_at) > now, col(Need.ends_at) > now),
        )
    )
    for need in rows.all():
        await replan_need(session, need, circle, now)


async def replan_digest(session: AsyncSession, circle: Circle, now: datetime) -> Planned | None:
    assert circle.id is not None
    await store.remove_pending_of_circle(session, circle.id, [MessageKind.DIGEST])
    return await plan_next_digest(session, circle, now)


async def plan_next_digest(
    session: AsyncSession, circle: Circle, after: datetime
) -> Planned | None:
    if circle.status != CircleStatus.ACTIVE:
        return None
    planned = planning.next_digest(
        circle.digest_time, ZoneInfo(circle.timezone), circle.patient_id, after
    )
    if planned is not None:
        await store.add_messages(session, _rows([planned], circle.id, None, after))
    return planned


async def ensure_digests(sm: SessionMaker, now: datetime, batch: int = 1000) -> int:
    """Every active circle with a morning summary switched on has its next one planned.
    Run at start-up: it covers circles from before this feature and any row lost by hand."""
    planned = 0
    last_id = 0
    while True:
        async with sm() as session:
            circles = (
                await session.exec(
                    select(Circle)
                    .where(
                        col(Circle.id) > last_id,
                        col(Circle.status) == CircleStatus.ACTIVE,
                        col(Circle.digest_time).is_not(None),
                    )
                    .order_by(col(Circle.id))
                    .limit(batch)
                )
            ).all()
            if not circles:
                return planned
            last_id = circles[-1].id or last_id
            have = await store.circles_with_pending(
                session, MessageKind.DIGEST, [c.id for c in circles if c.id is not None]
            )
            for circle in circles:
                if circle.id not in have and await plan_next_digest(session, circle, now):
                    planned += 1
            await session.commit()


@dataclass(frozen=True)
class PersonalReminder:
    id: int
    due_at: datetime
    text: str


class TooMany(Exception):
    pass


async def add_personal(
    sm: SessionMaker, user_id: int, circle_id: int | None, due: datetime, text: str, now: datetime
) -> PersonalReminder:
    async with sm() as session:
        count = await store.count_pending_for_recipient(session, user_id, MessageKind.PERSONAL)
        if count >= MAX_PERSONAL:
            raise TooMany
        [row] = _rows([planning.personal(due, user_id)], circle_id, None, now, text=text)
        session.add(row)
        await session.commit()
        assert row.id is not None
        return PersonalReminder(row.id, row.due_at, text)


async def personal_reminders(sm: SessionMaker, user_id: int) -> list[PersonalReminder]:
    async with sm() as session:
        rows = await store.pending_for_recipient(
            session, user_id, MessageKind.PERSONAL, MAX_PERSONAL
        )
        return [PersonalReminder(r.id, r.due_at, r.text or "") for r in rows if r.id is not None]


async def cancel_personal(sm: SessionMaker, user_id: int, reminder_id: int) -> bool:
    async with sm() as session:
        removed = await store.remove_pending(session, reminder_id, user_id, MessageKind.PERSONAL)
        await session.commit()
        return removed
