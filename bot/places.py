"""How many helpers a need asks for: "/need 2 people to help move the bed Sat 10:00".

The count is read from the start of the description ("2 people", "two people", "3 helpers",
"2 volunteers", "2 to …"). When the words read naturally without it ("2 people to help move
the bed" → "help move the bed") the count phrase is left out of the description; otherwise
("3 helpers for the garden") the words stay as typed. One helper, or no count, is a plain
need. A number alone with no helper word and no "to" ("2 pizzas") is no count at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_HELPER_WORDS = (
    "people|persons|person|helpers|helper|volunteers|volunteer|hands|pairs of hands|of you"
)
_COUNT = re.compile(
    rf"^\s*(?:need\s+)?(?P<count>\d{{1,3}}|{'|'.join(_NUMBERS)})"
    rf"(?:\s+(?P<who>{_HELPER_WORDS}))?"
    r"(?:\s+(?P<to>to)\b)?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Places:
    count: int  # may be out of range: the caller checks it (see MAX_PLACES)
    description: str


def read_places(description: str) -> Places:
    """The number of helpers asked for and the description to show."""
    match = _COUNT.match(description)
    if match is None or not (match["who"] or match["to"]) or not match["rest"].strip():
        return Places(1, description)
    word = match["count"].lower()
    count = int(word) if word.isdecimal() else _NUMBERS[word]
    if count == 1:
        return Places(1, description)
    # "2 people to help move the bed": the rest reads on its own. Otherwise keep the words.
    return Places(count, match["rest"].strip() if match["to"] else description.strip())
