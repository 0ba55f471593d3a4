"""Versioned, short callback_data. It only carries ids; handlers re-check them against the
pressing person's own rows."""

from __future__ import annotations

from dataclasses import dataclass

from routines.numbers import parse_int

VERSION = "1"
MAX_BYTES = 64
# Ids in buttons are database keys: a signed 64-bit integer at most.
ID_MAX = 2**63 - 1


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str:
        return self.args[index] if index < len(self.args) else ""

    def int_arg(self, index: int) -> int | None:
        return parse_int(self.arg(index), high=ID_MAX)


def pack(action: str, *args: object) -> str:
    data = "|".join([VERSION, action, *(str(a) for a in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> Callback | None:
    """None for anything that is not ours: old versions, forged or oversized data."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != VERSION or not parts[1]:
        return None
    return Callback(action=parts[1], args=tuple(parts[2:]))
