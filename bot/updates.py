"""How updates are taken in: many chats side by side, each chat's updates in order.

Handled one at a time, a reply to a group that has already had its 20 messages this minute
(bot/pacing.py) waits for that group's window, and every other family's tap waits behind it;
so does everyone behind one slow database write. Here up to `AT_ONCE` updates run together,
but never two of the same chat: within a family's group, or one person's private chat,
messages and presses are handled in the order they were sent, as Telegram sends them.

A chat waiting for its turn does not hold one of the `AT_ONCE` places, so a burst from one
chat (a hundred presses in a second) cannot crowd out the others."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.logs import update_scope
from bot.pacing import replying
from bot.turns import Turns

AT_ONCE = 32
# PTB counts its own places before ours are asked for; its count is set out of reach so
# that only ours (taken after a chat's turn comes) limits the work.
_UNBOUNDED = 1_000_000


def turn_key(update: object) -> int | None:
    """Whose order an update keeps: its chat's, or, without a chat, its sender's."""
    if not isinstance(update, Update):
        return None
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        # "This group is now a supergroup" comes in the old chat; the circle must move to
        # the new chat before the new chat's first messages are handled.
        return message.migrate_to_chat_id
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class UpdateProcessor(BaseUpdateProcessor):
    """Each update in its log scope, with what it sends marked as a reply (it goes ahead of
    the scheduler's queue, bot/pacing.py); also notes when the last update was handled, for
    the health check."""

    def __init__(self, at_once: int = AT_ONCE) -> None:
        super().__init__(max_concurrent_updates=_UNBOUNDED)
        self.at_once = at_once
        self._places = asyncio.BoundedSemaphore(at_once)
        self.turns = Turns()
        self.last_processed_at: datetime | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        started = False
        try:
            async with self.turns.turn(turn_key(update)), self._places:
                with update_scope(update_id), replying():
                    started = True
                    try:
                        await coroutine
                    finally:
                        self.last_processed_at = datetime.now(UTC)
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never ran, and says so quietly

    async def initialize(self) -> None:
        """Nothing to set up: the queues are made as chats write."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates in hand before it shuts down."""
