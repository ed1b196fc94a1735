"""Texts and buttons for /team. Phone numbers, e-mails and notes appear only in private
chats: the group sees names and roles."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import TeamAction, TeamButton, encode
from bot.render.common import MESSAGE_LIMIT, e, shorten
from bot.services.team import (
    MAX_CONTACTS,
    MAX_NAME,
    MAX_NOTES,
    MAX_ROLE,
    ContactView,
    Field,
    KnownRole,
    Problem,
    Team,
    Unreadable,
)

ROLE_EMOJI = {
    KnownRole.NEUROLOGIST: "🧠",
    KnownRole.MS_NURSE: "👩‍⚕️",
    KnownRole.GP: "🩺",
    KnownRole.PHYSIO: "🏃",
    KnownRole.OCCUPATIONAL: "🛠",
    KnownRole.SOCIAL_WORKER: "🤝",
    KnownRole.COUNSELLOR: "💬",
    KnownRole.SUPPORT_GROUP: "👥",
    KnownRole.PHARMACY: "💊",
    KnownRole.OTHER: "📇",
}

HOW_TO = (
    "To add someone:\n"
    "/team add neurologist: Dr Weber, 030 1234567, Tuesdays only\n"
    "To change: /team edit 1 phone 030 7654321 (or name, role, email, notes)\n"
    "To remove: /team remove 1"
)

PRIVATE_ONLY = (
    "🔒 Phone numbers, e-mails and notes are shown only in a private chat with me: "
    "send /team there."
)
# After a lead typed private details in the group: they can take them out again.
_DELETE_HINT = "You may want to delete your message above — next time, send it to me privately."

BUTTON_GONE = "This button no longer works. Send /team to see the list now."
OTHER_CIRCLE = "This button is from another circle's list, so I haven't changed anything."


def _emoji(contact: ContactView) -> str:
    return ROLE_EMOJI.get(contact.known_role or KnownRole.OTHER, "📇")


def contact_line(contact: ContactView) -> str:
    """Name and role only: safe for the group."""
    return f"{contact.number}. {_emoji(contact)} <b>{e(contact.role)}</b> — {e(contact.name)}"


def contact_block(contact: ContactView) -> str:
    """Everything about one contact: for private chats only."""
    lines = [contact_line(contact)]
    if contact.phone:
        lines.append(f"    📞 {e(contact.phone)}")
    if contact.email:
        lines.append(f"    ✉️ {e(contact.email)}")
    if contact.notes:
        lines.append(f"    📝 {e(contact.notes)}")
    return "\n".join(lines)


def _pack(blocks: list[str], limit: int = MESSAGE_LIMIT - 96) -> list[str]:
    """Blocks joined into as few messages as fit Telegram's limit (each block fits one)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}\n\n{block}" if current else block
        if current and len(joined) > limit:
            messages.append(current)
            current = block
        else:
            current = joined
    if current:
        messages.append(current)
    return messages


def team_messages(team: Team, *, private: bool, can_change: bool) -> list[str]:
    """The directory, in one message or (long lists, privately) a few."""
    name = e(team.patient_name)
    title = f"🩺 <b>{name}'s care team</b>"
    if not team.contacts:
        text = f"{title}\n\nNobody is on the list yet."
        if can_change:
            text += "\n\n" + HOW_TO
        else:
            text += f" {name} or a coordinator can add the care team's contacts."
        return [text]
    if private:
        blocks = [title, *(contact_block(c) for c in team.contacts)]
    else:
        blocks = [title, "\n".join(contact_line(c) for c in team.contacts), PRIVATE_ONLY]
    if can_change:
        blocks.append(HOW_TO)
    return _pack(blocks)


def _role_hint(contact: ContactView) -> str:
    return (
        f"\n\nI didn't catch a role, so it's under Other. To change it: "
        f"/team edit {contact.number} role neurologist (or MS nurse, GP, physio, "
        "social worker, counsellor, support group, pharmacy)"
    )


def added_text(contact: ContactView, *, private: bool, role_guessed: bool) -> str:
    hint = _role_hint(contact) if role_guessed else ""
    if private:
        return f"✅ Added to the care team:\n\n{contact_block(contact)}{hint}"
    typed_details = contact.phone or contact.email or contact.notes
    return (
        f"✅ Added to the care team: {contact_line(contact)}\n"
        "🔒 Their phone, e-mail and notes are only shown privately (send /team to me)."
        + (f" {_DELETE_HINT}" if typed_details else "")
        + hint
    )


_FIELD_WORDS = {
    Field.NAME: "name",
    Field.ROLE: "role",
    Field.PHONE: "phone number",
    Field.EMAIL: "e-mail",
    Field.NOTES: "notes",
}


def edited_text(contact: ContactView, field: Field, *, private: bool, cleared: bool) -> str:
    what = _FIELD_WORDS[field]
    first = f"✅ Removed the {what}." if cleared else f"✅ Changed the {what}."
    if private:
        return f"{first}\n\n{contact_block(contact)}"
    if field in (Field.PHONE, Field.EMAIL, Field.NOTES) and not cleared:
        return f"{first} {_DELETE_HINT}\n\n{contact_line(contact)}"
    return f"{first}\n\n{contact_line(contact)}"


def confirm_remove_text(contact: ContactView, patient_name: str) -> str:
    return f"Remove {contact_line(contact)} from {e(patient_name)}'s care team?"


def confirm_remove_keyboard(contact: ContactView) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🗑 Yes, remove",
                    callback_data=encode(TeamButton(TeamAction.REMOVE, contact.id)),
                )
            ],
            [
                InlineKeyboardButton(
                    "↩️ No, keep",
                    callback_data=encode(TeamButton(TeamAction.KEEP, contact.id)),
                )
            ],
        ]
    )


def removed_text(contact: ContactView) -> str:
    return f"🗑 Removed {e(contact.name)} ({e(contact.role)}) from the care team."


def kept_text(contact: ContactView) -> str:
    return f"👍 Kept {e(contact.name)} ({e(contact.role)}) on the care team."


ALREADY_GONE = "That one was already removed."


def not_allowed(patient_name: str) -> str:
    name = shorten(patient_name, 60)
    return f"Only {name} or a coordinator can change the care team list. /team shows it."


def no_such_number(number: int, count: int) -> str:
    if count == 0:
        return "The care team list is empty. /team shows how to add someone."
    return (
        f"There's no number {number} on the list — it goes from 1 to {count}. "
        "/team shows the numbers."
    )


def too_many() -> str:
    return f"The list already has {MAX_CONTACTS} contacts. Remove one with /team remove first."


def problem_text(unreadable: Unreadable) -> str:
    typed = e(shorten(unreadable.typed, 60))
    match unreadable.problem:
        case Problem.ADD_HOW:
            return (
                "Who should I add? Write the role, the name, then a phone number or e-mail and "
                "any notes, for example:\n"
                "/team add neurologist: Dr Weber, 030 1234567, Tuesdays only\n"
                "/team add MS nurse Anna Schulz anna@clinic.de"
            )
        case Problem.NO_NAME:
            return (
                "I couldn't find a name in that. Nothing has changed. For example:\n"
                "/team add neurologist: Dr Weber, 030 1234567"
            )
        case Problem.NAME_TOO_LONG:
            return f"That name is a bit long — please keep it under {MAX_NAME} characters."
        case Problem.ROLE_TOO_LONG:
            return f"That role is a bit long — please keep it under {MAX_ROLE} characters."
        case Problem.NOTES_TOO_LONG:
            return f"The notes are a bit long — please keep them under {MAX_NOTES} characters."
        case Problem.BAD_PHONE:
            return (
                f"“{typed}” doesn't look like a whole phone number. Nothing has changed. "
                "Please check the digits, e.g. 030 1234567 or +49 30 1234567."
            )
        case Problem.BAD_EMAIL:
            return (
                f"“{typed}” doesn't look like a whole e-mail address. Nothing has changed. "
                "Please check it, e.g. anna@clinic.de."
            )
        case Problem.NO_ROLE:
            return "Which role? For example: /team edit 1 role MS nurse"
        case Problem.EDIT_HOW:
            return (
                "To change something, give the number from /team, what to change and the new "
                "value, for example:\n"
                "/team edit 1 phone 030 7654321\n"
                "/team edit 2 notes Tuesdays only\n"
                "(name, role, phone, email or notes; “-” removes a phone, e-mail or notes)"
            )
        case Problem.REMOVE_HOW:
            return "Which one? Give the number from /team, for example: /team remove 2"
        case Problem.UNKNOWN:
            return "I didn't quite catch that. Nothing has changed.\n\n" + HOW_TO
