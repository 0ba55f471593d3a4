"""One parser for every number a person types or a button carries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routines.numbers import parse_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 10 ", 10),
        ("0", 0),
        ("٣", None),  # Arabic-Indic three: ASCII digits only, as for times
        ("11", None),  # above the top
        ("²", None),  # a digit that int() refuses
        ("①", None),
        ("-1", None),
        ("+3", None),
        ("3.5", None),
        ("", None),
        ("1" * 10_000, None),
    ],
)
def test_reads_decimal_digits_within_bounds(text: str, expected: int | None) -> None:
    assert parse_int(text, high=10) == expected


@given(st.text(max_size=30))
def test_never_raises_and_stays_in_bounds(text: str) -> None:
    value = parse_int(text, low=1, high=90)
    assert value is None or 1 <= value <= 90
