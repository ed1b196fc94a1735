"""`python -m bot`: check the settings, bring the database up to date, then poll Telegram."""

from __future__ import annotations

import asyncio
import logging
import sys

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import build_application
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings, sqlite_path
from storage.db import create_engine, migrate

log = logging.getLogger("bot")


def fail(line: str) -> None:
    """One clear line, no traceback: the person running the bot knows what to fix."""
    print(f"CareCircle cannot start: {line}", file=sys.stderr)
    raise SystemExit(2)


async def prepare_database(settings: Settings) -> None:
    path = sqlite_path(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        fail(str(error))
        return
    configure_logging(settings.log_level, settings.token)
    try:
        asyncio.run(prepare_database(settings))
    except (SQLAlchemyError, OSError) as error:
        fail(f"the database at DATABASE_URL is not reachable ({type(error).__name__}).")
    engine = create_engine(settings.database_url)
    application = build_application(settings, engine)
    log.info(
        "CareCircle starting: mode=polling database=%s timezone=%s api=%s",
        settings.database_kind,
        settings.default_timezone,
        settings.telegram_api_url,
    )
    try:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES,
            timeout=settings.polling_timeout,
            drop_pending_updates=False,
        )
    except InvalidToken:
        fail("Telegram refused TELEGRAM_BOT_TOKEN (Unauthorized). Copy it again from @BotFather.")
    except NetworkError as error:
        fail(f"cannot reach Telegram at {settings.telegram_api_url} ({error.message}).")
    except TelegramError as error:
        fail(f"Telegram answered with an error at start-up: {error.message}")


if __name__ == "__main__":
    main()
