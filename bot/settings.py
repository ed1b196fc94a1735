"""The one typed settings object: nothing else in the bot reads the environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.resources import ResourcesError, load_resources

# Telegram tokens look like "123456789:AA...". Checking the shape up front turns a typo into
# one clear line at start-up instead of an "Unauthorized" from deep inside the network layer.
_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}
# What Telegram accepts as a webhook's secret_token (setWebhook).
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram only posts to https; plain http is for a local Bot API server or tests.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

DEFAULT_DATABASE_URL = "sqlite:///carecircle.sqlite3"


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = "https://api.telegram.org"
    default_timezone: str = "Europe/London"
    log_level: str = "INFO"
    # How long /need drafts and other polling waits may take; kept as settings so tests can
    # shorten them without patching code.
    polling_timeout: int = Field(default=30, ge=0, le=60)
    # What /resources shows; None: the list shipped in bot/data/resources.toml.
    resources_file: Path | None = None
    log_format: Literal["text", "json"] = "text"
    # Webhook mode when webhook_url is set; long polling otherwise.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Where the webhook server takes updates; None: the path of webhook_url (a reverse proxy
    # that rewrites paths sets it).
    webhook_path: str | None = None
    # GET /healthz for the operator; None: off.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_listen: str = "127.0.0.1"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_SHAPE.match(value.get_secret_value().strip()):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
                "letters). Copy it again from @BotFather."
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"DEFAULT_TIMEZONE {value!r} is not an IANA time zone; use e.g. Europe/Berlin."
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}.")
        return level

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https://.")
        return value.rstrip("/")

    @field_validator("log_format", mode="before")
    @classmethod
    def _known_format(cls, value: object) -> object:
        text = str(value).strip().lower()
        if text not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json.")
        return text

    @field_validator("webhook_url", "webhook_secret", "webhook_path", "health_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        local_http = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
        if not parts.hostname or not (parts.scheme == "https" or local_http):
            raise ValueError(
                "WEBHOOK_URL must be the public https:// address Telegram posts updates to, "
                "e.g. https://bot.example.org/telegram."
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_SHAPE.match(value.get_secret_value().strip()):
            raise ValueError(
                "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule); e.g. the output of: openssl rand -hex 32"
            )
        return None if value is None else SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str | None) -> str | None:
        return None if value is None else "/" + value.strip().strip("/")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET is not set; webhook mode needs it so only Telegram can post "
                "updates (e.g. the output of: openssl rand -hex 32)"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("resources_file", mode="before")
    @classmethod
    def _blank_is_shipped(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("resources_file")
    @classmethod
    def _usable_resources(cls, value: Path | None) -> Path | None:
        # Checked now, so a mistake in the file is one line at start-up, not a failed /resources.
        if value is not None:
            try:
                load_resources(value)
            except ResourcesError as error:
                raise ValueError(f"RESOURCES_FILE {error}") from None
        return value

    @property
    def token(self) -> str:
        return self.telegram_bot_token.get_secret_value()

    @property
    def database_kind(self) -> str:
        return "PostgreSQL" if self.database_url.startswith("postgresql") else "SQLite"

    @property
    def mode(self) -> Literal["webhook", "polling"]:
        return "webhook" if self.webhook_url is not None else "polling"

    @property
    def secret_token(self) -> str | None:
        return None if self.webhook_secret is None else self.webhook_secret.get_secret_value()

    @property
    def webhook_url_path(self) -> str:
        """Where the webhook server listens: WEBHOOK_PATH, or the path of WEBHOOK_URL."""
        if self.webhook_path is not None:
            return self.webhook_path
        return "/" + urlsplit(self.webhook_url or "").path.strip("/")


def async_database_url(url: str) -> str:
    """Accept the URLs people write (sqlite:///x, postgresql://…) and pick the async driver."""
    url = url.strip()
    if url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://"):
        return url
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    for prefix in (
        "postgresql://",
        "postgres://",
        "postgresql+psycopg2://",
        "postgresql+psycopg://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    raise ValueError(
        "DATABASE_URL must start with sqlite:/// (a file) or postgresql:// (a server)."
    )


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, so start-up can create its folder."""
    if not url.startswith("sqlite+aiosqlite:///"):
        return None
    raw = url.removeprefix("sqlite+aiosqlite:///")
    if not raw or raw.startswith(":memory:"):
        return None
    return Path(raw)


def load_settings() -> Settings:
    """Read the environment and .env; turn pydantic's report into one line a person can act on."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]).upper()
            if item["type"] == "missing":
                problems.append(f"{field} is not set (put it in the environment or in .env)")
            elif item["type"] == "value_error":
                problems.append(str(item["msg"]).removeprefix("Value error, "))
            else:  # pydantic's own words ("Input should be …") do not say which setting
                problems.append(f"{field}: {item['msg']}")
        raise SettingsError("; ".join(problems)) from None
