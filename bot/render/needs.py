"""How needs look: the card in the group, the board, and the private notices."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import NeedAction, NeedButton, Origin, encode
from bot.categories import CATEGORY_EMOJI, CATEGORY_NAME, Category
from bot.render.away import away_line
from bot.render.common import e, joined, shorten
from bot.render.prefs import board_block, first_helper_block
from bot.render.series import series_row
from bot.services.needs import (
    MAX_DESCRIPTION,
    MAX_PLACES,
    Board,
    DescriptionProblem,
    NeedCard,
    Refusal,
)
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


def helper_names(card: NeedCard, fallback: str = "someone") -> str:
    """Everyone holding a place, as one phrase (not escaped)."""
    names = [name for _uid, name in card.helpers]
    return joined(names) if names else (card.claimer_name or fallback)


def places_line(card: NeedCard) -> str:
    """ "🙋 1. Anna  2. — still open": who took each place."""
    taken = [f"{number}. {e(name)}" for number, (_uid, name) in enumerate(card.helpers, 1)]
    still_open = [f"{number}. — still open" for number in range(len(taken) + 1, card.places + 1)]
    return "🙋 " + "  ".join(taken + still_open)


def _still_needs(card: NeedCard) -> str:
    more = card.open_places
    if not card.helpers:
        return f"needs {card.places} helpers"
    return f"still needs {more} more"


def card_text(card: NeedCard, now: datetime) -> str:
    lines = [_title(card), e(card.description)]
    when = _when(card, now)
    lines.append(f"🗓 {e(when)}" if when else "🗓 Any time")
    lines.append(_asked_by(card))
    helpers = e(helper_names(card))
    match card.status:
        case NeedStatus.OPEN if card.places > 1:
            lines.append(f"\n🟢 <b>Open</b> — {_still_needs(card)}. Tap “I'll do it” to help.")
            lines.append(places_line(card))
        case NeedStatus.OPEN:
            lines.append("\n🟢 <b>Open</b> — tap “I'll do it” to help.")
        case NeedStatus.CLAIMED:
            lines.append(f"\n🙋 <b>Claimed by {helpers}</b>")
        case NeedStatus.DONE:
            lines.append(f"\n✅ <b>Done</b> by {helpers} — thank you!")
        case NeedStatus.CANCELLED:
            who = f" by {e(card.cancelled_by_name)}" if card.cancelled_by_name else ""
            lines.append(f"\n✖️ <b>Cancelled</b>{who}")
        case NeedStatus.MISSED:
            lines.append(
                f"\n❌ <b>Didn't happen</b> — {e(helper_names(card, 'the helper'))} let us know."
            )
    if card.backups and card.status in (NeedStatus.OPEN, NeedStatus.CLAIMED):
        lines.append("🛟 Backup: " + e(joined([name for _uid, name in card.backups])))
    return "\n".join(lines)


def _button(label: str, action: NeedAction, card: NeedCard, origin: Origin) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(NeedButton(action, card.id, origin)))


def _cancel_label(card: NeedCard) -> str:
    # One date of a recurring need: cancelling it skips that date, not the series.
    return "✖️ Skip this date" if card.series_id is not None else "✖️ Cancel"


def card_buttons(card: NeedCard, origin: Origin = Origin.CARD) -> list[InlineKeyboardButton]:
    cancel = _button(_cancel_label(card), NeedAction.CANCEL, card, origin)
    match card.status:
        case NeedStatus.OPEN if card.helpers:
            return [
                _button("🙋 I'll do it", NeedAction.CLAIM, card, origin),
                _button("↩️ Release", NeedAction.RELEASE, card, origin),
                _button("✅ Done", NeedAction.DONE, card, origin),
                cancel,
                _button("🛟 Backup", NeedAction.BACKUP, card, origin),
            ]
        case NeedStatus.OPEN:
            return [_button("🙋 I'll do it", NeedAction.CLAIM, card, origin), cancel]
        case NeedStatus.CLAIMED:
            return [
                _button("↩️ Release", NeedAction.RELEASE, card, origin),
                _button("✅ Done", NeedAction.DONE, card, origin),
                cancel,
                _button("🛟 Backup", NeedAction.BACKUP, card, origin),
            ]
    return []


def card_keyboard(card: NeedCard) -> InlineKeyboardMarkup | None:
    buttons = card_buttons(card)
    if not buttons:
        return None
    series = series_row(card)
    extra = [series] if series else []
    # The claim button alone on its own row: the biggest target for shaky hands. 🛟 Backup
    # has its own row too, apart from the helper's buttons.
    if card.status == NeedStatus.OPEN and card.helpers:
        return InlineKeyboardMarkup([[buttons[0]], buttons[1:4], [buttons[4]], *extra])
    if card.status == NeedStatus.OPEN:
        return InlineKeyboardMarkup([[buttons[0]], buttons[1:], *extra])
    return InlineKeyboardMarkup([buttons[:3], [buttons[3]], *extra])


def _line(card: NeedCard, now: datetime, number: int) -> str:
    when = _when(card, now)
    when_part = f" — {e(when)}" if when else ""
    text = (
        f"{number}. {CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 80))}{when_part}"
    )
    if card.status == NeedStatus.CLAIMED:
        text += f"\n    🙋 {e(helper_names(card))}"
    elif card.places > 1 and card.helpers:
        text += f"\n    🙋 {e(helper_names(card))} — {_still_needs(card)}"
    elif card.places > 1:
        text += f"\n    👥 {_still_needs(card)}"
    if card.backups:
        text += f" · 🛟 {e(joined([name for _uid, name in card.backups]))}"
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


def _with_others(card: NeedCard, user_id: int | None) -> str:
    """On /mine, a need with several places says who else helps and what is still open."""
    if card.places <= 1:
        return ""
    others = [name for uid, name in card.helpers if uid != user_id]
    parts = []
    if others:
        parts.append(f"with {e(joined(others))}")
    if card.open_places:
        parts.append(f"still needs {card.open_places} more")
    return "\n    👥 " + ", ".join(parts) if parts else ""


def mine_text(board: Board, now: datetime, user_id: int | None = None) -> str:
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
            f"{when_part} (for {e(card.patient_name)}){_with_others(card, user_id)}"
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


def _places_note(card: NeedCard) -> str:
    if card.places <= 1:
        return ""
    if card.open_places:
        return f" Still looking for {card.open_places} more."
    return f" That's all {card.places} helpers: {e(helper_names(card))}."


def claimed_notice_to_patient(card: NeedCard, now: datetime, helper: str | None = None) -> str:
    name = helper or card.claimer_name or "Someone"
    return (
        f"🙋 {e(name)} will {_WILL_DO[card.category]}: "
        f"{e(card.description)}{_short_when(card, now)}.{_places_note(card)}"
    )


def instant(moment: datetime, card: NeedCard, now: datetime) -> str:
    return format_when_short(When(Precision.EXACT, moment), card.zone, now)


def reminders_line(reminders: tuple[datetime, ...], card: NeedCard, now: datetime) -> str:
    if not reminders:
        return ""
    times = [instant(moment, card, now) for moment in reminders]
    return f"⏰ I'll remind you {e(joined(times))}."


def _team_line(card: NeedCard, helper_id: int | None) -> str:
    others = [name for uid, name in card.helpers if uid != helper_id]
    line = f"👥 {card.places} helpers"
    if others:
        line += f" — with {e(joined(others))}"
    if card.open_places:
        line += f"; still looking for {card.open_places} more"
    return line + "."


def claimed_notice_to_helper(
    card: NeedCard,
    now: datetime,
    *,
    first_time: bool,
    reminders: tuple[datetime, ...] = (),
    prefs: Prefs | None = None,
    helper_id: int | None = None,
) -> str:
    when = _when(card, now)
    lines = [
        f"💛 Thank you for helping {e(card.patient_name)}!",
        "",
        f"{CATEGORY_EMOJI[card.category]} {e(card.description)}",
    ]
    if when:
        lines.append(f"🗓 {e(when)}")
    if card.places > 1:
        lines.append(_team_line(card, helper_id))
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
    state = "is open again" if card.places <= 1 else _still_needs(card)
    return (
        f"↩️ {e(name)} can't make it after all. "
        f"{CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 120))}{when_part} "
        f"{state} — could someone else help?"
    )


def released_notice_to_patient(card: NeedCard, name: str, now: datetime) -> str:
    return (
        f"↩️ {e(name)} can't make it for {e(card.description)}{_short_when(card, now)} "
        "any more. I've asked the circle again."
    )


def done_notice_to_patient(card: NeedCard) -> str:
    if len(card.helpers) > 1:
        return f"✅ “{e(card.description)}” is done — thanks to {e(helper_names(card))}."
    return f"✅ {e(card.claimer_name or 'Someone')} marked “{e(card.description)}” as done."


def promoted_notice_to_backup(
    card: NeedCard, released: str, now: datetime, reminders: tuple[datetime, ...]
) -> str:
    when = _when(card, now)
    lines = [
        f"🛟 <b>You're on now:</b> {CATEGORY_EMOJI[card.category]} {e(card.description)}"
        + (f", {e(when)}" if when else "")
        + f" — {e(released)} can't make it. Thank you for standing by!",
    ]
    if reminders:
        lines.append(reminders_line(reminders, card, now))
    lines.append(
        "\nIf you can't do it after all, tap ↩️ Release on the card. When it's done, tap ✅ Done."
    )
    return "\n".join(lines)


def promoted_notice_to_patient(card: NeedCard, released: str, backup: str, now: datetime) -> str:
    return (
        f"↩️ {e(released)} can't make it for {e(card.description)}{_short_when(card, now)} "
        f"any more — {e(backup)}, who was standing by, will do it now."
    )


def backup_notice(card: NeedCard, now: datetime) -> str:
    when = _when(card, now)
    helping = helper_names(card, "the helper")
    return (
        f"🛟 Thank you for standing by for {CATEGORY_EMOJI[card.category]} "
        f"{e(card.description)}" + (f", {e(when)}" if when else "") + ".\n\n"
        f"If {e(helping)} can't make it, I'll tell you at once and it's yours. "
        "If you can't stand by any more, tap the button below."
    )


def backup_notice_to_patient(card: NeedCard, backup: str, now: datetime) -> str:
    helping = helper_names(card, "the helper")
    return (
        f"🛟 {e(backup)} is standing by for {e(card.description)}{_short_when(card, now)}: "
        f"if {e(helping)} can't make it, {e(backup)} will step in."
    )


def backup_keyboard(card: NeedCard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("🛟 Step down as backup", NeedAction.UNBACKUP, card, Origin.CARD)]]
    )


BACKUP_STEPPED_DOWN = "You're no longer standing by — thank you for offering."


def cancelled_notice_to_helper(card: NeedCard, now: datetime) -> str:
    who = e(card.cancelled_by_name or card.patient_name)
    return (
        f"✖️ {who} cancelled {e(card.description)}{_short_when(card, now)}. "
        "You don't need to do it any more — thank you for offering."
    )


def posted_in_group_notice(card: NeedCard, group_title: str) -> str:
    return f"📌 Posted in {e(group_title or 'your group')}: {e(shorten(card.description, 120))}"


def refusal_text(refusal: Refusal, card: NeedCard | None) -> str:
    claimer = helper_names(card) if card and (card.helpers or card.claimer_name) else "someone"
    patient = card.patient_name if card else "the person we support"
    several = card is not None and card.places > 1
    taken = (
        "All the places on this one are taken. Thank you for offering!"
        if several
        else f"{claimer} already took this one. Thank you for offering!"
    )
    backup = joined([name for _uid, name in card.backups]) if card else ""
    texts = {
        Refusal.NOT_FOUND: "I can't find this need any more.",
        Refusal.OTHER_CIRCLE: "This card belongs to another circle.",
        Refusal.NOT_IN_CIRCLE: "This is for members of the circle.",
        Refusal.OWN_NEED: "This is your own request — someone in the circle will pick it up.",
        Refusal.ALREADY_TAKEN: taken,
        Refusal.ALREADY_YOURS: (
            "You already have a place on this one — thank you!"
            if several
            else "You already have this one — thank you!"
        ),
        Refusal.NOT_CLAIMER: (
            f"Only the helpers ({claimer}) can give back their places."
            if several
            else f"Only {claimer}, who took this, can release it."
        ),
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
        Refusal.NOBODY_TO_BACK_UP: "Nobody has taken this one yet — tap 🙋 I'll do it instead.",
        Refusal.ALREADY_HELPING: "You're already helping with this one — thank you!",
        Refusal.BACKUP_TAKEN: f"{backup or 'Someone'} is already standing by. Thank you!",
        Refusal.NOT_BACKUP: "You're not standing by for this one.",
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


def too_many_places_text(count: int) -> str:
    if count < 1:
        return (
            "How many helpers do you need? Start with the number, for example:\n"
            "/need 2 people to help move the bed Sat 10:00"
        )
    return (
        f"{count} helpers is more than I can gather on one card — I can ask for up to "
        f"{MAX_PLACES}. Could you split it into smaller needs, for example:\n"
        "/need 4 people to help move the furniture Sat 10:00"
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
