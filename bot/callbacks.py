"""Callback data, built and read in one place. Telegram allows 64 bytes; ours stay under 30.

Formats:  n:<action>:<need id>:<origin>    a button on a need (card, board, /mine, nudge, …)
          w:<step>:<value>                 a step of the guided /need flow
          r:x:<reminder id>                cancel one of my /remind reminders
          s:<setting>:<value>              a choice in /settings
          o:<choice>:<observation id>      a helper's observation: skip, report, private
          a:r:<circle id>                  send me my report (before an appointment)
          q:<action>:<id>                  /questions: answered / not yet (question id),
                                           show answered / open (circle id)
          t:<action>:<contact id>          /team remove: yes, remove / keep
          c:<action>:<check-in id>:<value> a check-in: a score, skip the note, share or not
          x:<action>:<id>                  /forget_me (user id) or /delete_circle (circle id):
                                           yes, or no
          z:<action>:<series id>           a recurring need: take every date, give them back,
                                           stop the series (and confirm or keep it)
          h:t:<need id>                    💛 Say thanks, from the "done" notice
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NeedAction(StrEnum):
    CLAIM = "c"
    RELEASE = "r"
    DONE = "d"
    CANCEL = "x"
    MISSED = "m"  # "Didn't happen", from the follow-up question
    BACKUP = "b"  # 🛟 stand by in case a helper has to drop out
    UNBACKUP = "u"  # no longer standing by


class Origin(StrEnum):
    """Where the button was pressed, so that message can be refreshed too."""

    CARD = "k"
    BOARD = "b"
    MINE = "m"
    NUDGE = "g"  # the group's "still open" nudge
    FOLLOW_UP = "f"  # the helper's "Did it happen?"


class WizardStep(StrEnum):
    CATEGORY = "cat"
    DAY = "day"
    TIME = "time"
    POST = "post"
    STOP = "stop"


@dataclass(frozen=True)
class NeedButton:
    action: NeedAction
    need_id: int
    origin: Origin = Origin.CARD


@dataclass(frozen=True)
class WizardButton:
    step: WizardStep
    value: str = ""


@dataclass(frozen=True)
class ReminderButton:
    """Cancel one personal reminder."""

    reminder_id: int


class SettingKey(StrEnum):
    MENU = "menu"  # show the choices for one setting
    REMINDERS = "r"
    NUDGES = "n"
    DIGEST = "d"
    BACK = "back"


@dataclass(frozen=True)
class SettingsButton:
    key: SettingKey
    value: str = ""


class ObservationChoice(StrEnum):
    SKIP = "s"  # the helper has nothing to add
    REPORT = "r"  # the supported person puts it in the report
    PRIVATE = "p"  # the supported person keeps it to themselves


@dataclass(frozen=True)
class ObservationButton:
    choice: ObservationChoice
    observation_id: int


@dataclass(frozen=True)
class ReportButton:
    """Send me my report (offered the day before an appointment)."""

    circle_id: int


class QuestionAction(StrEnum):
    ANSWERED = "a"  # of a question
    REOPEN = "r"  # of a question: a mistaken tap undone
    SHOW_ANSWERED = "s"  # of a circle
    SHOW_OPEN = "o"  # of a circle


@dataclass(frozen=True)
class QuestionButton:
    action: QuestionAction
    target_id: int  # the question's id, or the circle's for SHOW_ANSWERED / SHOW_OPEN


class TeamAction(StrEnum):
    REMOVE = "x"  # yes, remove this contact
    KEEP = "k"


@dataclass(frozen=True)
class TeamButton:
    action: TeamAction
    contact_id: int


class CheckInAction(StrEnum):
    PHYSICAL = "p"  # value: the score, 1-5
    MOOD = "m"
    ENERGY = "e"
    SAME = "a"  # same as last time
    SKIP_NOTE = "n"
    SHARE = "s"  # show the lines that could go to the group
    LINE = "l"  # value: which ready-made line
    OWN = "o"  # write my own line
    SEND = "y"  # send the line I wrote
    PRIVATE = "k"  # keep it private


@dataclass(frozen=True)
class CheckInButton:
    action: CheckInAction
    check_in_id: int
    value: str = ""


class DataAction(StrEnum):
    FORGET = "f"  # yes, forget me
    KEEP_ME = "k"  # no, keep things as they are
    DELETE = "d"  # yes, delete the circle
    KEEP_CIRCLE = "n"  # no, keep the circle


@dataclass(frozen=True)
class DataButton:
    action: DataAction
    target_id: int  # the person to forget, or the circle to delete


class SeriesAction(StrEnum):
    TAKE_ALL = "t"  # I'll do every date
    RELEASE_ALL = "r"  # I can't do every date any more
    STOP = "x"  # stop the series: asks first
    STOP_YES = "y"
    STOP_NO = "n"


@dataclass(frozen=True)
class SeriesButton:
    action: SeriesAction
    series_id: int


@dataclass(frozen=True)
class ThanksButton:
    """The supported person thanks the helper of a done need, in the group."""

    need_id: int


Button = (
    NeedButton
    | WizardButton
    | ReminderButton
    | SettingsButton
    | ObservationButton
    | ReportButton
    | QuestionButton
    | TeamButton
    | CheckInButton
    | DataButton
    | SeriesButton
    | ThanksButton
)

# Row ids are INTEGER on PostgreSQL: a larger one is not ours, and the query would fail.
_MAX_ID = 2**31
# Telegram user ids have at most 52 significant bits.
_MAX_USER_ID = 2**52


def encode(button: Button) -> str:
    match button:
        case NeedButton():
            return f"n:{button.action}:{button.need_id}:{button.origin}"
        case WizardButton():
            return f"w:{button.step}:{button.value}"
        case ReminderButton():
            return f"r:x:{button.reminder_id}"
        case SettingsButton():
            return f"s:{button.key}:{button.value}"
        case ObservationButton():
            return f"o:{button.choice}:{button.observation_id}"
        case ReportButton():
            return f"a:r:{button.circle_id}"
        case QuestionButton():
            return f"q:{button.action}:{button.target_id}"
        case TeamButton():
            return f"t:{button.action}:{button.contact_id}"
        case CheckInButton():
            return f"c:{button.action}:{button.check_in_id}:{button.value}"
        case DataButton():
            return f"x:{button.action}:{button.target_id}"
        case SeriesButton():
            return f"z:{button.action}:{button.series_id}"
        case ThanksButton():
            return f"h:t:{button.need_id}"


def decode(data: object) -> Button | None:
    """None for anything we did not make (old buttons, other bots, tampering)."""
    if not isinstance(data, str):
        return None
    try:
        if len(data.encode()) > 64:
            return None
    except UnicodeEncodeError:  # a lone surrogate: not text that Telegram (or we) send
        return None
    button = _decode(data)
    # Only as we write it: "n:c:007:k" or other digits ("٣") are not a button we made.
    return button if button is not None and encode(button) == data else None


def _decode(data: str) -> Button | None:
    parts = data.split(":")
    try:
        if parts[0] == "n" and len(parts) == 4 and parts[2].isdigit():
            need_id = int(parts[2])
            if not 0 < need_id < _MAX_ID:
                return None
            return NeedButton(NeedAction(parts[1]), need_id, Origin(parts[3]))
        if parts[0] == "w" and len(parts) == 3:
            return WizardButton(WizardStep(parts[1]), parts[2])
        if parts[0] == "r" and len(parts) == 3 and parts[1] == "x" and parts[2].isdigit():
            reminder_id = int(parts[2])
            return ReminderButton(reminder_id) if 0 < reminder_id < _MAX_ID else None
        if parts[0] == "a" and len(parts) == 3 and parts[1] == "r" and parts[2].isdigit():
            circle_id = int(parts[2])
            return ReportButton(circle_id) if 0 < circle_id < _MAX_ID else None
        if parts[0] == "o" and len(parts) == 3 and parts[2].isdigit():
            observation_id = int(parts[2])
            if not 0 < observation_id < _MAX_ID:
                return None
            return ObservationButton(ObservationChoice(parts[1]), observation_id)
        if parts[0] == "s" and len(parts) == 3:
            return SettingsButton(SettingKey(parts[1]), parts[2])
        if parts[0] in ("q", "t") and len(parts) == 3 and parts[2].isdigit():
            target_id = int(parts[2])
            if not 0 < target_id < _MAX_ID:
                return None
            if parts[0] == "q":
                return QuestionButton(QuestionAction(parts[1]), target_id)
            return TeamButton(TeamAction(parts[1]), target_id)
        if parts[0] == "c" and len(parts) == 4 and parts[2].isdigit() and len(parts[3]) <= 8:
            check_in_id = int(parts[2])
            if not 0 < check_in_id < _MAX_ID:
                return None
            return CheckInButton(CheckInAction(parts[1]), check_in_id, parts[3])
        if parts[0] == "x" and len(parts) == 3 and parts[2].isdigit():
            target_id = int(parts[2])
            action = DataAction(parts[1])
            of_a_person = action in (DataAction.FORGET, DataAction.KEEP_ME)
            limit = _MAX_USER_ID if of_a_person else _MAX_ID
            return DataButton(action, target_id) if 0 < target_id < limit else None
        if parts[0] == "z" and len(parts) == 3 and parts[2].isdigit():
            series_id = int(parts[2])
            return (
                SeriesButton(SeriesAction(parts[1]), series_id) if 0 < series_id < _MAX_ID else None
            )
        if parts[0] == "h" and len(parts) == 3 and parts[1] == "t" and parts[2].isdigit():
            need_id = int(parts[2])
            return ThanksButton(need_id) if 0 < need_id < _MAX_ID else None
    except ValueError:
        return None
    return None


def is_need_button(data: object) -> bool:
    return isinstance(decode(data), NeedButton)


def is_wizard_button(data: object) -> bool:
    return isinstance(decode(data), WizardButton)


def is_reminder_button(data: object) -> bool:
    return isinstance(decode(data), ReminderButton)


def is_settings_button(data: object) -> bool:
    return isinstance(decode(data), SettingsButton)


def is_observation_button(data: object) -> bool:
    return isinstance(decode(data), ObservationButton)


def is_report_button(data: object) -> bool:
    return isinstance(decode(data), ReportButton)


def is_question_button(data: object) -> bool:
    return isinstance(decode(data), QuestionButton)


def is_team_button(data: object) -> bool:
    return isinstance(decode(data), TeamButton)


def is_check_in_button(data: object) -> bool:
    return isinstance(decode(data), CheckInButton)


def is_data_button(data: object) -> bool:
    return isinstance(decode(data), DataButton)


def is_series_button(data: object) -> bool:
    return isinstance(decode(data), SeriesButton)


def is_thanks_button(data: object) -> bool:
    return isinstance(decode(data), ThanksButton)
