"""Setting up a circle: greeting, /setup, /start, /timezone, /coordinator, /help, and
keeping track of who is in the group."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import ChatMember, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import app_context
from bot.render import circles as texts
from bot.render.common import start_button
from bot.services import circles, weekly_summary
from bot.services.circles import CircleView, TimezoneOutcome
from handlers.common import (
    ANONYMOUS_REPLY,
    Asked,
    asked,
    command,
    is_group,
    is_private,
    person_of,
    real_sender,
    typed_text,
)
from storage.models import Role

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def bot_membership_changed(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None or not is_group(change.chat):
        return
    was_in = change.old_chat_member.status in _PRESENT
    is_in = change.new_chat_member.status in _PRESENT
    app = app_context(context)
    if is_in and not was_in:
        if await circles.wake_up(app.sm, change.chat.id, app.clock.now()):
            await app.notifier.to_group(change.chat.id, texts.WELCOME_BACK)
            await app.scheduler.wake()
        else:
            await app.notifier.to_group(change.chat.id, texts.GREETING)
    elif was_in and not is_in:
        dormant = await circles.fall_dormant(app.sm, change.chat.id)
        log.info(
            "removed from chat %s%s", change.chat.id, "; its circle is dormant" if dormant else ""
        )


async def track_member(update: Update, context: Context) -> None:
    """Runs before every other handler: who writes in the group is a member; who writes
    privately can be messaged privately."""
    user = real_sender(update)
    chat = update.effective_chat
    if user is None or chat is None:
        return
    app = app_context(context)
    now = app.clock.now()
    if is_group(chat):
        await circles.note_member(app.sm, chat.id, person_of(user), now)
    elif is_private(chat):
        await circles.note_private_contact(app.sm, person_of(user), now)


async def group_migrated(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await circles.move_chat(app_context(context).sm, message.chat.id, message.migrate_to_chat_id)


async def setup(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if not is_group(chat):
        await message.reply_text(texts.SETUP_IN_PRIVATE)
        return
    sender = real_sender(update)
    if sender is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return
    replied = message.reply_to_message
    patient_user = sender
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        patient_user = replied.from_user
    app = app_context(context)
    result = await circles.setup_circle(
        app.sm,
        chat_id=chat.id,
        title=chat.title or "",
        sender=person_of(sender),
        patient=person_of(patient_user),
        timezone=app.settings.default_timezone,
        now=app.clock.now(),
    )
    text = (
        texts.setup_created(result.circle) if result.created else texts.setup_exists(result.circle)
    )
    await message.reply_text(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=start_button(
            context.bot.username, result.circle.invite_code, texts.START_BUTTON
        ),
    )


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None or user is None or not is_private(update.effective_chat):
        return
    app = app_context(context)
    # As typed, not context.args: a NUL in the payload failed the invite lookup on PostgreSQL.
    words = (typed_text(message) or "").split()
    payload = words[1] if len(words) > 1 else ""
    if payload.startswith("c") and len(payload) > 1:
        joined = await circles.link_by_invite(app.sm, payload[1:], person_of(user), app.clock.now())
        if joined is None:
            await message.reply_text(texts.BAD_INVITE)
            return
        await message.reply_text(
            texts.start_linked(joined.circle, joined.role, user.first_name),
            parse_mode=ParseMode.HTML,
        )
        return
    mine = await circles.memberships(app.sm, user.id)
    await message.reply_text(texts.start_plain(user.first_name, mine), parse_mode=ParseMode.HTML)


async def circle_of_update(update: Update, context: Context) -> CircleView | None:
    """The group's circle in a group; in private, the circle this person leads (or joined)."""
    chat = update.effective_chat
    app = app_context(context)
    if is_group(chat):
        assert chat is not None
        return await circles.circle_for_chat(app.sm, chat.id)
    user = real_sender(update)
    if user is None:
        return None
    mine = await circles.memberships(app.sm, user.id)
    return mine[0].circle if mine else None


async def require_circle(update: Update, context: Context) -> CircleView | None:
    """The circle a command is about, or a kind reply saying how to get one."""
    circle = await circle_of_update(update, context)
    message = update.effective_message
    if circle is None and message is not None:
        in_group = is_group(update.effective_chat)
        await message.reply_text(
            texts.NO_CIRCLE_IN_GROUP if in_group else texts.NO_CIRCLE_IN_PRIVATE
        )
    return circle


async def asked_in_circle(update: Update, context: Context) -> tuple[Asked, CircleView] | None:
    """A command and the circle it is about; None after a kind reply when there is no one
    to answer (an anonymous admin) or no circle yet."""
    request = await asked(update)
    if request is None:
        return None
    circle = await require_circle(update, context)
    if circle is None:
        return None
    return request, circle


async def timezone(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None:
        return
    if user is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    now = app.clock.now()
    if not context.args:
        await message.reply_text(
            texts.timezone_current(circle.timezone, now.astimezone(circle.zone)),
            parse_mode=ParseMode.HTML,
        )
        return
    wanted = " ".join(context.args)
    result = await circles.set_timezone(app.sm, circle.id, user.id, wanted, app.clock.now())
    match result.outcome:
        case TimezoneOutcome.NOT_ALLOWED:
            await message.reply_text(texts.TIMEZONE_NOT_ALLOWED)
        case TimezoneOutcome.UNKNOWN_ZONE:
            await message.reply_text(
                texts.timezone_unknown(wanted[:64], result.suggestions), parse_mode=ParseMode.HTML
            )
        case TimezoneOutcome.SET:
            assert result.timezone is not None
            await message.reply_text(
                texts.timezone_set(result.timezone, now.astimezone(ZoneInfo(result.timezone))),
                parse_mode=ParseMode.HTML,
            )


async def coordinator(update: Update, context: Context) -> None:
    message = update.effective_message
    user = real_sender(update)
    if message is None:
        return
    if user is None:
        await message.reply_text(ANONYMOUS_REPLY)
        return
    if not is_group(update.effective_chat):
        await message.reply_text(
            "Please do this in the group: reply to someone's message with /coordinator."
        )
        return
    circle = await require_circle(update, context)
    if circle is None:
        return
    app = app_context(context)
    replied = message.reply_to_message
    target = replied.from_user if replied is not None else None
    if target is None or target.is_bot:
        role = await circles.role_of(app.sm, circle.id, user.id)
        await message.reply_text(
            texts.COORDINATOR_HOW if role == Role.PATIENT else texts.COORDINATOR_NOT_ALLOWED
        )
        return
    args = context.args or []
    remove = bool(args) and args[0].lower() in ("remove", "off", "undo")
    outcome = await circles.set_coordinator(
        app.sm, circle.id, user.id, person_of(target), make=not remove, now=app.clock.now()
    )
    if outcome == circles.CoordinatorOutcome.MADE:
        # A new coordinator's first weekly summary (bot.services.weekly_summary).
        await weekly_summary.ensure_planned(app.sm, app.clock.now(), circle.id)
    await message.reply_text(
        texts.coordinator_result(outcome, target.first_name, circle.patient_name),
        parse_mode=ParseMode.HTML,
    )


async def help_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    user = real_sender(update)
    circle = await circle_of_update(update, context)
    role = None
    if circle is not None and user is not None:
        role = await circles.role_of(app_context(context).sm, circle.id, user.id)
    await message.reply_text(
        texts.help_text(
            role, is_group(update.effective_chat), circle.patient_name if circle else None
        ),
        parse_mode=ParseMode.HTML,
    )


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    """(group, handler) pairs; group -1 runs before the feature handlers."""
    return [
        (-1, TypeHandler(Update, track_member)),
        (0, ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)),
        (0, MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated)),
        (0, command("setup", setup)),
        (0, command("start", start)),
        (0, command("timezone", timezone)),
        (0, command("coordinator", coordinator)),
        (0, command("help", help_command)),
    ]
