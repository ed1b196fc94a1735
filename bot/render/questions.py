"""Texts and buttons for /ask and /questions. The questions may be about health: these texts
are only ever sent in a private chat, and the group texts never contain a question."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import QuestionAction, QuestionButton, encode
from bot.render.common import e, shorten
from bot.services.questions import MAX_OPEN, MAX_QUESTION, QuestionList, Result

# Room for the list's header and footer within Telegram's 4096 characters.
_LIST_BUDGET = 3700

ASK_USAGE = (
    "What would you like to ask at the next appointment? Write it after /ask, for example:\n"
    "/ask Would physio help with my balance?\n\n"
    "I'll keep it safe here. /questions shows them all."
)

BUTTON_GONE = "This button no longer works. Send /questions to see the list now."


def too_long(length: int) -> str:
    return (
        f"That's a long one ({length} characters). Please keep a question under {MAX_QUESTION} "
        "characters — you can split it into two."
    )


def too_many() -> str:
    return (
        f"There are already {MAX_OPEN} open questions. Please tick off the answered ones in "
        "/questions first, then add this one again."
    )


def saved(result: Result) -> str:
    return (
        f"📝 Saved for the next appointment — it's number {result.number} on the list.\n"
        "/questions shows them all; tap ✅ when one has been answered."
    )


def kept_private_in_group(patient_name: str, may_ask: bool, typed: bool = True) -> str:
    """/ask in the group: nothing is saved or repeated here."""
    if may_ask and not typed:
        return (
            "🔒 Questions for appointments are kept private. Send /ask and your question to me "
            "in a private chat, and I'll keep it for the next appointment."
        )
    if may_ask:
        return (
            "🔒 Questions for appointments are kept private, so I haven't saved that here. "
            "Please send it to me in a private chat: /ask and your question.\n"
            "If it's personal, you may want to delete your message here."
        )
    return (
        f"🔒 Questions for {e(patient_name)}'s appointments are kept private: {e(patient_name)} "
        "or a coordinator can add them in a private chat with me."
    )


def list_in_group(patient_name: str, may_see: bool) -> str:
    """/questions in the group: the list goes privately, never here."""
    if may_see:
        return "🔒 The questions are private — I've sent them to you in our private chat."
    return (
        f"🔒 Questions for {e(patient_name)}'s appointments are private to {e(patient_name)} "
        "and the coordinators."
    )


def cannot_send_privately() -> str:
    return (
        "🔒 The questions are private, and I can't message you yet. Tap the button, press "
        "Start, then send /questions there."
    )


def not_allowed(patient_name: str) -> str:
    name = shorten(patient_name, 60)
    return (
        f"Questions for {name}'s appointments are kept by {name} and the coordinators. "
        f"If there's something you'd like asked, you could tell {name} or a coordinator."
    )


def _per_question_limit(count: int) -> int:
    return max(60, min(MAX_QUESTION, _LIST_BUDGET // max(1, count) - 20))


def list_message(questions: QuestionList) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list and its buttons: one big button a row, numbered like the list."""
    name = e(questions.patient_name)
    items = questions.questions
    if questions.answered:
        lines = ["✅ <b>Answered questions</b> (the most recent)", ""]
        if not items:
            lines = ["✅ No answered questions yet."]
    else:
        lines = [f"📝 <b>Questions for {name}'s next appointment</b>", ""]
        if not items:
            lines = [
                "📝 No open questions for the next appointment.",
                "",
                "Add one with /ask and your question.",
            ]
    limit = _per_question_limit(len(items))
    shown = 0
    used = sum(len(line) + 1 for line in lines)
    for number, question in enumerate(items, start=1):
        asked_by = (
            f" <i>(from {e(question.asked_by_name)})</i>"
            if question.asked_by_name != questions.patient_name
            else ""
        )
        line = f"{number}. {e(shorten(question.text, limit))}{asked_by}"
        if used + len(line) + 1 > _LIST_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(items):
        lines.append(f"…and {len(items) - shown} more. Tick some off to see the rest.")
    if items:
        lines.append("")
        lines.append(
            "Tap ↩️ to put one back on the list."
            if questions.answered
            else "Tap ✅ when one has been answered."
        )
    rows = [
        [_button_for(questions.answered, number, question.id)]
        for number, question in enumerate(items[:shown], start=1)
    ]
    if questions.answered:
        rows.append(
            [
                InlineKeyboardButton(
                    f"📝 Show open questions ({questions.other_count})",
                    callback_data=encode(
                        QuestionButton(QuestionAction.SHOW_OPEN, questions.circle_id)
                    ),
                )
            ]
        )
    elif questions.other_count:
        rows.append(
            [
                InlineKeyboardButton(
                    f"📂 Show answered ({questions.other_count})",
                    callback_data=encode(
                        QuestionButton(QuestionAction.SHOW_ANSWERED, questions.circle_id)
                    ),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def _button_for(answered: bool, number: int, question_id: int) -> InlineKeyboardButton:
    if answered:
        label, action = f"↩️ {number}. not answered yet", QuestionAction.REOPEN
    else:
        label, action = f"✅ {number}. answered", QuestionAction.ANSWERED
    return InlineKeyboardButton(label, callback_data=encode(QuestionButton(action, question_id)))


MARKED = "Marked as answered ✓"
ALREADY_ANSWERED = "That one was already marked as answered."
REOPENED = "It's back on the list ✓"
ALREADY_OPEN = "That one is already on the list."
