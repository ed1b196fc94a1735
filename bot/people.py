"""How the bot refers to people, in the product's words."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Person


@dataclass(frozen=True)
class PersonInfo:
    """A Telegram user as the handlers saw them, before anything is stored."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None


# What a person who used /forget_me is called: their row stays, without a name, so the help
# they gave is still counted. Telegram always gives a first name, so only they have none.
FORMER_MEMBER = "a former member"


def display_name(person: Person | None) -> str:
    if person is None:
        return "someone"
    name = person.first_name.strip()
    if name:
        return name
    return f"@{person.username}" if person.username else FORMER_MEMBER
