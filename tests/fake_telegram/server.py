"""An in-memory Telegram Bot API that the project owns, for tests.

It keeps just enough state (users, chats, messages, callback queries, commands) to answer
the calls CareCircle makes the way Telegram does, including Telegram's error answers, and it
records every call and every violation of the Bot API contract so tests can assert on what a
person in the chat would actually see.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .html import parse_telegram_html
from .limits import FloodLimits
from .schema import coerce_params, known_methods, validate_call_detailed

BOT_ID = 7000000001
BOT_USERNAME = "CareCircleBot"
DEFAULT_TOKEN = f"{BOT_ID}:AAFakeTokenForCareCircleTests"
# Telegram's own account that appears as sender of service messages such as a migration
# performed by an anonymous admin.
GROUP_ANONYMOUS_BOT_ID = 1087968824

JSON = dict[str, Any]

# Updates Telegram delivers when allowed_updates was never set ("all update types except
# chat_member, message_reaction, and message_reaction_count").
_DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "my_chat_member",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "chat_join_request",
    }
)

_LOCAL_HTTP = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """Raised inside handlers; becomes Telegram's ``{"ok": false, ...}`` answer."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (sendDocument / sendPhoto)."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass
class RecordedCall:
    method: str
    params: dict[str, object]
    status: int
    response: JSON = field(default_factory=dict)


@dataclass
class _Failure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    chat_id: int | None
    times: int


@dataclass
class Hold:
    """A call kept at Telegram's door until released, to line two updates up the way a
    race between them would."""

    method: str
    chat_id: int | None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    sender: JSON
    date: int
    text: str | None = None
    parse_mode: str | None = None
    plain: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    caption: str | None = None
    file: UploadedFile | str | None = None
    file_kind: str | None = None
    extra: JSON = field(default_factory=dict)
    edit_date: int | None = None
    edit_history: list[JSON] = field(default_factory=list)
    deleted: bool = False

    @property
    def from_bot(self) -> bool:
        return bool(self.sender.get("id") == BOT_ID)


@dataclass
class _Chat:
    data: JSON
    messages: list[StoredMessage] = field(default_factory=list)
    next_message_id: int = 1
    bot_status: str = "member"
    migrated_to: int | None = None
    members: dict[int, str] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def type(self) -> str:
        return str(self.data["type"])


@dataclass(frozen=True)
class FakeMessage:
    """A message as a person in the chat sees it (snapshot taken when requested)."""

    message_id: int
    chat_id: int
    text: str  # "" for a message without text or caption, as a person would see it
    html: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    edited: bool
    reply_to_message_id: int | None
    from_bot: bool
    from_user_id: int
    date: int
    caption: str | None = None
    file: UploadedFile | str | None = None
    file_kind: str | None = None
    edit_history: tuple[JSON, ...] = ()
    entities: tuple[JSON, ...] = ()

    def _inline_buttons(self) -> list[list[JSON]]:
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        rows: list[list[JSON]] = self.reply_markup["inline_keyboard"]
        return rows

    @property
    def buttons(self) -> list[list[str]]:
        """Visible texts of the inline keyboard, row by row."""
        return [[str(b["text"]) for b in row] for row in self._inline_buttons()]

    @property
    def flat_buttons(self) -> list[str]:
        return [text for row in self.buttons for text in row]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Texts of a ReplyKeyboardMarkup sent with this message (shown under the input)."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        return [
            [b if isinstance(b, str) else str(b["text"]) for b in row]
            for row in self.reply_markup["keyboard"]
        ]

    def button(self, button_text: str) -> JSON:
        for row in self._inline_buttons():
            for b in row:
                if b.get("text") == button_text:
                    return b
        raise AssertionError(
            f"no button {button_text!r} on message {self.message_id}; shown: {self.buttons}"
        )

    def callback_data(self, button_text: str) -> str:
        data = self.button(button_text).get("callback_data")
        if data is None:
            raise AssertionError(f"button {button_text!r} has no callback_data")
        return str(data)

    def url(self, button_text: str) -> str:
        url = self.button(button_text).get("url")
        if url is None:
            raise AssertionError(f"button {button_text!r} has no url")
        return str(url)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _file_ids(content: bytes, kind: str) -> tuple[str, str]:
    digest = hashlib.sha256(content).hexdigest()
    return f"{kind}-{digest[:24]}", digest[:16]


def _to_uploaded(value: object, default_name: str) -> UploadedFile | str:
    """Normalise whatever PTB or the HTTP layer handed us as a file into UploadedFile."""
    if isinstance(value, UploadedFile | str):
        return value
    if isinstance(value, bytes):
        return UploadedFile(default_name, value)
    if isinstance(value, tuple) and len(value) >= 2:
        name, content = value[0], value[1]
        mime = value[2] if len(value) > 2 else None
        if hasattr(content, "read"):
            content = content.read()
        if isinstance(content, str):
            content = content.encode()
        return UploadedFile(str(name or default_name), bytes(content), mime)
    if hasattr(value, "read"):
        data = value.read()
        return UploadedFile(default_name, data if isinstance(data, bytes) else str(data).encode())
    return UploadedFile(default_name, repr(value).encode())


class FakeTelegram:
    """The fake Bot API server state and method implementations."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.now: Callable[[], float] = time.time
        self.bot_user: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "CareCircle",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        # Messages and chat members carry the plain User; the can_* flags are getMe-only.
        self.bot_sender: JSON = {
            k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")
        }
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, _Chat] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.calls: list[RecordedCall] = []
        self.violations: list[str] = []
        self.callback_answers: list[tuple[str, str | None, bool]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.pending_updates: list[JSON] = []
        self._next_update_id = 100000001
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED
        self._open_queries: dict[str, JSON] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = {}
        self._failures: list[_Failure] = []
        self._holds: list[Hold] = []
        self._waiters: list[asyncio.Future[None]] = []
        # Called after every call with (method, params): lets a test act at a precise moment.
        self.observers: list[Callable[[str, JSON], None]] = []
        # Called as each call arrives, before it is answered (a long poll answers later).
        self.arrivals: list[Callable[[str, JSON], None]] = []
        # Telegram's flood limits, enforced with 429 answers when set (off by default).
        self.limits: FloodLimits | None = None

    # ------------------------------------------------------------------ people & chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self.users[user_id] = user
        chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name is not None:
            chat["last_name"] = last_name
        if username is not None:
            chat["username"] = username
        if user_id in self.chats:
            self.chats[user_id].data = chat
        else:
            self.chats[user_id] = _Chat(chat)
        return copy.deepcopy(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool = False,
        bot_is_member: bool = True,
        creator_id: int | None = None,
        admin_ids: tuple[int, ...] = (),
    ) -> JSON:
        """Register a group (negative id). The bot is a member unless told otherwise."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        data: JSON = {"id": chat_id, "type": "supergroup" if supergroup else "group"}
        data["title"] = title
        chat = _Chat(data, bot_status="member" if bot_is_member else "left")
        if creator_id is not None:
            chat.members[creator_id] = "creator"
        for admin in admin_ids:
            chat.members[admin] = "administrator"
        self.chats[chat_id] = chat
        return copy.deepcopy(data)

    def add_supergroup(self, chat_id: int, title: str, **kwargs: Any) -> JSON:
        return self.add_group(chat_id, title, supergroup=True, **kwargs)

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """Status getChatMember reports: creator, administrator, member, left, kicked."""
        self._chat_or_raise(chat_id).members[user_id] = status

    def user_started(self, user_id: int) -> bool:
        return user_id in self.started and user_id not in self.blocked

    def start_bot(self, user_id: int) -> None:
        self.started.add(user_id)
        self.blocked.discard(user_id)

    def block_bot(self, user_id: int) -> None:
        self.blocked.add(user_id)

    def _chat_or_raise(self, chat_id: int) -> _Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise KeyError(f"fake Telegram: unknown chat {chat_id}; call add_user/add_group")
        return chat

    def _user_or_raise(self, user_id: int) -> JSON:
        user = self.users.get(user_id)
        if user is None:
            raise KeyError(f"fake Telegram: unknown user {user_id}; call add_user first")
        return user

    # ------------------------------------------------------------------ updates

    def _push_update(self, kind: str, payload: JSON) -> JSON:
        update: JSON = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.pending_updates.append(update)
        self._wake_waiters()
        return copy.deepcopy(update)

    def _wake_waiters(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)
        self._waiters.clear()

    def news(self) -> asyncio.Future[None]:
        """Resolves when an update is queued or the webhook changes (for webhook delivery)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    def deliverable_updates(self) -> list[JSON]:
        """What Telegram would deliver now, oldest first (kept until confirmed)."""
        return copy.deepcopy(self._deliverable())

    def confirm_update(self, update_id: int) -> None:
        """The bot took this update (getUpdates offset, or a 2xx answer to a webhook post)."""
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] != update_id]

    def _store(self, chat: _Chat, message: StoredMessage) -> StoredMessage:
        chat.messages.append(message)
        chat.next_message_id = max(chat.next_message_id, message.message_id + 1)
        return message

    def _new_message_id(self, chat: _Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def user_sends(
        self, user_id: int, chat_id: int, text: str, reply_to_message_id: int | None = None
    ) -> JSON:
        user = self._user_or_raise(user_id)
        chat = self._chat_or_raise(chat_id)
        entities: list[JSON] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        stored = self._store(
            chat,
            StoredMessage(
                message_id=self._new_message_id(chat),
                chat_id=chat_id,
                sender=user,
                date=int(self.now()),
                text=text,
                plain=text,
                entities=entities,
                reply_to_message_id=reply_to_message_id,
            ),
        )
        if chat.type == "private" and (text == "/start" or text.startswith("/start ")):
            self.start_bot(user_id)
        return self._push_update("message", self._message_json(chat, stored))

    def user_sends_voice(self, user_id: int, chat_id: int, duration: int = 5) -> JSON:
        """A voice message, as Telegram delivers one: an OGG/Opus file the bot can keep by id."""
        user = self._user_or_raise(user_id)
        chat = self._chat_or_raise(chat_id)
        message_id = self._new_message_id(chat)
        file_id, unique_id = _file_ids(f"{chat_id}/{message_id}".encode(), "voice")
        voice: JSON = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 2000 * max(duration, 1),
        }
        stored = self._store(
            chat,
            StoredMessage(
                message_id=message_id,
                chat_id=chat_id,
                sender=user,
                date=int(self.now()),
                file=file_id,
                file_kind="voice",
                extra={"media": {"voice": voice}},
            ),
        )
        return self._push_update("message", self._message_json(chat, stored))

    def user_edits(self, user_id: int, chat_id: int, message_id: int, new_text: str) -> JSON:
        chat = self._chat_or_raise(chat_id)
        stored = self._find_message(chat, message_id)
        if stored is None or stored.sender.get("id") != user_id:
            raise AssertionError(f"user {user_id} has no message {message_id} in chat {chat_id}")
        stored.edit_history.append({"text": stored.text, "date": stored.edit_date or stored.date})
        stored.text = stored.plain = new_text
        stored.edit_date = int(self.now())
        return self._push_update("edited_message", self._message_json(chat, stored))

    def user_presses(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        button_text: str | None = None,
        callback_data: str | None = None,
    ) -> JSON:
        user = self._user_or_raise(user_id)
        chat = self._chat_or_raise(chat_id)
        stored = self._find_message(chat, message_id)
        if stored is None:
            raise AssertionError(f"message {message_id} is not in chat {chat_id}")
        if button_text is None and callback_data is None:
            raise ValueError("give button_text or callback_data")
        rows = (stored.reply_markup or {}).get("inline_keyboard", [])
        button = next(
            (
                b
                for row in rows
                for b in row
                if (button_text is None or b.get("text") == button_text)
                and (callback_data is None or b.get("callback_data") == callback_data)
            ),
            None,
        )
        if button is None:
            shown = [[b.get("text") for b in row] for row in rows]
            raise AssertionError(
                f"no button text={button_text!r} callback_data={callback_data!r} on message "
                f"{message_id} in chat {chat_id}; shown: {shown}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button.get('text')!r} is not a callback button")
        query_id = str(next(self._query_ids))
        query: JSON = {
            "id": query_id,
            "from": copy.deepcopy(user),
            "message": self._message_json(chat, stored),
            "chat_instance": str(abs(chat_id) * 7919 % 10**18),
            "data": button["callback_data"],
        }
        self._open_queries[query_id] = query
        return self._push_update("callback_query", query)

    def _chat_member_update(self, chat: _Chat, by_user: JSON, old: str, new: str) -> JSON:
        bot = copy.deepcopy(self.bot_sender)
        return {
            "chat": copy.deepcopy(chat.data),
            "from": copy.deepcopy(by_user),
            "date": int(self.now()),
            "old_chat_member": {"status": old, "user": bot},
            "new_chat_member": {"status": new, "user": copy.deepcopy(bot)},
        }

    def bot_added_to_group(self, chat_id: int, by_user_id: int) -> JSON:
        by_user = self._user_or_raise(by_user_id)
        if chat_id not in self.chats:
            self.add_group(chat_id, f"Group {chat_id}", bot_is_member=False)
        chat = self.chats[chat_id]
        chat.bot_status = "member"
        return self._push_update(
            "my_chat_member", self._chat_member_update(chat, by_user, "left", "member")
        )

    def bot_removed_from_group(self, chat_id: int, by_user_id: int) -> JSON:
        by_user = self._user_or_raise(by_user_id)
        chat = self._chat_or_raise(chat_id)
        chat.bot_status = "left"
        return self._push_update(
            "my_chat_member", self._chat_member_update(chat, by_user, "member", "left")
        )

    def group_migrated(
        self, old_chat_id: int, new_chat_id: int, by_user_id: int | None = None
    ) -> JSON:
        """Upgrade a group to a supergroup.

        Like Telegram, two service messages are queued (migrate_to_chat_id in the old group,
        migrate_from_chat_id in the new supergroup); the first one is returned.
        """
        old = self._chat_or_raise(old_chat_id)
        sender = (
            self._user_or_raise(by_user_id)
            if by_user_id is not None
            else {
                "id": GROUP_ANONYMOUS_BOT_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
        )
        old.migrated_to = new_chat_id
        new = _Chat(
            {"id": new_chat_id, "type": "supergroup", "title": old.data.get("title", "")},
            bot_status=old.bot_status,
            members=dict(old.members),
        )
        self.chats[new_chat_id] = new
        now = int(self.now())
        to_msg = self._store(
            old,
            StoredMessage(
                self._new_message_id(old),
                old_chat_id,
                sender,
                now,
                extra={"migrate_to_chat_id": new_chat_id},
            ),
        )
        from_msg = self._store(
            new,
            StoredMessage(
                self._new_message_id(new),
                new_chat_id,
                sender,
                now,
                extra={"migrate_from_chat_id": old_chat_id},
            ),
        )
        update = self._push_update("message", self._message_json(old, to_msg))
        self._push_update("message", self._message_json(new, from_msg))
        return update

    # ------------------------------------------------------------------ error injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        if error_code == 429 and retry_after is None:
            raise ValueError("Telegram always sends parameters.retry_after with 429")
        self._failures.append(
            _Failure(
                method, error_code, description, retry_after, migrate_to_chat_id, chat_id, times
            )
        )

    def hold_next(self, method: str, *, chat_id: int | None = None) -> Hold:
        """The next call of this method (to this chat) waits until the hold is released."""
        hold = Hold(method, chat_id)
        self._holds.append(hold)
        return hold

    async def _wait_if_held(self, method: str, params: JSON) -> None:
        for hold in self._holds:
            if hold.method != method:
                continue
            if hold.chat_id is not None and self._resolve_chat_id(params.get("chat_id")) != (
                hold.chat_id
            ):
                continue
            self._holds.remove(hold)
            hold.reached.set()
            await hold.released.wait()
            return

    def _take_failure(self, method: str, params: JSON) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None

    # ------------------------------------------------------------------ views

    def _view(self, m: StoredMessage) -> FakeMessage:
        if m.file_kind:
            text = m.caption
            html = m.extra.get("raw_caption")
        else:
            text, html = m.plain, m.text
        return FakeMessage(
            message_id=m.message_id,
            chat_id=m.chat_id,
            text=text or "",
            html=html,
            parse_mode=m.parse_mode,
            reply_markup=copy.deepcopy(m.reply_markup),
            edited=m.edit_date is not None,
            reply_to_message_id=m.reply_to_message_id,
            from_bot=m.from_bot,
            from_user_id=int(m.sender["id"]),
            date=m.date,
            caption=m.caption,
            file=m.file,
            file_kind=m.file_kind,
            edit_history=tuple(copy.deepcopy(m.edit_history)),
            entities=tuple(copy.deepcopy(m.entities)),
        )

    def messages(self, chat_id: int) -> list[FakeMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [self._view(m) for m in chat.messages if not m.deleted]

    def bot_messages(self, chat_id: int) -> list[FakeMessage]:
        return [m for m in self.messages(chat_id) if m.from_bot]

    def last_message(self, chat_id: int) -> FakeMessage:
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(f"no messages in chat {chat_id}")
        return messages[-1]

    def message(self, chat_id: int, message_id: int) -> FakeMessage:
        for m in self.messages(chat_id):
            if m.message_id == message_id:
                return m
        raise AssertionError(f"no message {message_id} in chat {chat_id}")

    def private_messages(self, user_id: int) -> list[FakeMessage]:
        return self.messages(user_id)

    def callback_answer_for(self, query_id: str) -> tuple[str, str | None, bool] | None:
        return next((a for a in self.callback_answers if a[0] == query_id), None)

    def commands(
        self,
        scope_type: str = "default",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "",
    ) -> list[JSON]:
        return copy.deepcopy(self._commands.get((scope_type, chat_id, user_id, language_code), []))

    def calls_of(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ serving

    async def handle(
        self, method: str, params: dict[str, object], lenient_scalars: bool = False
    ) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, Telegram JSON body)."""
        for arrival in self.arrivals:
            arrival(method, params)
        await self._wait_if_held(method, params)
        status, body = await self._handle(method, dict(params), lenient_scalars)
        self.calls.append(RecordedCall(method, dict(params), status, body))
        for observer in self.observers:
            observer(method, params)
        return status, body

    async def _handle(
        self, method: str, params: dict[str, object], lenient: bool
    ) -> tuple[int, JSON]:
        # Telegram matches method names case-insensitively.
        canonical = {m.lower(): m for m in known_methods()}.get(method.lower())
        if canonical is None:
            self.violations.append(f"{method}: unknown Bot API method")
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = canonical
        problems = validate_call_detailed(method, params, lenient_scalars=lenient)
        if problems:
            self.violations.extend(f"{method}: {p.message}" for p in problems)
            return 400, {"ok": False, "error_code": 400, "description": problems[0].description}
        values = coerce_params(method, params) if lenient else dict(params)
        if "chat_id" in values:
            values["chat_id"] = self._resolve_chat_id(values["chat_id"])
        if self.limits is not None:
            retry_after = self.limits.check(method, values.get("chat_id"))
            if retry_after is not None:
                return 429, _error_body(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        failure = self._take_failure(method, values)
        if failure is not None:
            parameters: JSON = {}
            if failure.retry_after is not None:
                parameters["retry_after"] = failure.retry_after
            if failure.migrate_to_chat_id is not None:
                parameters["migrate_to_chat_id"] = failure.migrate_to_chat_id
            return failure.error_code, _error_body(
                failure.error_code, failure.description, parameters or None
            )
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 200, {"ok": True, "result": True}
        try:
            result = await handler(values)
        except ApiError as exc:
            return exc.error_code, _error_body(exc.error_code, exc.description, exc.parameters)
        return 200, {"ok": True, "result": result}

    def _resolve_chat_id(self, chat_id: object) -> object:
        if isinstance(chat_id, str):
            if chat_id.lstrip("-").isdigit():
                return int(chat_id)
            for chat in self.chats.values():
                if chat_id.startswith("@") and chat.data.get("username") == chat_id[1:]:
                    return chat.id
        return chat_id

    def _writable_chat(self, chat_id: object) -> _Chat:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            if chat.id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat.bot_status in ("left", "kicked"):
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        return chat

    def _find_message(self, chat: _Chat, message_id: object) -> StoredMessage | None:
        for m in chat.messages:
            if m.message_id == message_id and not m.deleted:
                return m
        return None

    def _message_json(self, chat: _Chat, m: StoredMessage, *, nested: bool = False) -> JSON:
        data: JSON = {
            "message_id": m.message_id,
            "from": copy.deepcopy(m.sender),
            "chat": copy.deepcopy(chat.data),
            "date": m.date,
        }
        if m.file_kind is None and m.plain is not None:
            data["text"] = m.plain
            if m.entities:
                data["entities"] = copy.deepcopy(m.entities)
        if m.file_kind is not None:
            data.update(copy.deepcopy(m.extra.get("media", {})))
            if m.caption:
                data["caption"] = m.caption
                if m.entities:
                    data["caption_entities"] = copy.deepcopy(m.entities)
        for key in ("migrate_to_chat_id", "migrate_from_chat_id"):
            if key in m.extra:
                data[key] = m.extra[key]
        if m.edit_date is not None:
            data["edit_date"] = m.edit_date
        if m.reply_markup and "inline_keyboard" in m.reply_markup:
            data["reply_markup"] = copy.deepcopy(m.reply_markup)
        if m.reply_to_message_id is not None and not nested:
            replied = self._find_message(chat, m.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = self._message_json(chat, replied, nested=True)
        return data

    def _reply_target(self, chat: _Chat, values: JSON) -> int | None:
        reply_to: object = values.get("reply_to_message_id")
        allow_missing = bool(values.get("allow_sending_without_reply"))
        parameters = values.get("reply_parameters")
        if isinstance(parameters, dict):
            reply_to = parameters.get("message_id")
            allow_missing = bool(parameters.get("allow_sending_without_reply"))
        if reply_to is None:
            return None
        if self._find_message(chat, reply_to) is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return int(str(reply_to))

    def _formatted(self, text: str, parse_mode: object) -> tuple[str, list[JSON]]:
        if parse_mode == "HTML":
            result = parse_telegram_html(text)
            return result.plain, [e.to_dict() for e in result.entities]
        return text, []

    # ------------------------------------------------------------------ API methods

    async def _api_getMe(self, values: JSON) -> JSON:
        return copy.deepcopy(self.bot_user)

    async def _api_logOut(self, values: JSON) -> bool:
        return True

    async def _api_close(self, values: JSON) -> bool:
        return True

    async def _api_getUpdates(self, values: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = values.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED
        offset = int(values.get("offset") or 0)
        limit = max(1, min(100, int(values.get("limit") or 100)))
        timeout = float(values.get("timeout") or 0)
        self._confirm(offset)
        if not self._deliverable() and timeout > 0:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
            except TimeoutError:
                pass
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return copy.deepcopy(self._deliverable()[:limit])

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        elif offset < 0:
            self.pending_updates = self.pending_updates[offset:]

    def _deliverable(self) -> list[JSON]:
        # Telegram never delivers filtered-out updates, so they are dropped for good.
        self.pending_updates = [
            u for u in self.pending_updates if _update_kind(u) in self._allowed_updates
        ]
        return self.pending_updates

    async def _api_deleteWebhook(self, values: JSON) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if values.get("drop_pending_updates"):
            self.pending_updates.clear()
        self._wake_waiters()
        return True

    async def _api_setWebhook(self, values: JSON) -> bool:
        url = str(values["url"])
        # Telegram only posts to https. Plain http to this machine is allowed because the
        # tests run the bot's webhook server on 127.0.0.1 without a certificate.
        if not url.startswith("https://") and not url.startswith(_LOCAL_HTTP):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook_url = url
        secret = values.get("secret_token")
        self.webhook_secret = None if secret is None else str(secret)
        allowed = values.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED
        if values.get("drop_pending_updates"):
            self.pending_updates.clear()
        self._wake_waiters()
        return True

    async def _api_getWebhookInfo(self, values: JSON) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }

    async def _api_sendMessage(self, values: JSON) -> JSON:
        chat = self._writable_chat(values["chat_id"])
        reply_to = self._reply_target(chat, values)
        text = str(values["text"])
        plain, entities = self._formatted(text, values.get("parse_mode"))
        markup = values.get("reply_markup")
        stored = self._store(
            chat,
            StoredMessage(
                message_id=self._new_message_id(chat),
                chat_id=chat.id,
                sender=self.bot_sender,
                date=int(self.now()),
                text=text,
                parse_mode=_opt_str(values.get("parse_mode")),
                plain=plain,
                entities=entities,
                reply_markup=copy.deepcopy(markup) if isinstance(markup, dict) else None,
                reply_to_message_id=reply_to,
            ),
        )
        return self._message_json(chat, stored)

    def _editable(self, values: JSON) -> tuple[_Chat, StoredMessage]:
        if values.get("inline_message_id") is not None:
            raise ApiError(400, "Bad Request: fake Telegram does not support inline messages")
        if values.get("chat_id") is None or values.get("message_id") is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        chat = self.chats.get(values["chat_id"]) if isinstance(values["chat_id"], int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        stored = self._find_message(chat, values["message_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, stored

    def _record_edit(self, stored: StoredMessage) -> None:
        stored.edit_history.append(
            {
                "text": stored.text,
                "parse_mode": stored.parse_mode,
                "reply_markup": copy.deepcopy(stored.reply_markup),
                "date": stored.edit_date or stored.date,
            }
        )
        stored.edit_date = int(self.now())

    async def _api_editMessageText(self, values: JSON) -> JSON:
        if values.get("text") is None:
            raise ApiError(400, "Bad Request: text must be non-empty")
        chat, stored = self._editable(values)
        if stored.file_kind is not None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = str(values["text"])
        plain, entities = self._formatted(text, values.get("parse_mode"))
        markup = values.get("reply_markup")
        new_markup = copy.deepcopy(markup) if isinstance(markup, dict) else None
        if (plain, entities, new_markup) == (stored.plain, stored.entities, stored.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        self._record_edit(stored)
        stored.text, stored.plain, stored.entities = text, plain, entities
        stored.parse_mode = _opt_str(values.get("parse_mode"))
        stored.reply_markup = new_markup
        return self._message_json(chat, stored)

    async def _api_editMessageReplyMarkup(self, values: JSON) -> JSON:
        chat, stored = self._editable(values)
        markup = values.get("reply_markup")
        new_markup = copy.deepcopy(markup) if isinstance(markup, dict) else None
        if new_markup == stored.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        self._record_edit(stored)
        stored.reply_markup = new_markup
        return self._message_json(chat, stored)

    async def _api_deleteMessage(self, values: JSON) -> bool:
        chat = self.chats.get(values["chat_id"]) if isinstance(values["chat_id"], int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        stored = self._find_message(chat, values["message_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        stored.deleted = True
        return True

    async def _api_answerCallbackQuery(self, values: JSON) -> bool:
        query_id = str(values["callback_query_id"])
        if self._open_queries.pop(query_id, None) is None:
            raise ApiError(400, _QUERY_INVALID)
        text = values.get("text")
        self.callback_answers.append(
            (query_id, None if text is None else str(text), bool(values.get("show_alert")))
        )
        return True

    def _scope_key(self, values: JSON) -> tuple[str, int | None, int | None, str]:
        scope = values.get("scope") or {"type": "default"}
        chat_id = self._resolve_chat_id(scope.get("chat_id"))
        user_id = scope.get("user_id")
        return (
            str(scope["type"]),
            chat_id if isinstance(chat_id, int) else None,
            user_id if isinstance(user_id, int) else None,
            str(values.get("language_code") or ""),
        )

    async def _api_setMyCommands(self, values: JSON) -> bool:
        commands = [dict(c) for c in values["commands"]]
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        self._commands[self._scope_key(values)] = commands
        return True

    async def _api_deleteMyCommands(self, values: JSON) -> bool:
        self._commands.pop(self._scope_key(values), None)
        return True

    async def _api_getMyCommands(self, values: JSON) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._scope_key(values), []))

    async def _api_sendChatAction(self, values: JSON) -> bool:
        chat = self._writable_chat(values["chat_id"])
        self.chat_actions.append((chat.id, str(values["action"])))
        return True

    async def _send_file(self, values: JSON, kind: str) -> JSON:
        chat = self._writable_chat(values["chat_id"])
        reply_to = self._reply_target(chat, values)
        upload = _to_uploaded(values[kind], "photo.jpg" if kind == "photo" else "document")
        content = upload.content if isinstance(upload, UploadedFile) else upload.encode()
        file_id, unique_id = _file_ids(content, kind)
        media: JSON
        if kind == "photo":
            media = {
                "photo": [
                    {
                        "file_id": file_id,
                        "file_unique_id": unique_id,
                        "width": 1280,
                        "height": 720,
                        "file_size": len(content),
                    }
                ]
            }
        else:
            document: JSON = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_size": len(content),
            }
            if isinstance(upload, UploadedFile):
                document["file_name"] = upload.filename
                if upload.mime_type:
                    document["mime_type"] = upload.mime_type
            media = {"document": document}
        raw_caption = values.get("caption")
        caption: str | None = None
        entities: list[JSON] = []
        if isinstance(raw_caption, str):
            caption, entities = self._formatted(raw_caption, values.get("parse_mode"))
        markup = values.get("reply_markup")
        stored = self._store(
            chat,
            StoredMessage(
                message_id=self._new_message_id(chat),
                chat_id=chat.id,
                sender=self.bot_sender,
                date=int(self.now()),
                parse_mode=_opt_str(values.get("parse_mode")),
                caption=caption,
                entities=entities,
                file=upload,
                file_kind=kind,
                reply_markup=copy.deepcopy(markup) if isinstance(markup, dict) else None,
                reply_to_message_id=reply_to,
                extra={"media": media, "raw_caption": raw_caption},
            ),
        )
        return self._message_json(chat, stored)

    async def _api_sendDocument(self, values: JSON) -> JSON:
        return await self._send_file(values, "document")

    async def _api_sendPhoto(self, values: JSON) -> JSON:
        return await self._send_file(values, "photo")

    async def _api_getChat(self, values: JSON) -> JSON:
        chat = self.chats.get(values["chat_id"]) if isinstance(values["chat_id"], int) else None
        if chat is None or (chat.type == "private" and chat.id not in self.started):
            raise ApiError(400, "Bad Request: chat not found")
        data = copy.deepcopy(chat.data)
        data.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return data

    async def _api_getChatMember(self, values: JSON) -> JSON:
        chat = self.chats.get(values["chat_id"]) if isinstance(values["chat_id"], int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = int(values["user_id"])
        if user_id == BOT_ID:
            return {"status": chat.bot_status, "user": copy.deepcopy(self.bot_sender)}
        user = self.users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if chat.type == "private":
            status = "member" if user_id == chat.id else "left"
        else:
            status = chat.members.get(user_id, "member")
        member: JSON = {"status": status, "user": copy.deepcopy(user)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        return member


_ADMIN_RIGHTS: JSON = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _update_kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


def _error_body(code: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body
