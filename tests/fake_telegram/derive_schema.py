"""Derive the compact schema the fake Telegram validates against.

The full machine-readable Bot API spec lives outside the repository (in /work/shared), so
this script is run by hand whenever the spec is updated and its output,
``bot_api_schema.json``, is committed. The fake only ever reads the committed file, which
keeps tests runnable on a fresh clone.

Usage: ``python -m tests.fake_telegram.derive_schema [path/to/api.json]``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
OUTPUT = Path(__file__).resolve().parent / "bot_api_schema.json"

USED_METHODS: tuple[str, ...] = (
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "getChat",
    "getChatMember",
    "close",
    "logOut",
)

# Types the bot builds itself; everything they (transitively) reference is added too, so a
# nested object such as a button's ``web_app`` is checked as deeply as a top-level one.
ROOT_TYPES: tuple[str, ...] = (
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "ReplyKeyboardMarkup",
    "KeyboardButton",
    "ReplyKeyboardRemove",
    "ForceReply",
    "BotCommand",
    "BotCommandScope",
    "LinkPreviewOptions",
    "ReplyParameters",
    "MessageEntity",
)

_SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
# Subtypes of a union (e.g. BotCommandScopeChat) are told apart by their ``type`` field whose
# allowed value the spec only states in prose: "Scope type, must be chat".
_DISCRIMINATOR = re.compile(r"must be (?:\*|\")?([a-z_]+)")


def _base_type(type_name: str) -> str:
    while type_name.startswith("Array of "):
        type_name = type_name.removeprefix("Array of ")
    return type_name


def _compact_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": f["name"], "types": list(f["types"]), "required": bool(f["required"])}
        for f in fields
    ]


def derive(spec: dict[str, Any]) -> dict[str, Any]:
    methods: dict[str, Any] = {}
    pending: list[str] = list(ROOT_TYPES)
    for name in USED_METHODS:
        method = spec["methods"][name]
        fields = _compact_fields(method.get("fields", []))
        methods[name] = {"fields": fields}
        pending.extend(_base_type(t) for f in fields for t in f["types"])

    types: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in types or name in _SCALARS:
            continue
        spec_type = spec["types"][name]
        entry: dict[str, Any] = {}
        if "subtypes" in spec_type:
            entry["subtypes"] = list(spec_type["subtypes"])
            pending.extend(spec_type["subtypes"])
        else:
            raw_fields = spec_type.get("fields", [])
            entry["fields"] = _compact_fields(raw_fields)
            for f in raw_fields:
                pending.extend(_base_type(t) for t in f["types"])
                if f["name"] == "type":
                    match = _DISCRIMINATOR.search(f.get("description", ""))
                    if match:
                        entry["type_value"] = match.group(1)
        types[name] = entry

    return {
        "version": spec["version"],
        "release_date": spec.get("release_date"),
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec_path = Path(args[0]) if args else DEFAULT_SPEC
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    schema = derive(spec)
    OUTPUT.write_text(json.dumps(schema, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({schema['version']}, {len(schema['types'])} types)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
