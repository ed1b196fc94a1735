"""Updates of different chats are handled side by side; a chat's own updates one after
another, in the order they came (bot/updates.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.pacing import PacingRateLimiter
from bot.updates import UpdateProcessor
from tests.fake_telegram import FakeRequest, FakeTelegram
from tests.virtual_time import VirtualTime

TOKEN = "123456:update-order"
ANNA, BEN, CARL = 501, 502, 503
FAMILY, NEIGHBOURS, FRIENDS = -1001, -1002, -1003


class Recorder:
    """A handler that notes when each message starts and ends, and holds the ones it is
    told to hold until they are let go."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.held: dict[str, asyncio.Event] = {}
        self.ended: dict[str, asyncio.Event] = {}

    def hold(self, text: str) -> None:
        self.held[text] = asyncio.Event()

    def end_of(self, text: str) -> asyncio.Event:
        return self.ended.setdefault(text, asyncio.Event())

    async def handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        self.events.append(f"start {text}")
        if text in self.held:
            await self.held[text].wait()
        self.events.append(f"end {text}")
        self.end_of(text).set()


@pytest.fixture
async def running() -> AsyncIterator[tuple[Application[Any, Any, Any, Any, Any, Any], Recorder]]:
    fake = FakeTelegram(token=TOKEN)
    for user_id, name in ((ANNA, "Anna"), (BEN, "Ben"), (CARL, "Carl")):
        fake.add_user(user_id, name)
    for chat_id, title in ((FAMILY, "Family"), (NEIGHBOURS, "Neighbours"), (FRIENDS, "Friends")):
        fake.add_group(chat_id, title, supergroup=True)
    recorder = Recorder()
    app = (
        Application.builder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .updater(None)
        .concurrent_updates(UpdateProcessor(at_once=2))
        .build()
    )
    app.add_handler(TypeHandler(Update, recorder.handle))
    app.bot_data["fake"] = fake
    await app.initialize()
    await app.start()
    yield app, recorder
    for event in recorder.held.values():
        event.set()
    await app.stop()
    await app.shutdown()


async def arrive(
    app: Application[Any, Any, Any, Any, Any, Any], user: int, chat: int, text: str
) -> None:
    fake: FakeTelegram = app.bot_data["fake"]
    await app.update_queue.put(Update.de_json(fake.user_sends(user, chat, text), app.bot))


async def settle() -> None:
    """Let every task that can run, run (no clock involved)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_another_family_is_answered_while_one_update_is_still_in_hand(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Recorder],
) -> None:
    app, recorder = running
    recorder.hold("slow")
    await arrive(app, ANNA, FAMILY, "slow")
    await arrive(app, BEN, NEIGHBOURS, "quick")
    await asyncio.wait_for(recorder.end_of("quick").wait(), 5)
    assert recorder.events == ["start slow", "start quick", "end quick"]

    recorder.held["slow"].set()
    await asyncio.wait_for(recorder.end_of("slow").wait(), 5)
    assert recorder.events[-1] == "end slow"


async def test_one_chats_updates_keep_their_order(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Recorder],
) -> None:
    app, recorder = running
    recorder.hold("first")
    for text, user in (("first", ANNA), ("second", BEN), ("third", ANNA)):
        await arrive(app, user, FAMILY, text)
    await settle()
    # The second waits for the first, though a place is free for it.
    assert recorder.events == ["start first"]

    recorder.held["first"].set()
    await asyncio.wait_for(recorder.end_of("third").wait(), 5)
    assert recorder.events == [
        "start first",
        "end first",
        "start second",
        "end second",
        "start third",
        "end third",
    ]


async def test_a_burst_from_one_chat_leaves_room_for_the_others(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Recorder],
) -> None:
    app, recorder = running
    recorder.hold("press 0")
    for n in range(6):  # more than the two places there are
        await arrive(app, ANNA, FAMILY, f"press {n}")
    await arrive(app, BEN, NEIGHBOURS, "from the neighbours")
    await arrive(app, CARL, FRIENDS, "from the friends")
    await asyncio.wait_for(recorder.end_of("from the friends").wait(), 5)
    await asyncio.wait_for(recorder.end_of("from the neighbours").wait(), 5)
    assert "start press 1" not in recorder.events

    recorder.held["press 0"].set()
    await asyncio.wait_for(recorder.end_of("press 5").wait(), 5)
    presses = [e for e in recorder.events if "press" in e]
    assert presses == [f"{step} press {n}" for n in range(6) for step in ("start", "end")]
    processor = app.update_processor
    assert isinstance(processor, UpdateProcessor)
    await settle()
    assert processor.turns.keys_in_hand == 0  # no queue is kept for a quiet chat


async def test_no_more_than_the_places_run_at_once(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Recorder],
) -> None:
    app, recorder = running
    for text in ("family", "neighbours", "friends"):
        recorder.hold(text)
    await arrive(app, ANNA, FAMILY, "family")
    await arrive(app, BEN, NEIGHBOURS, "neighbours")
    await arrive(app, CARL, FRIENDS, "friends")
    await settle()
    assert recorder.events == ["start family", "start neighbours"]

    recorder.held["family"].set()
    await asyncio.wait_for(recorder.end_of("family").wait(), 5)
    await settle()
    assert recorder.events[-1] == "start friends"


async def test_a_group_at_its_minute_limit_holds_up_only_its_own_replies() -> None:
    # The family group has had its 20 messages this minute. Its next reply must wait for
    # the window (bot/pacing.py); the neighbours' reply, asked for at the same moment, goes
    # out at once. One update at a time would have held the neighbours for 40 s as well.
    time = VirtualTime()
    fake = FakeTelegram(token=TOKEN)
    for user_id, name in ((ANNA, "Anna"), (BEN, "Ben")):
        fake.add_user(user_id, name)
    fake.add_group(FAMILY, "Family", supergroup=True)
    fake.add_group(NEIGHBOURS, "Neighbours", supergroup=True)
    replied_at: dict[int, float] = {}
    replied = asyncio.Event()

    async def reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Noted — thank you!")
        replied_at[update.effective_message.chat_id] = time.now
        if len(replied_at) == 2:
            replied.set()

    app = (
        Application.builder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .updater(None)
        .rate_limiter(PacingRateLimiter(clock=time.clock, sleep=time.sleep))
        .concurrent_updates(UpdateProcessor())
        .build()
    )
    app.add_handler(TypeHandler(Update, reply))
    app.bot_data["fake"] = fake

    async def story() -> None:
        await app.initialize()
        await app.start()
        for n in range(20):  # one a second: the last at 19 s
            await app.bot.send_message(FAMILY, f"Morning summary part {n}")
        await arrive(app, ANNA, FAMILY, "I'll bring soup")
        await arrive(app, BEN, NEIGHBOURS, "I can walk the dog")
        await replied.wait()
        await app.stop()
        await app.shutdown()

    await time.run(story())
    assert replied_at[NEIGHBOURS] < 20
    assert replied_at[FAMILY] >= 60  # a minute after the first of the family's twenty
    assert fake.violations == []


async def test_a_group_becoming_a_supergroup_is_handled_before_the_new_chats_messages(
    running: tuple[Application[Any, Any, Any, Any, Any, Any], Recorder],
) -> None:
    app, recorder = running
    fake: FakeTelegram = app.bot_data["fake"]
    supergroup = -1009
    recorder.hold("")  # the service message "now a supergroup" has no text
    migrated = fake.group_migrated(FAMILY, supergroup, by_user_id=ANNA)
    await app.update_queue.put(Update.de_json(migrated, app.bot))
    await arrive(app, ANNA, supergroup, "I'll bring soup")
    await settle()
    # The circle moves to the new chat first; until then the new chat's message waits.
    assert recorder.events == ["start "]

    recorder.held[""].set()
    await asyncio.wait_for(recorder.end_of("I'll bring soup").wait(), 5)
    assert recorder.events == ["start ", "end ", "start I'll bring soup", "end I'll bring soup"]
