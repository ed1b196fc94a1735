"""Texts and buttons of the guided /need flow."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import WizardButton, WizardStep, encode
from bot.categories import CATEGORY_EMOJI, CATEGORY_NAME, Category
from bot.render.common import e

PICKABLE_DAYS = 14

STOP_BUTTON = InlineKeyboardButton("✖️ Stop", callback_data=encode(WizardButton(WizardStep.STOP)))


def _b(label: str, step: WizardStep, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(WizardButton(step, value)))


def ask_category(patient_name: str) -> str:
    return (
        f"What kind of help does {e(patient_name)} need? Tap one.\n"
        "(/cancel stops at any time; nothing is posted until you confirm.)"
    )


def category_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        _b(f"{CATEGORY_EMOJI[c]} {CATEGORY_NAME[c]}", WizardStep.CATEGORY, c.value)
        for c in Category
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([STOP_BUTTON])
    return InlineKeyboardMarkup(rows)


def ask_description(category: Category, in_group: bool) -> str:
    reply_hint = " Reply to this message with" if in_group else " Send me"
    return (
        f"{CATEGORY_EMOJI[category]} {CATEGORY_NAME[category]} — what exactly?{reply_hint} "
        "a few words, e.g. “ride to neurology at the City Hospital”. "
        "Need more than one person? Start with the number: “2 people to move the bed”."
    )


def ask_day() -> str:
    return "When is it?"


def day_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_b("Today", WizardStep.DAY, "today"), _b("Tomorrow", WizardStep.DAY, "tomorrow")],
            [_b("📅 Pick a day", WizardStep.DAY, "pick")],
            [_b("No specific time", WizardStep.DAY, "none")],
            [STOP_BUTTON],
        ]
    )


def pick_day_keyboard(today: date) -> InlineKeyboardMarkup:
    days = [today + timedelta(days=n) for n in range(2, 2 + PICKABLE_DAYS)]
    buttons = [_b(f"{d:%a %-d %b}", WizardStep.DAY, d.strftime("%Y%m%d")) for d in days]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([STOP_BUTTON])
    return InlineKeyboardMarkup(rows)


def ask_time(day: date, in_group: bool) -> str:
    how = "reply to this message with" if in_group else "send"
    return f"What time on {day:%a %-d %b}? Tap one, or {how} a time like 14:30 or 6pm."


def time_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _b("Morning", WizardStep.TIME, "morning"),
                _b("Afternoon", WizardStep.TIME, "afternoon"),
                _b("Evening", WizardStep.TIME, "evening"),
            ],
            [_b("Any time that day", WizardStep.TIME, "day")],
            [STOP_BUTTON],
        ]
    )


def confirm(card_preview: str) -> str:
    return f"Here's how it will look:\n\n{card_preview}\n\nPost it?"


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b("✅ Post it", WizardStep.POST)], [STOP_BUTTON]])


STOPPED = "Okay — nothing was posted."
NOTHING_TO_CANCEL = "There's nothing to cancel right now."
NOT_YOURS = "This is someone else's /need. Send /need to start your own."
EXPIRED = "This question is finished. Send /need to start again."
POSTED = "✅ Posted. Thank you!"


def posted_elsewhere(title: str) -> str:
    return f"✅ Posted in {e(title or 'your group')}. Thank you!"


NOT_UNDERSTOOD = (
    "I'm not sure what to do with that. To ask for help, send /need and a few words; "
    "/help shows everything I can do."
)
USE_BUTTONS = "Please tap one of the buttons above, or send /cancel to stop."
