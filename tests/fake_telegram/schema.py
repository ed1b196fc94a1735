"""Validate Bot API calls against the committed ``bot_api_schema.json``.

The real API is forgiving in ways that hide bugs (it ignores unknown fields) and strict in
ways that only show up in production (length limits after entity parsing). The fake is
strict about both so a test fails where production would misbehave.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .html import parse_telegram_html

SCHEMA_PATH = Path(__file__).resolve().parent / "bot_api_schema.json"

# Limits below are quoted from the Bot API spec (descriptions of the named fields).
# sendMessage.text / editMessageText.text: "1-4096 characters after entities parsing".
MAX_TEXT = 4096
# sendDocument/sendPhoto.caption: "0-1024 characters after entities parsing".
MAX_CAPTION = 1024
# InlineKeyboardButton.callback_data: "1-64 bytes".
MAX_CALLBACK_DATA_BYTES = 64
# answerCallbackQuery.text: "0-200 characters".
MAX_CALLBACK_ANSWER = 200
# BotCommand.command: "1-32 characters. Can contain only lowercase English letters, digits
# and underscores"; BotCommand.description: "1-256 characters".
BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
MAX_COMMAND_DESCRIPTION = 256
# InlineKeyboardButton: "Exactly one of the fields other than text, icon_custom_emoji_id,
# and style must be used to specify the type of the button."
BUTTON_NON_ACTION_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})

_TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})
_CAPTION_METHODS = frozenset({"sendDocument", "sendPhoto"})


@dataclass(frozen=True)
class Problem:
    """A violation (for the test report) and the description Telegram would answer with."""

    message: str
    description: str


@cache
def load_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def known_methods() -> frozenset[str]:
    return frozenset(load_schema()["methods"])


def _method_fields(method: str) -> dict[str, dict[str, Any]] | None:
    spec = load_schema()["methods"].get(method)
    if spec is None:
        return None
    return {f["name"]: f for f in spec["fields"]}


def _is_int(value: object, lenient: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return lenient and isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _is_float(value: object, lenient: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if lenient and isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _is_bool(value: object, lenient: bool) -> bool:
    if isinstance(value, bool):
        return True
    return lenient and value in ("true", "false", "True", "False")


def _json_if_lenient(value: object, lenient: bool) -> object:
    """Over HTTP PTB json-encodes every non-str value; objects and arrays arrive as text."""
    if lenient and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_value(value: object, type_name: str, path: str, lenient: bool) -> list[Problem]:
    """Problems for ``value`` as ``type_name``; ``lenient`` only applies at the top level."""
    bad = Problem(
        f"{path}: expected {type_name}, got {type(value).__name__} {value!r:.60}",
        f'Bad Request: field "{path}" must be of type {type_name}',
    )
    if type_name == "Integer":
        return [] if _is_int(value, lenient) else [bad]
    if type_name == "Float":
        return [] if _is_float(value, lenient) else [bad]
    if type_name == "Boolean":
        return [] if _is_bool(value, lenient) else [bad]
    if type_name == "True":
        return [] if value is True or (lenient and value == "true") else [bad]
    if type_name == "String":
        return [] if isinstance(value, str) else [bad]
    if type_name == "InputFile":
        # Uploads arrive as bytes, file objects, PTB field tuples or our UploadedFile.
        return []
    if type_name.startswith("Array of "):
        value = _json_if_lenient(value, lenient)
        if not isinstance(value, list | tuple):
            return [bad]
        inner = type_name.removeprefix("Array of ")
        problems: list[Problem] = []
        for index, item in enumerate(value):
            problems.extend(_check_value(item, inner, f"{path}[{index}]", False))
        return problems
    return _check_object(_json_if_lenient(value, lenient), type_name, path)


def _check_object(value: object, type_name: str, path: str) -> list[Problem]:
    types = load_schema()["types"]
    spec = types.get(type_name)
    if spec is None:
        return [Problem(f"{path}: type {type_name} missing from schema", "Bad Request: fake")]
    if not isinstance(value, dict):
        return [
            Problem(
                f"{path}: expected {type_name} object, got {type(value).__name__}",
                f"Bad Request: can't parse {type_name} JSON object",
            )
        ]
    if "subtypes" in spec:
        wanted = value.get("type")
        for subtype in spec["subtypes"]:
            if types.get(subtype, {}).get("type_value") == wanted:
                return _check_object(value, subtype, path)
        if not any("type_value" in types.get(s, {}) for s in spec["subtypes"]):
            # No discriminator: accept the first subtype that fits.
            for subtype in spec["subtypes"]:
                if not _check_object(value, subtype, path):
                    return []
        return [
            Problem(
                f"{path}: {type_name} with unsupported type {wanted!r}",
                f"Bad Request: unsupported {type_name} type",
            )
        ]
    fields = {f["name"]: f for f in spec.get("fields", [])}
    problems = _check_fields(value, fields, path + ".", type_name, lenient=False)
    problems.extend(_check_type_limits(value, type_name, path))
    return problems


def _check_fields(
    params: dict[str, Any],
    fields: dict[str, dict[str, Any]],
    prefix: str,
    owner: str,
    *,
    lenient: bool,
) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in params.items():
        field = fields.get(name)
        if field is None:
            problems.append(
                Problem(
                    f"{prefix}{name}: unknown field for {owner}",
                    f'Bad Request: unknown parameter "{prefix}{name}"',
                )
            )
            continue
        if value is None:
            continue
        alternatives: list[str] = field["types"]
        per_type: list[list[Problem]] = [
            _check_value(value, t, prefix + name, lenient) for t in alternatives
        ]
        if not any(not p for p in per_type):
            # Report the most relevant alternative: the one with the fewest problems.
            best: list[Problem] = min(per_type, key=len)
            problems.extend(best)
    for name, field in fields.items():
        if field["required"] and params.get(name) is None:
            problems.append(
                Problem(
                    f"{prefix}{name}: required field missing for {owner}",
                    f'Bad Request: parameter "{prefix}{name}" is required',
                )
            )
    return problems


def _check_type_limits(value: dict[str, Any], type_name: str, path: str) -> list[Problem]:
    problems: list[Problem] = []
    if type_name == "InlineKeyboardButton":
        actions = [
            k for k, v in value.items() if k not in BUTTON_NON_ACTION_FIELDS and v is not None
        ]
        if len(actions) != 1:
            problems.append(
                Problem(
                    f"{path}: inline button must have exactly one action field, has {actions}",
                    "Bad Request: text buttons are unallowed in the inline keyboard"
                    if not actions
                    else "Bad Request: can't parse inline keyboard button: "
                    "only one action field is allowed",
                )
            )
        data = value.get("callback_data")
        if isinstance(data, str):
            size = len(data.encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                problems.append(
                    Problem(
                        f"{path}.callback_data: {size} bytes, must be 1-"
                        f"{MAX_CALLBACK_DATA_BYTES} bytes",
                        "Bad Request: BUTTON_DATA_INVALID",
                    )
                )
    elif type_name == "BotCommand":
        command = value.get("command")
        if isinstance(command, str) and not BOT_COMMAND_RE.fullmatch(command):
            problems.append(
                Problem(
                    f"{path}.command: {command!r} must be 1-32 chars of [a-z0-9_]",
                    "Bad Request: BOT_COMMAND_INVALID",
                )
            )
        description = value.get("description")
        if isinstance(description, str) and not (1 <= len(description) <= MAX_COMMAND_DESCRIPTION):
            problems.append(
                Problem(
                    f"{path}.description: {len(description)} chars, must be 1-"
                    f"{MAX_COMMAND_DESCRIPTION}",
                    "Bad Request: command description must be non-empty",
                )
            )
    return problems


def parsed_length(text: str, parse_mode: object) -> tuple[int, list[str]]:
    """Length Telegram counts (after entity parsing) and HTML parse errors."""
    if parse_mode == "HTML":
        result = parse_telegram_html(text)
        return len(result.plain), result.errors
    return len(text), []


def _check_limits(method: str, params: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    parse_mode = params.get("parse_mode")
    if parse_mode is not None and parse_mode not in PARSE_MODES:
        problems.append(
            Problem(
                f"parse_mode: unsupported {parse_mode!r}", "Bad Request: unsupported parse_mode"
            )
        )
    if method in _TEXT_METHODS and isinstance(params.get("text"), str):
        length, errors = parsed_length(params["text"], parse_mode)
        problems.extend(Problem(f"text: {e}", f"Bad Request: {e}") for e in errors)
        if not errors and length == 0:
            problems.append(
                Problem("text: empty after entity parsing", "Bad Request: message text is empty")
            )
        if length > MAX_TEXT:
            problems.append(
                Problem(
                    f"text: {length} characters after entity parsing, max {MAX_TEXT}",
                    "Bad Request: message is too long",
                )
            )
    if method in _CAPTION_METHODS and isinstance(params.get("caption"), str):
        length, errors = parsed_length(params["caption"], parse_mode)
        problems.extend(Problem(f"caption: {e}", f"Bad Request: {e}") for e in errors)
        if length > MAX_CAPTION:
            problems.append(
                Problem(
                    f"caption: {length} characters after entity parsing, max {MAX_CAPTION}",
                    "Bad Request: message caption is too long",
                )
            )
    if method == "answerCallbackQuery" and isinstance(params.get("text"), str):
        length = len(params["text"])
        if length > MAX_CALLBACK_ANSWER:
            problems.append(
                Problem(
                    f"text: {length} characters, max {MAX_CALLBACK_ANSWER}",
                    "Bad Request: MESSAGE_TOO_LONG",
                )
            )
    return problems


def validate_call_detailed(
    method: str, params: dict[str, object], *, lenient_scalars: bool = False
) -> list[Problem]:
    fields = _method_fields(method)
    if fields is None:
        return [Problem(f"unknown method {method!r}", "Not Found")]
    problems = _check_fields(dict(params), fields, "", method, lenient=lenient_scalars)
    if problems:
        return problems
    return _check_limits(method, coerce_params(method, params) if lenient_scalars else dict(params))


def validate_call(
    method: str, params: dict[str, object], lenient_scalars: bool = False
) -> list[str]:
    """Human-readable violations of one Bot API call (empty when the call is valid)."""
    return [
        p.message for p in validate_call_detailed(method, params, lenient_scalars=lenient_scalars)
    ]


def _coerce(value: object, types: list[str]) -> object:
    if not isinstance(value, str):
        return value
    if "String" in types or "InputFile" in types:
        if "Integer" in types and re.fullmatch(r"-?\d+", value):
            return int(value)
        return value
    for type_name in types:
        if type_name == "Integer" and re.fullmatch(r"-?\d+", value):
            return int(value)
        if type_name == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        if type_name in ("Boolean", "True") and value.lower() in ("true", "false"):
            return value.lower() == "true"
    try:
        return json.loads(value)
    except ValueError:
        return value


def coerce_params(method: str, params: dict[str, object]) -> dict[str, Any]:
    """Turn HTTP form strings into the Python values an in-process call would carry."""
    fields = _method_fields(method) or {}
    return {
        name: _coerce(value, fields[name]["types"]) if name in fields else value
        for name, value in params.items()
    }
