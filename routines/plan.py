"""The ordered steps of one session: a routine at a level, for a person's painful side."""

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from routines.model import (
    FLOOR_POSITIONS,
    ONE_CARD_KINDS,
    Dose,
    DoseKind,
    Level,
    Move,
    Position,
    Routine,
    Side,
    Step,
)

# Level 1 of every routine is worth a reminder: at least 4 minutes of exercise (issue 17).
MIN_WORK_SECONDS = 4 * 60


class PainSide(StrEnum):
    """Where it hurts, as the person told it: one leg, both legs, or the back only."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    BACK = "back"


class Ready(StrEnum):
    """What the pause before a card is for."""

    START = "start"  # getting into the first position
    POSITION = "position"  # a change of position: lying down, getting up, turning over
    SET = "set"  # the rest between two sets
    REST = "rest"  # the rest between two holds or counts
    NEXT = "next"  # the next exercise, or the other side, in the same position


@dataclass(frozen=True)
class Pace:
    """Seconds between cards. A change of position takes longer than a change of side
    (NHS inform's exercise sheets have people roll onto the side to get up: 15 to 20 s)."""

    get_ready: float = 5.0
    position_change: float = 20.0
    count_seconds: int = 1


@dataclass(frozen=True)
class PlannedStep:
    """One card of a session: one hold or count, or one set of reps or cycles."""

    number: int
    step_id: str
    name: str
    cue: str
    caution: str | None
    side: Side | None
    position: Position
    kind: DoseKind
    hold_seconds: int | None
    count: int | None
    tempo: tuple[Move, ...]
    cycle_seconds: int | None
    # Reps or cycles on this card; 1 for a hold or a count.
    times: int
    # Which hold or count of how many (1 of 1 for reps and cycles).
    round: int
    rounds: int
    set: int
    sets: int
    nerve_tension: bool
    # Catalog seconds of exercise on this card, and of the pause before it.
    seconds: int
    ready: float
    ready_for: Ready

    @property
    def on_one_card(self) -> bool:
        return self.kind in ONE_CARD_KINDS


@dataclass(frozen=True)
class SessionPlan:
    routine_id: str
    level: int
    side: PainSide
    steps: tuple[PlannedStep, ...]

    @property
    def work_seconds(self) -> int:
        """Seconds of exercise, without the pauses and rests between cards."""
        return sum(step.seconds for step in self.steps)

    @property
    def total_seconds(self) -> int:
        """The whole session, every pause, rest and change of position included."""
        return math.ceil(sum(step.seconds + step.ready for step in self.steps))

    @property
    def minutes(self) -> int:
        return math.ceil(self.total_seconds / 60)


class _Slot(NamedTuple):
    step: Step
    dose: Dose
    side: Side | None
    round: int
    set: int


def build_session(
    routine: Routine,
    level: int,
    side: PainSide,
    *,
    floor: bool = True,
    pace: Pace | None = None,
) -> SessionPlan:
    """The cards of one session. Without `floor`, steps done lying or kneeling give way to
    the routine's off-the-floor alternatives, and those without one are left out."""
    pace = pace or Pace()
    if pace.count_seconds < 1 or pace.get_ready < 0 or pace.position_change < 0:
        raise ValueError("count_seconds must be at least 1 and the pauses at least 0")
    chosen = routine.level(level)
    order = _side_order(routine, side)
    slots: list[_Slot] = []
    for block in _blocks(routine, chosen, floor=floor):
        slots += _expand(block, order, {s.id: routine.dose(level, s.id) for s in block})
    steps: list[PlannedStep] = []
    for number, slot in enumerate(slots, 1):
        before = slots[number - 2] if number > 1 else None
        ready_for, ready = _pause(before, slot, pace)
        steps.append(_planned(number, slot, pace, ready_for, ready))
    return SessionPlan(routine.id, level, side, tuple(steps))


def works_off_floor(routine: Routine) -> bool:
    """Whether someone who cannot get down on the floor still gets a session worth doing."""
    return build_session(routine, 1, PainSide.BOTH, floor=False).work_seconds >= MIN_WORK_SECONDS


def _side_order(routine: Routine, side: PainSide) -> tuple[Side, Side]:
    """The painful side goes first; with both legs or the back only, the seed's first side
    does."""
    if side == "left":
        return ("left", "right")
    if side == "right":
        return ("right", "left")
    if side in ("both", "back"):
        return ("right", "left") if routine.first_side == "right" else ("left", "right")
    raise ValueError(f"painful side must be left, right, both or back, not {side!r}")


def _blocks(routine: Routine, level: Level, *, floor: bool) -> list[list[Step]]:
    """Group the level's steps into runs done on one side before the other.

    A run is consecutive steps of one chain; it ends where a step comes round again, so a
    level can list a chain twice for two rounds.
    """
    blocks: list[list[Step]] = []
    for step_id in level.steps:
        step = routine.steps[step_id]
        if not floor and step.off_floor is not None:
            step = routine.steps[step.off_floor]
        if not floor and step.position in FLOOR_POSITIONS:
            continue
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


def _expand(block: list[Step], order: tuple[Side, Side], doses: dict[str, Dose]) -> list[_Slot]:
    first = block[0]
    if first.sides == "center":
        return _repeats(first, doses[first.id], None)
    if first.sides == "alternating":
        # Sides take turns hold by hold, set by set.
        dose = doses[first.id]
        return [
            _Slot(first, dose, side, round_, set_)
            for set_ in range(1, dose.sets + 1)
            for round_ in range(1, _rounds(dose) + 1)
            for side in order
        ]
    return [
        slot for side in order for step in block for slot in _repeats(step, doses[step.id], side)
    ]


def _rounds(dose: Dose) -> int:
    return 1 if dose.on_one_card else dose.times


def _repeats(step: Step, dose: Dose, side: Side | None) -> list[_Slot]:
    return [
        _Slot(step, dose, side, round_, set_)
        for set_ in range(1, dose.sets + 1)
        for round_ in range(1, _rounds(dose) + 1)
    ]


def _pause(before: _Slot | None, slot: _Slot, pace: Pace) -> tuple[Ready, float]:
    if before is None:
        return Ready.START, pace.position_change
    if before.step.position != slot.step.position:
        return Ready.POSITION, pace.position_change
    # A later set of the same step: on the same side, or on the next side's turn when the
    # sides alternate set by set. Going back to set 1 is the other side starting.
    if before.step.id == slot.step.id and slot.set > before.set:
        return Ready.SET, max(pace.get_ready, float(slot.dose.set_rest))
    same = before.step.id == slot.step.id and before.side == slot.side
    if same and slot.round != before.round:
        return Ready.REST, max(pace.get_ready, float(slot.dose.rest))
    return Ready.NEXT, pace.get_ready


def _planned(number: int, slot: _Slot, pace: Pace, ready_for: Ready, ready: float) -> PlannedStep:
    step, dose = slot.step, slot.dose
    return PlannedStep(
        number=number,
        step_id=step.id,
        name=step.name,
        cue=step.cue,
        caution=step.caution,
        side=slot.side,
        position=step.position,
        kind=dose.kind,
        hold_seconds=dose.hold,
        count=dose.count,
        tempo=dose.tempo or (),
        cycle_seconds=dose.cycle,
        times=dose.times if dose.on_one_card else 1,
        round=slot.round,
        rounds=_rounds(dose),
        set=slot.set,
        sets=dose.sets,
        nerve_tension=step.nerve_tension,
        seconds=dose.card_seconds(pace.count_seconds),
        ready=ready,
        ready_for=ready_for,
    )
