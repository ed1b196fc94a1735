"""The composition root: settings, database, clock and handlers become one Application."""

from __future__ import annotations

import gc
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application, BaseRateLimiter, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.clock import Clock, SystemClock
from bot.context import AppContext
from bot.delivery import Deliverer
from bot.logs import circle_scope_handler
from bot.notify import Notifier
from bot.pacing import PacingRateLimiter
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.updates import UpdateProcessor
from handlers import (
    appointments,
    away,
    calendar,
    checkins,
    circle,
    data_rights,
    need_wizard,
    needs,
    observations,
    prefs,
    questions,
    reminders,
    report,
    resources,
    series,
    team,
    thanks,
)
from handlers import settings as settings_command
from handlers.common import button_guard, stale_buttons
from storage.db import session_maker

log = logging.getLogger(__name__)

GROUP_COMMANDS = [
    BotCommand("need", "Ask for help, e.g. /need dinner on Friday"),
    BotCommand("board", "What's needed and who's on it"),
    BotCommand("mine", "What I've taken on"),
    BotCommand("series", "Repeating needs: next dates, skip one, stop"),
    BotCommand("calendar", "My upcoming help as a calendar file"),
    BotCommand("when", "Reply to a need's card to change its time"),
    BotCommand("cancel", "Stop the /need I'm writing"),
    BotCommand("remind", "Remind me privately, e.g. /remind tomorrow 9:00 call the nurse"),
    BotCommand("reminders", "My reminders"),
    BotCommand("away", "I'm away until a date (/away off when back)"),
    BotCommand("settings", "Reminders, nudges and the morning summary"),
    BotCommand("prefs", "Help that's welcome, and what isn't"),
    BotCommand("team", "The care team's contacts"),
    BotCommand("resources", "Support groups, counselling and MS organisations"),
    BotCommand("setup", "Make this group a care circle"),
    BotCommand("timezone", "The circle's time zone"),
    BotCommand("coordinator", "Reply to someone to make them a coordinator"),
    BotCommand("help", "What I can do"),
]

PRIVATE_COMMANDS = [
    BotCommand("start", "Start or link to your circle"),
    BotCommand("need", "Ask for help (posted to your group)"),
    BotCommand("board", "What's needed and who's on it"),
    BotCommand("mine", "What I've taken on"),
    BotCommand("series", "Repeating needs: next dates, skip one, stop"),
    BotCommand("calendar", "Upcoming help as a calendar file"),
    BotCommand("cancel", "Stop the /need I'm writing"),
    BotCommand("remind", "Remind me, e.g. /remind tomorrow 9:00 call the nurse"),
    BotCommand("reminders", "My reminders"),
    BotCommand("away", "I'm away until a date (/away off when back)"),
    BotCommand("settings", "Reminders, nudges and the morning summary"),
    BotCommand("checkin", "Check in now: how are you today?"),
    BotCommand("checkins", "When I check in with you, e.g. /checkins daily 19:00"),
    BotCommand("report", "A summary for your care team, e.g. /report 8"),
    BotCommand("ask", "Save a question for the next appointment"),
    BotCommand("questions", "Questions for the next appointment"),
    BotCommand("prefs", "Help that's welcome, and what isn't"),
    BotCommand("team", "The care team's contacts"),
    BotCommand("resources", "Support groups, counselling and MS organisations"),
    BotCommand("timezone", "The circle's time zone"),
    BotCommand("export", "All your circle's data, as files"),
    BotCommand("forget_me", "Remove what I know about you"),
    BotCommand("delete_circle", "Delete the circle and everything in it"),
    BotCommand("help", "What I can do"),
]

SORRY = "Sorry — something went wrong on my side. Please try again in a moment."


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Commands autocomplete in Telegram once registered per scope."""
    bot = application.bot
    await bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())


def keep_start_up_out_of_collections() -> None:
    """What start-up made (modules, their tables, the settings) lives as long as the
    process. Frozen, the garbage collector's full passes no longer walk it: each such pass
    held the event loop up for about 90 ms in bench.interactions, and takes about 12 ms
    after this."""
    gc.collect()
    gc.freeze()


async def on_start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await register_commands(application)
    keep_start_up_out_of_collections()
    scheduler = application.bot_data["app"].scheduler
    if application.job_queue is None:
        await scheduler.prepare()
        return
    # The first sweep runs at once: whatever fell due while the bot was down goes out now
    # (marked late) or is dropped if it is no longer useful. The summaries, check-ins and
    # series are planned by a job at the same moment, so polling starts without waiting.
    scheduler.attach(application.job_queue)


async def on_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await application.bot_data["app"].scheduler.stop()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log, tell the person kindly, and carry on: one bad update never stops the bot."""
    if update is None and isinstance(context.error, NetworkError):
        # Telegram unreachable while polling: PTB tries again by itself; one line is enough.
        log.warning("Telegram could not be reached (%s); trying again", context.error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY)
        elif update.effective_message is not None and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, SORRY)
    except TelegramError:
        log.info("could not tell the person about the error in update %s", update_id)


def default_rate_limiter() -> BaseRateLimiter[Any]:
    # Telegram's flood limits (about 30 messages a second, 20 a minute per group, one a
    # second per chat), paced so Telegram never has to refuse; a 429 is still waited out
    # for as long as Telegram asks, then retried: nothing is dropped.
    return PacingRateLimiter(max_retries=5)


def build_application(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(rate_limiter or default_rate_limiter())
        .post_init(on_start)
        .post_stop(on_stop)
        # Many chats at once, each chat's updates in order (bot/updates.py).
        .concurrent_updates(UpdateProcessor())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    sm = session_maker(engine)
    clock = clock or SystemClock()
    notifier = Notifier(application.bot, sm)
    application.bot_data["app"] = AppContext(
        settings=settings,
        sm=sm,
        clock=clock,
        notifier=notifier,
        scheduler=Scheduler(sm, clock, Deliverer(sm, notifier)),
        shared_database=engine.dialect.name == "postgresql",
    )
    application.add_handler(circle_scope_handler(), group=-100)
    application.add_handler(button_guard(), group=-90)
    for group, handler in [
        *circle.handlers(),
        *needs.handlers(),
        *need_wizard.handlers(),
        *reminders.handlers(),
        *away.handlers(),
        *settings_command.handlers(),
        *checkins.handlers(),
        *report.handlers(),
        *questions.handlers(),
        *prefs.handlers(),
        *team.handlers(),
        *resources.handlers(),
        *observations.handlers(),
        *appointments.handlers(),
        *data_rights.handlers(),
        *series.handlers(),
        *calendar.handlers(),
        *thanks.handlers(),
    ]:
        application.add_handler(handler, group=group)
    application.add_handler(stale_buttons(), group=0)
    application.add_error_handler(on_error)
    return application
