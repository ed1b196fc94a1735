"""What the bot says about helpers' observations."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ObservationButton, ObservationChoice, encode
from bot.render.common import e, shorten
from bot.services.observations import Asking, Noticed


def question(asking: Asking) -> str:
    name = e(asking.patient_name)
    return (
        f"💛 Thank you for helping {name} ({e(shorten(asking.description, 80))}).\n\n"
        f"Did you notice anything — how {name} seemed, anything harder than usual? "
        f"Reply to this message in a few words. Only {name} will see it, and {name} decides "
        "whether it goes into the report for the care team."
    )


def skip_keyboard(observation_id: int) -> InlineKeyboardMarkup:
    skip = ObservationButton(ObservationChoice.SKIP, observation_id)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Nothing to add", callback_data=encode(skip))]]
    )


def thanks(patient_name: str) -> str:
    return f"Thank you — I've passed it to {e(patient_name)}, and only to them."


SKIPPED = "Thank you all the same 💛"
NOT_YOURS = "This isn't for you to decide."


def to_patient(noticed: Noticed) -> str:
    about = f" after {e(shorten(noticed.description, 80))}" if noticed.description else ""
    return (
        f"🩺 {e(noticed.helper_name)} noticed something{about}:\n“{e(noticed.text)}”\n\n"
        "Should this go into your report for your care team? Only you decide."
    )


def choice_keyboard(observation_id: int) -> InlineKeyboardMarkup:
    report = ObservationButton(ObservationChoice.REPORT, observation_id)
    private = ObservationButton(ObservationChoice.PRIVATE, observation_id)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("📄 Add to my report", callback_data=encode(report))],
            [InlineKeyboardButton("🔒 Keep it just for me", callback_data=encode(private))],
        ]
    )


def chosen(noticed: Noticed, in_report: bool) -> str:
    where = "It will be in your /report." if in_report else "It stays just for you."
    return f"🩺 {e(noticed.helper_name)} noticed: “{e(noticed.text)}”\n\n{where}"


def setting_line(on: bool, patient_name: str) -> str:
    name = e(patient_name)
    if on:
        return f"🩺 Helpers are asked what they noticed (only {name} sees it)"
    return f"🩺 Helpers' observations: off ({name} can switch them on privately)"


SWITCH_USAGE = (
    "After a need is done, I can ask the helper privately if they noticed anything. Only you "
    "see what they say, and you choose what goes into your /report.\n\n"
    "/settings observations on — ask them\n/settings observations off — don't"
)
ONLY_THE_PERSON = (
    "Only the person the circle supports can switch helpers' observations on or off, "
    "in a private chat with me."
)


def switched(on: bool) -> str:
    if on:
        return "🩺 On: after a need is done, I'll ask the helper privately what they noticed."
    return "🩺 Off: I won't ask helpers what they noticed."
