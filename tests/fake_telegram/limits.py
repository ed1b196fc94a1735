"""Telegram's flood limits, enforced by the fake: about 30 messages a second overall, 20 a
minute in one group, one a second in one chat. Beyond them the fake answers 429 with
``retry_after``, as Telegram does.

Each limit is a sliding window: a message is refused when the window of the last ``period``
seconds already holds ``count`` accepted messages. ``speedup`` divides every period, for a
shorter run with the same ratios.

    fake.limits = FloodLimits(speedup=10)
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


def counts_as_message(method: str) -> bool:
    """What Telegram's limits count: sending, copying and forwarding messages."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "copyMessage", "forwardMessage"))


@dataclass(frozen=True)
class Refusal:
    at: float
    chat_id: object
    limit: str  # "overall", "group" or "chat"
    retry_after: int


class _Window:
    def __init__(self, count: int, period: float) -> None:
        self.count = count
        self.period = period
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 if one more fits now; otherwise how long until it would."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) < self.count:
            return 0.0
        return self.times[0] + self.period - now

    def add(self, now: float) -> None:
        self.times.append(now)


@dataclass
class FloodLimits:
    overall_per_second: int = 30
    group_per_minute: int = 20
    chat_per_second: int = 1
    speedup: float = 1.0
    clock: Callable[[], float] = time.monotonic
    refusals: list[Refusal] = field(default_factory=list)
    # When each accepted message was counted, per chat (for the benchmark's report).
    accepted: dict[object, list[float]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self._overall = _Window(self.overall_per_second, 1.0 / self.speedup)
        self._groups: dict[object, _Window] = {}
        self._chats: dict[object, _Window] = {}

    def _of(
        self, windows: dict[object, _Window], chat_id: object, count: int, period: float
    ) -> _Window:
        window = windows.get(chat_id)
        if window is None:
            window = windows[chat_id] = _Window(count, period)
        return window

    def check(self, method: str, chat_id: object) -> int | None:
        """None: the message is accepted (and counted); otherwise the retry_after to answer."""
        if chat_id is None or not counts_as_message(method):
            return None
        now = self.clock()
        windows = [
            ("chat", self._of(self._chats, chat_id, self.chat_per_second, 1.0 / self.speedup))
        ]
        if not isinstance(chat_id, int) or chat_id < 0:
            group = self._of(self._groups, chat_id, self.group_per_minute, 60.0 / self.speedup)
            windows.append(("group", group))
        windows.append(("overall", self._overall))
        for name, window in windows:
            wait = window.wait(now)
            if wait > 0:
                # Telegram answers whole seconds, at least one.
                retry_after = max(1, math.ceil(wait))
                self.refusals.append(Refusal(now, chat_id, name, retry_after))
                return retry_after
        for _name, window in windows:
            window.add(now)
        self.accepted[chat_id].append(now)
        return None
