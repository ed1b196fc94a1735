"""Placeholder: filled in by the feature's author."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler


def handlers() -> list[tuple[int, BaseHandler[Update, Any, Any]]]:
    return []
