"""What /away says."""

from __future__ import annotations

from datetime import date

from bot.render.common import e

UNCLEAR = (
    "Until when will you be away? For example:\n"
    "/away until Sunday\n/away until 12 December\n\n"
    "Send /away off when you're back."
)
TOO_FAR = "That's more than a year away. Please pick a date within the next year."


def day(until: date) -> str:
    return until.strftime("%a %-d %b")


def status(until: date | None) -> str:
    if until is None:
        return (
            "You're marked as around. If you'll be away for a while, send for example "
            "/away until Sunday — I won't ask you to help until then."
        )
    return f"🏖 You're away until {day(until)}. Send /away off when you're back."


def away_set(name: str, until: date) -> str:
    return (
        f"🏖 Enjoy your time away, {e(name)}. I won't ask you to help until {day(until)} "
        "(inclusive). Send /away off if you're back sooner."
    )


def welcome_back(name: str) -> str:
    return f"👋 Welcome back, {e(name)}! You're marked as around again."


def away_line(away: list[tuple[str, date]]) -> str:
    people = ", ".join(f"{e(name)} (until {day(until)})" for name, until in away)
    return f"🏖 Away: {people}"
