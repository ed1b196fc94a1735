"""Texts for setting up a circle, /start and /help."""

from __future__ import annotations

from datetime import datetime

from bot.render.common import e
from bot.services.circles import CircleView, CoordinatorOutcome, Membership
from storage.models import Role

GREETING = (
    "👋 Hello! I'm CareCircle. I help this group look after someone: they (or a carepartner) "
    "post what they need, and anyone here can take it on with one tap.\n"
    "To begin, the person we're supporting sends /setup here — or a carepartner sends /setup "
    "as a reply to one of their messages."
)

WELCOME_BACK = (
    "👋 I'm back. Everything is as it was: /board shows what's needed and who's on it. "
    "Reminders that waited while I was away come now, if they are still useful."
)

START_BUTTON = "💬 Start a private chat with me"

NO_CIRCLE_IN_GROUP = (
    "This group isn't a care circle yet. The person we're supporting can start one with "
    "/setup (or a carepartner can send /setup as a reply to their message)."
)

NO_CIRCLE_IN_PRIVATE = (
    "You're not in a care circle yet. Add me to your family group and send /setup there, "
    "or tap the button in your group's /setup message to join."
)

SETUP_IN_PRIVATE = (
    "Circles live in a group chat: add me to your family group, then send /setup there."
)

BAD_INVITE = (
    "That link didn't work — it may be from an old message. "
    "Ask someone in the group to send /setup there; it shows a fresh button."
)


def setup_created(circle: CircleView) -> str:
    name = e(circle.patient_name)
    return (
        f"✅ This group is now <b>{name}'s care circle</b>.\n\n"
        f"Post what {name} needs with /need, for example:\n"
        "/need ride to neurology tomorrow 14:00\n"
        "Anyone here can take it with one tap. /board shows everything that's planned.\n\n"
        f"🕰 Times are in {e(circle.timezone)} — change with /timezone Europe/Berlin.\n\n"
        "Everyone: tap the button below once and press Start, so I can message you "
        "privately about what you've taken on."
    )


def setup_exists(circle: CircleView) -> str:
    return (
        f"This group is already <b>{e(circle.patient_name)}'s care circle</b>. "
        "/help shows what you can do.\n\n"
        "If you haven't yet, tap the button below and press Start, so I can message you "
        "privately."
    )


def start_linked(circle: CircleView, role: Role, first_name: str) -> str:
    name = e(circle.patient_name)
    if role == Role.PATIENT:
        return (
            f"Hi {e(first_name)} 💛 This is your private chat with me.\n\n"
            "I'll tell you here who's coming to help. To ask for something, send /need "
            "with a few words, here or in the group — e.g. /need dinner on Friday."
        )
    return (
        f"Hi {e(first_name)}! You're now part of <b>{name}'s circle</b> 💛\n\n"
        "In the group, tap 🙋 I'll do it on a need you can help with. I'll message you "
        "here about what you've taken on. /mine lists it; /help shows the rest."
    )


def start_plain(first_name: str, memberships: list[Membership]) -> str:
    if not memberships:
        return (
            f"Hi {e(first_name)}! I'm CareCircle: I help a family group look after someone "
            "living with MS.\n\nAdd me to your family group and send /setup there — or, if "
            "your group already uses me, tap the button in its /setup message."
        )
    if any(m.role == Role.PATIENT for m in memberships):
        return (
            f"Welcome back, {e(first_name)} 💛 I'll tell you here who's coming to help. "
            "To ask for something, send /need with a few words; /board shows what's planned."
        )
    names = ", ".join(f"{e(m.circle.patient_name)}'s" for m in memberships)
    return (
        f"Welcome back, {e(first_name)}! You're in {names} circle. "
        "/mine shows what you've taken on; /board shows what's needed."
    )


def timezone_current(zone: str, now: datetime) -> str:
    return (
        f"🕰 Times here are in <b>{e(zone)}</b> (it's {now:%H:%M} there now).\n"
        "To change it, send the zone's name, e.g. /timezone Europe/Berlin or "
        "/timezone America/New_York."
    )


def timezone_set(zone: str, now: datetime) -> str:
    return f"🕰 Got it — times are now in <b>{e(zone)}</b> (it's {now:%H:%M} there now)."


def timezone_unknown(text: str, suggestions: tuple[str, ...]) -> str:
    if suggestions:
        options = " or ".join(f"/timezone {e(s)}" for s in suggestions)
        return f"I don't know the time zone “{e(text)}”. Did you mean {options}?"
    return (
        f"I don't know the time zone “{e(text)}”. Please use a name like Europe/Berlin, "
        "America/New_York or Australia/Sydney."
    )


TIMEZONE_NOT_ALLOWED = (
    "Only the person we're supporting or a coordinator can change the circle's time zone."
)

COORDINATOR_HOW = (
    "To make someone a coordinator, reply to one of their messages with /coordinator. "
    "To undo it, reply with /coordinator remove."
)

COORDINATOR_NOT_ALLOWED = "Only the person we're supporting can choose coordinators."


def coordinator_result(outcome: CoordinatorOutcome, name: str, patient_name: str) -> str:
    who = e(name)
    return {
        CoordinatorOutcome.MADE: (
            f"⭐ {who} is now a coordinator: they can post and cancel needs for "
            f"{e(patient_name)}, also from a private chat with me."
        ),
        CoordinatorOutcome.REMOVED: f"{who} is no longer a coordinator.",
        CoordinatorOutcome.ALREADY: f"{who} is already a coordinator.",
        CoordinatorOutcome.NOT_ONE: f"{who} isn't a coordinator.",
        CoordinatorOutcome.NOT_ALLOWED: COORDINATOR_NOT_ALLOWED,
        CoordinatorOutcome.IS_PATIENT: f"{who} is the person this circle supports.",
    }[outcome]


def help_text(role: Role | None, in_group: bool, patient_name: str | None) -> str:
    name = e(patient_name) if patient_name else "the person we support"
    lines = [
        "💛 <b>CareCircle</b> turns this chat into a care circle: needs are posted, "
        "someone takes each one with a tap, and everyone knows what's covered.",
        "",
    ]
    if role is None:
        if in_group:
            lines.append("/setup — make this group a care circle")
        else:
            lines.append("Add me to your family group and send /setup there.")
        lines.append("/help — this message")
        return "\n".join(lines)
    lines += [
        "/need <i>what and when</i> — ask for help, e.g. /need dinner on Friday "
        "(or just /need and I'll ask step by step)",
        "/board — what's needed and who's on it",
        "/mine — what you've taken on",
        "/cancel — stop a /need you're in the middle of",
        "/when <i>new time</i> — reply to a need's card to change its time",
        "/remind <i>when what</i> — a private reminder, e.g. /remind tomorrow 9:00 call the "
        "MS nurse; /reminders lists yours",
        "/away until <i>date</i> — I won't ask you to help until then; /away off when back",
    ]
    lines += [
        "/prefs — help that's welcome, and what isn't",
        "/team — the care team's contacts",
        "/resources — support groups, counselling and MS organisations",
    ]
    if role == Role.PATIENT:
        lines += [
            "",
            "<b>Just for you, in our private chat</b>",
            "/checkin — how are you today? (/checkins daily 19:00 to be asked)",
            "/report — a summary for your care team, with a chart and a PDF",
            "/ask <i>question</i> — save it for your next appointment; /questions lists them",
            "/export — all your circle's data, as files",
            "/delete_circle — delete the circle and everything in it",
            "",
        ]
    elif role == Role.COORDINATOR:
        lines.append("/ask <i>question</i> — for the next appointment; /questions lists them")
        lines.append("/checkins me sun 18:00 — your own weekly “How are you holding up?”")
    if role in (Role.PATIENT, Role.COORDINATOR):
        lines.append("/timezone <i>Europe/Berlin</i> — the circle's time zone")
        lines.append("/settings — reminders, nudges and the morning summary")
    if role == Role.PATIENT:
        lines.append("/coordinator — reply to someone's message to let them organise with you")
    if role != Role.PATIENT:
        lines.append("/export — what I keep about you, as files (in our private chat)")
        lines.append("/forget_me — I forget you; help you gave stays, from “a former member”")
    if in_group:
        lines.append("/setup — show the button to start a private chat with me")
    lines.append("/help — this message")
    if role == Role.MEMBER:
        lines.append(f"\nOn a need's card, tap 🙋 I'll do it to help {name}.")
    elif not in_group:
        lines.append(f"\nNeeds you post here go to {name}'s group.")
    return "\n".join(lines)
