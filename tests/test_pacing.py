"""The pacer keeps the bot under Telegram's limits (30 a second, 20 a minute per group, one
a second per chat) by itself, loses nothing it holds back, and still waits out a 429.

Time is virtual: the pacer's clock and sleep are a test clock that jumps to the next wake-up
once every task is waiting, so these tests take milliseconds and their times are exact."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.pacing import PacingRateLimiter, Window, replying
from tests.fake_telegram import FakeRequest, FakeTelegram, FloodLimits
from tests.virtual_time import VirtualTime

TOKEN = "7000000001:AAHfakeTOKENforCareCircleTests_0123456"
GROUP = -1001000000001


Callback = Callable[..., Coroutine[Any, Any, Any]]


class Recorder:
    """Stands in for PTB's request: notes when each message reached "Telegram"."""

    def __init__(self, time: VirtualTime, answer_takes: float = 0.0) -> None:
        self.time = time
        self.answer_takes = answer_takes
        self.sent: list[tuple[float, object, str]] = []
        self.refuse_first: dict[object, int] = {}

    def callback(self, chat_id: object, label: str) -> Callback:
        async def call() -> dict[str, Any]:
            if self.refuse_first.get(chat_id):
                self.refuse_first[chat_id] -= 1
                raise RetryAfter(timedelta(seconds=2))
            self.sent.append((self.time.now, chat_id, label))
            if self.answer_takes:
                await self.time.sleep(self.answer_takes)
            return {"ok": True, "label": label}

        return call

    def times(self, chat_id: object | None = None) -> list[float]:
        return [at for at, chat, _l in self.sent if chat_id is None or chat == chat_id]


async def pacer(time: VirtualTime, **limits: Any) -> PacingRateLimiter:
    limiter = PacingRateLimiter(clock=time.clock, sleep=time.sleep, **limits)
    await limiter.initialize()
    return limiter


def send(
    limiter: PacingRateLimiter,
    recorder: Recorder,
    chat_id: object,
    label: str = "",
    endpoint: str = "sendMessage",
) -> Coroutine[Any, Any, Any]:
    return limiter.process_request(
        recorder.callback(chat_id, label), (), {}, endpoint, {"chat_id": chat_id}, None
    )


def most_in_any_window(times: list[float], period: float) -> int:
    ordered = sorted(times)
    return max(
        (sum(1 for t in ordered if start <= t < start + period) for start in ordered), default=0
    )


async def test_one_chat_gets_one_message_a_second_and_each_arrives_once() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    answers = await time.run(*(send(limiter, recorder, 501, f"m{n}") for n in range(4)))
    assert [a["label"] for a in answers] == ["m0", "m1", "m2", "m3"]
    assert recorder.sent == [(0.0, 501, "m0"), (1.0, 501, "m1"), (2.0, 501, "m2"), (3.0, 501, "m3")]


async def test_a_group_gets_twenty_a_minute_at_one_a_second() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    await time.run(*(send(limiter, recorder, GROUP, f"m{n}") for n in range(23)))
    times = recorder.times()
    assert times[:20] == [float(n) for n in range(20)]
    # The 21st waits until the first has left the minute's window.
    assert times[20:] == [60.0, 61.0, 62.0]
    assert most_in_any_window(times, 60.0) == 20


async def test_the_whole_bot_sends_thirty_a_second() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    await time.run(*(send(limiter, recorder, 1000 + n) for n in range(70)))
    times = recorder.times()
    assert times == [0.0] * 30 + [1.0] * 30 + [2.0] * 10
    assert most_in_any_window(times, 1.0) == 30


async def test_a_reply_goes_ahead_of_the_scheduled_queue() -> None:
    # 90 scheduled messages to 90 people fill three seconds of the bot's 30 a second; a
    # person taps at 0.5 s: the reply to them is sent with the next free permit (1.0 s),
    # not after the queue (3.0 s), and the queue still goes at 30 a second.
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)

    async def scheduled() -> None:
        with replying(False):
            await asyncio.gather(*(send(limiter, recorder, 1000 + n, "s") for n in range(90)))

    async def tap() -> None:
        await time.sleep(0.5)
        with replying():
            await send(limiter, recorder, 77, "reply")

    await time.run(scheduled(), tap())
    assert [at for at, _chat, label in recorder.sent if label == "reply"] == [1.0]
    times = recorder.times()
    assert len(times) == 91 and most_in_any_window(times, 1.0) == 30
    assert max(times) == 3.0


async def test_a_chat_that_must_wait_does_not_hold_up_the_others() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    await time.run(
        send(limiter, recorder, 501, "a1"),
        send(limiter, recorder, 501, "a2"),
        send(limiter, recorder, 501, "a3"),
        send(limiter, recorder, 502, "b1"),
        send(limiter, recorder, GROUP, "g1"),
    )
    assert sorted(recorder.sent) == [
        (0.0, GROUP, "g1"),
        (0.0, 501, "a1"),
        (0.0, 502, "b1"),
        (1.0, 501, "a2"),
        (2.0, 501, "a3"),
    ]


async def test_the_wait_counts_from_telegrams_answer() -> None:
    # Telegram counts a message somewhere between the request and its answer: the next one
    # in the same chat goes a full second after the answer.
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time, answer_takes=0.25)
    await time.run(*(send(limiter, recorder, 501) for _ in range(3)))
    assert recorder.times() == [0.0, 1.25, 2.5]


async def test_limits_scale_by_one_factor() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time, speedup=10), Recorder(time)
    await time.run(
        *(send(limiter, recorder, GROUP) for _ in range(21)),
        *(send(limiter, recorder, 2000 + n) for n in range(40)),
    )
    assert recorder.times(GROUP)[:3] == [0.0, 0.1, 0.2]
    assert recorder.times(GROUP)[20] == pytest.approx(6.0)
    assert most_in_any_window(recorder.times(), 0.1) == 30


async def test_a_429_is_waited_out_by_everyone_and_tried_again() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    recorder.refuse_first[501] = 1

    async def later(delay: float, chat_id: int) -> Any:
        await time.sleep(delay)
        return await send(limiter, recorder, chat_id, "other")

    answers = await time.run(send(limiter, recorder, 501, "refused once"), later(0.5, 502))
    assert answers[0]["label"] == "refused once"
    # Telegram asked for 2 s at t=0: the retry and the other chat's message both wait.
    assert sorted(recorder.sent) == [(2.0, 501, "refused once"), (2.0, 502, "other")]


async def test_after_the_retries_the_429_reaches_the_caller() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time, max_retries=1), Recorder(time)
    recorder.refuse_first[501] = 5
    with pytest.raises(RetryAfter):
        await time.run(send(limiter, recorder, 501))
    assert recorder.sent == []


async def test_a_message_given_up_while_waiting_frees_its_place() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)

    async def cancelled_waiter() -> str:
        task = asyncio.ensure_future(send(limiter, recorder, 501, "given up"))
        await time.sleep(0.5)
        task.cancel()
        return "cancelled"

    await time.run(
        send(limiter, recorder, 501, "first"),
        cancelled_waiter(),
        send(limiter, recorder, 501, "third"),
    )
    assert recorder.sent == [(0.0, 501, "first"), (1.0, 501, "third")]


async def test_edits_button_answers_and_chat_actions_are_not_held_back() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    await time.run(
        send(limiter, recorder, 501, "m1"),
        send(limiter, recorder, 501, "m2"),
        send(limiter, recorder, 501, "edit", endpoint="editMessageText"),
        send(limiter, recorder, 501, "typing", endpoint="sendChatAction"),
    )
    assert sorted(recorder.sent) == [
        (0.0, 501, "edit"),
        (0.0, 501, "m1"),
        (0.0, 501, "typing"),
        (1.0, 501, "m2"),
    ]


async def test_quiet_chats_are_forgotten() -> None:
    time = VirtualTime()
    limiter, recorder = await pacer(time), Recorder(time)
    await time.run(*(send(limiter, recorder, 10_000 + n) for n in range(1100)))
    assert len(limiter._chats) == 1100  # all busy: none forgotten
    time.now += 2
    await time.run(*(send(limiter, recorder, 20_000 + n) for n in range(1100)))
    # The first 1,100 have been quiet for a second: forgotten once the table grew.
    assert not any(10_000 + n in limiter._chats for n in range(1100))
    assert len(limiter._chats) == 1100
    assert len(recorder.sent) == 2200


def test_a_window_needs_a_positive_limit() -> None:
    time = VirtualTime()
    with pytest.raises(ValueError):
        Window(0, 1.0, time.clock, time.sleep)
    with pytest.raises(ValueError):
        PacingRateLimiter(overall_per_second=0)


def test_the_fake_refuses_beyond_the_limits() -> None:
    now = [0.0]
    limits = FloodLimits(clock=lambda: now[0])
    assert limits.check("sendMessage", 501) is None
    assert limits.check("sendMessage", 501) == 1  # one a second in a chat
    assert limits.check("editMessageText", 501) is None  # edits are not counted
    now[0] = 1.0
    assert limits.check("sendMessage", 501) is None
    for n in range(20):
        now[0] = 10.0 + n * 1.5
        assert limits.check("sendMessage", GROUP) is None
    now[0] = 45.0
    assert limits.check("sendMessage", GROUP) == 25  # the minute's window holds 20
    now[0] = 100.0
    assert [limits.check("sendMessage", 1000 + n) for n in range(31)][-1] == 1  # 30 a second
    assert [r.limit for r in limits.refusals] == ["chat", "group", "overall"]


async def test_through_ptb_and_a_fake_that_enforces_the_limits_nothing_is_refused() -> None:
    # Real time, limits sped up 200 times: one message a second per chat is one per 5 ms.
    fake = FakeTelegram(token=TOKEN)
    fake.limits = FloodLimits(speedup=200)
    fake.add_group(GROUP, "Maria's helpers", supergroup=True)
    for user in range(501, 511):
        fake.add_user(user, f"Person {user}")
        fake.start_bot(user)
    limiter = PacingRateLimiter(speedup=200)
    bot: Bot = ExtBot(TOKEN, request=FakeRequest(fake), rate_limiter=limiter)
    async with bot:
        chats = [GROUP, *range(501, 511)]
        await asyncio.gather(
            *(bot.send_message(chat, f"message {n}") for n in range(6) for chat in chats)
        )
    assert fake.limits.refusals == []
    assert all(len(fake.bot_messages(chat)) == 6 for chat in chats)
    assert fake.violations == []
