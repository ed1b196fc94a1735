"""Telegram's ``parse_mode=HTML`` rules, strict enough to catch what the real API rejects.

Telegram answers a malformed message with ``400 Bad Request: can't parse entities: ...`` and
the message is never delivered, so a bot that is "mostly right" about escaping silently loses
messages in production. The rules follow https://core.telegram.org/bots/api#html-style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Telegram documents exactly these named entities; anything else (&nbsp; &copy; ...) is
# rejected by the real API, so accepting it here would hide a production failure.
_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+));")
_PLAIN_RUN = re.compile(r"[^<&]+")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR = re.compile(
    r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?"""
)

# Tag name -> entity type. span and a are handled separately because their meaning depends
# on attributes.
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "span", "a", "tg-emoji"})
# Placeholder for tags that keep their text but produce no entity.
_DROPPED = "_dropped"


@dataclass
class HtmlEntity:
    """One formatting entity with Telegram's UTF-16 offsets."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        if self.custom_emoji_id is not None:
            data["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            data["user"] = {"id": self.user_id, "is_bot": False, "first_name": "User"}
        return data


@dataclass
class _Open:
    tag: str
    entity: HtmlEntity
    byte_offset: int


@dataclass
class HtmlParseResult:
    plain: str
    entities: list[HtmlEntity]
    errors: list[str]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entities(raw: str, errors: list[str], base_offset: int) -> str:
    """Decode entities inside an attribute value; errors use the same wording as text."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] != "&":
            out.append(raw[i])
            i += 1
            continue
        decoded, consumed = _match_entity(raw, i)
        if consumed == 0:
            errors.append(
                f"can't parse entities: Character '&' is reserved and must be escaped "
                f"as &amp; (at byte offset {base_offset})"
            )
            out.append("&")
            i += 1
        else:
            out.append(decoded)
            i += consumed
    return "".join(out)


def _match_entity(text: str, pos: int) -> tuple[str, int]:
    match = _ENTITY.match(text, pos)
    if not match:
        return "", 0
    dec, hexa, name = match.groups()
    if name is not None:
        if name.lower() not in _NAMED_ENTITIES:
            return "", 0
        return _NAMED_ENTITIES[name.lower()], match.end() - pos
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "", 0
    return chr(code), match.end() - pos


def parse_telegram_html(text: str) -> HtmlParseResult:
    """Parse like Telegram does: plain text, entities (UTF-16 offsets) and parse errors."""
    errors: list[str] = []
    entities: list[HtmlEntity] = []
    plain: list[str] = []
    plain_utf16 = 0
    stack: list[_Open] = []
    i = 0
    n = len(text)

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    def add_text(chunk: str) -> None:
        nonlocal plain_utf16
        plain.append(chunk)
        plain_utf16 += _utf16_len(chunk)

    while i < n and not errors:
        ch = text[i]
        if ch == "&":
            decoded, consumed = _match_entity(text, i)
            if consumed == 0:
                errors.append(
                    f"can't parse entities: Character '&' is reserved and must be escaped "
                    f"as &amp; (at byte offset {byte_offset(i)})"
                )
                break
            add_text(decoded)
            i += consumed
            continue
        if ch != "<":
            # A run of plain text, in one piece (character by character was most of the
            # fake's time on a long card).
            run = _PLAIN_RUN.match(text, i)
            assert run is not None
            add_text(run.group())
            i = run.end()
            continue

        start = i
        end = text.find(">", i)
        if text.startswith("</", i):
            name_match = _TAG_NAME.match(text, i + 2)
            if end == -1 or not name_match or text[name_match.end() : end].strip():
                errors.append(
                    f"can't parse entities: Can't find end tag corresponding to "
                    f"'<' at byte offset {byte_offset(start)}"
                )
                break
            name = name_match.group(0).lower()
            if not stack:
                errors.append(
                    f'can\'t parse entities: Unexpected end tag "{name}" at byte offset '
                    f"{byte_offset(start)}"
                )
                break
            top = stack[-1]
            if top.tag != name:
                errors.append(
                    f"can't parse entities: Unmatched end tag at byte offset "
                    f'{byte_offset(start)}, expected "</{top.tag}>", found "</{name}>"'
                )
                break
            stack.pop()
            top.entity.length = plain_utf16 - top.entity.offset
            if top.entity.length > 0:
                entities.append(top.entity)
            i = end + 1
            continue

        name_match = _TAG_NAME.match(text, i + 1)
        if not name_match:
            snippet = text[i + 1 : i + 6]
            errors.append(
                f'can\'t parse entities: Unsupported start tag "{snippet}" at byte offset '
                f"{byte_offset(start)}"
            )
            break
        name = name_match.group(0).lower()
        if name not in _SUPPORTED_TAGS:
            errors.append(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset '
                f"{byte_offset(start)}"
            )
            break
        if end == -1:
            errors.append(
                f"can't parse entities: Unclosed start tag at byte offset {byte_offset(start)}"
            )
            break
        attr_text = text[name_match.end() : end]
        attrs: dict[str, str] = {}
        pos = 0
        while pos < len(attr_text):
            if not attr_text[pos:].strip():
                break
            attr_match = _ATTR.match(attr_text, pos)
            if not attr_match or attr_match.end() == pos:
                errors.append(
                    f"can't parse entities: Expected equal sign in declaration of an attribute "
                    f'of the tag "{name}" at byte offset {byte_offset(start)}'
                )
                break
            raw_value = next((v for v in attr_match.groups()[1:] if v is not None), "")
            attrs[attr_match.group(1).lower()] = _decode_entities(
                raw_value, errors, byte_offset(start)
            )
            pos = attr_match.end()
        if errors:
            break

        entity = _entity_for_tag(name, attrs, plain_utf16, errors, byte_offset(start))
        if entity is None:
            break
        if name == "code" and not (stack and stack[-1].tag == "pre"):
            entity.language = None
        if stack:
            parent = stack[-1]
            # Telegram rejects formatting inside code/pre except the documented
            # <pre><code class="language-x"> form.
            if parent.tag == "code" or (parent.tag == "pre" and name != "code"):
                errors.append(
                    f'can\'t parse entities: Can\'t use tag "{name}" inside "{parent.tag}" '
                    f"at byte offset {byte_offset(start)}"
                )
                break
            if name == "blockquote" and any(o.tag == "blockquote" for o in stack):
                errors.append(
                    "can't parse entities: Blockquote entities can't be nested "
                    f"(at byte offset {byte_offset(start)})"
                )
                break
            if name == "code" and parent.tag == "pre":
                # The language moves to the enclosing pre entity; no separate code entity.
                if entity.language is not None:
                    parent.entity.language = entity.language
                entity = HtmlEntity(_DROPPED, plain_utf16, 0)
        stack.append(_Open(name, entity, byte_offset(start)))
        i = end + 1

    if not errors and stack:
        errors.append(
            f"can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].tag}"'
        )
    entities = [e for e in entities if e.type != _DROPPED]
    entities.sort(key=lambda e: (e.offset, -e.length))
    return HtmlParseResult("".join(plain), entities, errors)


def _entity_for_tag(
    name: str, attrs: dict[str, str], offset: int, errors: list[str], at: int
) -> HtmlEntity | None:
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            errors.append(
                f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte '
                f"offset {at}"
            )
            return None
        return HtmlEntity("spoiler", offset, 0)
    if name == "a":
        href = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            return HtmlEntity("text_mention", offset, 0, user_id=int(user.group(1)))
        if not href:
            # Telegram silently drops the link; the text is still shown.
            return HtmlEntity(_DROPPED, offset, 0)
        return HtmlEntity("text_link", offset, 0, url=href)
    if name == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            errors.append(
                f"can't parse entities: Custom emoji entity must have a valid emoji-id "
                f"(tag at byte offset {at})"
            )
            return None
        return HtmlEntity("custom_emoji", offset, 0, custom_emoji_id=emoji_id)
    if name == "blockquote" and "expandable" in attrs:
        return HtmlEntity("expandable_blockquote", offset, 0)
    if name == "code":
        language = attrs.get("class", "")
        lang = language.removeprefix("language-") if language.startswith("language-") else None
        return HtmlEntity("code", offset, 0, language=lang)
    return HtmlEntity(_SIMPLE_TAGS[name], offset, 0)


def check_telegram_html(text: str) -> tuple[str, list[str]]:
    """Return (plain text after entity parsing, parse errors) for a parse_mode=HTML text."""
    result = parse_telegram_html(text)
    return result.plain, result.errors
