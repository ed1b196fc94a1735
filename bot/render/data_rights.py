"""How /export, /forget_me and /delete_circle look: the files, the texts and the
confirmation buttons. Every piece of user text that goes into an HTML message is escaped
here."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import DataAction, DataButton, encode
from bot.categories import CATEGORY_EMOJI
from bot.render.common import e, joined, shorten
from bot.services.data_rights import (
    CirclePreview,
    Export,
    ExportKind,
    ForgetPlan,
    Table,
    Value,
)
from bot.services.needs import NeedCard
from bot.timeparse import format_when

FORMAT = "carecircle-export/1"
CSV_ENCODING = "utf-8-sig"  # the byte-order mark makes spreadsheet apps read UTF-8 right

OPEN_PRIVATE_CHAT = "💬 Open our private chat"
FORGET_YES = "Yes, forget me"
FORGET_NO = "No, keep things as they are"
DELETE_YES = "🗑 Yes, delete everything"
DELETE_NO = "No, keep the circle"


# ---------------------------------------------------------------- the files


def _local(export: Export) -> datetime:
    return export.made_at.astimezone(ZoneInfo(export.timezone))


def _times_note(export: Export) -> str:
    return (
        f"Times are local time in {export.timezone}, written with their offset "
        "(2026-11-27T14:00:00+01:00); the column or key ending in _utc is the same moment "
        "in UTC."
    )


def _about(export: Export) -> str:
    if export.kind == ExportKind.CIRCLE:
        return (
            "Everything the care circle holds. Carepartners' own check-ins and other "
            "people's private reminders belong to them, so they are not in it."
        )
    return "Everything CareCircle keeps about you."


def export_json(export: Export) -> bytes:
    made = _local(export)
    document: dict[str, object] = {
        "export": {
            "format": FORMAT,
            "what": export.kind.value,
            "for": export.person_name,
            "group": export.circle_title if export.kind == ExportKind.CIRCLE else None,
            "made_at": made.isoformat(timespec="seconds"),
            "made_at_utc": export.made_at.astimezone(UTC).isoformat(timespec="seconds"),
            "timezone": export.timezone,
            "about": _about(export),
            "times": _times_note(export),
        }
    }
    for table in export.tables:
        rows = [dict(row) for row in table.rows]
        document[table.name] = rows[0] if table.single and rows else rows
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(row[column]) for column in table.columns])
    return out.getvalue().encode(CSV_ENCODING)


def _readme(export: Export) -> bytes:
    lines = [
        "CareCircle export",
        "",
        _about(export),
        "",
        "One CSV file per kind of thing, with a header row. They open in Excel, Numbers or",
        "LibreOffice; the same data is also in the JSON file sent with this one.",
        "",
        _times_note(export),
        "",
        *(f"{table.name}.csv — {len(table.rows)} row(s)" for table in export.tables),
        "",
    ]
    return "\n".join(lines).encode()


def export_zip(export: Export) -> bytes:
    made = _local(export)
    stamp = (made.year, made.month, made.day, made.hour, made.minute, made.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [
            ("README.txt", _readme(export)),
            *((f"{table.name}.csv", table_csv(table)) for table in export.tables),
        ]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _base_name(export: Export) -> str:
    day = _local(export).date().isoformat()
    if export.kind == ExportKind.CIRCLE:
        return f"carecircle-{day}"
    return f"carecircle-my-data-{day}"


def json_filename(export: Export) -> str:
    return f"{_base_name(export)}.json"


def zip_filename(export: Export) -> str:
    return f"{_base_name(export)}-csv.zip"


# ---------------------------------------------------------------- /export


def in_group(command: str) -> str:
    match command:
        case "export":
            return (
                "🔒 I only send data files in our private chat, never in the group. "
                "Please send /export to me there."
            )
        case "forget_me":
            return "🔒 Let's talk about that privately: please send /forget_me to me there."
        case _:
            return (
                "🔒 Please send /delete_circle to me in our private chat — "
                "I'll ask you to confirm there."
            )


def private_chat_button(bot_username: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(OPEN_PRIVATE_CHAT, url=f"https://t.me/{bot_username}")]]
    )


def export_intro(export: Export) -> str:
    files = (
        f"• <b>{e(json_filename(export))}</b> — all of it in one file\n"
        f"• <b>{e(zip_filename(export))}</b> — the same as spreadsheets (CSV), "
        "one for each kind of thing"
    )
    zone = e(export.timezone)
    if export.kind == ExportKind.CIRCLE:
        return (
            f"📦 Here is everything your circle holds, as of {_local(export):%-d %b %Y, %H:%M}:"
            f"\n{files}\n\n"
            f"Times are in {zone}, each with its UTC time next to it. Carepartners' own "
            "check-ins and other people's private reminders are theirs, so they aren't in it."
            "\n\n🔒 These files hold your health information — keep them somewhere safe."
        )
    first = (
        f"Only {e(export.patient_name)} can export the whole circle's data. "
        if export.patient_name
        else ""
    )
    return (
        f"📦 {first}Here is everything I keep about you:\n{files}\n\n"
        f"Times are in {zone}, each with its UTC time next to it."
    )


JSON_CAPTION = "All of it in one file (JSON)."
ZIP_CAPTION = "The same as spreadsheets: CSV files in a zip."


# ---------------------------------------------------------------- /forget_me


def _listed(names: Sequence[str]) -> str:
    return joined([f"<b>{e(shorten(name, 60))}</b>" for name in names])


def supported_person_text(groups: Sequence[str]) -> str:
    return (
        f"💛 {_listed(groups)} is there for you — if I forgot you, your circle would lose the "
        "person it's for.\n\n"
        "If you'd like everything gone, send /delete_circle: it deletes the circle and all it "
        "holds (/export gives you a copy first). After that, /forget_me removes whatever is "
        "left about you.\n\nNothing has changed."
    )


def forget_question(plan: ForgetPlan) -> str:
    lines = [
        "🫥 <b>Forget me?</b>",
        "",
        "If you say yes:",
        "• I remove your name and username from everything I keep.",
    ]
    if plan.groups:
        leave = f"• You leave {_listed(plan.groups)}"
        lines.append(leave + (", and you're no longer a coordinator." if plan.coordinator else "."))
    lines.append(
        "• Your reminders, your own check-ins and anything you noted after helping are deleted."
    )
    if plan.taken == 1:
        lines.append("• The need you've taken on goes back on the board, so someone can step in.")
    elif plan.taken > 1:
        lines.append(
            f"• The {plan.taken} needs you've taken on go back on the board, so someone can "
            "step in."
        )
    lines += [
        "• Help you've already given stays in the circle's history, from “a former member”; "
        "so do questions you saved for an appointment.",
        "",
        "This can't be undone. If you write in the group again one day, you simply join again.",
    ]
    return "\n".join(lines)


def forget_keyboard(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    FORGET_YES, callback_data=encode(DataButton(DataAction.FORGET, user_id))
                )
            ],
            [
                InlineKeyboardButton(
                    FORGET_NO, callback_data=encode(DataButton(DataAction.KEEP_ME, user_id))
                )
            ],
        ]
    )


def forgotten_text(reopened: int) -> str:
    back = " The needs you'd taken on are back on the board." if reopened else ""
    return (
        "✅ Done — I've forgotten you. Your name is gone from the circle, and so are your "
        f"reminders and check-ins.{back}\n\nThank you for all you did 💛"
    )


KEPT_ME = "👍 Okay — nothing has changed."
NOT_YOUR_BUTTON = "This button is for someone else."
BUTTON_GONE = "This button no longer works. Send the command again to start afresh."


def reopened_in_group(card: NeedCard, now: datetime) -> str:
    when = format_when(card.when, card.zone, now)
    when_part = f" ({e(when)})" if when else ""
    return (
        f"↩️ {CATEGORY_EMOJI[card.category]} {e(shorten(card.description, 120))}{when_part} "
        "is open again — could someone help?"
    )


def backup_on_now(card: NeedCard, now: datetime) -> str:
    """To the backup, when the helper they stood by for has left the circle."""
    when = format_when(card.when, card.zone, now)
    when_part = f", {e(when)}" if when else ""
    return (
        f"🛟 <b>You're on now:</b> {CATEGORY_EMOJI[card.category]} {e(card.description)}"
        f"{when_part} — the helper can't make it any more. Thank you for standing by!\n\n"
        "If you can't do it after all, tap ↩️ Release on the card."
    )


# ---------------------------------------------------------------- /delete_circle


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def delete_question(preview: CirclePreview) -> str:
    title = e(shorten(preview.title or "your group", 80))
    return "\n".join(
        [
            f"🗑 <b>Delete the care circle of {title}?</b>",
            "",
            "This deletes, for everyone and for good:",
            f"• {_count(preview.needs, 'need', 'needs')} and their history",
            f"• who is in the circle ({_count(preview.members, 'person', 'people')})",
            f"• your {_count(preview.check_ins, 'check-in', 'check-ins')}",
            f"• {_count(preview.questions, 'question', 'questions')} for appointments",
            f"• {_count(preview.contacts, 'care team contact', 'care team contacts')}",
            "• settings, preferences and everything still planned to be sent",
            "",
            "Everyone's own /remind reminders stay theirs.",
            "Would you like a copy first? Send /export before you answer.",
            "",
            "I'll say goodbye in the group and then stay quiet there; anyone can remove me.",
        ]
    )


def delete_keyboard(circle_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    DELETE_YES, callback_data=encode(DataButton(DataAction.DELETE, circle_id))
                )
            ],
            [
                InlineKeyboardButton(
                    DELETE_NO, callback_data=encode(DataButton(DataAction.KEEP_CIRCLE, circle_id))
                )
            ],
        ]
    )


def deleted_text(title: str, kept_reminders: int) -> str:
    kept = (
        "\n\nYour own /remind reminders are still yours: /reminders shows them."
        if kept_reminders
        else ""
    )
    return (
        f"🗑 Done — the care circle of <b>{e(shorten(title or 'your group', 80))}</b> and "
        f"everything in it are deleted. Thank you for letting me help 💛{kept}\n\n"
        "If you'd like me to forget you completely too, send /forget_me."
    )


def goodbye_in_group(patient_name: str) -> str:
    return (
        f"👋 {e(patient_name)} has closed this care circle, so I've deleted everything it held. "
        "Thank you all for looking after each other 💛\n"
        "If you'd like to start again one day, send /setup."
    )


KEPT_CIRCLE = "👍 Okay — the circle stays as it is."
ALREADY_DELETED = "This circle has already been deleted — there's nothing more to do."
DELETE_NOT_ALLOWED = "Only the person the circle supports can delete it."


def delete_not_allowed(patient_name: str) -> str:
    return (
        f"Only {e(patient_name)} can delete the circle. If you'd like to leave it, "
        "/forget_me removes what I keep about you."
    )
