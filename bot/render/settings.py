"""Texts and buttons for /settings. Calm words, one big button a row, and the supported
person called by name. Repeating needs' days ahead is typed (/settings series 3d)."""

from __future__ import annotations

from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import encode
from bot.render.common import e, joined, shorten
from bot.render.observations import setting_line
from bot.services.series import MAX_DAYS_AHEAD, MIN_DAYS_AHEAD
from bot.services.settings import (
    EARLIEST_SUMMARY,
    LATEST_SUMMARY,
    MAX_LEADS,
    Choice,
    CircleSettings,
    Problem,
    Setting,
    Unreadable,
    back_button,
    choice_button,
    menu_button,
)

MENU_LABELS = {
    Setting.REMINDERS: "⏰ Helper reminders",
    Setting.NUDGES: "🔔 Group nudges",
    Setting.SUMMARY: "☀️ Morning summary",
}
BACK_LABEL = "⬅️ Back"

# What the buttons offer; anything else can be typed (/settings reminders 90m).
CHOICES: dict[Setting, list[tuple[str, Choice]]] = {
    Setting.REMINDERS: [
        ("24 h + 2 h", Choice(Setting.REMINDERS, leads=(24 * 60, 2 * 60))),
        ("2 h only", Choice(Setting.REMINDERS, leads=(2 * 60,))),
        ("24 h only", Choice(Setting.REMINDERS, leads=(24 * 60,))),
        ("1 h only", Choice(Setting.REMINDERS, leads=(60,))),
        ("Off", Choice(Setting.REMINDERS)),
    ],
    Setting.NUDGES: [
        ("48 h + 24 h", Choice(Setting.NUDGES, leads=(48 * 60, 24 * 60))),
        ("24 h only", Choice(Setting.NUDGES, leads=(24 * 60,))),
        ("Off", Choice(Setting.NUDGES)),
    ],
    Setting.SUMMARY: [
        *((f"{hour:02d}:00", Choice(Setting.SUMMARY, at=time(hour, 0))) for hour in (7, 8, 9, 10)),
        ("Off", Choice(Setting.SUMMARY)),
    ],
}

SAVED = "Saved ✓"
BUTTON_GONE = "This button no longer works. Send /settings to see the settings now."
OTHER_CIRCLE = "This button is from another circle's settings, so I haven't changed anything."


def lead_words(minutes: int) -> str:
    """1440 → "24 h", 90 → "1 h 30 min", 10080 → "7 days"."""
    if minutes % (24 * 60) == 0 and minutes > 48 * 60:
        return f"{minutes // (24 * 60)} days"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def leads_words(leads: tuple[int, ...]) -> str:
    return joined([lead_words(lead) for lead in leads])


def _clock(at: time) -> str:
    return at.strftime("%H:%M")


def _reminders_line(settings: CircleSettings) -> str:
    if not settings.reminder_leads:
        return "⏰ Helpers get no reminder before a need"
    return f"⏰ Helpers are reminded {leads_words(settings.reminder_leads)} before"


def _nudges_line(settings: CircleSettings) -> str:
    if not settings.nudge_leads:
        return "🔔 The group isn't nudged about needs nobody has taken"
    return (
        f"🔔 The group is nudged {leads_words(settings.nudge_leads)} before "
        "about needs nobody has taken"
    )


def _summary_line(settings: CircleSettings) -> str:
    name = e(settings.patient_name)
    if settings.summary_at is None:
        return f"☀️ Morning summary for {name}: off"
    return f"☀️ Morning summary for {name} at {_clock(settings.summary_at)}"


def _series_line(settings: CircleSettings) -> str:
    days = settings.series_days_ahead
    ahead = "1 day" if days == 1 else f"{days} days"
    return f"🔁 Repeating needs: each date is posted {ahead} ahead"


def summary_text(settings: CircleSettings, can_change: bool) -> str:
    name = e(settings.patient_name)
    lines = [
        f"⚙️ <b>Settings for {name}'s circle</b>",
        "",
        _reminders_line(settings),
        _nudges_line(settings),
        _summary_line(settings),
        _series_line(settings),
        setting_line(settings.observations_on, settings.patient_name),
        "",
        "Tap a button to change one."
        if can_change
        else f"{name} or a coordinator can change these.",
    ]
    return "\n".join(lines)


def saved_text(settings: CircleSettings) -> str:
    return "✅ Saved.\n\n" + summary_text(settings, can_change=True)


def menu_keyboard(circle_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=encode(menu_button(circle_id, setting)))]
            for setting, label in MENU_LABELS.items()
        ]
    )


def _now_words(settings: CircleSettings, setting: Setting) -> str:
    match setting:
        case Setting.REMINDERS:
            leads = settings.reminder_leads
        case Setting.NUDGES:
            leads = settings.nudge_leads
        case Setting.SUMMARY:
            at = settings.summary_at
            return f"at {_clock(at)}" if at is not None else "off"
        case Setting.SERIES:
            days = settings.series_days_ahead
            return "1 day ahead" if days == 1 else f"{days} days ahead"
    return f"{leads_words(leads)} before" if leads else "off"


def choices_text(settings: CircleSettings, setting: Setting) -> str:
    name = e(settings.patient_name)
    about = {
        Setting.REMINDERS: (
            "⏰ <b>Helper reminders</b>\nWhoever takes a need gets a private reminder before it."
        ),
        Setting.NUDGES: (
            "🔔 <b>Group nudges</b>\n"
            "When nobody has taken a need yet, I remind the group before it."
        ),
        Setting.SUMMARY: (
            "☀️ <b>Morning summary</b>\n"
            f"Each morning I tell {name} privately who's coming when — "
            "nothing on a day with nothing planned."
        ),
    }[setting]
    return f"{about}\n\nNow: {_now_words(settings, setting)}.\n\nWhat would you like?"


def choices_keyboard(circle_id: int, setting: Setting) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(label, callback_data=encode(choice_button(circle_id, choice)))]
        for label, choice in CHOICES[setting]
    ]
    rows.append([InlineKeyboardButton(BACK_LABEL, callback_data=encode(back_button(circle_id)))])
    return InlineKeyboardMarkup(rows)


def not_allowed(patient_name: str) -> str:
    return f"Only {shorten(patient_name, 60)} or a coordinator can change these settings."


def not_allowed_reply(patient_name: str) -> str:
    return not_allowed(patient_name) + " /settings shows them."


_EXAMPLES = {
    Setting.REMINDERS: "/settings reminders 24h 2h",
    Setting.NUDGES: "/settings nudges 48h 24h",
    Setting.SUMMARY: "/settings summary 7:30",
    Setting.SERIES: "/settings series 3d",
}

UNKNOWN_SETTING = (
    "I can change these — for example:\n"
    "/settings reminders 24h 2h\n"
    "/settings nudges 48h 24h\n"
    "/settings summary 7:30\n"
    "/settings series 3d (repeating needs: days ahead each date is posted)\n\n"
    "Or just send /settings and tap a button."
)


def problem_text(unreadable: Unreadable, typed: str) -> str:
    """A kind reply to typed settings that could not be read. Nothing was changed."""
    setting = unreadable.setting
    if setting is None or unreadable.problem == Problem.UNKNOWN_SETTING:
        return UNKNOWN_SETTING
    example = _EXAMPLES[setting]
    shown = e(shorten(typed, 40))
    first = {
        Problem.BAD_LEADS: f"I couldn't read “{shown}” as times before a need.",
        Problem.TOO_MANY_LEADS: f"That's more than {MAX_LEADS} times — please choose up to "
        f"{MAX_LEADS}.",
        Problem.LEAD_TOO_SHORT: "Each time needs to be at least 10 minutes before.",
        Problem.LEAD_TOO_LONG: "Each time can be at most 7 days before.",
        Problem.BAD_TIME: f"I couldn't read “{shown}” as a time of day.",
        Problem.BAD_DAYS: f"I couldn't read “{shown}” as a number of days.",
        Problem.DAYS_OUT_OF_RANGE: (
            f"Each date can be posted {MIN_DAYS_AHEAD} to {MAX_DAYS_AHEAD} days ahead."
        ),
        Problem.NOT_MORNING: (
            f"The morning summary can come between {_clock(EARLIEST_SUMMARY)} and "
            f"{_clock(LATEST_SUMMARY)}."
        ),
    }.get(unreadable.problem, "I couldn't read that.")
    off = f"/settings {setting.value} off"
    if setting == Setting.SERIES:
        return (
            f"{first} Nothing has changed.\n\nPlease write it like this:\n{example}\n"
            f"(a number of days, {MIN_DAYS_AHEAD} to {MAX_DAYS_AHEAD})"
        )
    if setting == Setting.SUMMARY:
        hint = f"({off} switches it off)"
    else:
        hint = f"(90m and 1d work too; {off} switches them off)"
    return f"{first} Nothing has changed.\n\nPlease write it like this:\n{example}\n{hint}"


def series_choices_text(settings: CircleSettings) -> str:
    """/settings series, with no number: what it is, and how to change it."""
    return (
        "🔁 <b>Repeating needs</b>\n"
        "Each date of a repeating need (/need ride to physio every Tuesday 10:00) gets its "
        "own card in the group, posted this many days before it.\n\n"
        f"Now: {_now_words(settings, Setting.SERIES)}.\n\n"
        f"To change it, write for example:\n{_EXAMPLES[Setting.SERIES]}\n"
        f"(any number of days from {MIN_DAYS_AHEAD} to {MAX_DAYS_AHEAD})"
    )
