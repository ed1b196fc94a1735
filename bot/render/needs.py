"""How needs look: the card in the group, the board, and the private notices."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import NeedAction, NeedButton, Origin, encode
from bot.categories import CATEGORY_EMOJI, CATEGORY_NAME, Category
from bot.render.away import away_line
from bot.render.common import e, shorten
from bot.render.prefs import board_block, first_helper_block
from bot.services.needs import MAX_DESCRIPTION, Board, DescriptionProblem, NeedCard, Refusal
from bot.services.prefs import Prefs
from bot.timeparse import Precision, When, format_when, format_when_short
from storage.models import NeedStatus

# What the helper will do, as the supported person would hear it ("Anna will …").
_WILL_DO = {
    Category.RIDE: "give you a ride",
    Category.MEAL: "bring you a meal",
    Category.PET: "look after your pet",
    Category.ERRAND: "run your errand",
    Category.HOUSEHOLD: "help at home",
    Category.COMPANY: "keep you company",
    Category.OTHER: "help you",
}


def _when(card: NeedCard, now: datetime) -> str:
    return format_when(card.when, card.zone, now)


def _title(card: NeedCard) -> str:
    return f"{CATEGORY_EMOJI[card.category]} <b>{CATEGORY_NAME[card.category]}</b>"


def _asked_by(card: NeedCard) -> str:
    if card.requested_by == card.patient_id:
        return f"Asked by {e(card.patient_name)}"
    return f"Asked by {e(card.requester_name)} for {e(card.patient_name)}"


def card_text(card: NeedCard, now: datetime) -> str:
    lines = [_title(card), e(card.description)]
    when = _when(card, now)
    lines.append(f"🗓 {e(when)}" if when else "🗓 Any time")
    lines.append(_asked_by(card))
    match card.status:
        case NeedStatus.OPEN:
            lines.append("\n🟢 <b>Open</b> — tap “I'll do it” to help.")
        case NeedStatus.CLAIMED:
            lines.append(f"\n🙋 <b>Claimed by {e(card.claimer_name or 'someone')}</b>")
        case NeedStatus.DONE:
            lines.append(f"\n✅ <b>Done</b> by {e(card.claimer_name or 'someone')} — thank you!")
        case NeedStatus.CANCELLED:
            who = f" by {e(card.cancelled_by_name)}" if card.cancelled_by_name else ""
            lines.append(f"\n✖️ <b>Cancelled</b>{who}")
        case NeedStatus.MISSED:
            lines.append(
                f"\n❌ <b>Didn't happen</b> — {e(card.claimer_name or 'the helper')} let us know."
            )
    return "\n".join(lines)


def _button(label: str, action: NeedAction, card: NeedCard, origin: Origin) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(NeedButton(action, card.id, origin)))


def card_buttons(card: NeedCard, origin: Origin = Origin.CARD) -> list[InlineKeyboardButton]:
    match card.status:
        case NeedStatus.OPEN:
            return [
                _button("🙋 I'll do it", NeedAction.CLAIM, card, origin),
                _button("✖️ Cancel", NeedAction.CANCEL, card, origin),
            ]
        case NeedStatus.CLAIMED:
            return [
                _button("↩️ Release", NeedAction.RELEASE, card, origin),
                _button("✅ Done", NeedAction.DONE, card, origin),
                _button("✖️ Cancel", NeedAction.CANCEL, card, origin),
            ]
    return []


def card_keyboard(card: NeedCard) -> InlineKeyboardMarkup | None:
    buttons = card_buttons(card)
    if not buttons:
        return None
    # The claim button alone on its own row: the biggest target for shaky hands.
    if card.status == NeedStatus.OPEN:
        return InlineKeyboardMarkup([[buttons[0]], buttons[1:]])
    return InlineKeyboardMarkup([buttons])


def _line(card: NeedCard, now: datetime, number: int) -> str:
    when = _when(card, now)
    when_part = f" — {e(when)}" if when else ""
    text = (
        f"{number}. {CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 80))}{when_part}"
    )
    if card.status == NeedStatus.CLAIMED:
        text += f"\n    🙋 {e(card.claimer_name or 'someone')}"
    return text


def _short_label(card: NeedCard, number: int, verb: str) -> str:
    return f"{verb} {number}. {shorten(card.description, 28)}"


def board_text(board: Board, patient_name: str, now: datetime) -> str:
    open_cards = [c for c in board.cards if c.status == NeedStatus.OPEN]
    claimed = [c for c in board.cards if c.status == NeedStatus.CLAIMED]
    away = f"\n\n{away_line(list(board.away))}" if board.away else ""
    prefs = board_block(patient_name, board.help_i_love, board.please_dont)
    tail = (f"\n\n{prefs}" if prefs else "") + away
    if not board.cards:
        return (
            f"📋 <b>{e(patient_name)}'s board</b>\n\nNothing is needed right now. "
            "To ask for help, send /need and a few words, e.g. /need dinner on Friday." + tail
        )
    parts = [f"📋 <b>{e(patient_name)}'s board</b>"]
    number = 0
    if open_cards:
        parts.append("\n<b>Still needs someone</b>")
        for card in open_cards:
            number += 1
            parts.append(_line(card, now, number))
    if claimed:
        parts.append("\n<b>Covered</b>")
        for card in claimed:
            number += 1
            parts.append(_line(card, now, number))
    if board.more:
        parts.append("\n…and more further ahead.")
    return "\n".join(parts) + tail


def board_keyboard(board: Board) -> InlineKeyboardMarkup | None:
    rows = []
    for number, card in enumerate(board.cards, start=1):
        if card.status == NeedStatus.OPEN:
            rows.append(
                [
                    InlineKeyboardButton(
                        _short_label(card, number, "🙋"),
                        callback_data=encode(NeedButton(NeedAction.CLAIM, card.id, Origin.BOARD)),
                    )
                ]
            )
    return InlineKeyboardMarkup(rows) if rows else None


def mine_text(board: Board, now: datetime) -> str:
    if not board.cards:
        return (
            "You haven't taken anything on yet. Open needs are on the /board — "
            "tap 🙋 I'll do it on one you can help with."
        )
    parts = ["🙋 <b>What you're helping with</b>"]
    for number, card in enumerate(board.cards, start=1):
        when = _when(card, now)
        when_part = f" — {e(when)}" if when else ""
        parts.append(
            f"{number}. {CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 80))}"
            f"{when_part} (for {e(card.patient_name)})"
        )
    if board.more:
        parts.append("…and more further ahead.")
    parts.append("\nIf plans change, tap ↩️ Release so someone else can step in.")
    return "\n".join(parts)


def mine_keyboard(board: Board) -> InlineKeyboardMarkup | None:
    rows = []
    for number, card in enumerate(board.cards, start=1):
        rows.append(
            [
                InlineKeyboardButton(
                    _short_label(card, number, "✅"),
                    callback_data=encode(NeedButton(NeedAction.DONE, card.id, Origin.MINE)),
                ),
                InlineKeyboardButton(
                    f"↩️ Release {number}",
                    callback_data=encode(NeedButton(NeedAction.RELEASE, card.id, Origin.MINE)),
                ),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def _short_when(card: NeedCard, now: datetime) -> str:
    if card.when.precision == Precision.NONE:
        return ""
    return ", " + e(format_when_short(card.when, card.zone, now))


def claimed_notice_to_patient(card: NeedCard, now: datetime) -> str:
    return (
        f"🙋 {e(card.claimer_name or 'Someone')} will {_WILL_DO[card.category]}: "
        f"{e(card.description)}{_short_when(card, now)}."
    )


def instant(moment: datetime, card: NeedCard, now: datetime) -> str:
    return format_when_short(When(Precision.EXACT, moment), card.zone, now)


def reminders_line(reminders: tuple[datetime, ...], card: NeedCard, now: datetime) -> str:
    if not reminders:
        return ""
    times = [instant(moment, card, now) for moment in reminders]
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
    return f"⏰ I'll remind you {e(listed)}."


def claimed_notice_to_helper(
    card: NeedCard,
    now: datetime,
    *,
    first_time: bool,
    reminders: tuple[datetime, ...] = (),
    prefs: Prefs | None = None,
) -> str:
    when = _when(card, now)
    lines = [
        f"💛 Thank you for helping {e(card.patient_name)}!",
        "",
        f"{CATEGORY_EMOJI[card.category]} {e(card.description)}",
    ]
    if when:
        lines.append(f"🗓 {e(when)}")
    if reminders:
        lines.append(reminders_line(reminders, card, now))
    lines.append("")
    lines.append(
        "If plans change, tap ↩️ Release on the card so someone else can step in. "
        "When it's done, tap ✅ Done."
    )
    if first_time:
        lines.append("You can see everything you've taken on with /mine.")
        # Someone new to the circle hears, once, what help is welcome and what isn't.
        shared = first_helper_block(prefs) if prefs is not None else ""
        if shared:
            lines += ["", shared]
    return "\n".join(lines)


def cannot_message_helper(user_id: int, name: str) -> str:
    mention = f'<a href="tg://user?id={user_id}">{e(name)}</a>'
    return (
        f"{mention}, thank you! I can't message you privately yet — tap the button below and "
        "press Start, so I can send you the details and reminders."
    )


def released_notice_to_group(card: NeedCard, name: str, now: datetime) -> str:
    when = _when(card, now)
    when_part = f" ({e(when)})" if when else ""
    return (
        f"↩️ {e(name)} can't make it after all. "
        f"{CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 120))}{when_part} "
        "is open again — could someone else help?"
    )


def released_notice_to_patient(card: NeedCard, name: str, now: datetime) -> str:
    return (
        f"↩️ {e(name)} can't make it for {e(card.description)}{_short_when(card, now)} "
        "any more. I've asked the circle again."
    )


def done_notice_to_patient(card: NeedCard) -> str:
    return f"✅ {e(card.claimer_name or 'Someone')} marked “{e(card.description)}” as done."


def cancelled_notice_to_helper(card: NeedCard, now: datetime) -> str:
    who = e(card.cancelled_by_name or card.patient_name)
    return (
        f"✖️ {who} cancelled {e(card.description)}{_short_when(card, now)}. "
        "You don't need to do it any more — thank you for offering."
    )


def posted_in_group_notice(card: NeedCard, group_title: str) -> str:
    return f"📌 Posted in {e(group_title or 'your group')}: {e(shorten(card.description, 120))}"


def refusal_text(refusal: Refusal, card: NeedCard | None) -> str:
    claimer = card.claimer_name if card and card.claimer_name else "someone"
    patient = card.patient_name if card else "the person we support"
    texts = {
        Refusal.NOT_FOUND: "I can't find this need any more.",
        Refusal.OTHER_CIRCLE: "This card belongs to another circle.",
        Refusal.NOT_IN_CIRCLE: "This is for members of the circle.",
        Refusal.OWN_NEED: "This is your own request — someone in the circle will pick it up.",
        Refusal.ALREADY_TAKEN: f"{claimer} already took this one. Thank you for offering!",
        Refusal.ALREADY_YOURS: "You already have this one — thank you!",
        Refusal.NOT_CLAIMER: f"Only {claimer}, who took this, can release it.",
        Refusal.NOT_ALLOWED_DONE: f"Only {claimer}, {patient} or a coordinator can mark this done.",
        Refusal.NOT_ALLOWED_CANCEL: (
            f"Only {patient}, a coordinator or whoever asked can cancel this."
        ),
        Refusal.NOT_CLAIMED: "Nobody has taken this one yet.",
        Refusal.NOT_ALLOWED_CHANGE_TIME: (
            f"Only {patient}, a coordinator or whoever asked can change the time."
        ),
        Refusal.NOT_ALLOWED_MISSED: f"Only {claimer}, {patient} or a coordinator can say this.",
        Refusal.ALREADY_DONE: (
            "This one is already done."
            if card is None or card.status == NeedStatus.DONE
            else "This one is already closed."
        ),
        Refusal.ALREADY_CANCELLED: "This one was cancelled.",
    }
    return shorten(texts[refusal], 200)


def description_problem_text(problem: DescriptionProblem, length: int = 0) -> str:
    if problem == DescriptionProblem.EMPTY:
        return (
            "What do you need? Add a few words after /need, for example:\n"
            "/need ride to neurology tomorrow 14:00\n\n"
            "Or send /need on its own and I'll ask step by step."
        )
    return (
        f"That's a bit long ({length} characters). Please keep the description under "
        f"{MAX_DESCRIPTION} characters — you can add details in a message after the card."
    )


def moved_notice_to_helper(
    card: NeedCard, mover: str, now: datetime, reminders: tuple[datetime, ...]
) -> str:
    lines = [
        f"🗓 {e(mover)} moved {CATEGORY_EMOJI[card.category]} {e(card.description)} to "
        f"{e(_when(card, now) or 'no particular time')}.",
    ]
    if reminders:
        lines.append(reminders_line(reminders, card, now))
    lines.append("If you can't make it now, tap ↩️ Release on the card so someone else can help.")
    return "\n".join(lines)


def moved_reply(card: NeedCard, now: datetime) -> str:
    return (
        f"🗓 Moved: {e(shorten(card.description, 80))} is now {e(_when(card, now) or 'any time')}."
    )


WHEN_USAGE = (
    "To change a need's time, reply to its card with /when and the new time, for example:\n"
    "/when Friday 15:00"
)
