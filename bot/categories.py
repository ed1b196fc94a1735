"""Recognise what kind of help a need asks for from the words the family used."""

from __future__ import annotations

import re
from enum import StrEnum


class Category(StrEnum):
    RIDE = "ride"
    MEAL = "meal"
    PET = "pet"
    ERRAND = "errand"
    HOUSEHOLD = "household"
    COMPANY = "company"
    OTHER = "other"


CATEGORY_EMOJI: dict[Category, str] = {
    Category.RIDE: "🚗",
    Category.MEAL: "🍲",
    Category.PET: "🐾",
    Category.ERRAND: "🛒",
    Category.HOUSEHOLD: "🏠",
    Category.COMPANY: "☕",
    Category.OTHER: "🤝",
}

CATEGORY_NAME: dict[Category, str] = {
    Category.RIDE: "Ride",
    Category.MEAL: "Meal",
    Category.PET: "Pet care",
    Category.ERRAND: "Errand",
    Category.HOUSEHOLD: "Household",
    Category.COMPANY: "Company",
    Category.OTHER: "Other",
}

STRONG = 2
# Words that often appear in needs of another kind ("pick up the prescription",
# "walk to the shop", "call the pharmacy", "cat food") only count half, so a
# single specific word elsewhere in the text outweighs them.
WEAK = 1

# Each entry: (regex alternatives matched as whole words, weight). The forms are
# spelled out instead of stemming because the vocabulary is small and explicit
# forms avoid surprises like "cat" matching "category".
_KEYWORDS: dict[Category, list[tuple[str, int]]] = {
    Category.RIDE: [
        (r"rides?|riding|drives?|driving|drove|lifts?|appointments?|appt", STRONG),
        (r"neurology|neurologist|hospitals?|clinics?|physio|physiotherapy", STRONG),
        (r"mri|infusions?|doctors?|gp", STRONG),
        # "pick up", "pick me up", "picking Mum up", "pick-up".
        (r"pick(?:s|ing|ed)?[\s-]+(?:\w+\s+)?up", WEAK),
    ],
    Category.MEAL: [
        (r"meals?|dinners?|lunch(?:es)?|breakfasts?|suppers?", STRONG),
        (r"cook(?:s|ing|ed)?|soups?", STRONG),
        (r"food", WEAK),
    ],
    Category.PET: [
        (r"dogs?|cats?|vets?|pets?|puppy|kitten", STRONG),
        (r"walk(?:s|ing|ed)?", WEAK),
    ],
    Category.ERRAND: [
        (r"shop(?:s|ping)?|groceries|grocery|pharmacy|pharmacies|chemist", STRONG),
        (r"prescriptions?|post\s+office|parcels?", STRONG),
    ],
    Category.HOUSEHOLD: [
        (r"clean(?:s|ing|ed)?|laundry|gardens?|gardening", STRONG),
        (r"repairs?|repairing|repaired|fix(?:es|ing|ed)?", STRONG),
        (r"hoover(?:s|ing|ed)?|tidy|tidying|tidies|bins?", STRONG),
    ],
    Category.COMPANY: [
        (r"talks?|talking|company|coffee|chats?|chatting", STRONG),
        (r"sit(?:s|ting)?\s+with", STRONG),
        (r"calls?|calling|visits?|visiting", WEAK),
    ],
}

_PATTERNS: dict[Category, list[tuple[re.Pattern[str], int]]] = {
    category: [
        (re.compile(rf"\b(?:{words})\b", re.IGNORECASE), weight) for words, weight in entries
    ]
    for category, entries in _KEYWORDS.items()
}


def category_scores(text: str) -> dict[Category, int]:
    """Evidence per category: each matching word adds its weight (repeats count)."""
    return {
        category: sum(weight * len(pattern.findall(text)) for pattern, weight in patterns)
        for category, patterns in _PATTERNS.items()
    }


def recognise_category(text: str) -> Category:
    """Pick the category with the most evidence in ``text``.

    Every whole-word match adds its weight (2 for specific words, 1 for weak
    words such as "pick up", "walk", "call", "visit", "food"). The highest total
    wins; a tie goes to the category listed first in :class:`Category` (ride,
    meal, pet, errand, household, company), because a ride or a meal is the more
    time-critical thing to get right. No match at all gives ``OTHER``.

    So "pick up prescription" is an errand (2 > 1), "walk Max" is pet care,
    "ride to the vet" is a ride (tie, ride first) and "dinner and a chat" is a
    meal (tie, meal first).
    """
    scores = category_scores(text)
    best = Category.OTHER
    best_score = 0
    for category in Category:  # definition order is the tie-break order
        score = scores.get(category, 0)
        if score > best_score:
            best, best_score = category, score
    return best


# A medical appointment, for the day-before offer of the report and the open questions.
_MEDICAL = re.compile(
    r"\b(?:neurolog\w*|ms\s+nurse|nurse|gp|doctors?|dr|mri|scans?|infusions?|ocrevus|"
    r"tysabri|clinics?|hospitals?|consultants?|check-?ups?|blood\s+tests?|physio\w*|"
    r"urolog\w*|ophthalmolog\w*|rehab\w*)\b",
    re.IGNORECASE,
)


def looks_medical(text: str) -> bool:
    """'ride to neurology', 'MRI at St Mary's', 'MS nurse visit': the day before, the bot
    offers the report. A false match only costs one gentle private offer."""
    return _MEDICAL.search(text) is not None
