"""The coordinators' weekly summary: how the week's help went, written as care."""

from __future__ import annotations

from datetime import datetime

from storage.db import SessionMaker


async def ensure_planned(sm: SessionMaker, now: datetime) -> int:
    """Every coordinator of every active circle has their next summary planned."""
    return 0
