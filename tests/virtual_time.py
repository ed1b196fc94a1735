"""Virtual time for code that takes a clock and a sleep (the pacer): `sleep` waits until
`run` moves time to its wake-up, once every task is waiting, so tests take milliseconds and
their times are exact."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any


class VirtualTime:
    """A clock for the pacer: `sleep` waits until `run` moves time to its wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def _settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def run(self, *work: Coroutine[Any, Any, Any]) -> list[Any]:
        """Run the coroutines side by side (started in order), moving time as they sleep."""
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            await self._settle()
            if all(t.done() for t in tasks):
                break
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # cancelled
            if not self._sleepers:
                await asyncio.sleep(0)
                continue
            when, _n, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)
        return [t.result() for t in tasks]
