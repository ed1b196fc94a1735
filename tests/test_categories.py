from __future__ import annotations

import pytest

from bot.categories import (
    CATEGORY_EMOJI,
    CATEGORY_NAME,
    Category,
    category_scores,
    looks_medical,
    recognise_category,
)


def test_every_category_has_emoji_and_name() -> None:
    assert set(CATEGORY_EMOJI) == set(Category)
    assert set(CATEGORY_NAME) == set(Category)
    assert CATEGORY_EMOJI[Category.PET] == "🐾"
    assert CATEGORY_NAME[Category.PET] == "Pet care"
    assert str(Category.RIDE) == "ride"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ride
        ("ride to neurology", Category.RIDE),
        ("a ride please", Category.RIDE),
        ("can someone drive me", Category.RIDE),
        ("who drives on Monday", Category.RIDE),
        ("driving to town", Category.RIDE),
        ("need a lift", Category.RIDE),
        ("lifts to and from", Category.RIDE),
        ("dentist appointment", Category.RIDE),
        ("two appointments", Category.RIDE),
        ("pick me up", Category.RIDE),
        ("pick up Mum", Category.RIDE),
        ("neurology tomorrow", Category.RIDE),
        ("hospital", Category.RIDE),
        ("clinic", Category.RIDE),
        ("physio", Category.RIDE),
        ("MRI 09:30", Category.RIDE),
        ("infusion day", Category.RIDE),
        ("doctor", Category.RIDE),
        ("see the GP", Category.RIDE),
        # meal
        ("meal for Friday", Category.MEAL),
        ("a few meals", Category.MEAL),
        ("dinner for Friday", Category.MEAL),
        ("lunch", Category.MEAL),
        ("breakfast in bed", Category.MEAL),
        ("someone to cook", Category.MEAL),
        ("cooking for us", Category.MEAL),
        ("soup, I'm not feeling great", Category.MEAL),
        ("some food", Category.MEAL),
        # pet
        ("walk the dog", Category.PET),
        ("dogs need out", Category.PET),
        ("feed the cat", Category.PET),
        ("cats", Category.PET),
        ("someone to walk Max Sat morning", Category.PET),
        ("vet check", Category.PET),
        ("pet sitting", Category.PET),
        # errand
        ("shop for me", Category.ERRAND),
        ("shopping", Category.ERRAND),
        ("groceries", Category.ERRAND),
        ("pharmacy run", Category.ERRAND),
        ("pick up prescription Fri 6pm", Category.ERRAND),
        ("prescriptions", Category.ERRAND),
        ("post office", Category.ERRAND),
        ("return a parcel", Category.ERRAND),
        ("parcels", Category.ERRAND),
        # household
        ("clean the bathroom", Category.HOUSEHOLD),
        ("cleaning", Category.HOUSEHOLD),
        ("laundry", Category.HOUSEHOLD),
        ("help in the garden next Tuesday morning", Category.HOUSEHOLD),
        ("gardening", Category.HOUSEHOLD),
        ("repair the shelf", Category.HOUSEHOLD),
        ("fix the tap", Category.HOUSEHOLD),
        ("fixing the door", Category.HOUSEHOLD),
        ("hoover upstairs", Category.HOUSEHOLD),
        ("tidy the kitchen", Category.HOUSEHOLD),
        ("put the bins out", Category.HOUSEHOLD),
        # company
        ("a call this evening, feeling low", Category.COMPANY),
        ("visit me", Category.COMPANY),
        ("talk", Category.COMPANY),
        ("some company", Category.COMPANY),
        ("coffee and a chat", Category.COMPANY),
        ("someone to sit with me", Category.COMPANY),
        ("sitting with Dad", Category.COMPANY),
        # other
        ("help me sort the post", Category.OTHER),
        ("a second pair of hands", Category.OTHER),
        ("", Category.OTHER),
    ],
)
def test_word_lists(text: str, expected: Category) -> None:
    assert recognise_category(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RIDE TO THE HOSPITAL", Category.RIDE),
        ("Dinner", Category.MEAL),
        ("Walk The Dogs", Category.PET),
        ("GROCERIES", Category.ERRAND),
        ("Laundry!", Category.HOUSEHOLD),
        ("Coffee?", Category.COMPANY),
    ],
)
def test_case_insensitive(text: str, expected: Category) -> None:
    assert recognise_category(text) is expected


@pytest.mark.parametrize(
    "text",
    ["category of thing", "scathing", "catalogue", "shopkeeper", "caller id"],
)
def test_whole_words_only(text: str) -> None:
    assert recognise_category(text) is Category.OTHER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # weak "pick up" loses to a specific errand word
        ("pick up prescription", Category.ERRAND),
        # weak "walk" alone still means the dog
        ("walk Max", Category.PET),
        # weak "walk" loses to shopping
        ("walk to the shop with me", Category.ERRAND),
        # tie between ride and pet: ride comes first
        ("ride to the vet", Category.RIDE),
        # tie between meal and company: meal comes first
        ("dinner and a chat", Category.MEAL),
        # more evidence wins over order
        ("coffee and a chat over lunch", Category.COMPANY),
        ("pick up from the hospital", Category.RIDE),
        ("call the pharmacy", Category.ERRAND),
        ("cat food", Category.PET),
        ("clean up after dinner and do the laundry", Category.HOUSEHOLD),
    ],
)
def test_ties_and_weights(text: str, expected: Category) -> None:
    assert recognise_category(text) is expected


def test_scores_count_repeats_and_weights() -> None:
    scores = category_scores("pick up the dog, walk the dog")
    assert scores[Category.PET] == 2 + 2 + 1
    assert scores[Category.RIDE] == 1


@pytest.mark.parametrize(
    ("text", "medical"),
    [
        ("ride to neurology", True),
        ("MRI at St Mary's", True),
        ("MS nurse visit", True),
        ("drive me to the GP", True),
        ("infusion day", True),
        ("blood test at the clinic", True),
        ("dinner on Friday", False),
        ("walk Max", False),
        ("ride to the hairdresser", False),
        ("pick up groceries", False),
    ],
)
def test_a_medical_appointment_is_recognised(text: str, medical: bool) -> None:
    assert looks_medical(text) is medical
