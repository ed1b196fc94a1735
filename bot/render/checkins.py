"""Texts and buttons of check-ins and their schedules. Everything here is said privately,
except `group_line`, the one line a person chooses to send to their group."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CheckInAction, CheckInButton, encode
from bot.render.common import e, shorten
from bot.services.checkin_schedules import Problem, ScheduleView
from bot.services.checkins import (
    MAX_LINE,
    MAX_NOTE,
    CheckInView,
    Line,
    LineProblem,
    Step,
    line_text,
    lines_for,
    own_line_text,
)
from bot.services.planning import CheckInSchedule
from bot.timeparse import Precision, When, format_when_short, local_to_utc
from storage.models import CheckInKind

FACES = {1: "😣", 2: "🙁", 3: "😐", 4: "🙂", 5: "😊"}
SCORE_VALUES = frozenset(str(value) for value in FACES)

# Per kind and question: (the question, its short name in a summary, a word per score).
QUESTIONS: dict[CheckInKind, dict[Step, tuple[str, str, dict[int, str]]]] = {
    CheckInKind.WELLBEING: {
        Step.PHYSICAL: (
            "How is your body today?",
            "Body",
            {5: "Very good", 4: "Good", 3: "Okay", 2: "Not great", 1: "Very hard"},
        ),
        Step.MOOD: (
            "How is your mood?",
            "Mood",
            {5: "Very good", 4: "Good", 3: "Okay", 2: "Low", 1: "Very low"},
        ),
        Step.ENERGY: (
            "How much energy do you have today?",
            "Energy",
            {5: "Plenty", 4: "Good", 3: "Some", 2: "Low", 1: "Exhausted"},
        ),
    },
    CheckInKind.HOLDING_UP: {
        Step.PHYSICAL: (
            "How are you holding up?",
            "Holding up",
            {5: "Very well", 4: "Well", 3: "Okay", 2: "Struggling", 1: "Really struggling"},
        ),
        Step.MOOD: (
            "How rested are you?",
            "Rested",
            {5: "Well rested", 4: "Rested", 3: "Okay", 2: "Tired", 1: "Exhausted"},
        ),
        Step.ENERGY: (
            "How supported do you feel?",
            "Supported",
            {5: "Very supported", 4: "Supported", 3: "Somewhat", 2: "Not much", 1: "Not at all"},
        ),
    },
}
NOTE_QUESTION = {
    CheckInKind.WELLBEING: "Anything new or harder than usual?",
    CheckInKind.HOLDING_UP: "Anything on your mind?",
}
ACTION_OF_STEP = {
    Step.PHYSICAL: CheckInAction.PHYSICAL,
    Step.MOOD: CheckInAction.MOOD,
    Step.ENERGY: CheckInAction.ENERGY,
}
STEP_OF_ACTION = {action: step for step, action in ACTION_OF_STEP.items()}
LINE_BUTTON = {
    Line.GOOD: "🌤 A good day",
    Line.OKAY: "🙂 An okay day",
    Line.TIRING: "😴 A tiring day",
    Line.HARD: "💛 A hard day — a call would be welcome",
    Line.PLAIN: "✔️ Just that I checked in",
}
SAME_BUTTON = "🔁 Same as last time"
SKIP_BUTTON = "⏭ Skip"
SHARE_BUTTON = "📣 Share a line with the group"
PRIVATE_BUTTON = "🔒 Keep it private"
OWN_BUTTON = "✏️ Write my own"
SEND_BUTTON = "📣 Send it"
_WEEKDAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def _button(
    label: str, action: CheckInAction, view: CheckInView, value: str = ""
) -> list[InlineKeyboardButton]:
    """One button to a row: big targets for tired eyes and shaky hands."""
    return [
        InlineKeyboardButton(label, callback_data=encode(CheckInButton(action, view.id, value)))
    ]


def score_text(kind: CheckInKind, step: Step, value: int) -> str:
    _question, _name, words = QUESTIONS[kind][step]
    return f"{value} {FACES[value]} {words[value]}"


def _so_far(view: CheckInView) -> list[str]:
    lines = []
    for step in (Step.PHYSICAL, Step.MOOD, Step.ENERGY):
        value = view.score(step)
        if value is not None:
            name = QUESTIONS[view.kind][step][1]
            lines.append(f"✓ {name}: {score_text(view.kind, step, value)}")
    return lines


def _greeting(view: CheckInView, resumed: bool) -> str:
    if resumed and view.answered:
        return f"💛 {e(view.name)}, let's carry on with your check-in."
    if view.kind == CheckInKind.HOLDING_UP:
        return f"🫶 Hi {e(view.name)} — a moment for you. Only you will see your answers."
    return f"💛 Hi {e(view.name)} — time for a short check-in."


def question_text(view: CheckInView, resumed: bool = False) -> str:
    """The check-in as it stands: what is answered, and the question now."""
    parts = [_greeting(view, resumed)]
    so_far = _so_far(view)
    if so_far:
        parts.append("\n".join(so_far))
    step = view.step
    if step in ACTION_OF_STEP:
        question = QUESTIONS[view.kind][step][0]
        parts.append(f"<b>{question}</b>\nTap one: 5 is good, 1 is hard.")
    else:
        parts.append(
            f"<b>{NOTE_QUESTION[view.kind]}</b>\n"
            "Type a few words or send a voice message — or tap Skip."
        )
    return "\n\n".join(parts)


def question_keyboard(view: CheckInView) -> InlineKeyboardMarkup:
    step = view.step
    if step not in ACTION_OF_STEP:
        return InlineKeyboardMarkup([_button(SKIP_BUTTON, CheckInAction.SKIP_NOTE, view)])
    rows = [
        _button(score_text(view.kind, step, value), ACTION_OF_STEP[step], view, str(value))
        for value in (5, 4, 3, 2, 1)
    ]
    if step == Step.PHYSICAL and view.can_copy_last:
        rows.append(_button(SAME_BUTTON, CheckInAction.SAME, view))
    return InlineKeyboardMarkup(rows)


def prompt(view: CheckInView, resumed: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    return question_text(view, resumed), question_keyboard(view)


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def summary_text(view: CheckInView) -> str:
    """What was saved, for the person's eyes only."""
    lines = [
        f"{QUESTIONS[view.kind][step][1]}: {score_text(view.kind, step, value)}"
        for step in (Step.PHYSICAL, Step.MOOD, Step.ENERGY)
        if (value := view.score(step)) is not None
    ]
    if view.note:
        lines.append(f"Note: “{e(shorten(view.note, 300))}”")
    if view.has_voice:
        lines.append(f"🎤 Voice message ({_minutes(view.voice_seconds or 0)})")
    if not view.note and not view.has_voice:
        lines.append("No note")
    if view.kind == CheckInKind.HOLDING_UP:
        heading = f"Thank you, {e(view.name)} 🫶 Saved — only you can see this."
    else:
        heading = f"Thank you, {e(view.name)} 💛 Your check-in is saved."
    return heading + "\n\n" + "\n".join(lines)


def finished_text(view: CheckInView) -> str:
    """Just after the last answer."""
    text = summary_text(view)
    if view.kind == CheckInKind.HOLDING_UP:
        scores = [s for s in (view.physical, view.mood, view.energy) if s is not None]
        text += "\n\nLooking after yourself matters too."
        if scores and min(scores) <= 2:
            text += " /resources lists support groups and counselling, if that would help."
        return text
    return text + "\n\nOnly you can see this. Would you like to tell the group how you are?"


def finished_keyboard(view: CheckInView) -> InlineKeyboardMarkup | None:
    if view.kind == CheckInKind.HOLDING_UP:
        return None
    return InlineKeyboardMarkup(
        [
            _button(SHARE_BUTTON, CheckInAction.SHARE, view),
            _button(PRIVATE_BUTTON, CheckInAction.PRIVATE, view),
        ]
    )


def _group_name(title: str) -> str:
    return e(title) if title else "your group"


def share_text(view: CheckInView, group_title: str) -> str:
    offered = "\n".join(f"• {e(line_text(line, view.name))}" for line in lines_for(view))
    return (
        f"Which line should I send to {_group_name(group_title)}? Tap one.\n\n{offered}\n\n"
        "Only that line goes — nothing else from your check-in."
    )


def share_keyboard(view: CheckInView) -> InlineKeyboardMarkup:
    rows = [
        _button(LINE_BUTTON[line], CheckInAction.LINE, view, line.value) for line in lines_for(view)
    ]
    rows.append(_button(OWN_BUTTON, CheckInAction.OWN, view))
    rows.append(_button(PRIVATE_BUTTON, CheckInAction.PRIVATE, view))
    return InlineKeyboardMarkup(rows)


def write_own_text(group_title: str) -> str:
    return (
        f"✏️ Send me one line for {_group_name(group_title)} (up to {MAX_LINE} characters). "
        "I'll show it to you before it goes."
    )


def private_only_keyboard(view: CheckInView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_button(PRIVATE_BUTTON, CheckInAction.PRIVATE, view)])


def own_line_preview(line: str, view: CheckInView, group_title: str) -> str:
    """The line in a quote of its own: pressing Send reads it back from this message, so a
    restart between writing and sending loses nothing."""
    return (
        f"This is what {_group_name(group_title)} will see:\n\n"
        f"{e(own_line_text('', view.name).rstrip())}<blockquote>{e(line)}</blockquote>\n"
        "Send it?"
    )


def own_line_keyboard(view: CheckInView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            _button(SEND_BUTTON, CheckInAction.SEND, view),
            _button(PRIVATE_BUTTON, CheckInAction.PRIVATE, view),
        ]
    )


def line_problem(problem: LineProblem, length: int) -> str:
    if problem == LineProblem.TOO_LONG:
        return (
            f"That's a little long ({length} characters) — please keep it to {MAX_LINE}. "
            "Send me a shorter line, or tap Keep it private."
        )
    return "Send me a few words for the group, or tap Keep it private."


def group_line(text: str) -> str:
    """The only thing from a check-in that ever reaches the group."""
    return e(text)


def shared_text(view: CheckInView, posted: str, group_title: str) -> str:
    return (
        summary_text(view)
        + f"\n\n📣 Sent to {_group_name(group_title)}: “{e(posted)}”"
        + "\nNothing else from your check-in was shared."
    )


def kept_private_text(view: CheckInView) -> str:
    return summary_text(view) + "\n\n🔒 Kept private — only you can see this."


def note_settled(view: CheckInView) -> str:
    """The question message once a typed or spoken note has ended the check-in."""
    return "\n".join([*_so_far(view), "📝 Note saved — thank you. The summary is below."])


CARRIED_ON = "↪️ This check-in carries on in another message."
SENT = "Sent ✓"
ALREADY_SAVED = "Already saved ✓"
FINISHED = "This check-in is finished — thank you 💛. Send /checkin for a new one."
FINISHED_SETTLED = "✅ This check-in is finished."
ABANDONED = (
    "This check-in was a while ago — what you answered is kept. Send /checkin to start a new one."
)
ABANDONED_SETTLED = "This check-in has closed — what you answered is kept."
GONE = "This check-in has closed. Send /checkin to start a new one."
NOT_YOURS = "This check-in belongs to someone else."
ALREADY_SHARED = "A line from this check-in went to the group already."
TOO_LATE = "This check-in is from a while ago, so I won't share it now."
NOT_FINISHED = "Please finish the check-in first."
NO_GROUP = "I can't post in the group right now — I'm not in it any more."
GROUP_FAILED = "I couldn't post in the group just now. Please try again in a moment."
READ_AGAIN = "I couldn't read that line back — please type it again."
NOTE_TOO_LATE = "Your check-in was already saved, so I didn't add this to it."
NOT_SHARED_KIND = "Your own check-in is only for you."
NOTE_TRIMMED = f"(Your note was long, so I kept the first {MAX_NOTE} characters.)"
VOICE_FOR_LINE = (
    "A voice message can't go to the group as a line — please type it, or tap Keep it private."
)

IN_GROUP = (
    "Check-ins are private 💛 Please send me /checkin or /checkins in our private chat — "
    "tap below to open it."
)
IN_GROUP_NO_LINK = "Check-ins are private 💛 Please send me /checkin in a private chat."


# --- schedules -----------------------------------------------------------------------------


def describe(schedule: CheckInSchedule) -> str:
    if schedule.day is None:
        return f"every day at {schedule.at:%H:%M}"
    return f"every {_WEEKDAY_NAMES[schedule.day]} at {schedule.at:%H:%M}"


def _when(instant: datetime, tz: ZoneInfo, now: datetime) -> str:
    return format_when_short(When(Precision.EXACT, instant), tz, now)


def _day(view: ScheduleView, now: datetime) -> str:
    """ "today", "tomorrow", "Fri", "Wed 2 Dec"."""
    assert view.resumes_on is not None
    midnight = local_to_utc(datetime.combine(view.resumes_on, time()), view.zone)
    day = format_when_short(When(Precision.DAY, midnight), view.zone, now)
    return day if day in ("today", "tomorrow") else f"on {day}"


def _next(view: ScheduleView, now: datetime) -> str:
    if view.next_at is None:
        return ""
    return f"\nThe next one: {_when(view.next_at, view.zone, now)}."


USAGE = (
    "To change it, send for example:\n"
    "/checkins daily 19:00\n"
    "/checkins weekly sun 18:00\n"
    "/checkins pause 7d — a break; your schedule stays\n"
    "/checkins resume\n"
    "/checkins off\n"
    "/checkin — check in now"
)
OWN_USAGE = (
    "It's just for you: nobody else sees your answers.\n"
    "/checkins me sun 18:00 — on, any day and time\n"
    "/checkins me off — off\n"
    "/checkin — check in now"
)


def schedule_text(view: ScheduleView, now: datetime) -> str:
    zone = f"🕰 Times are in {e(view.timezone)}."
    if not view.for_supported_person:
        if view.schedule is None:
            state = "is off."
        else:
            state = f"is on: {describe(view.schedule)}.{_next(view, now)}\n{zone}"
        return f"🫶 Your own weekly check-in — “How are you holding up?” — {state}\n\n{OWN_USAGE}"
    if view.schedule is None:
        state = "💛 Scheduled check-ins are off."
    elif view.resumes_on is not None:
        state = (
            f"⏸ Check-ins are paused. They start again {_day(view, now)}: "
            f"{describe(view.schedule)}.{_next(view, now)}"
        )
    else:
        state = f"💛 I check in with you {describe(view.schedule)}.{_next(view, now)}"
    if view.schedule is not None:
        state += f"\n{zone}"
    return f"{state}\n\n{USAGE}"


def schedule_saved(view: ScheduleView, now: datetime) -> str:
    if not view.for_supported_person:
        if view.schedule is None:
            return (
                "Okay — your own weekly check-in is off. "
                "/checkins me sun 18:00 switches it on again."
            )
        return (
            f"✅ Your own check-in: {describe(view.schedule)}.{_next(view, now)}\n"
            "Only you will see your answers."
        )
    if view.schedule is None:
        return (
            "Okay — no more scheduled check-ins. /checkin still works any time, "
            "and /checkins daily 19:00 starts them again."
        )
    if view.resumes_on is not None:
        return (
            f"⏸ Paused. Your check-ins ({describe(view.schedule)}) start again "
            f"{_day(view, now)}.\n/checkins resume starts them sooner."
        )
    return f"✅ I'll check in with you {describe(view.schedule)}.{_next(view, now)}"


def problem_text(problem: Problem, typed: str) -> str:
    shown = e(shorten(typed, 60))
    match problem:
        case Problem.BAD_TIME:
            return (
                f"I couldn't read “{shown}” as a time. Try 19:00 or 7pm, "
                "for example /checkins daily 19:00"
            )
        case Problem.NO_TIME:
            return "What time? For example /checkins daily 19:00 or /checkins weekly sun 18:00"
        case Problem.NO_DAY:
            return "Which day? For example /checkins weekly sun 18:00"
        case Problem.BAD_PAUSE:
            return "How long a break? For example /checkins pause 7d or /checkins pause 2w"
        case Problem.PAUSE_TOO_LONG:
            return (
                "That's a long break — the longest is 12 weeks (/checkins pause 12w). "
                "/checkins off stops them until you start them again."
            )
        case Problem.NOTHING_TO_PAUSE:
            return (
                "There are no scheduled check-ins to pause. "
                "/checkins daily 19:00 sets them up; /checkin checks in now."
            )
        case Problem.WEEKLY_ONLY:
            return (
                "Your own check-in comes once a week, on a day you choose — "
                "for example /checkins me sun 18:00, or /checkins me off."
            )
        case Problem.FOR_CAREPARTNERS:
            return (
                "“me” is for carepartners' own check-ins. Yours are set like this: "
                "/checkins daily 19:00 or /checkins weekly sun 18:00."
            )
    return (
        f"I didn't quite catch “{shown}”. Try /checkins daily 19:00, "
        "/checkins weekly sun 18:00, /checkins pause 7d or /checkins off."
    )
