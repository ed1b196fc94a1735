"""Texts for /prefs, and the short "Help … would love / Please don't" shown with /board and
to someone taking on a need for the first time."""

from __future__ import annotations

from bot.render.common import e, shorten
from bot.services.prefs import MAX_PREF, Pref, Prefs, Problem, Unreadable

# On the board the notes are a reminder, not the whole story: /prefs has them in full.
BOARD_NOTE_LIMIT = 160

LOVE_TITLE = "💛 Help {name} would love"
DONT_TITLE = "🙏 Please don't"

HOW_TO = (
    "To write them (each up to {limit} characters):\n"
    "/prefs love a short visit with a coffee, help in the garden\n"
    "/prefs dont bring flowers, call before 10\n"
    "To remove one: /prefs clear love — or /prefs clear dont"
)


def _how_to() -> str:
    return HOW_TO.format(limit=MAX_PREF)


def _title(pref: Pref, name: str) -> str:
    return (LOVE_TITLE if pref == Pref.LOVE else DONT_TITLE).format(name=e(name))


def prefs_text(prefs: Prefs, can_change: bool) -> str:
    name = e(prefs.patient_name)
    lines = [f"📌 <b>How to help {name}</b>", ""]
    if prefs.empty:
        if not can_change:
            return "\n".join([*lines, f"{name} hasn't written anything here yet."])
        lines.append("Nothing written yet. Tell the circle what help is welcome — and what isn't.")
    else:
        for pref in (Pref.LOVE, Pref.DONT):
            note = prefs.of(pref)
            lines.append(f"<b>{_title(pref, prefs.patient_name)}</b>")
            lines.append(e(note) if note else "<i>Nothing written yet.</i>")
            lines.append("")
        lines.pop()
    lines.append("")
    lines.append(_how_to() if can_change else f"{name} or a coordinator can change these.")
    return "\n".join(lines)


def saved_text(prefs: Prefs, cleared: bool) -> str:
    first = (
        "✅ Removed."
        if cleared
        else "✅ Saved. The circle sees this with /board, and so does anyone helping for the "
        "first time."
    )
    return first + "\n\n" + prefs_text(prefs, can_change=True)


def not_allowed(patient_name: str) -> str:
    name = shorten(patient_name, 60)
    return f"Only {name} or a coordinator can change these. /prefs shows them."


def problem_text(unreadable: Unreadable) -> str:
    match unreadable.problem:
        case Problem.EMPTY:
            if unreadable.pref == Pref.DONT:
                return (
                    "What would you rather people didn't do? For example:\n"
                    "/prefs dont call before 10"
                )
            return (
                "What help would be welcome? For example:\n/prefs love a short visit with a coffee"
            )
        case Problem.TOO_LONG:
            return (
                f"That's a bit long ({unreadable.length} characters). Please keep it under "
                f"{MAX_PREF} characters. Nothing has changed."
            )
        case Problem.CLEAR_WHICH:
            return "Which one should I remove?\n/prefs clear love — or /prefs clear dont"
        case Problem.UNKNOWN:
            return "I didn't quite catch that. Nothing has changed.\n\n" + _how_to()


def board_block(patient_name: str, help_i_love: str | None, please_dont: str | None) -> str:
    """A few short lines for /board; empty when nothing is written."""
    lines = []
    if help_i_love:
        title = _title(Pref.LOVE, patient_name)
        lines.append(f"{title}: {e(shorten(help_i_love, BOARD_NOTE_LIMIT))}")
    if please_dont:
        title = _title(Pref.DONT, patient_name)
        lines.append(f"{title}: {e(shorten(please_dont, BOARD_NOTE_LIMIT))}")
    return "\n".join(lines)


def first_helper_block(prefs: Prefs) -> str:
    """For someone taking on their first need: the notes in full."""
    if prefs.empty:
        return ""
    lines = [f"Since it's your first time helping, here's what {e(prefs.patient_name)} shared:"]
    if prefs.help_i_love:
        lines.append(f"<b>{_title(Pref.LOVE, prefs.patient_name)}:</b> {e(prefs.help_i_love)}")
    if prefs.please_dont:
        lines.append(f"<b>{_title(Pref.DONT, prefs.patient_name)}:</b> {e(prefs.please_dont)}")
    return "\n".join(lines)
