"""/calendar: an .ics file of upcoming needs."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return []
