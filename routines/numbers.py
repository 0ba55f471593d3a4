"""Whole numbers typed or carried in buttons, read one way everywhere."""

from __future__ import annotations


def parse_int(text: str, *, low: int = 0, high: int) -> int | None:
    """The number in `text` if it is one between `low` and `high`, else None.

    Only ASCII digits count, as in times and offsets (routines/timeinput.py): `str.isdigit`
    also admits "²" and "①", which `int()` refuses with an exception, and the bot's texts
    and buttons use ASCII digits throughout. The length is checked first, so a forged
    string of a million digits costs nothing."""
    value = text.strip()
    if not (value.isascii() and value.isdecimal()) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None
