"""How /resources looks: grouped entries with links, ending with the not-medical-advice line.
Everything from the file is escaped: a deployer's "&" or "<" must not break the message."""

from __future__ import annotations

from html import escape

from bot.render.common import MESSAGE_LIMIT, e
from bot.resources import Resource, Resources, Section


def _link(url: str, text: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{e(text)}</a>'


def _entry(entry: Resource) -> str:
    name = _link(entry.url, entry.name) if entry.url else f"<b>{e(entry.name)}</b>"
    return f"• {name} — {e(entry.about)}" if entry.about else f"• {name}"


def _section(section: Section) -> list[str]:
    """A section as blocks: its title with the first entry, then one block per entry."""
    entries = [_entry(entry) for entry in section.entries]
    return [f"<b>{e(section.title)}</b>\n{entries[0]}", *entries[1:]]


def resources_messages(resources: Resources, limit: int = MESSAGE_LIMIT - 96) -> list[str]:
    """One message for the shipped list; a long custom file is split between sections or
    entries, never inside one. The last message ends with the not-medical-advice line."""
    head = f"📚 <b>{e(resources.title)}</b>"
    if resources.intro:
        head += f"\n{e(resources.intro)}"
    messages: list[str] = []
    current = head
    for section in resources.sections:
        for index, block in enumerate(_section(section)):
            gap = "\n\n" if index == 0 else "\n"
            if len(current) + len(gap) + len(block) > limit:
                messages.append(current)
                current = block
            else:
                current += gap + block
    closing = f"<i>{e(resources.not_medical_advice)}</i>"
    if len(current) + 2 + len(closing) > limit:
        messages += [current, closing]
    else:
        messages.append(f"{current}\n\n{closing}")
    return messages
