"""Sending one scheduled message: check it still makes sense, say it, and fall back to the
group when a helper can't be reached privately. Returns what happened; the scheduler
records it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.notify import Delivery, Notifier
from bot.render import checkins as check_in_texts
from bot.render import scheduled as texts
from bot.render.circles import START_BUTTON
from bot.render.common import start_button
from bot.services import appointments, checkins, circles, needs, planning
from bot.services.needs import NeedCard
from bot.services.planning import Planned
from storage.db import SessionMaker
from storage.models import MessageKind, MessageState, NeedStatus, ScheduledMessage


@dataclass(frozen=True)
class Outcome:
    state: MessageState
    # What this message leads to: the next morning summary, the second "Did it happen?".
    then: list[Planned] = field(default_factory=list)
    try_again: bool = False


SKIPPED = Outcome(MessageState.SKIPPED)
TRY_LATER = Outcome(MessageState.PENDING, try_again=True)


def _from(delivery: Delivery, then: list[Planned] | None = None) -> Outcome:
    match delivery:
        case Delivery.SENT:
            return Outcome(MessageState.SENT, then or [])
        case Delivery.TRY_LATER:
            return TRY_LATER
    return Outcome(MessageState.FAILED, then or [])


def _from_group(delivery: Delivery, then: list[Planned] | None = None) -> Outcome:
    # The group refused us: the bot was removed and the circle now rests. The message waits
    # for the bot to be added back rather than being lost.
    if delivery == Delivery.UNREACHABLE:
        return Outcome(MessageState.HELD)
    return _from(delivery, then)


class Deliverer:
    def __init__(self, sm: SessionMaker, notifier: Notifier) -> None:
        self.sm = sm
        self.notifier = notifier

    async def deliver(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        match MessageKind(row.kind):
            case MessageKind.REMINDER:
                return await self._reminder(row, now, late)
            case MessageKind.NUDGE:
                return await self._nudge(row, now, late)
            case MessageKind.DIGEST:
                return await self._digest(row, now, late)
            case MessageKind.FOLLOW_UP:
                return await self._follow_up(row, now, late)
            case MessageKind.PERSONAL:
                return await self._personal(row, late)
            case MessageKind.CHECK_IN | MessageKind.HOLDING_UP:
                return await self._check_in(row, now, late)
            case MessageKind.APPOINTMENT:
                return await self._appointment(row, now, late)
            case MessageKind.SERIES_POST:
                return await self._series_post(row, now, late)
            case MessageKind.WEEKLY_SUMMARY:
                return await self._weekly_summary(row, now, late)

    async def _helpers_card(self, row: ScheduledMessage) -> NeedCard | None:
        """The need, if the recipient still holds one of its places."""
        if row.need_id is None or row.recipient_id is None:
            return None
        card = await needs.need_card(self.sm, row.need_id)
        if card is None or card.status not in (NeedStatus.OPEN, NeedStatus.CLAIMED):
            return None
        return card if card.holds_place(row.recipient_id) else None

    @staticmethod
    def _name_of(card: NeedCard, user_id: int) -> str:
        return dict(card.helpers).get(user_id) or card.claimer_name or "there"

    async def _to_helper(
        self,
        card: NeedCard,
        user_id: int,
        private_text: str,
        group_text: str,
        markup_for: InlineKeyboardMarkup | None,
        now: datetime,
    ) -> Delivery:
        """Privately if we can; otherwise a mention in the group, with how to start the bot
        shown to that person once. UNREACHABLE only when the group can't be used either."""
        if await circles.is_reachable(self.sm, user_id):
            delivery = await self.notifier.to_person(user_id, private_text, markup_for)
            if delivery != Delivery.UNREACHABLE:
                return delivery
        circle = await circles.circle_by_id(self.sm, card.circle_id)
        if circle is None or not circle.active:
            return Delivery.UNREACHABLE  # no group to fall back on just now
        markup = markup_for
        if await circles.take_start_hint(self.sm, user_id, now):
            group_text += texts.START_HINT
            if markup is None:
                markup = start_button(self.notifier.bot.username, circle.invite_code, START_BUTTON)
        delivery, _ = await self.notifier.group_delivery(
            circle.chat_id, group_text, markup, reply_to=card.card_message_id
        )
        return delivery

    async def _reminder(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        card = await self._helpers_card(row)
        if card is None or row.recipient_id is None:
            return SKIPPED
        name = self._name_of(card, row.recipient_id)
        delivery = await self._to_helper(
            card,
            row.recipient_id,
            texts.reminder_text(card, now, late),
            texts.reminder_in_group(card, row.recipient_id, name, now, late),
            None,
            now,
        )
        return _from_group(delivery)

    async def _follow_up(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        card = await self._helpers_card(row)
        if card is None or row.recipient_id is None:
            return SKIPPED
        name = self._name_of(card, row.recipient_id)
        delivery = await self._to_helper(
            card,
            row.recipient_id,
            texts.follow_up_text(card, now, late),
            texts.follow_up_in_group(card, row.recipient_id, name, now, late),
            texts.follow_up_keyboard(card),
            now,
        )
        # Asked once more a day later if nobody answers; then left open, never guessed.
        again = planning.follow_up(card.when, card.zone, row.recipient_id, now, ask=row.lead + 1)
        return _from_group(delivery, again)

    async def _nudge(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        if row.need_id is None:
            return SKIPPED
        card = await needs.need_card(self.sm, row.need_id)
        if card is None or card.status != NeedStatus.OPEN:
            return SKIPPED
        circle = await circles.circle_by_id(self.sm, card.circle_id)
        if circle is None or not circle.active:
            return SKIPPED
        today = now.astimezone(circle.zone).date()
        around, away = await circles.who_is_around(self.sm, circle.id, today)
        delivery, _ = await self.notifier.group_delivery(
            circle.chat_id,
            texts.nudge_text(card, around, [name for name, _until in away], now, late),
            texts.nudge_keyboard(card),
            reply_to=card.card_message_id,
        )
        return _from_group(delivery)

    async def _digest(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        # The scheduler plans the next morning's summary whatever happens to this one.
        if row.circle_id is None:
            return SKIPPED
        circle = await circles.circle_by_id(self.sm, row.circle_id)
        if circle is None or not circle.active:
            return SKIPPED
        local_day = row.due_at.astimezone(circle.zone).date()
        cards = await needs.cards_on_day(self.sm, circle.id, local_day, now)
        if not cards:
            return SKIPPED  # nothing planned today: no message at all
        text = texts.digest_text(circle.patient_name, cards, circle.zone, now, late)
        return _from(await self.notifier.to_person(circle.patient_id, text))

    async def _personal(self, row: ScheduledMessage, late: bool) -> Outcome:
        if row.recipient_id is None:
            return SKIPPED
        # Only ever privately: what someone reminds themselves of may be about their health.
        text = texts.personal_text(row.text or "", late)
        return _from(await self.notifier.to_person(row.recipient_id, text))

    async def _check_in(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        # The scheduler plans the next one whatever happens to this one. Only ever privately:
        # a check-in is about someone's health.
        begun = await checkins.begin_scheduled(self.sm, row, now)
        if begun is None:
            return SKIPPED  # switched off, paused, or checked in today already
        view = begun.check_in
        text, keyboard = check_in_texts.prompt(view, begun.resumed)
        delivery = await self.notifier.to_person(view.user_id, text, keyboard)
        if delivery != Delivery.SENT and not begun.resumed:
            # Never asked: no empty check-in is left behind, and a retry starts afresh.
            await checkins.discard_unasked(self.sm, view.id)
        return _from(delivery)

    async def _appointment(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        if row.need_id is None or row.recipient_id is None:
            return SKIPPED
        card = await needs.need_card(self.sm, row.need_id)
        if card is None or card.status not in (NeedStatus.OPEN, NeedStatus.CLAIMED):
            return SKIPPED
        along = await appointments.to_take_along(self.sm, card.circle_id, now)
        if not along.anything:
            return SKIPPED  # no check-ins and no questions: nothing to offer
        # Privately only: an appointment's report is health information.
        delivery = await self.notifier.to_person(
            row.recipient_id,
            texts.appointment_offer(card, along.check_ins, along.open_questions, now, late),
            texts.report_keyboard(card.circle_id),
        )
        return _from(delivery)

    async def _series_post(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        # The next dates of a recurring need go up as cards; the post after them is planned
        # in the same transaction that takes these dates, so each date is made once.
        from bot import series_cards  # imported here: this method alone is the series'

        if row.series_id is None:
            return SKIPPED
        posted = await series_cards.post_due(self.sm, self.notifier, row.series_id, now)
        if posted.delivery == Delivery.SENT and not posted.cards:
            return SKIPPED  # stopped, skipped dates, or nothing new in the window
        return _from_group(posted.delivery)

    async def _weekly_summary(self, row: ScheduledMessage, now: datetime, late: bool) -> Outcome:
        # Only ever privately, to a coordinator; the next week's comes with the outcome.
        from bot.render.weekly_summary import summary_text
        from bot.services import weekly_summary

        if row.circle_id is None or row.recipient_id is None:
            return SKIPPED
        prepared = await weekly_summary.prepare(
            self.sm, row.circle_id, row.recipient_id, row.due_at, now
        )
        then = [prepared.then] if prepared.then is not None else []
        if prepared.summary is None:
            return Outcome(MessageState.SKIPPED, then)  # a quiet week: nothing to say
        text = summary_text(prepared.summary, late)
        return _from(await self.notifier.to_person(row.recipient_id, text), then)
