"""`python -m bot`: check the settings, bring the database up to date, then take updates from
Telegram by long polling, or by webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application
from bot.health import Health, HealthServer
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings, sqlite_path
from storage.db import create_engine, migrate

log = logging.getLogger("bot")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line for the person running the bot."""


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


def startup_line(settings: Settings) -> str:
    """Says how this start is set up; never a secret (the token, the webhook secret, the
    database password)."""
    parts = [
        f"mode={settings.mode}",
        f"database={settings.database_kind}",
        f"timezone={settings.default_timezone}",
        f"api={settings.telegram_api_url}",
    ]
    if settings.webhook_url is not None:
        parts.append(f"webhook={settings.webhook_url}")
        parts.append(f"listen={settings.webhook_listen}:{settings.webhook_port}")
    health = "off"
    if settings.health_port is not None:
        health = f"http://{settings.health_listen}:{settings.health_port}/healthz"
    parts.append(f"health={health}")
    return "CareCircle starting: " + " ".join(parts)


def serve_health(application: AnyApplication, settings: Settings) -> None:
    """Run GET /healthz next to the bot: started after the bot's own start-up, stopped last."""
    if settings.health_port is None:
        return
    server = HealthServer(Health(application, settings.mode))
    port = settings.health_port
    started, stopped = application.post_init, application.post_shutdown

    async def post_init(app: AnyApplication) -> None:
        if started is not None:
            await started(app)
        try:
            await server.start(settings.health_listen, port)
        except OSError as error:
            raise StartupError(
                f"cannot serve the health check on {settings.health_listen}:{port} "
                f"({error.strerror}); change HEALTH_PORT or HEALTH_LISTEN."
            ) from None

    async def post_shutdown(app: AnyApplication) -> None:
        await server.stop()
        if stopped is not None:
            await stopped(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


def run(application: AnyApplication, settings: Settings) -> None:
    if settings.webhook_url is None:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES,
            timeout=settings.polling_timeout,
            drop_pending_updates=False,
        )
        return
    try:
        # PTB's server answers 403 to a post without the X-Telegram-Bot-Api-Secret-Token
        # header Telegram sends, or with another secret, and never handles its update.
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_url_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.secret_token,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
        )
    except OSError as error:
        raise StartupError(
            f"cannot listen for Telegram's webhook posts on {settings.webhook_listen}:"
            f"{settings.webhook_port} ({error.strerror}); change WEBHOOK_PORT or WEBHOOK_LISTEN."
        ) from None


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        fail(str(error))
        return
    configure_logging(
        settings.log_level,
        settings.token,
        log_format=settings.log_format,
        webhook_secret=settings.secret_token,
    )
    try:
        asyncio.run(prepare_database(settings))
    except (SQLAlchemyError, OSError) as error:
        fail(f"the database at DATABASE_URL is not reachable ({type(error).__name__}).")
    engine = create_engine(settings.database_url)
    application = build_application(settings, engine)
    serve_health(application, settings)
    log.info("%s", startup_line(settings))
    try:
        run(application, settings)
    except StartupError as error:
        fail(str(error))
    except InvalidToken:
        fail("Telegram refused TELEGRAM_BOT_TOKEN (Unauthorized). Copy it again from @BotFather.")
    except NetworkError as error:
        fail(f"cannot reach Telegram at {settings.telegram_api_url} ({error.message}).")
    except TelegramError as error:
        fail(f"Telegram answered with an error at start-up: {error.message}")


if __name__ == "__main__":
    main()
