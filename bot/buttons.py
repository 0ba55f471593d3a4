"""Every kind of inline button, as a small typed class: its prefix and fields, packed into
short, versioned callback_data and parsed back.

Buttons only carry ids and choices; handlers re-check ids against the pressing person's
own rows. Anything that does not parse (an old version, forged or oversized data, a value
out of its type) is None, and the person is told the button is out of date."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self, get_type_hints

from routines.numbers import parse_int
from routines.plan import PainSide
from routines.safety import Flag, NextDay, Phase, Tingling
from routines.session import NerveChoice

VERSION = "1"
MAX_BYTES = 64
# Ids in buttons are database keys: a signed 64-bit integer at most.
ID_MAX = 2**63 - 1
YES, NO = "y", "n"


class Moment(StrEnum):
    """A check-in's phase, in one letter to keep callback_data short."""

    BEFORE = "b"
    DURING = "d"
    AFTER = "a"

    @property
    def phase(self) -> Phase:
        return {"b": Phase.BEFORE, "d": Phase.DURING, "a": Phase.AFTER}[self.value]


class Command(StrEnum):
    PAUSE = "p"
    RESUME = "r"
    SKIP = "k"
    STOP = "s"
    HURT = "h"
    DONE = "d"


class Origin(StrEnum):
    """Where the red-flag screen was asked."""

    ONBOARDING = "onb"
    CHECK = "chk"  # /redflags, the four-weekly check, after new numbness
    LIFT = "lift"  # before a safety pause is lifted


class Setting(StrEnum):
    ROUTINE = "routine"
    SIDE = "side"
    DAYS = "days"
    TIME = "time"
    ZONE = "zone"
    FLOOR = "floor"


@dataclass(frozen=True)
class Button:
    PREFIX: ClassVar[str]

    def pack(self) -> str:
        """The callback_data; over Telegram's 64 bytes is a bug, caught as the keyboard is
        built rather than when Telegram refuses the message."""
        values = [_pack(getattr(self, f.name)) for f in dataclasses.fields(self)]
        data = "|".join([VERSION, self.PREFIX, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, args: Sequence[str]) -> Self | None:
        fields = dataclasses.fields(cls)
        if len(args) != len(fields):
            return None
        hints = _hints(cls)
        values = [_parse(hints[f.name], arg) for f, arg in zip(fields, args, strict=True)]
        if any(v is None for v in values):
            return None
        return cls(*values)


_HINTS: dict[type[Button], dict[str, Any]] = {}


def _hints(cls: type[Button]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _pack(value: object) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    return str(value.value if isinstance(value, StrEnum) else value)


def _parse(kind: Any, text: str) -> object | None:
    if kind is bool:
        return {YES: True, NO: False}.get(text)
    if kind is int:
        return parse_int(text, high=ID_MAX)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind(text) if text in set(kind) else None
    return text or None


def unpack(data: str | None, kinds: Sequence[type[Button]]) -> Button | None:
    """The button this data packs, if it is one of `kinds` and parses."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    version, _, rest = data.partition("|")
    prefix, *args = rest.split("|")
    if version != VERSION:
        return None
    kind = next((k for k in kinds if prefix == k.PREFIX), None)
    return kind.parse(args) if kind else None


# Onboarding and settings


@dataclass(frozen=True)
class Consent(Button):
    PREFIX = "ok"


@dataclass(frozen=True)
class RedFlags(Button):
    """An answer to one tier of the red-flag screen."""

    PREFIX = "rf"
    origin: Origin
    tier: Flag
    yes: bool


@dataclass(frozen=True)
class PreScreen(Button):
    PREFIX = "ps"
    yes: bool


@dataclass(frozen=True)
class BothLegs(Button):
    """Whether pain in both legs is new or getting worse."""

    PREFIX = "bl"
    new: bool


@dataclass(frozen=True)
class Weakness(Button):
    PREFIX = "wk"
    yes: bool


@dataclass(frozen=True)
class FlareUp(Button):
    PREFIX = "fu"


@dataclass(frozen=True)
class RoutineList(Button):
    PREFIX = "rl"


@dataclass(frozen=True)
class RoutinePreview(Button):
    PREFIX = "rp"
    routine_id: str


@dataclass(frozen=True)
class RoutineChoice(Button):
    PREFIX = "rc"
    routine_id: str


@dataclass(frozen=True)
class LearnCard(Button):
    PREFIX = "lc"
    index: int


@dataclass(frozen=True)
class RoutineFit(Button):
    """The answer to a routine's "not for you if" question: `fits` goes on with it."""

    PREFIX = "fit"
    routine_id: str
    fits: bool


@dataclass(frozen=True)
class FloorChoice(Button):
    PREFIX = "fl"
    floor: bool


@dataclass(frozen=True)
class SideChoice(Button):
    PREFIX = "sd"
    side: PainSide


@dataclass(frozen=True)
class DayToggle(Button):
    PREFIX = "dy"
    day: int  # Monday is 0


@dataclass(frozen=True)
class DaysDone(Button):
    PREFIX = "dd"


@dataclass(frozen=True)
class TimeChoice(Button):
    PREFIX = "tm"
    hhmm: str  # "0730": a colon would do, but a digit string is shorter to check


@dataclass(frozen=True)
class ChangeSomething(Button):
    PREFIX = "chg"


@dataclass(frozen=True)
class SettingChoice(Button):
    PREFIX = "set"
    item: Setting


# The plan


@dataclass(frozen=True)
class PauseFor(Button):
    PREFIX = "pz"
    days: int  # 0: until the person resumes


@dataclass(frozen=True)
class Cleared(Button):
    PREFIX = "clr"
    yes: bool


@dataclass(frozen=True)
class DeleteConfirm(Button):
    PREFIX = "del"
    yes: bool


@dataclass(frozen=True)
class StartNow(Button):
    PREFIX = "now"


@dataclass(frozen=True)
class Snooze(Button):
    PREFIX = "sn"
    delivery_id: int


@dataclass(frozen=True)
class SkipToday(Button):
    PREFIX = "sk"
    delivery_id: int


@dataclass(frozen=True)
class RedFlagCheck(Button):
    PREFIX = "rq"


# A running session


@dataclass(frozen=True)
class Control(Button):
    PREFIX = "sc"
    session_id: int
    index: int
    command: Command


@dataclass(frozen=True)
class Pain(Button):
    PREFIX = "p"
    session_id: int
    moment: Moment
    pain: int


@dataclass(frozen=True)
class SharpPain(Button):
    PREFIX = "sp"
    session_id: int


@dataclass(frozen=True)
class TinglingAnswer(Button):
    PREFIX = "t"
    session_id: int
    moment: Moment
    tingling: Tingling


@dataclass(frozen=True)
class NerveCheck(Button):
    PREFIX = "dq"
    session_id: int
    choice: NerveChoice


@dataclass(frozen=True)
class ResumeOffer(Button):
    PREFIX = "rs"
    session_id: int
    resume: bool


@dataclass(frozen=True)
class LevelUp(Button):
    PREFIX = "up"
    session_id: int
    accept: bool


@dataclass(frozen=True)
class NextDayAnswer(Button):
    PREFIX = "nd"
    session_id: int
    answer: NextDay
