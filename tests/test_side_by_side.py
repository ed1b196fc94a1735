"""Steps run side by side (handlers/common.side_by_side): all of them end before it returns,
and a failure in one neither stops the others nor goes unnoticed."""

from __future__ import annotations

import asyncio

import pytest

from handlers.common import side_by_side


async def test_every_step_starts_at_once_and_all_end_before_it_returns() -> None:
    first_started, second_started = asyncio.Event(), asyncio.Event()
    go_on = asyncio.Event()
    ended: list[str] = []

    async def step(name: str, started: asyncio.Event) -> None:
        started.set()
        await go_on.wait()
        ended.append(name)

    running = asyncio.create_task(
        side_by_side(step("card", first_started), step("notice", second_started))
    )
    # Both are under way while neither has had its answer.
    await asyncio.wait_for(asyncio.gather(first_started.wait(), second_started.wait()), 5)
    assert not running.done()
    go_on.set()
    await asyncio.wait_for(running, 5)
    assert sorted(ended) == ["card", "notice"]


async def test_a_failing_step_is_raised_only_after_the_others_have_ended() -> None:
    go_on = asyncio.Event()
    ended: list[str] = []

    async def fails() -> None:
        raise RuntimeError("the card could not be shown")

    async def slow_notice() -> None:
        await go_on.wait()
        ended.append("notice")

    running = asyncio.create_task(side_by_side(fails(), slow_notice()))
    for _ in range(5):
        await asyncio.sleep(0)  # let the failure happen
    assert not running.done()  # the notice is still on its way: nothing is left behind
    go_on.set()
    with pytest.raises(RuntimeError, match="could not be shown"):
        await asyncio.wait_for(running, 5)
    assert ended == ["notice"]
