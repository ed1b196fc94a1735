"""💛 Say thanks: the button, the thank-you in the group, and the answers to a press."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ThanksButton, encode
from bot.render.common import e, joined
from bot.services.needs import NeedCard
from bot.services.thanks import ThanksOutcome, can_thank, helper_names
from bot.timeparse import format_when

BUTTON = "💛 Say thanks"
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A description that reads well after "for the" ("ride to neurology"); others are quoted.
_NOT_AFTER_THE = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "our",
        "some",
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "help",
        "please",
        "need",
        "i",
        "we",
        "can",
        "could",
        "would",
        "2",
        "two",
        "3",
        "three",
    }
)


def keyboard(card: NeedCard) -> InlineKeyboardMarkup | None:
    if not can_thank(card):
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(BUTTON, callback_data=encode(ThanksButton(card.id)))]]
    )


def _what(description: str) -> str:
    words = description.split()
    first = words[0].lower().strip(",.!") if words else ""
    if not first or first in _NOT_AFTER_THE:
        return f"“{description}”"
    return f"the {description}"


def _day(card: NeedCard, now: datetime) -> str:
    starts = card.when.starts_at
    if starts is None:
        return ""
    day = starts.astimezone(card.zone).date()
    today = now.astimezone(card.zone).date()
    ago = (today - day).days
    if ago == 0:
        return " today"
    if ago == 1:
        return " yesterday"
    if 1 < ago < 7:
        return f" on {_WEEKDAY_NAMES[day.weekday()]}"
    return f" on {format_when(card.when, card.zone, now).split(',')[0]}"


def group_thanks(card: NeedCard, now: datetime) -> str:
    helpers = joined(helper_names(card))
    return (
        f"💛 {e(card.patient_name)} says thank you to {e(helpers)} for "
        f"{e(_what(card.description))}{_day(card, now)}!"
    )


def sent_note() -> str:
    return "\n\n💛 Your thank-you is in the group."


def answer(outcome: ThanksOutcome, card: NeedCard | None) -> str:
    who = card.patient_name if card is not None else "the person we're supporting"
    match outcome:
        case ThanksOutcome.MARKED:
            return "Sent 💛"
        case ThanksOutcome.ALREADY:
            return "Already sent 💛"
        case ThanksOutcome.NOT_ALLOWED:
            return f"This thank-you is {who}'s to send — it's kind of you to think of it."
        case ThanksOutcome.NOT_DONE | ThanksOutcome.NO_HELPER:
            return "There's no one to thank for this one yet."
        case ThanksOutcome.NOT_FOUND:
            return "I can't find this need any more."


GROUP_UNREACHABLE = (
    "I couldn't reach the group just now, so your thank-you wasn't posted. "
    "Please try the button again in a little while."
)
