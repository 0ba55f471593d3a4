"""The routine catalog: validated models of the seed routines and a loader for their TOML files.

Every check lives in the models, so a routine built in code is held to the same rules as one
read from a file. The loader only adds what a file brings: its name and the TOML syntax.
"""

import functools
import math
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

SideMode = Literal["both", "alternating", "center"]
Side = Literal["left", "right"]
Position = Literal["seated", "lying", "standing", "kneeling"]
Equipment = Literal["chair", "couch", "stool", "wall", "floor", "step"]

CATALOG_DIR = Path(__file__).with_name("catalog")

MIN_HOLD_SECONDS = 5
MAX_HOLD_SECONDS = 180
# A name, a cue and a caution at these sizes fit in one 4096-character Telegram message with
# room to spare for the side, the hold and the buttons' text.
MAX_TEXT_CHARS = 600
MAX_NAME_CHARS = 80
# Ids travel inside callback_data, which Telegram caps at 64 bytes.
MAX_ID_CHARS = 32


class CatalogError(ValueError):
    """A routine file that cannot be used; the message names the file, the step and the field."""


def _telegram_text(text: str) -> str:
    """Refuse text a message cannot carry; pydantic already refuses lone surrogates."""
    text = text.strip()
    if not text:
        raise ValueError("must not be empty")
    for char in text:
        if char != "\n" and unicodedata.category(char) == "Cc":
            raise ValueError(f"holds U+{ord(char):04X}, which a Telegram message cannot carry")
    return text


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_ID_CHARS)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), AfterValidator(_telegram_text)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_telegram_text)]
HoldSeconds = Annotated[StrictInt, Field(ge=MIN_HOLD_SECONDS, le=MAX_HOLD_SECONDS)]
Count = Annotated[StrictInt, Field(ge=3, le=120)]
Reps = Annotated[StrictInt, Field(ge=1, le=20)]
CadencePerWeek = Annotated[StrictInt, Field(ge=1, le=7)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Frozen):
    """One exercise position, held for some seconds or for a count, on one or both sides."""

    id: Identifier
    name: Name
    cue: Text
    caution: Text | None = None
    hold_seconds: HoldSeconds | None = None
    count: Count | None = None
    reps: Reps = 1
    sides: SideMode
    nerve_tension: StrictBool
    # Steps sharing a chain flow into each other on one side before the other side starts,
    # as in a seated progression where the leg stays up while the stretch deepens.
    chain: Identifier | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.hold_seconds is None) == (self.count is None):
            raise ValueError("fields 'hold_seconds' and 'count': give exactly one of them")
        if self.nerve_tension and self.caution is None:
            raise ValueError("field 'caution': a nerve-tension step needs a caution")
        if self.chain is not None and self.sides != "both":
            raise ValueError("field 'chain': only steps with sides = 'both' can be chained")
        return self

    @property
    def performances(self) -> int:
        """How many times a session does this step: each rep, on each side it uses."""
        return self.reps * (1 if self.sides == "center" else 2)


class Level(_Frozen):
    """The steps of one difficulty level, in order; a step may repeat for another round."""

    number: Annotated[StrictInt, Field(ge=1)]
    steps: tuple[Identifier, ...] = Field(min_length=1)
    # Gentler levels may hold a step for less time than the seed does.
    hold_seconds: dict[Identifier, HoldSeconds] = Field(default_factory=dict)

    def hold_for(self, step: Step) -> int | None:
        return self.hold_seconds.get(step.id, step.hold_seconds)

    def seconds_for(self, step: Step, count_seconds: int) -> int:
        """How long one performance of the step takes at this level."""
        hold = self.hold_for(step)
        if hold is not None:
            return hold
        assert step.count is not None, "a Step has a hold or a count"
        return step.count * count_seconds


class Routine(_Frozen):
    id: Identifier
    title: Name
    summary: Text
    source: Annotated[str, Field(pattern=r"^[\w.-]+\.txt$")]
    positions: tuple[Position, ...] = Field(min_length=1)
    equipment: tuple[Equipment, ...] = Field(min_length=1)
    cadence_min: CadencePerWeek | None = None
    cadence_max: CadencePerWeek | None = None
    cadence_text: Text
    cadence_source: Literal["seed", "ours"]
    # The side the seed starts on; it only decides the order when the pain is on both sides.
    first_side: Side | None = None
    steps: dict[Identifier, Step] = Field(min_length=1)
    levels: tuple[Level, ...] = Field(min_length=1)

    @field_validator("steps", mode="before")
    @classmethod
    def _index_steps(cls, value: object) -> object:
        """Files list steps in order; index them by id, refusing an id used twice."""
        if not isinstance(value, list):
            return value
        by_id: dict[object, object] = {}
        for position, item in enumerate(value, 1):
            step_id = item.id if isinstance(item, Step) else _raw_id(item)
            if step_id is None:
                raise ValueError(f"step number {position} has no 'id'")
            if step_id in by_id:
                raise ValueError(f"duplicate step id {step_id!r}")
            by_id[step_id] = item
        return by_id

    @model_validator(mode="after")
    def _check(self) -> Self:
        for key, step in self.steps.items():
            if key != step.id:
                raise ValueError(f"step {key!r}, field 'id': filed under {step.id!r}")
        self._check_cadence()
        for index, level in enumerate(self.levels, 1):
            self._check_level(index, level)
        return self

    def _check_cadence(self) -> None:
        if (self.cadence_min is None) != (self.cadence_max is None):
            raise ValueError("fields 'cadence_min' and 'cadence_max': give both or neither")
        low, high = self.cadence_min, self.cadence_max
        if low is not None and high is not None and low > high:
            raise ValueError("field 'cadence_min': more than cadence_max")

    def _check_level(self, index: int, level: Level) -> None:
        where = f"level {level.number}"
        if level.number != index:
            raise ValueError(f"{where}, field 'number': levels must be numbered 1 to N in order")
        for step_id in level.steps:
            step = self.steps.get(step_id)
            if step is None:
                raise ValueError(f"{where}, step {step_id!r}, field 'steps': no such step")
            if index == 1 and step.nerve_tension:
                raise ValueError(
                    f"{where}, step {step_id!r}, field 'nerve_tension': "
                    "level 1 must not hold a nerve-tension step"
                )
        for step_id, seconds in level.hold_seconds.items():
            self._check_override(level, step_id, seconds)

    def _check_override(self, level: Level, step_id: str, seconds: int) -> None:
        where = f"level {level.number}, step {step_id!r}, field 'hold_seconds'"
        if step_id not in level.steps:
            raise ValueError(f"{where}: the step is not in this level")
        own = self.steps[step_id].hold_seconds
        if own is None:
            raise ValueError(f"{where}: the step is counted, not held")
        if level.number == len(self.levels):
            raise ValueError(f"{where}: the top level keeps the seed's holds")
        if seconds > own:
            raise ValueError(f"{where}: a lower level may not hold longer than the seed")

    @property
    def top_level(self) -> int:
        return len(self.levels)

    def level(self, n: int) -> Level:
        if not 1 <= n <= self.top_level:
            raise ValueError(f"routine {self.id!r} has levels 1 to {self.top_level}, not {n}")
        return self.levels[n - 1]

    def seconds(self, level: int, *, count_seconds: int = 1, gap_seconds: int = 5) -> int:
        """Estimated length of a session: every performance plus a gap between each two."""
        chosen = self.level(level)
        used = [self.steps[step_id] for step_id in chosen.steps]
        work = sum(s.performances * chosen.seconds_for(s, count_seconds) for s in used)
        performances = sum(s.performances for s in used)
        return work + gap_seconds * (performances - 1)

    def minutes(self, level: int) -> int:
        return math.ceil(self.seconds(level) / 60)


def _raw_id(item: object) -> object:
    if isinstance(item, Mapping):
        return item.get("id")
    return None


class Catalog:
    """The routines by id, in the order of their file names."""

    def __init__(self, routines: Mapping[str, Routine]) -> None:
        self.routines: dict[str, Routine] = dict(routines)

    def get(self, routine_id: str) -> Routine:
        return self.routines[routine_id]

    def __iter__(self) -> Iterator[Routine]:
        return iter(self.routines.values())

    def __len__(self) -> int:
        return len(self.routines)


def load_catalog(directory: Path | None = None) -> Catalog:
    folder = CATALOG_DIR if directory is None else directory
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise CatalogError(f"{folder}: no routine files (*.toml)")
    routines = [_load_routine(path) for path in paths]
    # File names are unique and each must equal its routine's id, so ids cannot repeat.
    return Catalog({routine.id: routine for routine in routines})


@functools.cache
def default_catalog() -> Catalog:
    return load_catalog()


def _load_routine(path: Path) -> Routine:
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path.name}: not readable TOML: {exc}") from exc
    try:
        routine = Routine.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_explain(error) for error in exc.errors())
        raise CatalogError(f"{path.name}: {problems}") from exc
    if routine.id != path.stem:
        raise CatalogError(
            f"{path.name}: field 'id': routine id {routine.id!r} must match the file name"
        )
    return routine


def _explain(error: ErrorDetails) -> str:
    ctx = error.get("ctx", {})
    problem = str(ctx["error"]) if error["type"] == "value_error" else error["msg"]
    where = _location(error["loc"])
    return f"{where}: {problem}" if where else problem


def _location(loc: tuple[int | str, ...]) -> str:
    match loc:
        case ("steps", str(step_id), *rest):
            parts = [f"step {step_id!r}"]
        case ("levels", int(index), *rest):
            parts = [f"level entry {index + 1}"]
        case _:
            parts, rest = [], list(loc)
    if rest:
        parts.append("field " + repr(".".join(str(part) for part in rest)))
    return ", ".join(parts)
