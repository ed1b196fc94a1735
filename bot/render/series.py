"""How recurring needs look: the series' buttons on each date's card, and its messages."""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import SeriesAction, SeriesButton, encode
from bot.categories import CATEGORY_EMOJI
from bot.render.common import e, joined, shorten
from bot.services.needs import NeedCard
from bot.services.series import SeriesRefusal, SeriesView
from bot.timeparse import Precision, When, day_when, format_when, format_when_short
from storage.models import NeedStatus

TAKE_ALL_LABEL = "🔁 I'll do every date"
STOP_LABEL = "⏹ Stop the series"
RELEASE_ALL_LABEL = "↩️ Give the series back"
STOP_YES_LABEL = "⏹ Yes, stop it"
STOP_NO_LABEL = "↩️ No, keep it"


def _button(label: str, action: SeriesAction, series_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(SeriesButton(action, series_id)))


def series_row(card: NeedCard) -> list[InlineKeyboardButton]:
    """Extra buttons for a date of a series ("🔁 Every date", "⏹ Stop the series")."""
    if card.series_id is None:
        return []
    match card.status:
        case NeedStatus.OPEN:
            # An open date means nobody does every date (theirs are claimed on posting).
            return [
                _button(TAKE_ALL_LABEL, SeriesAction.TAKE_ALL, card.series_id),
                _button(STOP_LABEL, SeriesAction.STOP, card.series_id),
            ]
        case NeedStatus.CLAIMED:
            return [_button(STOP_LABEL, SeriesAction.STOP, card.series_id)]
    return []


def day_text(day: date, view: SeriesView, now: datetime) -> str:
    """ "Tue 1 Dec" (with the year only when it is not this year's)."""
    return format_when(day_when(day, view.zone), view.zone, now)


def _pattern(view: SeriesView) -> str:
    """ "every Tuesday 10:00", "every weekday morning", "every other Mon and Thu 9:30"."""
    text = f"{view.rule.describe()} {view.time.describe()}"
    if view.rule.last is not None:
        text += f" until {_plain_day(view.rule.last, view)}"
    return text


def _plain_day(day: date, view: SeriesView) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def pattern(view: SeriesView) -> str:
    text = _pattern(view)
    return text[0].upper() + text[1:]


def _what(view: SeriesView) -> str:
    return f"{CATEGORY_EMOJI[view.category]} {e(view.description)}"


def created_text(view: SeriesView, first: date, posts_on: datetime, now: datetime) -> str:
    days = "1 day" if view.days_ahead == 1 else f"{view.days_ahead} days"
    lines = [
        f"🔁 {e(pattern(view))} — I'll post each date {days} ahead. "
        f"Next: {e(day_text(first, view, now))}",
        _what(view),
    ]
    if posts_on > now:
        posted = format_when_short(When(Precision.EXACT, posts_on), view.zone, now)
        lines.append(f"Its card goes up in the group {e(posted)}.")
    lines.append("")
    lines.append(
        "To skip one date, tap ✖️ Skip this date on its card (or /series skip and the date). "
        "⏹ Stop the series on any card ends it."
    )
    return "\n".join(lines)


def no_dates_left(view_description: str) -> str:
    return (
        f"There's no date still to come for {e(view_description)} before its end date. "
        'Please choose a later end, for example "until 1 March".'
    )


def posting_failed() -> str:
    return (
        "I couldn't post in the group just now, so I haven't started the series. "
        "Please check I'm still in the group and try again."
    )


def date_is_yours(card: NeedCard, reminders: tuple[datetime, ...], now: datetime) -> str:
    when = format_when(card.when, card.zone, now)
    lines = [
        f"🔁 The next date is up, and it's yours: {CATEGORY_EMOJI[card.category]} "
        f"{e(card.description)} — {e(when)}.",
    ]
    if reminders:
        times = [format_when_short(When(Precision.EXACT, r), card.zone, now) for r in reminders]
        lines.append(f"⏰ I'll remind you {e(joined(times))}.")
    lines.append("Can't make this one? Tap ↩️ Release on its card — someone else can step in.")
    return "\n".join(lines)


def _day_list(days: list[date], view: SeriesView, now: datetime) -> str:
    return ", ".join(day_text(d, view, now) for d in days)


def took_all_to_helper(view: SeriesView, claimed: list[date], now: datetime) -> str:
    lines = [
        f"💛 Thank you! {e(pattern(view))} is yours: {_what(view)}",
    ]
    if claimed:
        lines.append(f"Already posted and now yours: {e(_day_list(claimed, view, now))}.")
    lines.append(
        "Each new date is yours as soon as I post it, and I'll remind you before each one."
    )
    lines.append("")
    lines.append(
        "Can't make one date? Tap ↩️ Release on its card. "
        "Can't do the series any more? Tap the button below."
    )
    return "\n".join(lines)


def took_all_keyboard(view: SeriesView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(RELEASE_ALL_LABEL, SeriesAction.RELEASE_ALL, view.id)]])


def took_all_to_group(view: SeriesView, helper: str) -> str:
    return f"🔁 {e(helper)} will do {e(_pattern(view))}: {_what(view)}. Thank you!"


def took_all_to_patient(view: SeriesView, helper: str) -> str:
    return f"🔁 {e(helper)} will help you {e(_pattern(view))}: {_what(view)}."


def gave_back_to_group(view: SeriesView, helper: str, now: datetime) -> str:
    return (
        f"↩️ {e(helper)} can't do {e(_pattern(view))} any more ({_what(view)}). "
        "Dates already taken stay with them; new dates will be posted open — "
        f"tap {TAKE_ALL_LABEL} on a card to take them all."
    )


def gave_back_to_helper(view: SeriesView) -> str:
    return (
        f"↩️ You've given back {e(_pattern(view))} — thank you for all you did. "
        "The dates you already took are still yours; if you can't make one, tap ↩️ Release "
        "on its card."
    )


def gave_back_to_patient(view: SeriesView, helper: str) -> str:
    return (
        f"↩️ {e(helper)} can't do {e(_pattern(view))} any more ({_what(view)}). "
        "I'll ask the circle for each new date."
    )


def stop_question(view: SeriesView, now: datetime) -> str:
    ahead = [u.day for u in view.upcoming if u.status in (NeedStatus.OPEN, NeedStatus.CLAIMED)]
    lines = [f"⏹ Stop {e(_pattern(view))}?", _what(view), ""]
    if ahead:
        lines.append(
            f"The dates already posted ({e(_day_list(ahead, view, now))}) will be cancelled "
            "and their helpers told."
        )
    lines.append("Nothing more will be posted. Dates already done stay as they are.")
    return "\n".join(lines)


def stop_keyboard(view: SeriesView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(STOP_YES_LABEL, SeriesAction.STOP_YES, view.id)],
            [_button(STOP_NO_LABEL, SeriesAction.STOP_NO, view.id)],
        ]
    )


def stopped_text(view: SeriesView, who: str, cancelled: int) -> str:
    dates = (
        ""
        if not cancelled
        else (
            " 1 date ahead was cancelled."
            if cancelled == 1
            else f" {cancelled} dates ahead were cancelled."
        )
    )
    return f"⏹ {e(pattern(view))} has been stopped by {e(who)}: {_what(view)}.{dates}"


def kept_text(view: SeriesView) -> str:
    return f"🔁 Kept: {e(_pattern(view))} — {_what(view)}. Nothing has changed."


def stopped_to_standing_helper(view: SeriesView, who: str) -> str:
    return (
        f"⏹ {e(who)} stopped {e(_pattern(view))} ({_what(view)}). "
        "No more dates will come to you — thank you for all you did. 💛"
    )


def stopped_to_patient(view: SeriesView, who: str) -> str:
    return f"⏹ {e(who)} stopped {e(_pattern(view))}: {_what(view)}."


def _upcoming_line(view: SeriesView, now: datetime) -> str:
    parts = []
    for upcoming in view.upcoming:
        day = day_text(upcoming.day, view, now)
        match upcoming.status:
            case None:
                parts.append(f"{day} (posted later)")
            case NeedStatus.OPEN:
                parts.append(f"{day} (open)")
            case NeedStatus.CLAIMED:
                parts.append(f"{day} ({upcoming.helper_name or 'taken'})")
            case _:
                parts.append(day)
    return ", ".join(parts) if parts else "no dates left"


def list_text(views: list[SeriesView], now: datetime) -> str:
    if not views:
        return (
            "🔁 There are no repeating needs right now.\n\n"
            "To start one, add how often to a need, for example:\n"
            "/need ride to physio every Tuesday 10:00\n"
            "/need walk Max every weekday morning\n"
            "/need visit every other week on Sunday 15:00"
        )
    lines = ["🔁 <b>Repeating needs</b>", ""]
    for number, view in enumerate(views, start=1):
        lines.append(f"{number}. {_what(view)} — {e(_pattern(view))}")
        lines.append(f"   Next: {e(_upcoming_line(view, now))}")
        if view.standing_helper_name:
            lines.append(f"   🙋 {e(view.standing_helper_name)} does every date")
    example_day = next((v.next_day for v in views if v.next_day), None)
    example = day_text(example_day, views[0], now) if example_day else "Tue 8 Dec"
    lines.append("")
    if len(views) == 1:
        lines.append(f"To skip one date: /series skip {e(example)}")
    else:
        lines.append(f"To skip one date: /series skip 1 {e(example)} (the number, then the date)")
    return "\n".join(lines)


def list_keyboard(views: list[SeriesView]) -> InlineKeyboardMarkup | None:
    if not views:
        return None
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    f"⏹ Stop {number}: {shorten(view.description, 30)}"
                    if len(views) > 1
                    else f"⏹ Stop: {shorten(view.description, 30)}",
                    SeriesAction.STOP,
                    view.id,
                )
            ]
            for number, view in enumerate(views, start=1)
        ]
    )


SKIP_USAGE = (
    "Send /series to see the repeating needs, with a ⏹ Stop button for each.\n"
    "To skip one date: /series skip Tue 8 Dec"
)


def skipped_text(view: SeriesView, day: date, now: datetime) -> str:
    nxt = view.next_day
    after = f" The next one is {e(day_text(nxt, view, now))}." if nxt else ""
    return f"⏭ Skipped {e(day_text(day, view, now))}: {_what(view)}.{after}"


def no_series_on(day_words: str) -> str:
    return (
        f"None of the repeating needs falls on {e(day_words)}. "
        "Send /series to see them and their next dates."
    )


def which_series(day_words: str, numbers: list[int]) -> str:
    choices = " or ".join(f"/series skip {n} {e(day_words)}" for n in numbers)
    return f"More than one repeating need falls on {e(day_words)} — which one? {choices}"


def no_such_number(count: int) -> str:
    needs = "1 repeating need" if count == 1 else f"{count} repeating needs"
    return f"There are {needs}. Send /series to see them and their numbers."


def refusal_text(refusal: SeriesRefusal, view: SeriesView | None, now: datetime) -> str:
    helper = view.standing_helper_name if view and view.standing_helper_name else "someone"
    patient = view.patient_name if view else "the person we support"
    day = ""
    return {
        SeriesRefusal.NOT_FOUND: "I can't find this repeating need any more.",
        SeriesRefusal.OTHER_CIRCLE: "This belongs to another circle.",
        SeriesRefusal.OWN_NEED: "This is your own request — someone in the circle will pick it up.",
        SeriesRefusal.STOPPED: "This repeating need has been stopped.",
        SeriesRefusal.ALREADY_TAKEN: f"{helper} already does every date. Thank you for offering!",
        SeriesRefusal.ALREADY_YOURS: "You already do every date — thank you!",
        SeriesRefusal.NOT_YOURS: "You're not doing every date of this one, so there's nothing to "
        "give back.",
        SeriesRefusal.NOT_ALLOWED_STOP: f"Only {patient}, a coordinator or whoever asked for it "
        "can stop or skip it.",
        SeriesRefusal.NO_SUCH_DATE: f"It doesn't fall on that date{day}. Send /series to see its "
        "dates.",
        SeriesRefusal.ALREADY_SKIPPED: "That date is already skipped or over.",
        SeriesRefusal.PAST_DATE: "That date has already passed.",
    }[refusal]
