"""Whole numbers typed or carried in buttons, read one way everywhere."""

from __future__ import annotations


def parse_int(text: str, *, low: int = 0, high: int) -> int | None:
    """The number in `text` if it is one between `low` and `high`, else None.

    Only decimal digits count. `str.isdigit` also admits "²" and "①", which `int()` refuses
    with an exception; decimal digits of other scripts ("٣") are read as people mean them.
    The length is checked first, so a forged string of a million digits costs nothing."""
    value = text.strip()
    if not value.isdecimal() or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None
