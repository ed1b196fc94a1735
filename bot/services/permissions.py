"""Who may do what, in one place. Plain functions: no Telegram, no database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.models import Role


class Action(StrEnum):
    POST_NEED_IN_GROUP = "post_need_in_group"
    POST_NEED_FROM_PRIVATE = "post_need_from_private"
    CLAIM = "claim"
    RELEASE = "release"
    MARK_DONE = "mark_done"
    CANCEL = "cancel"
    CHANGE_TIME = "change_time"
    SET_TIMEZONE = "set_timezone"
    SET_COORDINATOR = "set_coordinator"
    CHANGE_SETTINGS = "change_settings"
    # Saving, seeing and ticking off questions for appointments: they may be about health.
    ASK_QUESTION = "ask_question"
    EDIT_PREFS = "edit_prefs"  # "Help I'd love" / "Please don't"
    EDIT_TEAM = "edit_team"  # the care team directory
    # The person's own health information: their check-ins, report and export, and whether
    # helpers are asked what they noticed. Nobody decides these for them.
    OWN_HEALTH_DATA = "own_health_data"
    EXPORT = "export"  # all of the circle's data, as files
    DELETE_CIRCLE = "delete_circle"  # the circle and everything in it, for good
    BACKUP = "backup"  # 🛟 stand by for a need someone else has taken
    STOP_SERIES = "stop_series"  # a recurring need: stop it, or skip one date
    CALENDAR_ALL = "calendar_all"  # /calendar with every upcoming need, not only mine
    SAY_THANKS = "say_thanks"  # 💛 thank the helper in the group
    WEEKLY_SUMMARY = "weekly_summary"  # receive the coordinators' weekly summary


LEADS = frozenset({Role.PATIENT, Role.COORDINATOR})


@dataclass(frozen=True)
class Place:
    """Where a command was sent or a button pressed."""

    chat_id: int
    private: bool

    def belongs(self, circle_chat_id: int, role: Role | None) -> bool:
        """In a group, only that group's own circle; privately, only a circle one is in."""
        return role is not None if self.private else circle_chat_id == self.chat_id


def may(
    role: Role | None,
    action: Action,
    *,
    is_claimer: bool = False,
    is_requester: bool = False,
) -> bool:
    """role is None for someone outside the circle."""
    if role is None:
        return False
    match action:
        case Action.POST_NEED_IN_GROUP:
            return True
        case (
            Action.POST_NEED_FROM_PRIVATE
            | Action.SET_TIMEZONE
            | Action.CHANGE_SETTINGS
            | Action.ASK_QUESTION
            | Action.EDIT_PREFS
            | Action.EDIT_TEAM
        ):
            return role in LEADS
        case Action.CLAIM:
            # The person asking for help does not take their own need.
            return role != Role.PATIENT
        case Action.BACKUP:
            # Standing by for your own place would cover nothing.
            return role != Role.PATIENT and not is_claimer
        case Action.STOP_SERIES:
            return is_requester or role in LEADS
        case Action.CALENDAR_ALL:
            return role in LEADS
        case Action.SAY_THANKS:
            return role == Role.PATIENT
        case Action.WEEKLY_SUMMARY:
            return role == Role.COORDINATOR
        case Action.RELEASE:
            return is_claimer
        case Action.MARK_DONE:
            return is_claimer or role in LEADS
        case Action.CANCEL | Action.CHANGE_TIME:
            return is_requester or role in LEADS
        case Action.SET_COORDINATOR | Action.OWN_HEALTH_DATA | Action.EXPORT | Action.DELETE_CIRCLE:
            return role == Role.PATIENT
