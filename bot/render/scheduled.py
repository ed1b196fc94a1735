"""What the bot says later: reminders, nudges, the morning summary, "Did it happen?"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import NeedAction, NeedButton, Origin, ReminderButton, ReportButton, encode
from bot.categories import CATEGORY_EMOJI
from bot.render.common import e, shorten
from bot.render.needs import helper_names
from bot.services.needs import NeedCard
from bot.services.reminders import PersonalReminder
from bot.timeparse import Precision, When, format_when, format_when_short
from storage.models import NeedStatus

LATE_NOTE = "<i>(Sorry this comes late — I was offline for a while.)</i>\n"
MAX_MENTIONS = 8


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{e(name)}</a>'


def _late(late: bool) -> str:
    return LATE_NOTE if late else ""


def _what(card: NeedCard) -> str:
    return f"{CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 200))}"


def _when(card: NeedCard, now: datetime) -> str:
    return e(format_when_short(card.when, card.zone, now))


def reminder_text(card: NeedCard, now: datetime, late: bool) -> str:
    return (
        f"{_late(late)}⏰ <b>Reminder:</b> you're helping {e(card.patient_name)} "
        f"{_when(card, now)}.\n{_what(card)}\n\n"
        "If plans change, tap ↩️ Release on the card so someone else can step in."
    )


def reminder_in_group(card: NeedCard, user_id: int, name: str, now: datetime, late: bool) -> str:
    return (
        f"{_late(late)}⏰ {mention(user_id, name)}, a reminder: you're helping "
        f"{e(card.patient_name)} {_when(card, now)} — {_what(card)}."
    )


START_HINT = (
    "\nI can't message you privately yet — tap the button and press Start, so reminders "
    "come to you alone."
)


def nudge_text(
    card: NeedCard, around: list[tuple[int, str]], away: list[str], now: datetime, late: bool
) -> str:
    lines = [
        f"{_late(late)}🔔 <b>Still looking for someone</b> — {_when(card, now)}",
        _what(card),
        f"for {e(card.patient_name)}",
    ]
    if card.places > 1:
        # Several places: say how many are still open and who is in already.
        if card.helpers:
            lines.append(
                f"👥 Still needs {card.open_places} more — {e(helper_names(card))} can come"
            )
        else:
            lines.append(f"👥 Needs {card.places} helpers")
    # Who holds a place already is not asked again.
    around = [(uid, name) for uid, name in around if uid not in card.helper_ids]
    if around:
        names = ", ".join(mention(uid, name) for uid, name in around[:MAX_MENTIONS])
        lines.append(f"\n{names} — could one of you take it?")
    else:
        lines.append("\nCould someone take it?")
    if away:
        lines.append(f"(Away just now: {e(', '.join(away))})")
    return "\n".join(lines)


def nudge_keyboard(card: NeedCard) -> InlineKeyboardMarkup:
    claim = NeedButton(NeedAction.CLAIM, card.id, Origin.NUDGE)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("🙋 I'll do it", callback_data=encode(claim))]]
    )


def nudge_taken_text(card: NeedCard, now: datetime) -> str:
    if card.status == NeedStatus.CLAIMED:
        taker = e(helper_names(card))
        return f"🙋 {_what(card)} — {_when(card, now)}\nTaken by {taker}. Thank you!"
    if card.status == NeedStatus.OPEN and card.helpers:
        return (
            f"🙋 {_what(card)} — {_when(card, now)}\n{e(helper_names(card))} can come — "
            f"still needs {card.open_places} more."
        )
    if card.status == NeedStatus.CANCELLED:
        return f"✖️ {_what(card)} — no longer needed."
    return f"{_what(card)} — {_when(card, now)}"


def follow_up_text(card: NeedCard, now: datetime, late: bool) -> str:
    return (
        f"{_late(late)}💬 <b>Did it happen?</b>\n{_what(card)} — {_when(card, now)}, "
        f"for {e(card.patient_name)}\n\nOne tap lets everyone know."
    )


def follow_up_in_group(card: NeedCard, user_id: int, name: str, now: datetime, late: bool) -> str:
    return (
        f"{_late(late)}💬 {mention(user_id, name)}, did it happen? {_what(card)} — "
        f"{_when(card, now)}, for {e(card.patient_name)}."
    )


def follow_up_keyboard(card: NeedCard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "✅ Done",
                    callback_data=encode(NeedButton(NeedAction.DONE, card.id, Origin.FOLLOW_UP)),
                ),
                InlineKeyboardButton(
                    "❌ Didn't happen",
                    callback_data=encode(NeedButton(NeedAction.MISSED, card.id, Origin.FOLLOW_UP)),
                ),
            ]
        ]
    )


def follow_up_answered(card: NeedCard, now: datetime) -> str:
    if card.status == NeedStatus.DONE:
        return f"✅ {_what(card)} — done. Thank you for helping {e(card.patient_name)}!"
    if card.status == NeedStatus.MISSED:
        return (
            f"❌ {_what(card)} — didn't happen. Thank you for letting us know; "
            f"I've told {e(card.patient_name)}."
        )
    return follow_up_text(card, now, late=False)


def missed_notice_to_patient(card: NeedCard, now: datetime) -> str:
    return (
        f"❌ {e(helper_names(card, 'The helper'))} says {_what(card)} "
        f"({_when(card, now)}) didn't happen. If you still need it, post it again with /need."
    )


def _digest_line(card: NeedCard, zone: ZoneInfo, now: datetime) -> str:
    if card.when.precision == Precision.EXACT and card.when.starts_at is not None:
        at = card.when.starts_at.astimezone(zone).strftime("%H:%M")
    elif card.when.precision == Precision.PART_OF_DAY:
        at = card.when.label or "today"
    else:
        at = "today"
    if card.status == NeedStatus.CLAIMED:
        who = e(helper_names(card))
    elif card.helpers:
        who = f"{e(helper_names(card))}, <i>still looking for {card.open_places} more</i>"
    else:
        who = "<i>still looking for someone</i>"
    return f"• {e(at)} {_what(card)} — {who}"


def digest_text(
    patient_name: str, cards: list[NeedCard], zone: ZoneInfo, now: datetime, late: bool
) -> str:
    lines = [f"{_late(late)}☀️ Good morning, {e(patient_name)}. Today:"]
    lines += [_digest_line(card, zone, now) for card in cards]
    if any(card.status == NeedStatus.OPEN for card in cards):
        lines.append("\nI'll keep asking the circle for what's still open.")
    return "\n".join(lines)


def personal_text(text: str, late: bool) -> str:
    return f"{_late(late)}⏰ <b>You asked me to remind you:</b>\n{e(text)}"


def remind_usage() -> str:
    return (
        "Tell me when and what, for example:\n"
        "/remind tomorrow 9:00 call the MS nurse\n"
        "/remind in 30 minutes stretch\n\n"
        "I'll send it to you privately. /reminders lists yours."
    )


def remind_set(reminder: PersonalReminder, zone: ZoneInfo, now: datetime) -> str:
    when = format_when(When(Precision.EXACT, reminder.due_at), zone, now)
    return f"⏰ Done — I'll remind you {e(when)}: {e(reminder.text)}"


def remind_set_in_group(reminder: PersonalReminder, zone: ZoneInfo, now: datetime) -> str:
    when = format_when(When(Precision.EXACT, reminder.due_at), zone, now)
    return f"⏰ Got it — I'll remind you privately, {e(when)}."


def reminders_list(items: list[PersonalReminder], zone: ZoneInfo, now: datetime) -> str:
    if not items:
        return (
            "You have no reminders waiting. Set one with /remind, for example:\n"
            "/remind tomorrow 9:00 call the MS nurse"
        )
    lines = ["⏰ <b>Your reminders</b>"]
    for number, item in enumerate(items, start=1):
        when = format_when_short(When(Precision.EXACT, item.due_at), zone, now)
        lines.append(f"{number}. {e(when)} — {e(shorten(item.text, 100))}")
    lines.append("\nTap one below to cancel it.")
    return "\n".join(lines)


def reminders_keyboard(items: list[PersonalReminder]) -> InlineKeyboardMarkup | None:
    if not items:
        return None
    rows = [
        [
            InlineKeyboardButton(
                f"✖️ {number}. {shorten(item.text, 30)}",
                callback_data=encode(ReminderButton(item.id)),
            )
        ]
        for number, item in enumerate(items, start=1)
    ]
    return InlineKeyboardMarkup(rows)


def appointment_offer(
    card: NeedCard, check_ins: int, open_questions: int, now: datetime, late: bool
) -> str:
    along = []
    if check_ins:
        along.append(f"your report ({check_ins} check-in{'s' if check_ins != 1 else ''})")
    if open_questions:
        plural = "s" if open_questions != 1 else ""
        along.append(f"your {open_questions} open question{plural}")
    helping = helper_names(card, "") if card.status == NeedStatus.CLAIMED else ""
    helper = (
        f" — {e(helping)} {'are' if len(card.helpers) > 1 else 'is'} helping" if helping else ""
    )
    return (
        f"{_late(late)}🩺 <b>{_when(card, now).capitalize()}:</b> {_what(card)}{helper}.\n\n"
        f"Would you like {' and '.join(along)} to take along? It's a summary you can "
        "show or print for your care team."
    )


def report_keyboard(circle_id: int) -> InlineKeyboardMarkup:
    send = ReportButton(circle_id)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("📄 Send me my report", callback_data=encode(send))]]
    )
