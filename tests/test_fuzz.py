"""Fuzz: a few hundred random updates thrown at the whole application.

A circle is set up with a few people, then a seeded random generator sends what people (and
strangers, and forged clients) could send: text full of emoji, right-to-left script,
zero-width and control characters, texts far longer than Telegram allows, every command with
random and plausible arguments, unknown commands and commands for other bots, replies,
edits, voice messages, presses on the bot's real buttons by anyone, forged callback data
(also for ids that do not exist), while the clock jumps ahead so scheduled messages go out.

After every update: no error was logged (the app's error handler logs every exception a
handler raised) and the fake Telegram saw no call that breaks the Bot API or Telegram's
HTML. At the end, and now and then on the way, the database is checked with SQL.

The run is reproducible: CARECIRCLE_FUZZ_SEED picks the seed (printed with any failure) and
CARECIRCLE_FUZZ_UPDATES how many updates are sent, for a longer hunt."""

from __future__ import annotations

import logging
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

import pytest
from sqlalchemy import String
from sqlalchemy import text as sql
from sqlmodel import SQLModel, col, select

from bot import callbacks
from bot.callbacks import (
    CheckInAction,
    CheckInButton,
    DataAction,
    DataButton,
    NeedAction,
    NeedButton,
    ObservationButton,
    ObservationChoice,
    Origin,
    QuestionAction,
    QuestionButton,
    ReminderButton,
    ReportButton,
    SeriesAction,
    SeriesButton,
    SettingKey,
    SettingsButton,
    TeamAction,
    TeamButton,
    ThanksButton,
    WizardButton,
    WizardStep,
)
from bot.services import planning, reminders
from bot.services.checkins import OPEN_FOR
from bot.services.settings import LONGEST_LEAD, MAX_LEADS, SHORTEST_LEAD
from bot.timeparse import Precision
from storage.models import (
    CheckIn,
    MessageKind,
    MessageState,
    Need,
    NeedStatus,
    ScheduledMessage,
)
from storage.models import (
    Circle as CircleRow,
)
from tests.conftest import ANNA, BEN, CARL, MARIA, TOM, Circle, Person
from tests.fake_telegram import FakeMessage
from tests.fake_telegram.server import BOT_USERNAME

SEED = int(os.environ.get("CARECIRCLE_FUZZ_SEED", "20261125"))
UPDATES = int(os.environ.get("CARECIRCLE_FUZZ_UPDATES", "600"))
CHECK_DATABASE_EVERY = 50

# Members with names that must be escaped in HTML, or that run right to left.
EVE = Person(106, '<b>Eve</b> & "Co" 👩\u200d🦰')
NOOR = Person(107, "نور\u200f")
# Never in the group: writes privately and in another group.
ZED = Person(108, "Zed")
OTHER_GROUP = -1001000000002

# Someone posting as the group (an anonymous admin): Telegram's stand-in account.
ANONYMOUS = Person(1087968824, "Group")

MEMBERS = (MARIA, TOM, ANNA, BEN, EVE, NOOR)
# Carl is not in the circle until he first writes in the group (or presses a button there).
IN_THE_GROUP = (*MEMBERS, CARL, ANONYMOUS)
EVERYONE = (*MEMBERS, CARL, ZED, ANONYMOUS)
# A press always comes from a person's own account, anonymous admins' too.
PRESSERS = (*MEMBERS, CARL, ZED)

# --- what people type --------------------------------------------------------------------

ODD_CHARACTERS = (
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2069",
    "\ufeff",
    "\u2028",
    "\u00a0",
    "\u0301",
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x1b",
    "\x7f",
    "\t",
    "\n",
    "\r\n",
    "🙂",
    "👩\u200d👩\u200d👧",
    "🏳️\u200d🌈",
    "👍🏽",
    "𝕏",
    "שלום",
    "مرحبا",
    "日本",
    "ß",
    "İ",
    "ﬀ",
    "²",
    "٣",
    "١٤:٠٠",
    "１４：００",
    "<",
    ">",
    "&",
    "&amp;",
    "&#0;",
    "<b>",
    "</i>",
    '<a href="tg://user?id=1">',
    "<script>",
    '"',
    "'",
    "’",
    "`",
    "@",
    "#",
    "/",
    ":",
    "\\",
)
CHARACTER_RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x24F),  # Latin
    (0x300, 0x36F),  # combining marks
    (0x590, 0x6FF),  # Hebrew, Arabic
    (0x900, 0x97F),  # Devanagari
    (0x4E00, 0x4FFF),  # CJK
    (0xE000, 0xE0FF),  # private use
    (0x1F300, 0x1FAFF),  # emoji
    (0x0, 0x1F),  # control characters, NUL too
)
WORDS = (
    "ride",
    "to",
    "neurology",
    "dinner",
    "on",
    "Friday",
    "tomorrow",
    "at",
    "9",
    "14:00",
    "morning",
    "evening",
    "walk",
    "the",
    "dog",
    "pick",
    "up",
    "prescription",
    "MRI",
    "next",
    "Tuesday",
    "in",
    "2",
    "days",
    "25:00",
    "31/02",
    "yesterday",
    "please",
    "help",
    "noon",
    "the 5th",
)


def random_text(rng: random.Random, *, allow_huge: bool = True) -> str:
    """Something a person (or a broken client) might send; never only whitespace."""
    kind = rng.random()
    if kind < 0.3:
        pieces = [
            rng.choice(ODD_CHARACTERS) if rng.random() < 0.3 else rng.choice(WORDS)
            for _ in range(rng.randint(1, 10))
        ]
        text = rng.choice((" ", " ", "", "\n", "\u200b")).join(pieces)
    elif kind < 0.6:
        low, high = rng.choice(CHARACTER_RANGES)
        other_low, other_high = rng.choice(CHARACTER_RANGES)
        text = "".join(
            chr(
                rng.randint(low, high) if rng.random() < 0.7 else rng.randint(other_low, other_high)
            )
            for _ in range(rng.randint(1, 40))
        )
    elif kind < 0.75:
        text = "".join(rng.choice(ODD_CHARACTERS) for _ in range(rng.randint(1, 12)))
    elif kind < 0.9 or not allow_huge:
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    else:
        # Longer than a Telegram message may be (4096).
        unit = rng.choice(("x", "ride at 9 ", "🙂", "\u200b", "tomorrow ", "<b>&amp;", "שלום "))
        text = unit * (rng.randint(5000, 6500) // len(unit) + 1)
    return text if text.strip() else f"{text}."


# Arguments for each command: plausible ones reach deep into the bot; random ones are added
# by the generator.
COMMANDS: dict[str, tuple[str, ...]] = {
    "need": (
        "ride to neurology tomorrow 14:00",
        "dinner on Friday",
        "walk the dog in 2 days at 9",
        "MRI at St Mary's next Tuesday 10:30",
        "shopping",
        "cook soup tomorrow evening",
        "ride yesterday 10:00",
        "lunch 25:00",
        "coffee and a chat in 30 minutes",
        "pick up prescription today",
        "x" * 1001,
        "help <b>me</b> & you tomorrow",
        "ride to physio every Tuesday 10:00",
        "walk Max every weekday morning until yesterday",
        "visit every Funday",
    ),
    "board": ("",),
    "mine": ("",),
    "series": ("", "skip Tue 1 Dec", "skip 2 tomorrow", "skip banana", "stop"),
    "calendar": ("", "all"),
    "when": (
        "tomorrow 9:00",
        "Friday morning",
        "in 30 minutes",
        "yesterday",
        "banana",
        "next week",
    ),
    "cancel": ("",),
    "remind": (
        "tomorrow 9:00 call the nurse",
        "in 30 minutes stretch",
        "in 2 minutes drink water",
        "Friday",
        "yesterday 9:00 x",
        "in 10 minutes " + "y" * 600,
    ),
    "reminders": ("",),
    "away": ("", "off", "until Friday", "2026-12-24", "tomorrow", "next year", "until banana"),
    "settings": (
        "",
        "reminders 24h 2h",
        "reminders 5m",
        "nudges off",
        "nudge 48h 24h 12h 6h",
        "summary 7:30",
        "summary 13:00",
        "digest off",
        "observations on",
        "observations off",
        "bogus",
    ),
    "checkin": ("",),
    "checkins": (
        "",
        "daily 19:00",
        "weekly sun 18:00",
        "pause 2w",
        "pause 100 days",
        "resume",
        "off",
        "me sun 18:00",
        "me daily 9:00",
        "me off",
        "25:00",
    ),
    "report": ("", "8", "0", "53", "two"),
    "ask": ("Should I change my dose?", "What about the <b>MRI</b> & the scan?", "z" * 1200),
    "questions": ("",),
    "prefs": ("", "love walks in the park", "don't visit after 8pm", "clear both", "clear love"),
    "team": (
        "",
        "add neurologist: Dr Weber, 030 1234567, Tuesdays only",
        "add MS nurse Anna Schulz anna@clinic.de",
        "add <b>Dr</b> & Co",
        "edit 1 phone 030 999999",
        "edit 1 email nope",
        "remove 1",
        "remove 99",
    ),
    "resources": ("",),
    "export": ("",),
    "forget_me": ("",),
    "delete_circle": ("",),
    "timezone": (
        "",
        "Europe/Berlin",
        "America/New_York",
        "Pacific/Kiritimati",
        "Pacific/Chatham",
        "America/Indiana",
        "right/Europe/Berlin",
        "Berlin",
        "Mars/Olympus",
    ),
    "coordinator": ("", "remove"),
    "setup": ("",),
    "start": ("", "c", "cnope", "hello"),
    "help": ("",),
}
UNKNOWN_COMMANDS = ("/foo", "/NEED", "/need_", "/", "/ need", "/123", "/start@", "/need@", "/ask2")
SUFFIXES = ("", "", "", "", f"@{BOT_USERNAME}", "@OtherBot", f"@{BOT_USERNAME.lower()}")
# Heavy commands (a chart, a PDF, a zip) are sent less often, to keep the run short.
COMMAND_WEIGHTS = {name: (1 if name in ("report", "export") else 4) for name in COMMANDS}
PLAUSIBLE_REPLIES = (
    "walk the dog",
    "Tuesday 14:00",
    "14:30",
    "2pm",
    "morning",
    "9",
    "She seemed tired but happy",
    "feeling better today",
    "25:99",
)
CLOCK_STEPS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=5),
    timedelta(hours=13),
    timedelta(days=1),
    timedelta(days=3),
)


@dataclass(frozen=True)
class Sent:
    """A message a person sent, which they may edit later or someone may reply to."""

    person: Person
    chat_id: int
    message_id: int


@dataclass
class Problem:
    step: int
    what: str
    found: list[str]


@dataclass
class Fuzzer:
    circle: Circle
    rng: random.Random
    caplog: pytest.LogCaptureFixture
    sent: list[Sent] = field(default_factory=list)
    bot_in_group: bool = True
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Presses the bot never answered, since the last look.
    unanswered: list[str] = field(default_factory=list)
    _seen_records: int = 0
    _seen_violations: int = 0

    @property
    def group(self) -> int:
        return self.circle.group_id

    # --- sending -------------------------------------------------------------------------

    async def feed(self, update: dict[str, Any]) -> None:
        await self.circle.feed(update)

    async def message(
        self, person: Person, chat_id: int, text: str, reply_to: int | None = None
    ) -> str:
        fake = self.circle.fake
        if chat_id == person.id and not fake.user_started(person.id):
            # Nobody writes to a bot privately without starting it, or restarting it after
            # blocking it; both send /start.
            fake.start_bot(person.id)
            text = text if text.startswith("/start") else "/start"
        update = fake.user_sends(person.id, chat_id, text, reply_to_message_id=reply_to)
        self.sent.append(Sent(person, chat_id, update["message"]["message_id"]))
        await self.feed(update)
        reply = f" (reply to {reply_to})" if reply_to is not None else ""
        return f"{_who(person)} in {chat_id}{reply}: {_shown(text)}"

    def chat_for(self, person: Person) -> int:
        """Where this person writes: their private chat, the group, or another group."""
        roll = self.rng.random()
        if person == ANONYMOUS:
            return self.group if self.bot_in_group and roll < 0.7 else OTHER_GROUP
        if roll < 0.5 and person in IN_THE_GROUP and self.bot_in_group:
            return self.group
        if roll < 0.6:
            return OTHER_GROUP
        return person.id

    def arguments(self, name: str) -> str:
        roll = self.rng.random()
        if roll < 0.2:
            return ""
        if roll < 0.7:
            return self.rng.choice(COMMANDS[name])
        return random_text(self.rng)

    async def invite_code(self) -> str | None:
        async with self.circle.sm() as session:
            codes = (await session.exec(select(CircleRow.invite_code))).all()
        return self.rng.choice(codes) if codes else None

    # --- one random update ---------------------------------------------------------------

    async def one_update(self) -> str:
        actions: list[tuple[float, Callable[[], Awaitable[str]]]] = [
            (34, self.command),
            (5, self.unknown_command),
            (12, self.text),
            (18, self.press_real_button),
            (9, self.press_forged_button),
            (8, self.reply_to_bot),
            (4, self.edit),
            (3, self.voice),
            (7, self.time_passes),
            (1, self.bot_leaves_or_returns),
            (1, self.someone_blocks_the_bot),
        ]
        weights = [weight for weight, _ in actions]
        [action] = self.rng.choices([a for _, a in actions], weights=weights)
        return await action()

    async def command(self) -> str:
        names = list(COMMANDS)
        [name] = self.rng.choices(names, weights=[COMMAND_WEIGHTS[n] for n in names])
        person = self.rng.choice(EVERYONE)
        chat_id = self.chat_for(person)
        words = self.arguments(name)
        if name == "start" and self.rng.random() < 0.5:
            code = await self.invite_code()
            odd = self.rng.choice(("", "", self.rng.choice(ODD_CHARACTERS)))
            words = f"c{code}{odd}" if code else f"c{random_text(self.rng, allow_huge=False)}"
        suffix = self.rng.choice(SUFFIXES)
        separator = self.rng.choice((" ", " ", "\n", "  "))
        text = f"/{name}{suffix}{separator}{words}".rstrip() if words else f"/{name}{suffix}"
        reply_to = None
        if name == "when" or (name in ("coordinator", "setup") and self.rng.random() < 0.7):
            reply_to = self.reply_target(chat_id, cards=name == "when")
        return await self.message(person, chat_id, text, reply_to)

    async def unknown_command(self) -> str:
        person = self.rng.choice(EVERYONE)
        text = self.rng.choice(UNKNOWN_COMMANDS)
        if self.rng.random() < 0.5:
            text = f"{text} {random_text(self.rng, allow_huge=False)}"
        return await self.message(person, self.chat_for(person), text)

    async def text(self) -> str:
        person = self.rng.choice(EVERYONE)
        chat_id = self.chat_for(person)
        reply_to = self.reply_target(chat_id) if self.rng.random() < 0.2 else None
        return await self.message(person, chat_id, random_text(self.rng), reply_to)

    def reply_target(self, chat_id: int, *, cards: bool = False) -> int | None:
        messages = self.circle.fake.messages(chat_id)
        if cards:
            messages = [m for m in messages if m.from_bot and "\nAsked by " in m.text]
        else:
            messages = [m for m in messages if not m.from_bot] or messages
        if not messages or self.rng.random() < 0.1:
            return None
        return self.rng.choice(messages[-30:]).message_id

    async def reply_to_bot(self) -> str:
        person = self.rng.choice(EVERYONE)
        chat_id = self.chat_for(person)
        asked = [m for m in self.circle.fake.messages(chat_id) if m.from_bot]
        if not asked:
            return await self.text()
        target = self.rng.choice(asked[-10:])
        words = (
            self.rng.choice(PLAUSIBLE_REPLIES) if self.rng.random() < 0.6 else random_text(self.rng)
        )
        return await self.message(person, chat_id, words, target.message_id)

    async def edit(self) -> str:
        mine = [s for s in self.sent[-60:] if s.chat_id != self.group or self.bot_in_group]
        if not mine:
            return await self.text()
        original = self.rng.choice(mine)
        new_text = (
            f"/{self.rng.choice(list(COMMANDS))} {self.arguments('need')}"
            if self.rng.random() < 0.4
            else random_text(self.rng)
        )
        fake = self.circle.fake
        if original.chat_id == original.person.id and not fake.user_started(original.person.id):
            fake.start_bot(original.person.id)
        await self.feed(
            fake.user_edits(original.person.id, original.chat_id, original.message_id, new_text)
        )
        return (
            f"{_who(original.person)} edits message {original.message_id} in "
            f"{original.chat_id} to {_shown(new_text)}"
        )

    async def voice(self) -> str:
        person = self.rng.choice(EVERYONE)
        chat_id = self.chat_for(person)
        fake = self.circle.fake
        if chat_id == person.id and not fake.user_started(person.id):
            return await self.message(person, chat_id, "/start")
        duration = self.rng.choice((0, 1, 5, 60, 601, 3600))
        update = fake.user_sends_voice(person.id, chat_id, duration=duration)
        await self.feed(update)
        return f"{_who(person)} sends a {duration}s voice message in {chat_id}"

    def pressable(self, person: Person) -> list[FakeMessage]:
        """Bot messages with callback buttons this person can see."""
        # Someone who blocked the bot restarts it before pressing anything in its chat.
        private = [person.id] if self.circle.fake.user_started(person.id) else []
        chats = [*private, OTHER_GROUP]
        if self.bot_in_group and person in IN_THE_GROUP:
            chats.append(self.group)
        return [
            m
            for chat_id in chats
            for m in self.circle.fake.messages(chat_id)
            if m.from_bot and _callback_data(m)
        ]

    async def press(
        self, person: Person, message: FakeMessage, data: str, forged: str | None
    ) -> str:
        update = self.circle.fake.user_presses(
            person.id, message.chat_id, message.message_id, callback_data=data
        )
        if forged is not None:
            update["callback_query"]["data"] = forged
        await self.feed(update)
        what = f"forged {forged!r} on" if forged is not None else f"{data!r} on"
        what = f"{_who(person)} presses {what} message {message.message_id} in {message.chat_id}"
        if self.circle.fake.callback_answer_for(update["callback_query"]["id"]) is None:
            # The person's button would spin until Telegram gives up.
            self.unanswered.append(what)
        return what

    async def press_real_button(self) -> str:
        person = self.rng.choice(PRESSERS)
        shown = self.pressable(person)
        if not shown:
            return await self.command()
        # Mostly recent messages, sometimes one from long ago.
        message = self.rng.choice(shown[-12:] if self.rng.random() < 0.8 else shown)
        data = self.rng.choice(_callback_data(message))
        return await self.press(person, message, data, None)

    async def press_forged_button(self) -> str:
        person = self.rng.choice(PRESSERS)
        shown = self.pressable(person)
        if not shown:
            return await self.command()
        message = self.rng.choice(shown)
        data = self.rng.choice(_callback_data(message))
        return await self.press(person, message, data, await self.forged_data(data))

    async def forged_data(self, real: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:
            # A button of ours for something that does not exist (or is not this person's).
            some_id = rng.choice((1, 2, 3, 7, 42, 999_999, 2**31 - 1, 2**31, 10**12 - 1))
            circle_id = rng.choice((1, 2, 3, 99))
            return callbacks.encode(
                rng.choice(
                    (
                        NeedButton(rng.choice(list(NeedAction)), some_id, rng.choice(list(Origin))),
                        WizardButton(
                            rng.choice(list(WizardStep)),
                            rng.choice(("", "xyz", "ride", "pick", "20991231", "19990101", "day")),
                        ),
                        ReminderButton(some_id),
                        SettingsButton(
                            rng.choice(list(SettingKey)),
                            rng.choice((f"{circle_id}.r", f"{circle_id}.1440", f"{circle_id}")),
                        ),
                        ObservationButton(rng.choice(list(ObservationChoice)), some_id),
                        ReportButton(circle_id),
                        QuestionButton(rng.choice(list(QuestionAction)), some_id),
                        TeamButton(rng.choice(list(TeamAction)), some_id),
                        CheckInButton(
                            rng.choice(list(CheckInAction)), some_id, rng.choice(("", "3", "9"))
                        ),
                        DataButton(rng.choice(list(DataAction)), rng.choice((some_id, circle_id))),
                        SeriesButton(rng.choice(list(SeriesAction)), some_id),
                        ThanksButton(some_id),
                    )
                )
            )
        if roll < 0.55:
            # The real data, a little changed: another id, another action, another value.
            parts = real.split(":")
            index = rng.randrange(len(parts))
            parts[index] = rng.choice(
                (
                    str(rng.randint(0, 50)),
                    "",
                    "x",
                    "k",
                    "-1",
                    "9" * 13,
                    "0" + parts[index],
                    parts[index] * 2,
                )
            )
            return ":".join(parts)
        if roll < 0.7:
            return real + rng.choice((":", "x", " ", ":1"))
        # Anything at all, up to Telegram's 64 bytes.
        text = random_text(rng, allow_huge=False)
        return text.encode()[:64].decode(errors="ignore") or "?"

    async def time_passes(self) -> str:
        step = self.rng.choice(CLOCK_STEPS)
        until = self.circle.clock.now() + step
        await self.circle.run_until(until)
        return f"time passes by {step} to {until.isoformat()}"

    async def bot_leaves_or_returns(self) -> str:
        fake = self.circle.fake
        who = self.rng.choice(MEMBERS)
        if self.bot_in_group:
            update = fake.bot_removed_from_group(self.group, who.id)
        else:
            update = fake.bot_added_to_group(self.group, who.id)
        self.bot_in_group = not self.bot_in_group
        await self.feed(update)
        done = "adds the bot back to" if self.bot_in_group else "removes the bot from"
        return f"{_who(who)} {done} the group"

    async def someone_blocks_the_bot(self) -> str:
        who = self.rng.choice(EVERYONE)
        self.circle.fake.block_bot(who.id)
        return f"{_who(who)} blocks the bot"

    # --- checking ------------------------------------------------------------------------

    def news(self) -> list[str]:
        """Errors logged and contract violations since the last look."""
        records = self.caplog.records[self._seen_records :]
        self._seen_records = len(self.caplog.records)
        found = [
            f"{r.levelname} {r.name}: {r.getMessage()}"
            + (f"\n{_exception_text(r)}" if r.exc_info else "")
            for r in records
            if r.levelno >= logging.ERROR
        ]
        self.warnings += [
            f"{r.name}: {r.getMessage()}" for r in records if r.levelno == logging.WARNING
        ]
        violations = self.circle.fake.violations[self._seen_violations :]
        self._seen_violations = len(self.circle.fake.violations)
        unanswered, self.unanswered = self.unanswered, []
        return (
            found
            + [f"Bot API violation: {v}" for v in violations]
            + [f"never answered: {press}" for press in unanswered]
        )

    async def step(self, index: int) -> None:
        try:
            what = await self.one_update()
        except Exception as error:  # an exception that escaped the application itself
            self.problems.append(Problem(index, "(while sending)", [repr(error)]))
            raise
        found = self.news()
        if found:
            self.problems.append(Problem(index, what, found))


def _shown(text: str) -> str:
    """The words in a report: exact (repr) when short, their start and length when long."""
    return repr(text) if len(text) <= 300 else f"{text[:200]!r}… ({len(text)} characters)"


def _who(person: Person) -> str:
    return f"{person.name!r} ({person.id})"


def _callback_data(message: FakeMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


def _exception_text(record: logging.LogRecord) -> str:
    import traceback

    assert record.exc_info is not None
    return "".join(traceback.format_exception(*record.exc_info))[-3000:]


# --- the database afterwards ------------------------------------------------------------

NEED_KINDS = tuple(str(kind) for kind in reminders.NEED_KINDS)
OPEN_OR_CLAIMED = (str(NeedStatus.OPEN), str(NeedStatus.CLAIMED))

# Each query lists rows that must not exist.
CONSISTENCY: dict[str, str] = {
    "a message pending for a need that does not exist": """
        SELECT sm.id, sm.kind, sm.need_id FROM scheduled_message sm
        LEFT JOIN need n ON n.id = sm.need_id
        WHERE sm.need_id IS NOT NULL AND sm.state = 'pending' AND n.id IS NULL""",
    "a message pending for a need that is over": """
        SELECT sm.id, sm.kind, n.id, n.status FROM scheduled_message sm
        JOIN need n ON n.id = sm.need_id
        WHERE sm.state = 'pending' AND n.status NOT IN ('open', 'claimed')""",
    "a reminder or follow-up pending for someone who does not hold the need": """
        SELECT sm.id, sm.kind, sm.recipient_id, n.id, n.status, n.claimer_id
        FROM scheduled_message sm JOIN need n ON n.id = sm.need_id
        WHERE sm.state = 'pending' AND sm.kind IN ('reminder', 'follow_up')
          AND (n.status != 'claimed' OR n.claimer_id IS NULL
               OR sm.recipient_id IS NULL OR sm.recipient_id != n.claimer_id)""",
    "a nudge pending for a need someone has taken": """
        SELECT sm.id, n.id, n.status FROM scheduled_message sm JOIN need n ON n.id = sm.need_id
        WHERE sm.state = 'pending' AND sm.kind = 'nudge' AND n.status != 'open'""",
    "a need message without its need": """
        SELECT id, kind FROM scheduled_message
        WHERE kind IN ('reminder', 'nudge', 'follow_up', 'appointment') AND need_id IS NULL""",
    "a claimed need without its helper": """
        SELECT id FROM need
        WHERE status = 'claimed' AND (claimer_id IS NULL OR claimed_at IS NULL)""",
    "an open need with a helper": "SELECT id, claimer_id FROM need "
    "WHERE status = 'open' AND claimer_id IS NOT NULL",
    "a cancelled need without when or by whom": """
        SELECT id FROM need WHERE status = 'cancelled' AND cancelled_at IS NULL""",
    "a need in an unknown state": """
        SELECT id, status FROM need
        WHERE status NOT IN ('open', 'claimed', 'done', 'cancelled', 'missed')""",
    "an open or claimed need with no card in the group": """
        SELECT id FROM need WHERE status IN ('open', 'claimed') AND card_message_id IS NULL""",
    "a membership of a circle that does not exist": """
        SELECT m.id, m.circle_id FROM membership m LEFT JOIN circle c ON c.id = m.circle_id
        WHERE c.id IS NULL""",
    "a row of a circle that does not exist": """
        SELECT 'need', id FROM need WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'draft', id FROM need_draft WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'check_in', id FROM check_in
            WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'question', id FROM question
            WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'observation', id FROM observation
            WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'team_contact', id FROM team_contact
            WHERE circle_id NOT IN (SELECT id FROM circle)
        UNION ALL SELECT 'scheduled', id FROM scheduled_message
            WHERE circle_id IS NOT NULL AND circle_id NOT IN (SELECT id FROM circle)""",
    "two memberships of one person in one circle": """
        SELECT circle_id, user_id FROM membership GROUP BY circle_id, user_id
        HAVING count(*) > 1""",
    "a circle whose supported person is not its one patient member": """
        SELECT c.id FROM circle c
        WHERE (SELECT count(*) FROM membership m
               WHERE m.circle_id = c.id AND m.role = 'patient') != 1
           OR NOT EXISTS (SELECT 1 FROM membership m WHERE m.circle_id = c.id
                          AND m.role = 'patient' AND m.user_id = c.patient_id)""",
    "a membership with an unknown role": """
        SELECT id, role FROM membership WHERE role NOT IN ('patient', 'coordinator', 'member')""",
    "more than one summary pending for a circle": """
        SELECT circle_id FROM scheduled_message WHERE kind = 'digest' AND state = 'pending'
        GROUP BY circle_id HAVING count(*) > 1""",
    "more than one check-in prompt pending for a person": """
        SELECT circle_id, recipient_id, kind FROM scheduled_message
        WHERE kind IN ('check_in', 'holding_up') AND state = 'pending'
        GROUP BY circle_id, recipient_id, kind HAVING count(*) > 1""",
    "more personal reminders pending than anyone may have": f"""
        SELECT recipient_id FROM scheduled_message WHERE kind = 'personal' AND state = 'pending'
        GROUP BY recipient_id HAVING count(*) > {reminders.MAX_PERSONAL}""",
    "a message left half-sent": "SELECT id, kind FROM scheduled_message WHERE state = 'sending'",
    "a message still held for a circle the bot is back in": """
        SELECT sm.id, sm.kind FROM scheduled_message sm JOIN circle c ON c.id = sm.circle_id
        WHERE sm.state = 'held' AND c.status = 'active'""",
    "a scheduled message of an unknown kind or state": f"""
        SELECT id, kind, state FROM scheduled_message
        WHERE kind NOT IN ({", ".join(repr(str(k)) for k in MessageKind)})
           OR state NOT IN ({", ".join(repr(str(s)) for s in MessageState)})""",
}


def _length_checks() -> dict[str, str]:
    """Every text within its column's length: PostgreSQL refuses what SQLite lets in."""
    checks: dict[str, str] = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and column.type.length is not None:
                checks[f"{table.name}.{column.name} longer than {column.type.length}"] = (
                    f"SELECT rowid, length({column.name}) FROM {table.name} "
                    f"WHERE length({column.name}) > {column.type.length}"
                )
    return checks


async def database_problems(circle: Circle) -> list[str]:
    found: list[str] = []
    now = circle.clock.now()
    async with circle.sm() as session:
        for what, query in {**CONSISTENCY, **_length_checks()}.items():
            rows = (await session.exec(sql(query))).all()  # type: ignore[call-overload]
            if rows:
                found.append(f"{what}: {[tuple(row) for row in rows][:10]}")
        needs = (await session.exec(select(Need))).all()
        for need in needs:
            starts, ends = need.starts_at, need.ends_at
            match Precision(need.precision):
                case Precision.NONE:
                    good = starts is None and ends is None
                case Precision.EXACT:
                    good = starts is not None and ends is None
                case Precision.DAY | Precision.PART_OF_DAY:
                    good = starts is not None and ends is not None and starts < ends
            if not good:
                found.append(f"need {need.id} has a broken time: {need.precision} {starts} {ends}")
        unfinished = (
            await session.exec(select(CheckIn).where(col(CheckIn.finished_at).is_(None)))
        ).all()
        open_ones: dict[tuple[int, str], list[int | None]] = {}
        for check_in in unfinished:
            if check_in.started_at > now - OPEN_FOR:
                open_ones.setdefault((check_in.user_id, check_in.kind), []).append(check_in.id)
        found += [
            f"more than one open check-in for {key}: {ids}"
            for key, ids in open_ones.items()
            if len(ids) > 1
        ]
        zones = available_timezones()
        for row in (await session.exec(select(CircleRow))).all():
            leads = [
                planning.parse_leads(row.reminder_leads),
                planning.parse_leads(row.nudge_leads),
            ]
            broken = (
                row.timezone not in zones
                or (
                    row.digest_time is not None
                    and planning.parse_clock_time(row.digest_time) is None
                )
                or (
                    row.checkin_schedule is not None
                    and planning.read_check_in_schedule(row.checkin_schedule) is None
                )
                or any(
                    len(lead) > MAX_LEADS
                    or any(not SHORTEST_LEAD <= minutes <= LONGEST_LEAD for minutes in lead)
                    for lead in leads
                )
            )
            if broken:
                found.append(f"circle {row.id} has settings the bot cannot read: {row!r}")
        pending = (
            await session.exec(
                select(ScheduledMessage).where(col(ScheduledMessage.state) == MessageState.PENDING)
            )
        ).all()
        found += [
            f"scheduled message {row.id} ({row.kind}) expires before it is due"
            for row in pending
            if row.expires_at < row.due_at
        ]
    return found


# --- the run ------------------------------------------------------------------------------


async def set_up(circle: Circle) -> None:
    fake = circle.fake
    for person in (EVE, NOOR, ZED, ANONYMOUS):
        fake.add_user(person.id, person.name)
    fake.users[ANONYMOUS.id].update(is_bot=True, username="GroupAnonymousBot")
    fake.add_group(OTHER_GROUP, "Book club <3 & friends", supergroup=True)
    # The fake's message dates follow the bot's clock.
    fake.now = lambda: circle.clock.now().timestamp()
    await circle.set_up(TOM, ANNA, BEN, EVE, NOOR)
    toms = next(m for m in circle.group() if m.from_user_id == TOM.id)
    await circle.say(MARIA, "/coordinator", reply_to=toms.message_id)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    await circle.say(TOM, "/need dinner on Friday")
    await circle.say(MARIA, "/need walk the dog")
    await circle.press(ANNA, circle.card("neurology"), "🙋 I'll do it")
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.say_privately(TOM, "/checkins me sun 18:00")
    await circle.say_privately(MARIA, "/settings observations on")
    assert circle.fake.violations == []


def _report(seed: int, fuzzer: Fuzzer, at_end: list[str]) -> str:
    lines = [f"fuzz seed {seed} (CARECIRCLE_FUZZ_SEED={seed} to replay):"]
    for problem in fuzzer.problems:
        lines.append(f"step {problem.step}: {problem.what}")
        lines += [f"    {found[:3000]}" for found in problem.found]
    lines += [f"database: {line}" for line in at_end]
    return "\n".join(lines)


def _summary(fuzzer: Fuzzer) -> str:
    """What the bot did, to see how deep a run reached."""
    calls = Counter(
        (c.method, c.status, str(c.response.get("description", ""))[:60])
        for c in fuzzer.circle.fake.calls
    )
    answers = Counter(str(a[1])[:50] for a in fuzzer.circle.fake.callback_answers)
    texts = Counter(
        m.text.split("\n", 1)[0][:60]
        for chat_id in (fuzzer.group, OTHER_GROUP, *(p.id for p in EVERYONE))
        for m in fuzzer.circle.fake.messages(chat_id)
        if m.from_bot
    )
    lines = [f"{n:5} {call}" for call, n in calls.most_common()]
    lines += [f"{n:5} answer {text!r}" for text, n in answers.most_common(40)]
    lines += [f"{n:5} says {text!r}" for text, n in texts.most_common(120)]
    lines += [f"warning: {w[:200]}" for w in fuzzer.warnings[:40]]
    return "\n".join(lines)


@pytest.mark.both_databases
@pytest.mark.parametrize("seed", [SEED, SEED + 1])
async def test_random_updates_never_break_the_bot(
    circle: Circle, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    caplog.set_level(logging.WARNING)
    await set_up(circle)
    fuzzer = Fuzzer(circle, random.Random(seed), caplog)
    fuzzer.news()
    database: list[str] = []
    for index in range(UPDATES // 2):
        await fuzzer.step(index)
        if (index + 1) % CHECK_DATABASE_EVERY == 0:
            database += [f"after step {index}: {p}" for p in await database_problems(circle)]
    # Let everything still planned go out, then look once more.
    await circle.run_for(timedelta(days=8))
    if found := fuzzer.news():
        fuzzer.problems.append(Problem(UPDATES, "the week after", found))
    database += await database_problems(circle)
    if os.environ.get("CARECIRCLE_FUZZ_VERBOSE"):
        print(_summary(fuzzer))
    assert not fuzzer.problems and not database, _report(seed, fuzzer, database)


def test_the_fuzz_vocabulary_reaches_every_command() -> None:
    """Every command the bot registers is fuzzed (a new command must be added here)."""
    from bot.app import GROUP_COMMANDS, PRIVATE_COMMANDS

    registered = {c.command for c in (*GROUP_COMMANDS, *PRIVATE_COMMANDS)}
    assert registered <= set(COMMANDS), registered - set(COMMANDS)


# --- what the fuzz found (fixed), pinned down one by one ---------------------------------


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_forged_time_button_in_the_guided_need_changes_nothing(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    """'w:time:' (no part of the day) raised WhenUnclear in the handler."""
    await circle.set_up()
    await circle.say_privately(MARIA, "/need")
    await circle.press(MARIA, circle.private(MARIA)[-1], "🚗 Ride")
    await circle.say_privately(MARIA, "physio at the clinic")
    await circle.press(MARIA, circle.private(MARIA)[-1], "Tomorrow")
    times = circle.private(MARIA)[-1]
    update = circle.fake.user_presses(MARIA.id, MARIA.id, times.message_id, button_text="Evening")
    update["callback_query"]["data"] = "w:time:"
    with caplog.at_level(logging.ERROR):
        await circle.feed(update)
    assert _errors(caplog) == []
    await circle.press(MARIA, times, "Evening")
    assert "Thu 26 Nov, evening" in circle.private(MARIA)[-1].text


async def test_a_reply_about_a_time_fits_in_a_message_however_long_the_words(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    """The time parser quoted everything typed: the reply was longer than Telegram allows."""
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need ride to neurology tomorrow 14:00")
    card = circle.card("neurology")
    with caplog.at_level(logging.ERROR):
        await circle.say(MARIA, "/when " + "x" * 4000, reply_to=card.message_id)
        unclear = circle.last_in_group().text
        await circle.say(MARIA, "/need " + "ride at 9 " * 400)
        two_times = circle.last_in_group().text
    assert _errors(caplog) == []
    assert unclear.startswith("Sorry, I couldn't understand the time \"xxxxx")
    assert "x…" in unclear and len(unclear) < 300
    assert two_times.startswith('I found more than one time ("at 9" and "at 9" and "at 9"')
    assert "and 397 more" in two_times and len(two_times) < 300


async def test_a_folder_or_a_leap_second_copy_is_not_a_time_zone(circle: Circle) -> None:
    """'America/Indiana' raised IsADirectoryError; 'right/Europe/Berlin' was taken (and is an
    hour off in winter)."""
    await circle.set_up()
    for typed in ("America/Indiana", "right/Europe/Berlin"):
        await circle.say(MARIA, f"/timezone {typed}")
        assert circle.last_in_group().text.startswith(f"I don't know the time zone “{typed}”")
    await circle.say(MARIA, "/timezone america/indiana/indianapolis")
    assert "America/Indiana/Indianapolis" in circle.last_in_group().text


async def test_a_check_in_schedule_changed_while_the_bot_is_out_of_the_group_asks_once(
    circle: Circle,
) -> None:
    """The old schedule's prompt, held while the bot was out, came back beside the new one."""
    await circle.set_up()
    await circle.say_privately(MARIA, "/checkins daily 19:00")
    await circle.feed(circle.fake.bot_removed_from_group(circle.group_id, MARIA.id))
    # 19:05 in Berlin: the 19:00 prompt came due and is held.
    await circle.run_until(datetime(2026, 11, 25, 18, 5, tzinfo=UTC))
    await circle.say_privately(MARIA, "/checkins daily 20:00")
    await circle.feed(circle.fake.bot_added_to_group(circle.group_id, MARIA.id))
    await circle.run_until(datetime(2026, 11, 25, 19, 30, tzinfo=UTC))
    prompts = [m for m in circle.private(MARIA) if "time for a short check-in" in m.text]
    assert len(prompts) == 1
    assert await database_problems(circle) == []


# --- what the fuzz found ---------------------------------------------------------------------


@pytest.mark.both_databases
async def test_a_nul_character_in_what_people_type_is_dropped(
    circle: Circle, caplog: pytest.LogCaptureFixture
) -> None:
    await circle.set_up()
    with caplog.at_level(logging.ERROR):
        await circle.say(MARIA, "/need walk\x00 the dog")
        await circle.say_privately(MARIA, "/ask what about\x00 the scan?")
        # The invite link's payload is looked up in the database too.
        await circle.say_privately(ANNA, "/start cnope\x00")
    assert _errors(caplog) == []
    assert circle.private(ANNA)[-1].text.startswith("That link didn't work")
    async with circle.sm() as session:
        [need] = (await session.exec(select(Need))).all()
    assert need.description == "walk the dog"
    assert "\x00" not in circle.card("the dog").text


async def test_a_press_no_feature_knows_gets_a_kind_answer(circle: Circle) -> None:
    """Data that does not parse was never answered: the button spun until Telegram gave up."""
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need walk the dog")
    card = circle.card("walk the dog")
    for forged in ("zzz", "n:c:2147483648:k", "n:c:007:k"):
        update = circle.fake.user_presses(
            ANNA.id, card.chat_id, card.message_id, button_text="🙋 I'll do it"
        )
        update["callback_query"]["data"] = forged
        await circle.feed(update)
        answer = circle.fake.callback_answer_for(update["callback_query"]["id"])
        assert answer is not None and answer[1] == "This button no longer works.", forged
    assert circle.card("walk the dog") == card


# --- what the fuzz found and is not fixed yet ----------------------------------------------


@pytest.mark.parametrize("forged", ["w:time:", "n:c:1:b", "n:c:1:m"])
async def test_a_button_pressed_on_a_message_without_it_leaves_that_message_alone(
    circle: Circle, forged: str
) -> None:
    await circle.set_up(ANNA)
    await circle.say(MARIA, "/need walk the dog tomorrow 9:00")
    card = circle.card("walk the dog")
    update = circle.fake.user_presses(
        ANNA.id, card.chat_id, card.message_id, button_text="🙋 I'll do it"
    )
    update["callback_query"]["data"] = forged
    await circle.feed(update)
    shown = circle.fake.message(card.chat_id, card.message_id)
    assert "walk the dog" in shown.text and "\nAsked by " in shown.text, shown.text
    assert shown.buttons, "the card lost its buttons"
