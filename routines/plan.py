"""The ordered steps of one session: a routine at a level, for a person's painful side."""

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from routines.model import Level, Routine, Side, Step


class PainSide(StrEnum):
    """The side that hurts, as the person told it."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


@dataclass(frozen=True)
class PlannedStep:
    number: int
    step_id: str
    name: str
    cue: str
    caution: str | None
    side: Side | None
    hold_seconds: int | None
    count: int | None
    rep: int
    reps: int
    nerve_tension: bool
    seconds: int


@dataclass(frozen=True)
class SessionPlan:
    routine_id: str
    level: int
    side: PainSide
    steps: tuple[PlannedStep, ...]
    total_seconds: int

    @property
    def minutes(self) -> int:
        return math.ceil(self.total_seconds / 60)


class _Slot(NamedTuple):
    step: Step
    side: Side | None
    rep: int


def build_session(
    routine: Routine,
    level: int,
    side: PainSide,
    *,
    count_seconds: int = 1,
    gap_seconds: int = 5,
) -> SessionPlan:
    if count_seconds < 1 or gap_seconds < 0:
        raise ValueError("count_seconds must be at least 1 and gap_seconds at least 0")
    chosen = routine.level(level)
    order = _side_order(routine, side)
    slots = [slot for block in _blocks(routine, chosen) for slot in _expand(block, order)]
    steps = tuple(
        _session_step(number, slot, chosen, count_seconds) for number, slot in enumerate(slots, 1)
    )
    total = sum(step.seconds for step in steps) + gap_seconds * max(len(steps) - 1, 0)
    return SessionPlan(routine.id, level, side, steps, total)


def _side_order(routine: Routine, side: PainSide) -> tuple[Side, Side]:
    """The painful side goes first; with pain on both sides, the seed's first side does."""
    if side == "left":
        return ("left", "right")
    if side == "right":
        return ("right", "left")
    if side == "both":
        return ("right", "left") if routine.first_side == "right" else ("left", "right")
    raise ValueError(f"painful side must be left, right or both, not {side!r}")


def _blocks(routine: Routine, level: Level) -> list[list[Step]]:
    """Group the level's steps into runs done on one side before the other.

    A run is consecutive steps of one chain; it ends where a step comes round again, so a
    level can list a chain twice for two rounds.
    """
    blocks: list[list[Step]] = []
    for step_id in level.steps:
        step = routine.steps[step_id]
        current = blocks[-1] if blocks else []
        continues = (
            step.chain is not None
            and bool(current)
            and current[-1].chain == step.chain
            and all(done.id != step.id for done in current)
        )
        if continues:
            current.append(step)
        else:
            blocks.append([step])
    return blocks


def _expand(block: list[Step], order: tuple[Side, Side]) -> list[_Slot]:
    first = block[0]
    reps = range(1, first.reps + 1)
    # Only sides = "both" steps chain, so a centre or alternating step is a block of its own.
    if first.sides == "center":
        return [_Slot(first, None, rep) for rep in reps]
    if first.sides == "alternating":
        return [_Slot(first, side, rep) for rep in reps for side in order]
    return [
        _Slot(step, side, rep)
        for side in order
        for step in block
        for rep in range(1, step.reps + 1)
    ]


def _session_step(number: int, slot: _Slot, level: Level, count_seconds: int) -> PlannedStep:
    step = slot.step
    return PlannedStep(
        number=number,
        step_id=step.id,
        name=step.name,
        cue=step.cue,
        caution=step.caution,
        side=slot.side,
        hold_seconds=level.hold_for(step),
        count=step.count,
        rep=slot.rep,
        reps=step.reps,
        nerve_tension=step.nerve_tension,
        seconds=level.seconds_for(step, count_seconds),
    )
