"""Taking turns: work that shares a key runs one at a time, in the order it came, while
work under other keys goes on beside it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    """One queue per key (a chat, a need), first come first served. A key's lock exists
    only while some work under it is in hand or waiting, so the map never outgrows what is
    happening now."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @property
    def keys_in_hand(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def turn(self, key: int | None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock wakes its waiters in the order they came
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]
