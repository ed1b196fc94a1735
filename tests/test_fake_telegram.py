"""Tests for the project's fake Telegram Bot API (tests/fake_telegram)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fake_telegram import (
    FakeRequest,
    FakeTelegram,
    FakeTelegramHTTPServer,
    UploadedFile,
    check_telegram_html,
    validate_call,
)
from tests.fake_telegram.derive_schema import DEFAULT_SPEC, OUTPUT, USED_METHODS, derive
from tests.fake_telegram.server import BOT_ID

ALICE = 111
BOB = 222
FAMILY = -1001


@pytest.fixture
def fake() -> FakeTelegram:
    fake = FakeTelegram()
    fake.add_user(ALICE, "Alice", "Smith", "alice")
    fake.add_user(BOB, "Bob")
    fake.add_group(FAMILY, "Family", creator_id=ALICE)
    return fake


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(fake.token, request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    async with bot:
        yield bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


# ---------------------------------------------------------------- schema derivation


def test_committed_schema_has_send_message_with_required_chat_id() -> None:
    schema = json.loads(OUTPUT.read_text(encoding="utf-8"))
    assert schema["version"].startswith("Bot API")
    assert set(schema["methods"]) == set(USED_METHODS)
    fields = {f["name"]: f for f in schema["methods"]["sendMessage"]["fields"]}
    assert fields["chat_id"] == {
        "name": "chat_id",
        "types": ["Integer", "String"],
        "required": True,
    }
    assert fields["text"]["required"] is True
    assert "description" not in fields["text"]
    for type_name in ("InlineKeyboardButton", "BotCommand", "ReplyParameters", "MessageEntity"):
        assert "fields" in schema["types"][type_name]
    assert schema["types"]["BotCommandScopeChat"]["type_value"] == "chat"


@pytest.mark.skipif(not DEFAULT_SPEC.exists(), reason="full Bot API spec not available")
def test_committed_schema_matches_spec() -> None:
    spec = json.loads(Path(DEFAULT_SPEC).read_text(encoding="utf-8"))
    assert derive(spec) == json.loads(OUTPUT.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- HTML checker


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("plain text", "plain text"),
        ("<b>bold</b> and <strong>strong</strong>", "bold and strong"),
        (
            "<i>i</i><em>em</em><u>u</u><ins>ins</ins><s>s</s><strike>x</strike><del>d</del>",
            "iemuinssxd",
        ),
        ('<span class="tg-spoiler">secret</span> <tg-spoiler>x</tg-spoiler>', "secret x"),
        ('<a href="https://example.com/?a=1&amp;b=2">link</a>', "link"),
        ('<a href="tg://user?id=123">Alice</a>', "Alice"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<code>x &lt; y</code>", "x < y"),
        ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
        ("<pre>block</pre>", "block"),
        ("<blockquote>q</blockquote><blockquote expandable>e</blockquote>", "qe"),
        ("5 &lt; 6 &amp;&amp; 7 &gt; 6 &quot;ok&quot;", '5 < 6 && 7 > 6 "ok"'),
        ("&#65;&#x42;&#X43;", "ABC"),
        ("a > b", "a > b"),
        ("<B>caps</B>", "caps"),
        ("<b>nested <i>fine</i></b>", "nested fine"),
    ],
)
def test_html_accepts(html: str, plain: str) -> None:
    assert check_telegram_html(html) == (plain, [])


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("5 < 6", "Unsupported start tag"),
        ("a & b", "Character '&' is reserved"),
        ("&nbsp;", "Character '&' is reserved"),
        ("<br>", 'Unsupported start tag "br"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>never closed", "Can't find end tag"),
        ("</b>", "Unexpected end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag"),
        ("<code><b>x</b></code>", "inside"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "can't be nested"),
        ("<tg-emoji>x</tg-emoji>", "emoji-id"),
    ],
)
def test_html_rejects(html: str, fragment: str) -> None:
    _, errors = check_telegram_html(html)
    assert errors, html
    assert errors[0].startswith("can't parse entities: ")
    assert fragment in errors[0]


# ---------------------------------------------------------------- validate_call


def test_validate_call_types_and_lenient_scalars() -> None:
    assert validate_call("sendMessage", {"chat_id": 1, "text": "hi"}) == []
    assert validate_call("sendMessage", {"chat_id": "@chan", "text": "hi"}) == []
    assert validate_call(
        "sendMessage", {"chat_id": 1, "text": "hi", "disable_notification": "true"}
    )
    assert (
        validate_call(
            "sendMessage",
            {"chat_id": "1", "text": "hi", "disable_notification": "true"},
            lenient_scalars=True,
        )
        == []
    )
    assert validate_call("getUpdates", {"offset": "12"}, lenient_scalars=True) == []
    assert validate_call("getUpdates", {"offset": "x"}, lenient_scalars=True)
    assert any("unknown method" in v for v in validate_call("sendSticker", {}))
    assert any("required" in v for v in validate_call("sendMessage", {"text": "hi"}))
    assert any(
        "unknown field" in v
        for v in validate_call("sendMessage", {"chat_id": 1, "text": "x", "foo": 1})
    )


def test_validate_call_nested_objects() -> None:
    good_markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    assert (
        validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": good_markup}) == []
    )
    # Over HTTP nested objects arrive JSON-encoded.
    assert (
        validate_call(
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": json.dumps(good_markup)},
            lenient_scalars=True,
        )
        == []
    )
    no_action = {"inline_keyboard": [[{"text": "A"}]]}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": no_action})
    two_actions = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "url": "https://x"}]]}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": two_actions})
    bad_nested = {"inline_keyboard": [[{"text": 5, "callback_data": "a"}]]}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": bad_nested})
    assert validate_call(
        "sendMessage", {"chat_id": 1, "text": "x", "reply_parameters": {"chat_id": 1}}
    )
    # callback_data limit is in bytes: 32 two-byte characters fit, 33 do not.
    ok = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 32}]]}
    too_long = {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]}
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": ok}) == []
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": too_long})


def test_validate_call_limits() -> None:
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x" * 4096}) == []
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x" * 4097})
    # The limit applies after entity parsing: tags do not count.
    long_html = "<b>" + "x" * 4096 + "</b>"
    assert (
        validate_call("sendMessage", {"chat_id": 1, "text": long_html, "parse_mode": "HTML"}) == []
    )
    assert validate_call("sendMessage", {"chat_id": 1, "text": "<b></b>", "parse_mode": "HTML"})
    assert validate_call("sendMessage", {"chat_id": 1, "text": "x", "parse_mode": "html5"})
    assert validate_call("sendDocument", {"chat_id": 1, "document": b"x", "caption": "c" * 1025})
    assert (
        validate_call("sendDocument", {"chat_id": 1, "document": b"x", "caption": "c" * 1024}) == []
    )
    assert validate_call("answerCallbackQuery", {"callback_query_id": "1", "text": "t" * 201})
    assert validate_call("answerCallbackQuery", {"callback_query_id": "1", "text": "t" * 200}) == []
    good = [{"command": "start", "description": "Start"}]
    assert validate_call("setMyCommands", {"commands": good}) == []
    for bad in (
        [{"command": "Start", "description": "x"}],
        [{"command": "a" * 33, "description": "x"}],
        [{"command": "ok", "description": ""}],
        [{"command": "ok", "description": "d" * 257}],
    ):
        assert validate_call("setMyCommands", {"commands": bad}), bad
    assert (
        validate_call("setMyCommands", {"commands": good, "scope": {"type": "chat", "chat_id": 5}})
        == []
    )
    assert validate_call("setMyCommands", {"commands": good, "scope": {"type": "chat"}})
    assert validate_call("setMyCommands", {"commands": good, "scope": {"type": "nope"}})


# ---------------------------------------------------------------- in-process bot


async def test_get_me(bot: Bot) -> None:
    assert bot.id == BOT_ID
    assert bot.username == "CareCircleBot"
    assert bot.bot.can_join_groups is True
    assert bot.bot.can_read_all_group_messages is False


async def test_send_edit_delete_flow(fake: FakeTelegram, bot: Bot) -> None:
    fake.user_sends(ALICE, ALICE, "/start")
    assert fake.user_started(ALICE)
    sent = await bot.send_message(
        ALICE,
        "<b>Hello</b> &amp; welcome",
        parse_mode="HTML",
        reply_markup=keyboard(("Yes", "ans:yes"), ("No", "ans:no")),
    )
    assert sent.text == "Hello & welcome"
    assert sent.entities[0].type == "bold"
    last = fake.last_message(ALICE)
    assert last.text == "Hello & welcome"
    assert last.html == "<b>Hello</b> &amp; welcome"
    assert last.buttons == [["Yes"], ["No"]]
    assert last.callback_data("No") == "ans:no"
    assert last.from_bot and not last.edited

    await bot.edit_message_text("Thanks!", chat_id=ALICE, message_id=sent.message_id)
    edited = fake.last_message(ALICE)
    assert edited.text == "Thanks!"
    assert edited.edited
    assert edited.buttons == []  # editMessageText without reply_markup removes the keyboard

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Thanks!", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=999)

    await bot.edit_message_reply_markup(
        chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard(("Again", "again"))
    )
    assert fake.last_message(ALICE).buttons == [["Again"]]

    assert await bot.delete_message(ALICE, sent.message_id)
    assert [m.text for m in fake.messages(ALICE)] == ["/start"]
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)
    assert fake.violations == []


async def test_reply_to_message(fake: FakeTelegram, bot: Bot) -> None:
    update = fake.user_sends(ALICE, FAMILY, "How is mum today?")
    asked = update["message"]["message_id"]
    reply = await bot.send_message(
        FAMILY, "Better", reply_parameters=ReplyParameters(message_id=asked)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "How is mum today?"
    assert fake.last_message(FAMILY).reply_to_message_id == asked
    with pytest.raises(BadRequest, match=r"(?i)replied not found"):
        await bot.send_message(FAMILY, "x", reply_parameters=ReplyParameters(message_id=4242))


async def test_private_chat_errors(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(BOB, "hi")
    fake.start_bot(BOB)
    await bot.send_message(BOB, "hi")
    fake.block_bot(BOB)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(BOB, "hi again")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999999, "hi")
    assert [m.text for m in fake.private_messages(BOB)] == ["hi"]


async def test_injected_errors(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(FAMILY, "x")
    # PTB exposes int or timedelta depending on PTB_TIMEDELTA; compare via str to avoid
    # triggering its deprecation path.
    assert "Retry in 7" in str(info.value) or "0:00:07" in str(info.value)
    await bot.send_message(FAMILY, "now it works")

    fake.fail_next("sendMessage", 400, "Bad Request: x", migrate_to_chat_id=-1002, chat_id=FAMILY)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(FAMILY, "x")
    assert migrated.value.new_chat_id == -1002

    fake.fail_next("sendMessage", 403, "Forbidden: bot was kicked", chat_id=-5, times=2)
    await bot.send_message(FAMILY, "not affected")
    assert [c.status for c in fake.calls_of("sendMessage")] == [429, 200, 400, 200]


async def test_group_lifecycle(fake: FakeTelegram, bot: Bot) -> None:
    added = Update.de_json(fake.bot_added_to_group(-2002, ALICE), bot)
    assert added.my_chat_member is not None
    assert added.my_chat_member.old_chat_member.status == "left"
    assert added.my_chat_member.new_chat_member.status == "member"
    assert added.my_chat_member.new_chat_member.user.id == BOT_ID
    assert added.my_chat_member.from_user.id == ALICE
    await bot.send_message(-2002, "Hello family")

    removed = Update.de_json(fake.bot_removed_from_group(-2002, ALICE), bot)
    assert removed.my_chat_member is not None
    assert removed.my_chat_member.new_chat_member.status == "left"
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await bot.send_message(-2002, "still there?")

    migration = Update.de_json(fake.group_migrated(FAMILY, -1009999), bot)
    assert migration.message is not None
    assert migration.message.migrate_to_chat_id == -1009999
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(FAMILY, "x")
    assert info.value.new_chat_id == -1009999
    await bot.send_message(-1009999, "in the supergroup")
    chat = await bot.get_chat(-1009999)
    assert chat.type == "supergroup"
    assert chat.title == "Family"


async def test_user_updates_parse_as_ptb_objects(fake: FakeTelegram, bot: Bot) -> None:
    update = Update.de_json(fake.user_sends(ALICE, FAMILY, "/checkin@CareCircleBot now"), bot)
    assert update.message is not None
    assert update.message.chat.type == "group"
    assert update.message.parse_entities(["bot_command"]) == {
        update.message.entities[0]: "/checkin@CareCircleBot"
    }
    private = Update.de_json(fake.user_sends(BOB, BOB, "/start"), bot)
    assert private.effective_chat is not None and private.effective_chat.type == "private"
    assert fake.user_started(BOB)
    message_id = private.message.message_id if private.message else 0
    edited = Update.de_json(fake.user_edits(BOB, BOB, message_id, "/start again"), bot)
    assert edited.edited_message is not None
    assert edited.edited_message.text == "/start again"


async def test_callback_queries(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(
        FAMILY, "Who takes Tuesday?", reply_markup=keyboard(("Me", "take:tue"))
    )
    raw = fake.user_presses(BOB, FAMILY, sent.message_id, button_text="Me")
    update = Update.de_json(raw, bot)
    query = update.callback_query
    assert query is not None and query.data == "take:tue" and query.from_user.id == BOB
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Thanks Bob")
    assert fake.callback_answer_for(query.id) == (query.id, "Thanks Bob", False)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(AssertionError, match=r"(?i)no button"):
        fake.user_presses(BOB, FAMILY, sent.message_id, button_text="Not me")
    again = fake.user_presses(BOB, FAMILY, sent.message_id, callback_data="take:tue")
    assert again["callback_query"]["id"] != query.id


async def test_get_updates_long_poll(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()
    first = fake.user_sends(ALICE, FAMILY, "one")

    async def later() -> None:
        await asyncio.sleep(0.05)
        fake.user_sends(ALICE, FAMILY, "two")

    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"]]
    task = asyncio.create_task(later())
    loop = asyncio.get_running_loop()
    started = loop.time()
    updates = await bot.get_updates(offset=first["update_id"] + 1, timeout=5)
    await task
    assert loop.time() - started < 2
    assert [u.message.text for u in updates if u.message] == ["two"]
    # Confirmed updates are gone.
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()
    assert loop.time() - started >= 0.9


async def test_commands_actions_files_chat_member(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands(
        [BotCommand("checkin", "Check in")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c["command"] for c in fake.commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())] == [
        "checkin"
    ]
    await bot.delete_my_commands()
    assert fake.commands() == []

    await bot.send_chat_action(FAMILY, "typing")
    assert fake.chat_actions == [(FAMILY, "typing")]

    doc = await bot.send_document(
        FAMILY, b"week,plan\n", filename="plan.csv", caption="<i>Plan</i>", parse_mode="HTML"
    )
    assert doc.document is not None and doc.document.file_name == "plan.csv"
    last = fake.last_message(FAMILY)
    assert last.file == UploadedFile("plan.csv", b"week,plan\n", "text/csv")
    assert last.text == "Plan" and last.html == "<i>Plan</i>"
    photo = await bot.send_photo(FAMILY, b"\x89PNG fake")
    assert photo.photo
    assert isinstance(fake.last_message(FAMILY).file, UploadedFile)

    member = await bot.get_chat_member(FAMILY, ALICE)
    assert member.status == "creator"
    me = await bot.get_chat_member(FAMILY, BOT_ID)
    assert me.status == "member"
    assert fake.violations == []


# do_api_request("sendMessage") warns that bot.send_message exists; bypassing it is the point.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
async def test_violations_are_recorded(fake: FakeTelegram, bot: Bot) -> None:
    fake.start_bot(ALICE)
    with pytest.raises(BadRequest):
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": ALICE, "text": "x", "colour": "red"}
        )
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "x", reply_markup=keyboard(("A", "d" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ALICE, "5 < 6", parse_mode="HTML")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": ALICE})
    assert len(fake.violations) == 5
    assert fake.violations[0].startswith("sendMessage: colour: unknown field")
    assert "callback_data" in fake.violations[1]
    assert "4097" in fake.violations[2]
    assert "Unsupported start tag" in fake.violations[3]
    assert fake.violations[4] == "sendHologram: unknown Bot API method"
    assert fake.messages(ALICE) == []


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    bot = Bot("1:wrong", request=FakeRequest(fake))
    with pytest.raises(InvalidToken):
        await bot.initialize()


# ---------------------------------------------------------------- over HTTP


@pytest.fixture
async def http_url(fake: FakeTelegram) -> AsyncIterator[str]:
    server = FakeTelegramHTTPServer(fake)
    url = await server.start()
    yield url
    await server.stop()


async def test_http_server_with_real_bot(fake: FakeTelegram, http_url: str) -> None:
    fake.start_bot(ALICE)
    async with Bot(fake.token, base_url=f"{http_url}/bot") as bot:
        assert bot.username == "CareCircleBot"
        sent = await bot.send_message(
            ALICE,
            "<b>Hi</b> Alice",
            parse_mode="HTML",
            disable_notification=True,
            reply_markup=keyboard(("OK", "ok")),
        )
        assert sent.text == "Hi Alice"
        assert fake.last_message(ALICE).buttons == [["OK"]]
        with pytest.raises(Forbidden):
            await bot.send_message(BOB, "hi")
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(ALICE, "x")
        doc = await bot.send_document(ALICE, b"\x00\x01binary", filename="report.pdf")
        assert doc.document is not None and doc.document.file_size == 8
        assert fake.last_message(ALICE).file == UploadedFile(
            "report.pdf", b"\x00\x01binary", "application/pdf"
        )
        await bot.set_my_commands([BotCommand("start", "Start")])
        assert fake.commands() == [{"command": "start", "description": "Start"}]

        async def press_later() -> None:
            await asyncio.sleep(0.05)
            fake.user_presses(ALICE, ALICE, sent.message_id, button_text="OK")

        task = asyncio.create_task(press_later())
        updates = await bot.get_updates(timeout=5)
        await task
        assert updates[0].callback_query is not None
        await bot.answer_callback_query(updates[0].callback_query.id, text="Done")

        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(ALICE, "a & b", parse_mode="HTML")
    assert fake.violations == [
        "sendMessage: text: can't parse entities: Character '&' is reserved and must be "
        "escaped as &amp; (at byte offset 2)"
    ]


async def test_stopping_the_server_during_a_long_poll_logs_no_error(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    server = FakeTelegramHTTPServer(fake)
    url = await server.start()
    async with Bot(fake.token, base_url=f"{url}/bot") as bot:
        waiting = fake.hold_next("getUpdates")
        polling = asyncio.create_task(bot.get_updates(timeout=30))
        await asyncio.wait_for(waiting.reached.wait(), 5)
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            await server.stop()
            for _ in range(5):
                await asyncio.sleep(0)  # the server's callbacks for ended connections run
        with pytest.raises(NetworkError):
            await asyncio.wait_for(polling, 5)
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio"] == []


async def test_http_server_rejects_wrong_token(fake: FakeTelegram, http_url: str) -> None:
    bot = Bot("123:wrong", base_url=f"{http_url}/bot")
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_application_polling_end_to_end(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id,
            "Welcome to <b>CareCircle</b>",
            parse_mode="HTML",
            reply_markup=keyboard(("Join", "join")),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Joined")
        await update.callback_query.edit_message_text("You joined")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))

    async def wait_for(predicate: Callable[[], bool]) -> None:
        for _ in range(200):
            if predicate():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("timed out waiting for the bot")

    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.user_sends(ALICE, ALICE, "/start")
        await wait_for(lambda: any(m.from_bot for m in fake.messages(ALICE)))
        welcome = fake.last_message(ALICE)
        assert welcome.text == "Welcome to CareCircle"
        fake.user_presses(ALICE, ALICE, welcome.message_id, button_text="Join")
        await wait_for(lambda: fake.last_message(ALICE).edited)
        await app.updater.stop()
        await app.stop()
    assert fake.last_message(ALICE).text == "You joined"
    assert [a[1] for a in fake.callback_answers] == ["Joined"]
    assert fake.violations == []
