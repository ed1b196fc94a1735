"""Pacing what the bot sends, so Telegram never has to say "too many requests".

Telegram's limits for a bot: about 30 messages a second overall, 20 a minute in one group,
and one a second in one chat. Each limit is a sliding window ("at most N in any P
seconds"), kept with N permits: a message takes a permit of its chat, of its group (a
negative chat id) and of the whole bot, and gives each back P seconds after Telegram
*answered*. Telegram counts a message at some instant between our request and its answer,
so counting from the answer keeps every window of P seconds, as Telegram sees it, at N or
fewer — whatever the network's delays — at the cost of one round trip per period.

Waiting is fair and quiet: one waiter per limit sleeps until the next permit comes back,
the others queue behind it (first come, first served), and a message waiting for its own
chat holds no permit of the whole bot, so other chats go first. A message held back is
only delayed, never dropped: the call returns when it has been sent. If Telegram answers
429 anyway (another process on the same token, Telegram's own judgement), everything
waits the `retry_after` it asks for and the message is tried again, up to `max_retries`.

Only sending a message counts (send*, copy*, forward*; not sendChatAction). Edits, button
answers and reads pass straight through, so a tap is answered at once.

Replies come first: a message sent while an update is handled (`replying()`) takes the next
free permit ahead of the scheduler's queue, so a person tapping during the 08:00 storm of
morning summaries waits for one permit, not behind thousands of summaries."""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]

# Telegram's flood limits for bots (core.telegram.org/bots/faq, "My bot is hitting limits").
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
CHAT_PER_SECOND = 1
# Chats remembered before the quiet ones are forgotten.
FORGET_ABOVE = 1024

# True while an update is handled: what is sent then is a reply a person is waiting for.
_REPLYING: ContextVar[bool] = ContextVar("carecircle_replying", default=False)


@contextmanager
def replying(value: bool = True) -> Iterator[None]:
    """Mark what is sent inside as a reply (or, with False, as background work)."""
    token = _REPLYING.set(value)
    try:
        yield
    finally:
        _REPLYING.reset(token)


def counts_as_message(endpoint: str) -> bool:
    """What Telegram's message limits count: sending, copying and forwarding messages."""
    if endpoint == "sendChatAction":
        return False
    return endpoint.startswith(("send", "copyMessage", "forwardMessage"))


class Window:
    """At most `count` messages in any `period` seconds: `count` permits, each back `period`
    seconds after the message it let through was answered."""

    def __init__(self, count: int, period: float, clock: Clock, sleep: Sleep) -> None:
        if count < 1 or period <= 0:
            raise ValueError("a window needs at least one message per positive period")
        self.count = count
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._cooling: list[float] = []  # when each returned permit is usable again (heap)
        self._turn = asyncio.Lock()  # first come, first served; only the head waits
        self._returned = asyncio.Event()
        self._replies_waiting = 0

    @property
    def idle(self) -> bool:
        """Nothing in flight, nobody waiting, every permit usable: it can be forgotten."""
        if self._in_flight or self._turn.locked() or self._replies_waiting:
            return False
        return not self._cooling or max(self._cooling) <= self._clock()

    def _free(self) -> int:
        now = self._clock()
        while self._cooling and self._cooling[0] <= now:
            heapq.heappop(self._cooling)
        return self.count - self._in_flight - len(self._cooling)

    async def _until_a_permit_may_be_free(self) -> None:
        if self._cooling:
            await self._sleep(self._cooling[0] - self._clock())
        else:  # every permit is out with a message not answered yet
            self._returned.clear()
            await self._returned.wait()

    async def acquire(self, *, reply: bool = False) -> None:
        if reply:
            # Ahead of the queue: the head of the queue leaves a free permit to replies.
            self._replies_waiting += 1
            try:
                while self._free() <= 0:
                    await self._until_a_permit_may_be_free()
                self._in_flight += 1
            finally:
                self._replies_waiting -= 1
                self._returned.set()  # the queue's head may go on
            return
        async with self._turn:
            while self._free() <= 0 or self._replies_waiting:
                await self._until_a_permit_may_be_free()
            self._in_flight += 1

    def release(self, *, sent: bool) -> None:
        """The message was answered (`sent`): its permit cools for a period. Not sent at all
        (cancelled while waiting for another limit): the permit is back at once."""
        self._in_flight -= 1
        if sent:
            heapq.heappush(self._cooling, self._clock() + self.period)
        self._returned.set()


class PacingRateLimiter(BaseRateLimiter[int]):
    """Paces messages overall, per group and per chat (limits as constructor parameters,
    so tests and benchmarks can scale them), and waits out a 429's `retry_after`.

    `rate_limit_args`, as in PTB's AIORateLimiter, is the number of retries for one call."""

    def __init__(
        self,
        overall_per_second: float = OVERALL_PER_SECOND,
        group_per_minute: float = GROUP_PER_MINUTE,
        chat_per_second: float = CHAT_PER_SECOND,
        *,
        speedup: float = 1.0,
        max_retries: int = 5,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Each limit is whole messages per period; `speedup` divides every period (a
        limit of 30 a second with speedup 10 is 30 every 0.1 s)."""
        if speedup <= 0:
            raise ValueError("speedup must be positive")
        self._overall = _shape(overall_per_second, 1.0 / speedup)
        self._group = _shape(group_per_minute, 60.0 / speedup)
        self._chat = _shape(chat_per_second, 1.0 / speedup)
        self._max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._all: Window | None = None
        self._groups = _Windows()
        self._chats = _Windows()
        self._paused_until = 0.0

    async def initialize(self) -> None:
        self._all = Window(*self._overall, self._clock, self._sleep)

    async def shutdown(self) -> None:
        self._groups.clear()
        self._chats.clear()

    def _window(self, windows: _Windows, key: int | str, shape: _Shape) -> Window:
        if len(windows) > windows.forget_above:  # forget chats quiet for a whole period
            for old in [k for k, w in windows.items() if k != key and w.idle]:
                del windows[old]
            # Busy chats stay; look again only once as many more have come.
            windows.forget_above = max(FORGET_ABOVE, 2 * len(windows))
        window = windows.get(key)
        if window is None:
            window = windows[key] = Window(*shape, self._clock, self._sleep)
        return window

    def _windows_for(self, chat_id: object) -> list[Window]:
        """Outermost first: the chat's own, its group's, then the whole bot's."""
        if self._all is None:  # used without initialize(): PTB always calls it first
            self._all = Window(*self._overall, self._clock, self._sleep)
        key: int | str
        try:
            key = int(str(chat_id))
        except ValueError:
            key = str(chat_id)  # "@channelname": a group or channel
        windows = [self._window(self._chats, key, self._chat)]
        if isinstance(key, str) or key < 0:
            windows.append(self._window(self._groups, key, self._group))
        windows.append(self._all)
        return windows

    async def _paced(
        self,
        windows: list[Window],
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        held: list[Window] = []
        sent = False
        reply = _REPLYING.get()
        try:
            for window in windows:
                await window.acquire(reply=reply)
                held.append(window)
            while (wait := self._paused_until - self._clock()) > 0:
                await self._sleep(wait)
            sent = True  # from here on Telegram may count it, whatever happens
            return await callback(*args, **kwargs)
        finally:
            for window in held:
                window.release(sent=sent)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        paced = chat_id is not None and counts_as_message(endpoint)
        for attempt in range(retries + 1):
            try:
                if paced:
                    return await self._paced(self._windows_for(chat_id), callback, args, kwargs)
                while (wait := self._paused_until - self._clock()) > 0:
                    await self._sleep(wait)
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    log.warning("Telegram asked to slow down %d times; giving up", attempt + 1)
                    raise
                wait = error._retry_after.total_seconds()  # as PTB's own AIORateLimiter reads it
                log.info("Telegram asked to wait %.1f s; every message waits", wait)
                self._paused_until = max(self._paused_until, self._clock() + wait)
        raise AssertionError("unreachable")  # pragma: no cover


_Shape = tuple[int, float]


class _Windows(dict[int | str, Window]):
    """The windows of chats (or groups) seen lately."""

    forget_above = FORGET_ABOVE


def _shape(per_period: float, period: float) -> _Shape:
    """Whole messages per window: 0.5 a second is 1 every 2 seconds."""
    if per_period <= 0:
        raise ValueError("a limit must be positive")
    if per_period >= 1:
        whole = int(per_period)
        return whole, period * whole / per_period
    return 1, period / per_period
