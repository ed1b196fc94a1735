"""The one typed settings object: nothing else in the bot reads the environment."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.resources import ResourcesError, load_resources

# Telegram tokens look like "123456789:AA...". Checking the shape up front turns a typo into
# one clear line at start-up instead of an "Unauthorized" from deep inside the network layer.
_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}

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
            else:
                problems.append(str(item["msg"]).removeprefix("Value error, "))
        raise SettingsError("; ".join(problems)) from None
