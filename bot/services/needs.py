"""Needs: post, claim, release, done, cancel. Each function is one transaction that
decides what changes and returns who must be told; Telegram is called after the commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.categories import Category
from bot.people import display_name
from bot.services import reminders
from bot.services.permissions import Action, Place, may
from bot.services.planning import Planned
from bot.timeparse import When, local_to_utc
from storage import needs as store
from storage import people
from storage.db import SessionMaker
from storage.models import (
    Circle,
    HelperRole,
    MessageKind,
    Need,
    NeedHelper,
    NeedStatus,
    Person,
    Role,
)

# Long enough for "ride to the neurology clinic at St Mary's, wheelchair in the boot",
# short enough that a card stays readable on a phone.
MAX_DESCRIPTION = 500
BOARD_LIMIT = 15
# "2 people to help move the bed": more than this is better asked as separate needs.
MAX_PLACES = 10


@dataclass(frozen=True)
class NeedCard:
    """Everything needed to show one need, names resolved."""

    id: int
    circle_id: int
    chat_id: int
    category: Category
    description: str
    when: When
    status: NeedStatus
    requested_by: int
    requester_name: str
    patient_id: int
    patient_name: str
    claimer_id: int | None
    claimer_name: str | None
    cancelled_by_name: str | None
    card_chat_id: int | None
    card_message_id: int | None
    timezone: str
    # Several helpers: how many places, and who holds them (earliest first), as (id, name).
    places: int = 1
    helpers: tuple[tuple[int, str], ...] = ()
    # Who stands by in case a helper drops out (🛟 Backup).
    backups: tuple[tuple[int, str], ...] = ()
    # One date of a recurring need.
    series_id: int | None = None
    occurs_on: date | None = None
    thanked_at: datetime | None = None
    # The need's version as this card shows it (Need.version).
    version: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def helper_ids(self) -> tuple[int, ...]:
        return tuple(uid for uid, _name in self.helpers)

    @property
    def backup_ids(self) -> tuple[int, ...]:
        return tuple(uid for uid, _name in self.backups)

    @property
    def open_places(self) -> int:
        return max(self.places - len(self.helpers), 0)

    def holds_place(self, user_id: int) -> bool:
        return user_id in self.helper_ids or (not self.helpers and self.claimer_id == user_id)


async def _card(
    session: AsyncSession, need: Need, circle: Circle, held: Sequence[NeedHelper] | None = None
) -> NeedCard:
    """The need's card; `held` is its helpers and backups when the caller has read them
    already, in the change's own transaction."""
    assert need.id is not None
    if held is None:
        held = await store.helpers_of(session, [need.id])
    names = await people.people_by_id(session, _named_on(need, circle, held))
    return _card_of(need, circle, held, names)


async def _cards(session: AsyncSession, needs: Sequence[Need]) -> list[NeedCard]:
    """Several needs' cards (a board) with two queries in all, however many there are:
    their helpers, then everyone's names (and their circles, unless the session has them)."""
    circles: dict[int, Circle] = {}
    for circle_id in {need.circle_id for need in needs}:
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        circles[circle_id] = circle
    held_by_need: dict[int | None, list[NeedHelper]] = {need.id: [] for need in needs}
    for row in await store.helpers_of(session, [need.id for need in needs if need.id]):
        held_by_need[row.need_id].append(row)
    named: set[int] = set()
    for need in needs:
        named.update(_named_on(need, circles[need.circle_id], held_by_need[need.id]))
    names = await people.people_by_id(session, named)
    return [_card_of(need, circles[need.circle_id], held_by_need[need.id], names) for need in needs]


def _named_on(need: Need, circle: Circle, held: Sequence[NeedHelper]) -> list[int]:
    """Everyone whose name the card shows."""
    return [
        uid
        for uid in (
            need.requested_by,
            circle.patient_id,
            need.claimer_id,
            need.cancelled_by,
            *(row.user_id for row in held),
        )
        if uid is not None
    ]


def _card_of(
    need: Need, circle: Circle, held: Sequence[NeedHelper], names: Mapping[int, Person]
) -> NeedCard:
    assert need.id is not None and circle.id is not None
    helpers = tuple(
        (row.user_id, display_name(names.get(row.user_id)))
        for row in held
        if row.role == HelperRole.HELPER
    )
    backups = tuple(
        (row.user_id, display_name(names.get(row.user_id)))
        for row in held
        if row.role == HelperRole.BACKUP
    )
    return NeedCard(
        id=need.id,
        circle_id=circle.id,
        chat_id=circle.chat_id,
        category=Category(need.category),
        description=need.description,
        when=reminders.need_when(need),
        status=NeedStatus(need.status),
        requested_by=need.requested_by,
        requester_name=display_name(names.get(need.requested_by)),
        patient_id=circle.patient_id,
        patient_name=display_name(names.get(circle.patient_id)),
        claimer_id=need.claimer_id,
        claimer_name=display_name(names.get(need.claimer_id)) if need.claimer_id else None,
        cancelled_by_name=(
            display_name(names.get(need.cancelled_by)) if need.cancelled_by else None
        ),
        card_chat_id=need.card_chat_id,
        card_message_id=need.card_message_id,
        timezone=circle.timezone,
        places=need.places,
        helpers=helpers,
        backups=backups,
        series_id=need.series_id,
        occurs_on=need.occurs_on,
        thanked_at=need.thanked_at,
        version=need.version,
    )


class DescriptionProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_description(description: str) -> DescriptionProblem | None:
    text = description.strip()
    if not text:
        return DescriptionProblem.EMPTY
    if len(text) > MAX_DESCRIPTION:
        return DescriptionProblem.TOO_LONG
    return None


async def post_need(
    sm: SessionMaker,
    *,
    circle_id: int,
    requested_by: int,
    category: Category,
    description: str,
    when: When,
    now: datetime,
    places: int = 1,
    series_id: int | None = None,
    occurs_on: date | None = None,
) -> NeedCard:
    """Store a checked need. The caller has validated description and time."""
    if check_description(description) is not None:
        raise ValueError("description must be checked before posting")
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        await people.ensure_membership(session, circle_id, requested_by, now)
        need = await store.add_need(
            session,
            Need(
                circle_id=circle_id,
                category=category,
                description=description.strip(),
                precision=when.precision,
                starts_at=when.starts_at,
                ends_at=when.ends_at,
                when_label=when.label,
                requested_by=requested_by,
                created_at=now,
                places=places,
                series_id=series_id,
                occurs_on=occurs_on,
            ),
        )
        # A new need has no helpers yet.
        await reminders.replan_need(session, need, circle, now, held=())
        card = await _card(session, need, circle, held=())
        await session.commit()
        return card


async def withdraw_unposted(sm: SessionMaker, need_id: int) -> None:
    """The card could not be posted: take the need back rather than keep a half-made one."""
    async with sm() as session:
        await store.delete_need(session, need_id)
        await session.commit()


async def record_card_message(
    sm: SessionMaker, need_id: int, chat_id: int, message_id: int
) -> None:
    async with sm() as session:
        await store.set_card(session, need_id, chat_id, message_id)
        await session.commit()


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    OTHER_CIRCLE = "other_circle"
    NOT_IN_CIRCLE = "not_in_circle"
    OWN_NEED = "own_need"
    ALREADY_TAKEN = "already_taken"
    ALREADY_YOURS = "already_yours"
    NOT_CLAIMER = "not_claimer"
    NOT_ALLOWED_DONE = "not_allowed_done"
    NOT_ALLOWED_CANCEL = "not_allowed_cancel"
    NOT_ALLOWED_MISSED = "not_allowed_missed"
    NOT_ALLOWED_CHANGE_TIME = "not_allowed_change_time"
    NOT_CLAIMED = "not_claimed"
    ALREADY_DONE = "already_done"
    ALREADY_CANCELLED = "already_cancelled"
    # 🛟 Backup
    NOBODY_TO_BACK_UP = "nobody_to_back_up"
    ALREADY_HELPING = "already_helping"
    BACKUP_TAKEN = "backup_taken"
    NOT_BACKUP = "not_backup"


@dataclass(frozen=True)
class NeedChange:
    """What a button press did: the card after it, or why nothing changed."""

    card: NeedCard | None
    refusal: Refusal | None = None
    # The claimer before the change, to tell them about a cancel.
    previous_claimer_id: int | None = None
    actor_role: Role | None = None
    first_claim: bool = False
    # When the helper will be reminded, for their confirmation.
    reminders: tuple[datetime, ...] = ()
    # Everyone who held a place, and who stood by, before the change (a cancel tells them).
    previous_helpers: tuple[int, ...] = ()
    previous_backups: tuple[int, ...] = ()
    # A release with a backup standing by: the backup holds the place now.
    promoted_id: int | None = None
    promoted_reminders: tuple[datetime, ...] = ()
    # Each helper's reminders ahead after the change, as (helper, instants): for a new time.
    helper_reminders: tuple[tuple[int, tuple[datetime, ...]], ...] = ()
    # The person supported wants helpers asked "anything you noticed?" once a need is done.
    observations_on: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class Press:
    """A button pressed on a need: which need, by whom, in which chat (and whether that chat
    is private), and when. Every change to a need starts from one."""

    need_id: int
    actor_id: int
    chat_id: int
    private: bool
    now: datetime


async def _load(session: AsyncSession, press: Press) -> tuple[Need, Circle, Role | None] | Refusal:
    """Find the need and check the button was pressed where the need belongs: in its own
    group, or privately by a member of its circle."""
    found = await people.with_circle_and_role(session, Need, press.need_id, press.actor_id)
    if found is None:
        return Refusal.NOT_FOUND
    need, circle, role = found
    if not Place(press.chat_id, press.private).belongs(circle.chat_id, role):
        return Refusal.OTHER_CIRCLE
    return need, circle, role


def _closed_refusal(need: Need) -> Refusal | None:
    if need.status in (NeedStatus.DONE, NeedStatus.MISSED):
        return Refusal.ALREADY_DONE
    if need.status == NeedStatus.CANCELLED:
        return Refusal.ALREADY_CANCELLED
    return None


async def claim(sm: SessionMaker, press: Press) -> NeedChange:
    """Take one of the need's places (the only one, for most needs)."""
    async with sm() as session:
        loaded = await _load(session, press)
        if isinstance(loaded, Refusal):
            return NeedChange(None, loaded)
        need, circle, role = loaded
        assert circle.id is not None
        role = await people.join_by_pressing(session, circle.id, press.actor_id, role, press.now)
        if not may(role, Action.CLAIM):
            return NeedChange(await _card(session, need, circle), Refusal.OWN_NEED)
        helped_before = await store.has_claimed_before(session, need.circle_id, press.actor_id)
        claimed = await store.claim(session, press.need_id, press.actor_id, press.now)
        if claimed is None:
            await session.commit()  # a lost claim changed nothing, but a new member stays
            need = await store.get_need(session, press.need_id) or need
            card = await _card(session, need, circle)
            refusal = _closed_refusal(need) or (
                Refusal.ALREADY_YOURS if card.holds_place(press.actor_id) else Refusal.ALREADY_TAKEN
            )
            return NeedChange(card, refusal)
        need = claimed
        held = await store.helpers_of(session, [press.need_id])
        planned = await reminders.replan_need(
            session, need, circle, press.now, only_for={press.actor_id}, held=held
        )
        card = await _card(session, need, circle, held)  # before the commit: one transaction
        await session.commit()
        return NeedChange(
            card,
            actor_role=role,
            first_claim=not helped_before,
            reminders=_reminders_of(planned, press.actor_id),
        )


def _reminders_of(planned: list[Planned], user_id: int) -> tuple[datetime, ...]:
    return tuple(
        p.due_at for p in planned if p.kind == MessageKind.REMINDER and p.recipient_id == user_id
    )


# A rule checked inside the change's transaction, before it is made.
Check = Callable[[AsyncSession, Need, Role | None], Awaitable[Refusal | None]]
Apply = Callable[[AsyncSession, Need], Awaitable[bool]]


async def _change_need(
    sm: SessionMaker, press: Press, check: Check, apply: Apply, lost: Refusal
) -> NeedChange:
    """Check the rules, then make the change with one conditional UPDATE. If someone else
    changed the need in between, the UPDATE matches nothing and the press is refused."""
    async with sm() as session:
        loaded = await _load(session, press)
        if isinstance(loaded, Refusal):
            return NeedChange(None, loaded)
        need, circle, role = loaded
        refusal = _closed_refusal(need) or await check(session, need, role)
        if refusal is not None:
            return NeedChange(await _card(session, need, circle), refusal)
        previous_claimer = need.claimer_id
        held_before = await store.helpers_of(session, [press.need_id])
        won = await apply(session, need)
        need = await store.get_need(session, press.need_id) or need
        held = await store.helpers_of(session, [press.need_id])
        planned: list[Planned] = []
        if won:
            # What was still to come for the old state goes; the new state's comes.
            planned = await reminders.replan_need(session, need, circle, press.now, held=held)
        card = await _card(session, need, circle, held)  # before the commit: one transaction
        await session.commit()
        if not won:
            return NeedChange(card, _closed_refusal(need) or lost)
        helpers = card.helper_ids or ((card.claimer_id,) if card.claimer_id is not None else ())
        return NeedChange(
            card,
            previous_claimer_id=previous_claimer,
            actor_role=role,
            previous_helpers=store.people_in(held_before, HelperRole.HELPER),
            previous_backups=store.people_in(held_before, HelperRole.BACKUP),
            helper_reminders=tuple((h, _reminders_of(planned, h)) for h in helpers),
            observations_on=circle.observations_on,
        )


async def _holds_place(session: AsyncSession, need_id: int, user_id: int) -> bool:
    row = await store.helper_row(session, need_id, user_id)
    return row is not None and row.role == HelperRole.HELPER


async def release(sm: SessionMaker, press: Press) -> NeedChange:
    """The helper gives their place back. If someone stands by as backup, they take it over
    in the same transaction; only otherwise is the place open again."""
    async with sm() as session:
        loaded = await _load(session, press)
        if isinstance(loaded, Refusal):
            return NeedChange(None, loaded)
        need, circle, role = loaded
        refusal = _closed_refusal(need)
        holds = await _holds_place(session, press.need_id, press.actor_id)
        if refusal is None and need.taken == 0:
            refusal = Refusal.NOT_CLAIMED
        if refusal is None and not may(role, Action.RELEASE, is_claimer=holds):
            refusal = Refusal.NOT_CLAIMER
        if refusal is not None:
            return NeedChange(await _card(session, need, circle), refusal)
        given = await store.give_back(session, press.need_id, press.actor_id, press.now)
        if given is None:
            # Changed nothing: released a moment ago, or closed meanwhile.
            need = await store.get_need(session, press.need_id) or need
            card = await _card(session, need, circle)
            return NeedChange(card, _closed_refusal(need) or Refusal.NOT_CLAIMED)
        need = given.need
        held = await store.helpers_of(session, [press.need_id])
        changed = {press.actor_id} | ({given.promoted} if given.promoted is not None else set())
        planned = await reminders.replan_need(
            session, need, circle, press.now, only_for=changed, held=held
        )
        card = await _card(session, need, circle, held)  # before the commit: one transaction
        await session.commit()
        return NeedChange(
            card,
            previous_claimer_id=press.actor_id,
            actor_role=role,
            promoted_id=given.promoted,
            promoted_reminders=(
                _reminders_of(planned, given.promoted) if given.promoted is not None else ()
            ),
        )


async def _close(
    sm: SessionMaker,
    press: Press,
    close: Callable[[AsyncSession, int, int, datetime], Awaitable[bool]],
    not_allowed: Refusal,
) -> NeedChange:
    """Done or didn't happen: said by any helper, the supported person or a coordinator. It
    closes the whole need, for every helper."""

    async def check(session: AsyncSession, need: Need, role: Role | None) -> Refusal | None:
        # A need with several places may be closed once anyone holds one.
        if need.taken == 0 or need.claimer_id is None:
            return Refusal.NOT_CLAIMED
        holds = await _holds_place(session, press.need_id, press.actor_id)
        if not may(role, Action.MARK_DONE, is_claimer=holds):
            return not_allowed
        return None

    async def apply(session: AsyncSession, need: Need) -> bool:
        # For the helper who holds it now: a release in between makes this miss.
        assert need.claimer_id is not None
        return await close(session, press.need_id, need.claimer_id, press.now)

    return await _change_need(sm, press, check, apply, Refusal.NOT_CLAIMED)


async def mark_done(sm: SessionMaker, press: Press) -> NeedChange:
    done, refusal = store.mark_done, Refusal.NOT_ALLOWED_DONE
    return await _close(sm, press, done, refusal)


async def mark_missed(sm: SessionMaker, press: Press) -> NeedChange:
    """It didn't happen: only ever said by a person, never guessed."""
    missed, refusal = store.mark_missed, Refusal.NOT_ALLOWED_MISSED
    return await _close(sm, press, missed, refusal)


async def cancel(sm: SessionMaker, press: Press) -> NeedChange:
    async def check(_session: AsyncSession, need: Need, role: Role | None) -> Refusal | None:
        if not may(role, Action.CANCEL, is_requester=need.requested_by == press.actor_id):
            return Refusal.NOT_ALLOWED_CANCEL
        return None

    async def apply(session: AsyncSession, need: Need) -> bool:
        return await store.cancel(session, press.need_id, press.actor_id, press.now)

    return await _change_need(sm, press, check, apply, Refusal.NOT_FOUND)


async def change_time(sm: SessionMaker, press: Press, when: When) -> NeedChange:
    """A new time for a need: its reminders and nudges move with it."""

    async def check(_session: AsyncSession, need: Need, role: Role | None) -> Refusal | None:
        if not may(role, Action.CHANGE_TIME, is_requester=need.requested_by == press.actor_id):
            return Refusal.NOT_ALLOWED_CHANGE_TIME
        return None

    async def apply(session: AsyncSession, need: Need) -> bool:
        return await store.set_when(
            session, press.need_id, when.precision, when.starts_at, when.ends_at, when.label
        )

    change = await _change_need(sm, press, check, apply, Refusal.NOT_FOUND)
    if not change.ok or change.card is None or change.card.claimer_id is None:
        return change
    return replace(change, reminders=change.helper_reminders[0][1])


async def backup(sm: SessionMaker, press: Press) -> NeedChange:
    """🛟 Stand by for a need someone has taken, in case they have to drop out. One backup
    per need. Pressed again by the backup, it steps them down."""
    async with sm() as session:
        loaded = await _load(session, press)
        if isinstance(loaded, Refusal):
            return NeedChange(None, loaded)
        need, circle, role = loaded
        assert circle.id is not None
        role = await people.join_by_pressing(session, circle.id, press.actor_id, role, press.now)
        card = await _card(session, need, circle)
        refusal = _closed_refusal(need)
        if refusal is None and press.actor_id in card.helper_ids:
            refusal = Refusal.ALREADY_HELPING
        if refusal is None and not may(role, Action.BACKUP, is_claimer=False):
            refusal = Refusal.OWN_NEED
        if refusal is None and need.taken == 0:
            refusal = Refusal.NOBODY_TO_BACK_UP
        if refusal is None and card.backups and press.actor_id not in card.backup_ids:
            refusal = Refusal.BACKUP_TAKEN
        if refusal is not None:
            await session.commit()  # a new member stays a member
            return NeedChange(card, refusal)
        if press.actor_id in card.backup_ids:
            await session.commit()
            return await unbackup(sm, press)
        won = await store.add_backup(session, press.need_id, press.actor_id, press.now)
        if not won:
            await session.commit()
            need = await store.get_need(session, press.need_id) or need
            card = await _card(session, need, circle)
            lost = _closed_refusal(need) or (
                Refusal.NOBODY_TO_BACK_UP if need.taken == 0 else Refusal.BACKUP_TAKEN
            )
            return NeedChange(card, lost)
        await session.commit()
        need = await store.get_need(session, press.need_id) or need
        return NeedChange(await _card(session, need, circle), actor_role=role)


async def unbackup(sm: SessionMaker, press: Press) -> NeedChange:
    """The backup no longer stands by."""
    async with sm() as session:
        loaded = await _load(session, press)
        if isinstance(loaded, Refusal):
            return NeedChange(None, loaded)
        need, circle, role = loaded
        refusal = _closed_refusal(need)
        if refusal is None and not await store.remove_backup(
            session, press.need_id, press.actor_id
        ):
            refusal = Refusal.NOT_BACKUP
        await session.commit()
        card = await _card(session, need, circle)
        return NeedChange(card, refusal, actor_role=role)


async def need_of_card(sm: SessionMaker, chat_id: int, message_id: int) -> int | None:
    async with sm() as session:
        need = await store.need_by_card(session, chat_id, message_id)
        return need.id if need else None


@dataclass(frozen=True)
class Board:
    cards: list[NeedCard]
    more: bool
    # Who said they are away, and until when: the group sees who is around.
    away: tuple[tuple[str, date], ...] = ()
    # /prefs: shown with the board, so help offered is help wanted.
    help_i_love: str | None = None
    please_dont: str | None = None


async def board(sm: SessionMaker, circle_id: int, now: datetime) -> Board:
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        needs = await store.upcoming_needs(session, circle_id, now, BOARD_LIMIT + 1)
        cards = await _cards(session, needs[:BOARD_LIMIT])
        today = now.astimezone(ZoneInfo(circle.timezone)).date()
        away = tuple(
            (display_name(person), membership.away_until)
            for membership, person in await people.members_with_people(session, circle_id)
            if membership.away_until is not None and membership.away_until >= today
        )
        return Board(
            cards,
            more=len(needs) > BOARD_LIMIT,
            away=away,
            help_i_love=circle.help_i_love,
            please_dont=circle.please_dont,
        )


async def mine(sm: SessionMaker, user_id: int, now: datetime) -> Board:
    async with sm() as session:
        needs = await store.claimed_by(session, user_id, now, BOARD_LIMIT + 1)
        cards = await _cards(session, needs[:BOARD_LIMIT])
        return Board(cards, more=len(needs) > BOARD_LIMIT)


async def need_version(sm: SessionMaker, need_id: int) -> int | None:
    """Asked after every card edit on a shared database (PostgreSQL): one read needs no
    transaction, and its BEGIN and ROLLBACK would be two more round trips per press."""
    async with sm() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return await store.version_of(session, need_id)


async def need_card(sm: SessionMaker, need_id: int) -> NeedCard | None:
    async with sm() as session:
        need = await store.get_need(session, need_id)
        if need is None:
            return None
        circle = await session.get(Circle, need.circle_id)
        assert circle is not None
        return await _card(session, need, circle)


async def cards_on_day(
    sm: SessionMaker, circle_id: int, day: date, now: datetime
) -> list[NeedCard]:
    """Open and claimed needs on this local day, soonest first: the morning summary."""
    async with sm() as session:
        circle = await session.get(Circle, circle_id)
        assert circle is not None
        tz = ZoneInfo(circle.timezone)
        start = local_to_utc(datetime.combine(day, time()), tz)
        end = local_to_utc(datetime.combine(day + timedelta(days=1), time()), tz)
        needs = await store.needs_starting_between(session, circle_id, start, end)
        return await _cards(session, needs)
