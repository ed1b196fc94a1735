"""Logging: one line per event, saying which update and circle it belongs to, and never a
secret (the bot token, the webhook secret).

While an update is handled, every line carries ``update=<id> circle=<id>``: the update's
scope lives in a context variable that the update processor opens around each update, and a
filter copies it onto each record. ``LOG_FORMAT=json`` writes one JSON object per line."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from telegram import Chat, Update
from telegram.ext import CallbackContext, TypeHandler

from bot.context import app_context
from storage import people

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class UpdateScope:
    update_id: int | None
    circle_id: int | None = None
    # Tasks and timers started while an update is handled inherit the context variable; once
    # the update is done its scope closes, so their lines do not claim to belong to it.
    open: bool = True


_SCOPE: ContextVar[UpdateScope | None] = ContextVar("carecircle_update_scope", default=None)


def current_scope() -> UpdateScope | None:
    scope = _SCOPE.get()
    return scope if scope is not None and scope.open else None


@contextmanager
def update_scope(update_id: int | None) -> Iterator[UpdateScope]:
    scope = UpdateScope(update_id)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        scope.open = False
        _SCOPE.reset(token)


def note_circle(circle_id: int | None) -> None:
    """Name the circle the current update is about, for the rest of its log lines."""
    scope = current_scope()
    if scope is not None:
        scope.circle_id = circle_id


class CircleNames:
    """Which circle each chat's updates are about, for their log lines, remembered for a
    minute once found: every update asks, the answer almost never changes, and a log line
    naming the circle a chat had a minute ago does no harm. Keyed by the group's chat id
    (negative), or outside a group by the person's id (positive, as their private chat's),
    so the two never meet."""

    def __init__(self, keep_for: float = 60.0, most: int = 50_000) -> None:
        self._keep_for = keep_for
        self._most = most
        self._known: dict[int, tuple[float, int]] = {}

    def get(self, key: int) -> int | None:
        known = self._known.get(key)
        if known is None or known[0] < time.monotonic():
            return None
        return known[1]

    def put(self, key: int, circle_id: int) -> None:
        self._known.pop(key, None)  # to the end: the oldest are first to go
        self._known[key] = (time.monotonic() + self._keep_for, circle_id)
        while len(self._known) > self._most:
            del self._known[next(iter(self._known))]


async def _name_the_circle(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    chat, user = update.effective_chat, update.effective_user
    in_group = chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)
    key = chat.id if chat is not None and in_group else user.id if user is not None else None
    if key is None:
        return
    names: CircleNames | None = context.bot_data.get("circle_names")
    if names is None:
        names = context.bot_data["circle_names"] = CircleNames()
    circle_id = names.get(key)
    if circle_id is None:
        try:
            async with app_context(context).sm() as session:
                if in_group:
                    circle_id = await people.circle_id_of_chat(session, key)
                else:
                    # Privately the circle is known only if the person is in just one.
                    circle_id = await people.only_circle_id_of(session, key)
        except SQLAlchemyError:
            return  # the handlers will meet the same problem and say so
        if circle_id is not None:  # a group about to be set up is asked again
            names.put(key, circle_id)
    note_circle(circle_id)


def circle_scope_handler() -> TypeHandler[Update, Any, None]:
    """Runs first for every update (group -100) and names its circle in the log scope."""
    return TypeHandler(Update, _name_the_circle, block=True)


class RedactTokenFilter(logging.Filter):
    """Replace the token (and the webhook secret) wherever it appears: httpx and PTB log
    request URLs and parameters, which contain them."""

    def __init__(self, token: str, webhook_secret: str | None = None) -> None:
        super().__init__()
        self._secrets = [
            (secret, label)
            for secret, label in ((token, "<token>"), (webhook_secret, "<webhook-secret>"))
            if secret
        ]

    def _redact(self, text: str) -> str:
        for secret, label in self._secrets:
            text = text.replace(secret, label)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Exceptions can carry the URL too; format once and redact the text.
            text = logging.Formatter().formatException(record.exc_info)
            if self._redact(text) != text:
                record.exc_text = self._redact(text)
                record.exc_info = None
        return True


class UpdateScopeFilter(logging.Filter):
    """Copy the current update's ids onto the record (None outside an update)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = current_scope()
        record.update_id = scope.update_id if scope is not None else None
        record.circle_id = scope.circle_id if scope is not None else None
        return True


def _scope_fields(record: logging.LogRecord) -> dict[str, int]:
    fields: dict[str, int] = {}
    for name, attribute in (("update", "update_id"), ("circle", "circle_id")):
        value = getattr(record, attribute, None)
        if isinstance(value, int):
            fields[name] = value
    return fields


def utc_time(record: logging.LogRecord) -> str:
    return time.strftime(TIME_FORMAT, time.gmtime(record.created))


class TextFormatter(logging.Formatter):
    """``2026-11-25T10:00:00Z INFO bot.scheduler update=123 circle=4 message``"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(scope)s%(message)s", TIME_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_time(record)

    def format(self, record: logging.LogRecord) -> str:
        record.scope = "".join(f"{k}={v} " for k, v in _scope_fields(record).items())
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            **_scope_fields(record),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def log_handler(
    token: str,
    *,
    log_format: str = "text",
    webhook_secret: str | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactTokenFilter(token, webhook_secret))
    handler.addFilter(UpdateScopeFilter())
    return handler


def configure_logging(
    level: str, token: str, *, log_format: str = "text", webhook_secret: str | None = None
) -> None:
    root = logging.getLogger()
    root.handlers[:] = [log_handler(token, log_format=log_format, webhook_secret=webhook_secret)]
    root.setLevel(level)
    # Request URLs contain the token; httpx and httpcore only say what the bot already knows.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
