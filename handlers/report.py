"""/report [weeks]: the supported person's summary for the care team — a message, a chart
and a printable PDF, in their private chat only."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TimedOut
from telegram.ext import BaseHandler, ContextTypes

from bot.context import app_context
from bot.render import report as texts
from bot.services import circles
from bot.services import report as service
from bot.services.report import WeeksProblem
from handlers.common import asked, command, is_group
from storage.db import SessionMaker

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


async def _show_working(bot: Bot, chat_id: int, action: str) -> None:
    try:
        await bot.send_chat_action(chat_id, action)
    except (BadRequest, TimedOut) as error:
        # Only the "sending a file…" hint is lost; the report still goes out.
        log.info("chat action failed: %s", error.message)


async def send_report(
    bot: Bot, sm: SessionMaker, chat_id: int, circle_id: int, weeks: int, now: datetime
) -> None:
    """The report of the last `weeks` weeks to `chat_id` (the supported person's private
    chat): the summary, the chart and the PDF, or one kind message when there is nothing
    to report yet. Telegram errors (a blocked bot) are left to the caller."""
    await _show_working(bot, chat_id, ChatAction.UPLOAD_DOCUMENT)
    report = await service.build_report(sm, circle_id, weeks, now)
    if report.empty:
        await bot.send_message(chat_id, texts.empty_text(report), parse_mode=ParseMode.HTML)
        return
    # matplotlib and fpdf2 load on the first report, not at start-up (about half a second).
    from bot import report_files

    chart = await report_files.chart_png(report)
    await bot.send_message(
        chat_id, texts.report_text(report, with_chart=chart is not None), parse_mode=ParseMode.HTML
    )
    if chart is not None:
        await bot.send_photo(
            chat_id, chart, caption=texts.chart_caption(report), parse_mode=ParseMode.HTML
        )
        await _show_working(bot, chat_id, ChatAction.UPLOAD_DOCUMENT)
    pdf = await report_files.report_pdf(report, chart)
    await bot.send_document(
        chat_id,
        pdf,
        filename=texts.pdf_filename(report),
        caption=texts.pdf_caption(report),
        parse_mode=ParseMode.HTML,
    )


async def report_command(update: Update, context: Context) -> None:
    request = await asked(update)
    if request is None:
        return
    message, chat, user = request.message, request.chat, request.user
    if is_group(chat):
        await message.reply_text(texts.IN_GROUP)
        return
    app = app_context(context)
    circle_id = await service.supported_circle(app.sm, user.id)
    if circle_id is None:
        mine = await circles.memberships(app.sm, user.id)
        if mine:
            await message.reply_text(
                texts.not_yours(mine[0].circle.patient_name), parse_mode=ParseMode.HTML
            )
        else:
            await message.reply_text(texts.NOT_IN_A_CIRCLE)
        return
    weeks = service.parse_weeks(request.words)
    if isinstance(weeks, WeeksProblem):
        await message.reply_text(texts.weeks_problem(weeks))
        return
    await send_report(context.bot, app.sm, chat.id, circle_id, weeks, app.clock.now())


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return [(0, command("report", report_command))]
