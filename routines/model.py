"""The routine catalog: validated models of the seed routines and a loader for their TOML files.

Every check lives in the models, so a routine built in code is held to the same rules as one
read from a file. The loader only adds what a file brings: its name and the TOML syntax.
"""

import functools
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from enum import StrEnum
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
# Where the body is: a change of position gets a longer get-ready than a change of side.
Position = Literal["back", "front", "side", "kneeling", "sitting", "standing"]
Equipment = Literal["chair", "couch", "stool", "wall", "floor", "step"]

CATALOG_DIR = Path(__file__).with_name("catalog")

MIN_HOLD_SECONDS = 2
MAX_HOLD_SECONDS = 180
MAX_REST_SECONDS = 120
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
Seconds = Annotated[StrictInt, Field(ge=MIN_HOLD_SECONDS, le=MAX_HOLD_SECONDS)]
Rest = Annotated[StrictInt, Field(ge=0, le=MAX_REST_SECONDS)]
Count = Annotated[StrictInt, Field(ge=3, le=120)]
Times = Annotated[StrictInt, Field(ge=1, le=30)]
Sets = Annotated[StrictInt, Field(ge=1, le=4)]
CadencePerWeek = Annotated[StrictInt, Field(ge=1, le=7)]
# Where a number comes from: "seed", or a short citation of published guidance, or "ours".
Source = Annotated[str, Field(min_length=2, max_length=160)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DoseKind(StrEnum):
    HOLD = "hold"  # held still for some seconds, `times` holds with `rest` between
    TEMPO = "tempo"  # moved `times` times, each at the tempo's phases, on one card
    CYCLES = "cycles"  # `times` breath-paced cycles of `cycle` seconds, on one card
    COUNT = "count"  # held for a count, `times` counts with `rest` between


ONE_CARD_KINDS = frozenset({DoseKind.TEMPO, DoseKind.CYCLES})


class Move(_Frozen):
    """One phase of a repetition, e.g. lift for 2 s."""

    move: Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_telegram_text)]
    seconds: Annotated[StrictInt, Field(ge=1, le=10)]


class Dose(_Frozen):
    """How much of one exercise, on one side: exactly one of hold, tempo, cycle or count,
    `times` of it, in `sets` sets."""

    hold: Seconds | None = None
    tempo: tuple[Move, ...] | None = Field(default=None, min_length=1, max_length=4)
    cycle: Seconds | None = None
    count: Count | None = None
    times: Times = 1
    # Between two holds or counts; reps and cycles run on without one.
    rest: Rest = 0
    sets: Sets = 1
    set_rest: Rest = 0
    source: Source

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = [f for f in ("hold", "tempo", "cycle", "count") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("fields 'hold', 'tempo', 'cycle' and 'count': give exactly one")
        if self.kind in (DoseKind.TEMPO, DoseKind.CYCLES) and self.rest:
            raise ValueError("field 'rest': reps and cycles run on; rest between sets instead")
        if self.sets == 1 and self.set_rest:
            raise ValueError("field 'set_rest': one set has nothing to rest between")
        if self.sets > 1 and not self.set_rest:
            raise ValueError("field 'set_rest': sets need a rest between them")
        return self

    @property
    def kind(self) -> DoseKind:
        if self.hold is not None:
            return DoseKind.HOLD
        if self.tempo is not None:
            return DoseKind.TEMPO
        return DoseKind.CYCLES if self.cycle is not None else DoseKind.COUNT

    @property
    def on_one_card(self) -> bool:
        """Reps and cycles run as one card a set; each hold or count has its own."""
        return self.kind in ONE_CARD_KINDS

    def card_seconds(self, count_seconds: int) -> int:
        """How long one card takes: one hold or count, or a whole set of reps or cycles."""
        if self.hold is not None:
            return self.hold
        if self.tempo is not None:
            return self.times * sum(phase.seconds for phase in self.tempo)
        if self.cycle is not None:
            return self.times * self.cycle
        assert self.count is not None, "a dose has one of its four kinds"
        return self.count * count_seconds

    def changed(self, other: "Dose") -> set[str]:
        """The fields that differ from another dose, as one level's change over the last."""
        fields = ("hold", "tempo", "cycle", "count", "times", "rest", "sets", "set_rest")
        return {f for f in fields if getattr(self, f) != getattr(other, f)}


class Step(_Frozen):
    """One exercise, on one or both sides, in one position; its dose is level 1's."""

    id: Identifier
    name: Name
    cue: Text
    caution: Text | None = None
    position: Position
    dose: Dose
    sides: SideMode
    nerve_tension: StrictBool
    # Steps sharing a chain flow into each other on one side before the other side starts,
    # as in a seated progression where the leg stays up while the stretch deepens.
    chain: Identifier | None = None
    # The step done instead of this one by someone who cannot get down on the floor.
    off_floor: Identifier | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.nerve_tension and self.caution is None:
            raise ValueError("field 'caution': a nerve-tension step needs a caution")
        if self.chain is not None and self.sides != "both":
            raise ValueError("field 'chain': only steps with sides = 'both' can be chained")
        return self


class LeftOut(_Frozen):
    """An exercise of the seed that the catalog does not offer, and why."""

    id: Identifier
    name: Name
    reason: Text
    source: Source


class Level(_Frozen):
    """The steps of one difficulty level, in order; a step may repeat for another round.

    `doses` changes steps' doses from this level up: a level inherits the doses of the one
    below it and changes one thing."""

    number: Annotated[StrictInt, Field(ge=1)]
    steps: tuple[Identifier, ...] = Field(min_length=1)
    doses: dict[Identifier, Dose] = Field(default_factory=dict)


class Routine(_Frozen):
    id: Identifier
    title: Name
    summary: Text
    source: Annotated[str, Field(pattern=r"^[\w.-]+\.txt$")]
    equipment: tuple[Equipment, ...] = Field(min_length=1)
    cadence_min: CadencePerWeek | None = None
    cadence_max: CadencePerWeek | None = None
    cadence_text: Text
    cadence_source: Literal["seed", "ours"]
    # The side the seed starts on; it only decides the order when the pain is on both sides.
    first_side: Side | None = None
    # Asked before the routine is chosen; a yes steers the person to another routine.
    not_for_question: Text | None = None
    steps: dict[Identifier, Step] = Field(min_length=1)
    levels: tuple[Level, ...] = Field(min_length=1)
    left_out: tuple[LeftOut, ...] = ()

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
            self._check_off_floor(step)
        self._check_cadence()
        for index, level in enumerate(self.levels, 1):
            self._check_level(index, level)
        return self

    def _check_off_floor(self, step: Step) -> None:
        if step.off_floor is None:
            return
        other = self.steps.get(step.off_floor)
        where = f"step {step.id!r}, field 'off_floor'"
        if other is None:
            raise ValueError(f"{where}: no such step {step.off_floor!r}")
        if other.position in FLOOR_POSITIONS:
            raise ValueError(f"{where}: {other.id!r} is done on the floor too")
        if any(other.id in level.steps for level in self.levels):
            raise ValueError(f"{where}: {other.id!r} is an alternative, not in a level")

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
        alternatives = {s.off_floor for s in self.steps.values() if s.off_floor}
        for step_id, dose in level.doses.items():
            place = f"{where}, step {step_id!r}, field 'doses'"
            if step_id not in level.steps and step_id not in alternatives:
                raise ValueError(f"{place}: the step is not in this level")
            # A new source alone changes nothing the person does.
            if not dose.changed(self.dose(index - 1, step_id)):
                raise ValueError(f"{place}: changes nothing")

    @property
    def top_level(self) -> int:
        return len(self.levels)

    @property
    def positions(self) -> tuple[Position, ...]:
        """The positions the routine uses, in the order it first takes them."""
        used = [self.steps[s].position for level in self.levels for s in level.steps]
        return tuple(dict.fromkeys(used))

    def level(self, n: int) -> Level:
        if not 1 <= n <= self.top_level:
            raise ValueError(f"routine {self.id!r} has levels 1 to {self.top_level}, not {n}")
        return self.levels[n - 1]

    def dose(self, level: int, step_id: str) -> Dose:
        """The step's dose at a level: its own, changed by each level up to this one."""
        dose = self.steps[step_id].dose
        for below in self.levels[:level]:
            dose = below.doses.get(step_id, dose)
        return dose


FLOOR_POSITIONS = frozenset({"back", "front", "side", "kneeling"})


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
