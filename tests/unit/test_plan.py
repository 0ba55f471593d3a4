"""Expanding a routine level into the cards of one session, with the pause before each."""

import math
from collections import Counter
from typing import Any

import pytest

from routines.model import FLOOR_POSITIONS, DoseKind, Routine, default_catalog
from routines.plan import Pace, PainSide, Ready, SessionPlan, build_session

PACE = Pace()
TEMPO = [
    {"move": "lift", "seconds": 2},
    {"move": "hold", "seconds": 5},
    {"move": "lower", "seconds": 2},
]


def _step(step_id: str, sides: str, position: str, dose: dict[str, Any], **extra: Any) -> Any:
    data: dict[str, Any] = {
        "id": step_id,
        "name": step_id.title(),
        "cue": f"Do the {step_id}.",
        "position": position,
        "sides": sides,
        "nerve_tension": False,
        "dose": {"source": "ours", **dose},
    }
    data.update(extra)
    return data


def make_routine(first_side: str | None = None) -> Routine:
    data: dict[str, Any] = {
        "id": "demo",
        "title": "Demo",
        "summary": "A routine for plan tests.",
        "source": "000_demo.txt",
        "equipment": ["floor"],
        "cadence_text": "Often.",
        "cadence_source": "ours",
        "steps": [
            _step("hug", "center", "back", {"hold": 30, "times": 3, "rest": 10}),
            _step("knee", "both", "back", {"hold": 20, "times": 2}),
            _step(
                "cross",
                "alternating",
                "back",
                {"count": 20, "times": 3, "sets": 2, "set_rest": 30},
                off_floor="wall",
            ),
            _step(
                "wall",
                "alternating",
                "standing",
                {"count": 20, "times": 3, "sets": 2, "set_rest": 30},
            ),
            _step("sit", "both", "sitting", {"hold": 10}, chain="flow"),
            _step("lift", "both", "sitting", {"hold": 30}, chain="flow"),
            _step(
                "reach",
                "both",
                "sitting",
                {"hold": 10},
                chain="flow",
                nerve_tension=True,
                caution="Stop if it tingles.",
            ),
            _step("catcow", "center", "kneeling", {"cycle": 10, "times": 8}),
            _step("bridge", "center", "back", {"tempo": TEMPO, "times": 10}),
            _step(
                "clam",
                "both",
                "side",
                {"tempo": TEMPO, "times": 6, "sets": 2, "set_rest": 40},
            ),
        ],
        "levels": [
            {
                "number": 1,
                "steps": ["hug"],
            },
            {
                "number": 2,
                "steps": ["hug", "knee", "cross"],
                "doses": {"hug": {"hold": 15, "times": 3, "rest": 10, "source": "ours"}},
            },
            {"number": 3, "steps": ["sit", "lift", "sit", "lift", "reach"]},
            {"number": 4, "steps": ["catcow", "bridge", "clam"]},
        ],
    }
    if first_side is not None:
        data["first_side"] = first_side
    return Routine.model_validate(data)


def trace(plan: SessionPlan, step_id: str | None = None) -> list[tuple[str, str | None, int]]:
    return [
        (step.step_id, step.side, step.round)
        for step in plan.steps
        if step_id is None or step.step_id == step_id
    ]


def pauses(plan: SessionPlan) -> list[tuple[str, Ready, float]]:
    return [(step.step_id, step.ready_for, step.ready) for step in plan.steps]


# --- cards -----------------------------------------------------------------------------------


def test_center_step_gets_a_card_per_hold_without_a_side() -> None:
    plan = build_session(make_routine(), 1, PainSide.LEFT)
    assert trace(plan) == [("hug", None, 1), ("hug", None, 2), ("hug", None, 3)]
    assert all(step.rounds == 3 and step.times == 1 for step in plan.steps)


@pytest.mark.parametrize(
    ("pain", "first", "second"),
    [("left", "left", "right"), ("right", "right", "left"), ("both", "left", "right")],
)
def test_both_sides_step_does_every_hold_on_the_painful_side_first(
    pain: PainSide, first: str, second: str
) -> None:
    plan = build_session(make_routine(), 2, pain)
    assert trace(plan, "knee") == [
        ("knee", first, 1),
        ("knee", first, 2),
        ("knee", second, 1),
        ("knee", second, 2),
    ]


def test_routine_first_side_decides_only_when_pain_is_on_both_sides() -> None:
    routine = make_routine(first_side="right")
    assert trace(build_session(routine, 2, PainSide.BOTH), "knee")[0] == ("knee", "right", 1)
    assert trace(build_session(routine, 2, PainSide.LEFT), "knee")[0] == ("knee", "left", 1)


def test_alternating_step_switches_sides_every_count_and_every_set() -> None:
    plan = build_session(make_routine(), 2, PainSide.RIGHT)
    cards = [(s.side, s.round, s.set) for s in plan.steps if s.step_id == "cross"]
    assert cards == [
        (side, round_, set_)
        for set_ in (1, 2)
        for round_ in (1, 2, 3)
        for side in ("right", "left")
    ]
    assert {(s.rounds, s.sets) for s in plan.steps if s.step_id == "cross"} == {(3, 2)}


def test_chain_runs_on_one_side_then_the_other_and_restarts_for_a_second_round() -> None:
    plan = build_session(make_routine(), 3, PainSide.RIGHT)
    assert trace(plan) == [
        ("sit", "right", 1),
        ("lift", "right", 1),
        ("sit", "left", 1),
        ("lift", "left", 1),
        ("sit", "right", 1),
        ("lift", "right", 1),
        ("reach", "right", 1),
        ("sit", "left", 1),
        ("lift", "left", 1),
        ("reach", "left", 1),
    ]


def test_reps_and_cycles_are_one_card_a_set() -> None:
    plan = build_session(make_routine(), 4, PainSide.LEFT)
    by_id: dict[str, list[Any]] = {}
    for card in plan.steps:
        by_id.setdefault(card.step_id, []).append(card)
    (catcow,) = by_id["catcow"]
    assert (catcow.kind, catcow.times, catcow.cycle_seconds, catcow.seconds) == (
        DoseKind.CYCLES,
        8,
        10,
        80,
    )
    (bridge,) = by_id["bridge"]
    assert (bridge.kind, bridge.times, bridge.rounds, bridge.seconds) == (DoseKind.TEMPO, 10, 1, 90)
    assert [phase.move for phase in bridge.tempo] == ["lift", "hold", "lower"]
    # Two sets on each side, painful side first.
    assert [(c.side, c.set, c.sets, c.seconds) for c in by_id["clam"]] == [
        ("left", 1, 2, 54),
        ("left", 2, 2, 54),
        ("right", 1, 2, 54),
        ("right", 2, 2, 54),
    ]


def test_seconds_of_a_count_follow_the_pace() -> None:
    plan = build_session(make_routine(), 2, PainSide.LEFT, pace=Pace(count_seconds=2))
    cross = next(step for step in plan.steps if step.step_id == "cross")
    assert (cross.count, cross.hold_seconds, cross.seconds) == (20, None, 40)


def test_level_dose_applies() -> None:
    plan = build_session(make_routine(), 2, PainSide.LEFT)
    assert {step.hold_seconds for step in plan.steps if step.step_id == "hug"} == {15}


def test_steps_are_numbered_from_one_in_order() -> None:
    plan = build_session(make_routine(), 2, PainSide.BOTH)
    assert [step.number for step in plan.steps] == list(range(1, len(plan.steps) + 1))
    assert len(plan.steps) == 3 + 4 + 12


def test_step_carries_the_step_text_and_flags() -> None:
    plan = build_session(make_routine(), 3, PainSide.LEFT)
    reach = next(step for step in plan.steps if step.step_id == "reach")
    assert (reach.name, reach.cue, reach.position) == ("Reach", "Do the reach.", "sitting")
    assert reach.caution == "Stop if it tingles."
    assert reach.nerve_tension is True
    assert not any(step.nerve_tension for step in plan.steps if step.step_id != "reach")


# --- the pause before each card --------------------------------------------------------------


def test_pauses_for_the_start_a_rest_and_the_next_exercise() -> None:
    plan = build_session(make_routine(), 2, PainSide.LEFT)
    got = pauses(plan)
    start, rest = PACE.position_change, 10.0
    # The hug's rest is 10 s; the knee has none, so its holds get the 5 s get-ready.
    assert got[:7] == [
        ("hug", Ready.START, start),
        ("hug", Ready.REST, rest),
        ("hug", Ready.REST, rest),
        ("knee", Ready.NEXT, PACE.get_ready),
        ("knee", Ready.REST, PACE.get_ready),
        ("knee", Ready.NEXT, PACE.get_ready),
        ("knee", Ready.REST, PACE.get_ready),
    ]


def test_alternating_sides_rest_by_taking_turns_and_rest_between_sets() -> None:
    plan = build_session(make_routine(), 2, PainSide.LEFT)
    cross = [(s.set, s.ready_for, s.ready) for s in plan.steps if s.step_id == "cross"]
    # Within a set the other side's turn is the rest; the second set waits for set_rest.
    next_card = (Ready.NEXT, PACE.get_ready)
    assert [(r, s) for _, r, s in cross[:6]] == [next_card] * 6
    assert cross[6] == (2, Ready.SET, 30.0)
    assert [(r, s) for _, r, s in cross[7:]] == [next_card] * 5


def test_a_change_of_position_gets_the_longer_pause() -> None:
    plan = build_session(make_routine(), 4, PainSide.LEFT)
    assert pauses(plan) == [
        ("catcow", Ready.START, PACE.position_change),
        ("bridge", Ready.POSITION, PACE.position_change),  # kneeling to lying on the back
        ("clam", Ready.POSITION, PACE.position_change),  # onto the side
        ("clam", Ready.SET, 40.0),
        ("clam", Ready.NEXT, PACE.get_ready),  # the other side starts its first set
        ("clam", Ready.SET, 40.0),
    ]


def test_the_pace_is_configurable() -> None:
    pace = Pace(get_ready=3, position_change=15)
    plan = build_session(make_routine(), 4, PainSide.LEFT, pace=pace)
    assert [step.ready for step in plan.steps] == [15, 15, 15, 40, 3, 40]


def test_set_rest_shorter_than_the_get_ready_is_the_get_ready() -> None:
    plan = build_session(make_routine(), 4, PainSide.LEFT, pace=Pace(get_ready=45))
    assert [step.ready for step in plan.steps if step.ready_for == Ready.SET] == [45, 45]


# --- off the floor ---------------------------------------------------------------------------


def test_off_the_floor_the_alternative_takes_the_place_of_the_floor_step() -> None:
    routine = make_routine()
    on_floor = build_session(routine, 2, PainSide.LEFT)
    off_floor = build_session(routine, 2, PainSide.LEFT, floor=False)
    assert "wall" not in {s.step_id for s in on_floor.steps}
    assert "wall" in {s.step_id for s in off_floor.steps}
    wall = next(s for s in off_floor.steps if s.step_id == "wall")
    assert wall.position == "standing"


def test_floor_steps_without_an_alternative_are_left_out_off_the_floor() -> None:
    routine = make_routine()
    on_floor = build_session(routine, 4, PainSide.LEFT)
    off_floor = build_session(routine, 4, PainSide.LEFT, floor=False)
    kept = [
        "wall" if s.step_id == "cross" else s.step_id
        for s in on_floor.steps
        if s.step_id == "cross" or s.position not in FLOOR_POSITIONS
    ]
    assert [s.step_id for s in off_floor.steps] == kept
    assert not [s for s in off_floor.steps if s.position in FLOOR_POSITIONS]


# --- totals ----------------------------------------------------------------------------------


def test_work_is_the_exercise_and_total_adds_every_pause() -> None:
    plan = build_session(make_routine(), 2, PainSide.LEFT)
    work = 3 * 15 + 4 * 20 + 12 * 20
    assert plan.work_seconds == work
    # Start 20, two hug rests of 10, then 5 s before each of the 16 other cards but the
    # second set of the cross-over, which waits 30 s.
    assert plan.total_seconds == work + 20 + 2 * 10 + 15 * 5 + 30


def test_total_rounds_up_a_fraction_of_a_second_and_minutes_round_up() -> None:
    plan = build_session(make_routine(), 1, PainSide.LEFT, pace=Pace(position_change=0.5))
    # Three holds of 30 s, two rests of 10 s and half a second to start: 110.5 s.
    assert plan.work_seconds == 90
    assert plan.total_seconds == math.ceil(90 + 0.5 + 2 * 10)
    assert plan.minutes == 2


def test_plan_records_what_it_was_built_for() -> None:
    plan = build_session(make_routine(), 2, PainSide.RIGHT)
    assert (plan.routine_id, plan.level, plan.side) == ("demo", 2, "right")


@pytest.mark.parametrize("level", [0, 5, -1])
def test_level_out_of_range_raises(level: int) -> None:
    with pytest.raises(ValueError, match="levels 1 to 4"):
        build_session(make_routine(), level, PainSide.LEFT)


def test_unknown_side_raises() -> None:
    with pytest.raises(ValueError, match="painful side"):
        build_session(make_routine(), 1, "middle")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pace",
    [Pace(count_seconds=0), Pace(get_ready=-1), Pace(position_change=-1)],
)
def test_bad_pace_raises(pace: Pace) -> None:
    with pytest.raises(ValueError):
        build_session(make_routine(), 1, PainSide.LEFT, pace=pace)


# --- the shipped catalog ---------------------------------------------------------------------

SIDES: tuple[PainSide, ...] = (PainSide.LEFT, PainSide.RIGHT, PainSide.BOTH)


def _every_session() -> list[tuple[Routine, int, PainSide, bool]]:
    return [
        (routine, level, side, floor)
        for routine in default_catalog()
        for level in range(1, routine.top_level + 1)
        for side in SIDES
        for floor in (True, False)
    ]


def test_shipped_totals_are_the_exercise_plus_the_pauses() -> None:
    for routine, level, side, floor in _every_session():
        plan = build_session(routine, level, side, floor=floor)
        work = sum(step.seconds for step in plan.steps)
        assert plan.work_seconds == work
        assert plan.total_seconds == math.ceil(work + sum(s.ready for s in plan.steps))
        assert plan.total_seconds > work or not plan.steps, (routine.id, level)
        assert plan.minutes == math.ceil(plan.total_seconds / 60)


def test_shipped_cards_match_the_doses() -> None:
    """Each step of a level gets its dose's cards: holds and counts one each, sets of reps
    and cycles one a set, on each side where it has sides."""
    for routine, level, side, floor in _every_session():
        plan = build_session(routine, level, side, floor=floor)
        expected: Counter[str] = Counter()
        for step_id in routine.level(level).steps:
            step = routine.steps[step_id]
            if not floor and step.off_floor:
                step = routine.steps[step.off_floor]
            if not floor and step.position in FLOOR_POSITIONS:
                continue
            dose = routine.dose(level, step.id)
            rounds = 1 if dose.on_one_card else dose.times
            expected[step.id] += rounds * dose.sets * (1 if step.sides == "center" else 2)
        assert Counter(s.step_id for s in plan.steps) == expected, (routine.id, level, floor)


def test_painful_side_changes_only_the_order() -> None:
    for routine, level, _, floor in _every_session():
        left = build_session(routine, level, PainSide.LEFT, floor=floor)
        right = build_session(routine, level, PainSide.RIGHT, floor=floor)
        assert Counter(trace(left)) == Counter(trace(right)), (routine.id, level)
        assert left.total_seconds == right.total_seconds, (routine.id, level)


def test_painful_side_goes_first_for_every_sided_step_in_shipped_sessions() -> None:
    checked = 0
    for routine, level, side, floor in _every_session():
        if side == "both":
            continue
        first_sides: dict[str, str | None] = {}
        for step in build_session(routine, level, side, floor=floor).steps:
            first_sides.setdefault(step.step_id, step.side)
        sided = [first for first in first_sides.values() if first is not None]
        assert sided == [side] * len(sided), (routine.id, level)
        checked += len(sided)
    assert checked > 0


def test_shipped_sessions_change_position_only_between_groups() -> None:
    """Steps are ordered so that each position is taken once a session, on the floor."""
    for routine, level, side, _ in _every_session():
        plan = build_session(routine, level, side)
        runs = [plan.steps[0].position]
        runs += [
            b.position
            for a, b in zip(plan.steps, plan.steps[1:], strict=False)
            if a.position != b.position
        ]
        assert len(runs) == len(set(runs)), (routine.id, level, runs)
        changes = [s for s in plan.steps[1:] if s.ready_for == Ready.POSITION]
        assert len(changes) == len(runs) - 1, (routine.id, level)


def test_runner_cooldown_starts_right_unless_left_hurts() -> None:
    routine = default_catalog().get("runner_cooldown_sciatica")
    sided = [s for s in build_session(routine, 1, PainSide.BOTH).steps if s.side is not None]
    assert sided[0].side == "right"
    sided = [s for s in build_session(routine, 1, PainSide.LEFT).steps if s.side is not None]
    assert sided[0].side == "left"


def test_seated_progression_keeps_one_leg_up_through_the_positions() -> None:
    routine = default_catalog().get("seated_hamstring_progression")
    plan = build_session(routine, routine.top_level, PainSide.RIGHT)
    per_side = [(s.step_id, s.side) for s in plan.steps]
    first_pass_right = [s for s, side in per_side[: per_side.index(("sit_supported", "left"))]]
    assert first_pass_right[0] == "sit_supported"
    assert "toes_to_shin" in first_pass_right
    assert per_side[-1] == ("slump", "left")
    last_sit = max(i for i, (s, _) in enumerate(per_side) if s == "sit_supported")
    assert {side for _, side in per_side[last_sit:]} == {"left"}
