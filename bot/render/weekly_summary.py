"""The coordinators' weekly summary as it reads: warm, short, and never a ranking."""

from __future__ import annotations

from datetime import timedelta

from bot.render.common import e, joined
from bot.services.weekly_summary import WeeklySummary

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OPEN_SHOWN = 3  # needs named as still open a day before; the rest are counted
NAMES_SHOWN = 6


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def _names(names: list[str]) -> str:
    if len(names) > NAMES_SHOWN:
        names = [*names[: NAMES_SHOWN - 1], f"{len(names) - NAMES_SHOWN + 1} others"]
    return joined(names)


def wait_text(wait: timedelta) -> str:
    minutes = wait.total_seconds() / 60
    if minutes < 60:
        return f"about {_count(max(1, round(minutes)), 'minute', 'minutes')}"
    hours = minutes / 60
    if hours < 36:
        return f"about {_count(round(hours), 'hour', 'hours')}"
    return f"about {_count(round(hours / 24), 'day', 'days')}"


def _week_line(summary: WeeklySummary) -> str:
    last = (summary.end - timedelta(seconds=1)).astimezone(summary.zone).date()
    first = summary.start.astimezone(summary.zone).date()
    return (
        f"{_WEEKDAYS[first.weekday()]} {first.day} {_MONTHS[first.month - 1]} – "
        f"{_WEEKDAYS[last.weekday()]} {last.day} {_MONTHS[last.month - 1]}"
    )


def spread_text(spread: tuple[tuple[str, int], ...]) -> str:
    """How the last 30 days' help was carried, as a sentence about people, not a table."""
    total = sum(times for _name, times in spread)
    if total == 0:
        return (
            "Nobody took a need in the last 30 days. If things have been quiet, that's fine; "
            "if help has been missing, a warm word in the group can bring people back."
        )
    by_load = sorted(spread, key=lambda pair: -pair[1])
    name, most = by_load[0]
    if len(spread) == 1:
        return (
            f"{e(name)} carried all of the help this month ({most} of {total}). "
            "A gentle word to others in the circle might share the load — "
            f"and give {e(name)} a rest."
        )
    if most * 2 > total:
        return (
            f"{e(name)} carried most of the help this month ({most} of {total}). "
            "A gentle word to others in the circle might share the load — "
            f"and give {e(name)} a rest."
        )
    two = by_load[0][1] + by_load[1][1]
    if len(spread) >= 3 and two * 3 > total * 2:
        pair = sorted([by_load[0][0], by_load[1][0]], key=str.lower)
        return (
            f"{e(_names(pair))} carried most of the help this month ({two} of {total}). "
            "A gentle word to others in the circle might spread it."
        )
    everyone = [name for name, _times in spread]  # already alphabetical
    return (
        f"Help was shared by {e(_names(everyone))} this month "
        f"({_count(total, 'time', 'times')} in all). Lovely to see it spread."
    )


def summary_text(summary: WeeklySummary, late: bool = False) -> str:
    lines = [
        f"💛 <b>How the week went for {e(summary.patient_name)}</b>",
        f"<i>{_week_line(summary)}</i>",
        "",
        (
            f"• {_count(summary.posted, 'need', 'needs')} posted, "
            f"{summary.claimed} taken, {summary.done} done."
        ),
    ]
    if summary.median_wait is not None:
        lines.append(f"• Needs waited {wait_text(summary.median_wait)} for a helper.")
    if summary.open_day_before:
        shown = [f"“{e(d)}”" for d in summary.open_day_before[:OPEN_SHOWN]]
        more = len(summary.open_day_before) - OPEN_SHOWN
        listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        was = "was" if len(summary.open_day_before) == 1 else "were"
        lines.append(
            f"• {_count(len(summary.open_day_before), 'need', 'needs')} {was} still open a day "
            f"before {'its' if len(summary.open_day_before) == 1 else 'their'} time: {listed}."
        )
    elif summary.due:
        lines.append("• Every need this week had a helper at least a day before its time.")
    lines += ["", "<b>The last 30 days</b>", spread_text(summary.spread), ""]
    lines.append(f"Thank you for looking after {e(summary.patient_name)} and the circle. 💛")
    if late:
        lines.append("<i>(A little late — I was offline for a while.)</i>")
    return "\n".join(lines)
