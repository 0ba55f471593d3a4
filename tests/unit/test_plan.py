"""Expanding a routine level into the ordered steps of one session."""

from collections import Counter
from typing import Any

import pytest

from routines.model import Routine, default_catalog
from routines.plan import PainSide, SessionPlan, build_session


def _step(step_id: str, sides: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": step_id,
        "name": step_id.title(),
        "cue": f"Do the {step_id}.",
        "sides": sides,
        "nerve_tension": False,
    }
    data.update(extra)
    if "count" not in data and "hold_seconds" not in data:
        data["hold_seconds"] = 10
    return data


def make_routine(first_side: str | None = None) -> Routine:
    data: dict[str, Any] = {
        "id": "demo",
        "title": "Demo",
        "summary": "A routine for plan tests.",
        "source": "000_demo.txt",
        "positions": ["lying"],
        "equipment": ["floor"],
        "cadence_text": "Often.",
        "cadence_source": "ours",
        "steps": [
            _step("hug", "center", hold_seconds=30, reps=3),
            _step("knee", "both", hold_seconds=20, reps=2),
            _step("cross", "alternating", count=20, reps=3),
            _step("sit", "both", chain="flow"),
            _step("lift", "both", chain="flow", hold_seconds=30),
            _step(
                "reach",
                "both",
                chain="flow",
                nerve_tension=True,
                caution="Stop if it tingles.",
            ),
        ],
        "levels": [
            {"number": 1, "steps": ["hug"], "hold_seconds": {"hug": 15}},
            {"number": 2, "steps": ["hug", "knee", "cross"]},
            {"number": 3, "steps": ["sit", "lift", "sit", "lift", "reach"]},
        ],
    }
    if first_side is not None:
        data["first_side"] = first_side
    return Routine.model_validate(data)


def trace(plan: SessionPlan, step_id: str | None = None) -> list[tuple[str, str | None, int]]:
    return [
        (step.step_id, step.side, step.rep)
        for step in plan.steps
        if step_id is None or step.step_id == step_id
    ]


def test_center_step_expands_its_reps_without_a_side() -> None:
    plan = build_session(make_routine(), 2, "left")
    assert trace(plan, "hug") == [("hug", None, 1), ("hug", None, 2), ("hug", None, 3)]
    assert all(step.reps == 3 for step in plan.steps if step.step_id == "hug")


@pytest.mark.parametrize(
    ("pain", "first", "second"),
    [("left", "left", "right"), ("right", "right", "left"), ("both", "left", "right")],
)
def test_both_sides_step_does_every_rep_on_the_painful_side_first(
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
    assert trace(build_session(routine, 2, "both"), "knee")[0] == ("knee", "right", 1)
    assert trace(build_session(routine, 2, "left"), "knee")[0] == ("knee", "left", 1)


def test_alternating_step_switches_sides_every_rep_painful_side_first() -> None:
    plan = build_session(make_routine(), 2, "right")
    assert trace(plan, "cross") == [
        ("cross", "right", 1),
        ("cross", "left", 1),
        ("cross", "right", 2),
        ("cross", "left", 2),
        ("cross", "right", 3),
        ("cross", "left", 3),
    ]


def test_chain_runs_on_one_side_then_the_other_and_restarts_for_a_second_round() -> None:
    plan = build_session(make_routine(), 3, "right")
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


def test_steps_are_numbered_from_one_in_order() -> None:
    plan = build_session(make_routine(), 2, "both")
    assert [step.number for step in plan.steps] == list(range(1, len(plan.steps) + 1))
    assert len(plan.steps) == 3 + 4 + 6


def test_step_carries_the_step_text_and_flags() -> None:
    plan = build_session(make_routine(), 3, "left")
    reach = next(step for step in plan.steps if step.step_id == "reach")
    assert (reach.name, reach.cue) == ("Reach", "Do the reach.")
    assert reach.caution == "Stop if it tingles."
    assert reach.nerve_tension is True
    assert not any(step.nerve_tension for step in plan.steps if step.step_id != "reach")


def test_seconds_come_from_the_hold_or_the_count() -> None:
    plan = build_session(make_routine(), 2, "left", count_seconds=2)
    by_id = {step.step_id: step for step in plan.steps}
    knee, cross = by_id["knee"], by_id["cross"]
    assert (knee.hold_seconds, knee.count, knee.seconds) == (20, None, 20)
    assert (cross.hold_seconds, cross.count, cross.seconds) == (None, 20, 40)


def test_level_hold_override_applies() -> None:
    plan = build_session(make_routine(), 1, "left")
    assert [(step.hold_seconds, step.seconds) for step in plan.steps] == [(15, 15)] * 3


def test_total_adds_a_gap_between_steps() -> None:
    routine = make_routine()
    plan = build_session(routine, 2, "left", gap_seconds=7)
    work = 3 * 30 + 4 * 20 + 6 * 20
    assert plan.total_seconds == work + 7 * (13 - 1)
    assert build_session(routine, 2, "left", gap_seconds=0).total_seconds == work


def test_minutes_round_up() -> None:
    # Three holds of 15 s and two gaps of 8 s: 61 s is two minutes, not one.
    plan = build_session(make_routine(), 1, "left", gap_seconds=8)
    assert plan.total_seconds == 61
    assert plan.minutes == 2


def test_plan_records_what_it_was_built_for() -> None:
    plan = build_session(make_routine(), 2, "right")
    assert (plan.routine_id, plan.level, plan.side) == ("demo", 2, "right")


@pytest.mark.parametrize("level", [0, 4, -1])
def test_level_out_of_range_raises(level: int) -> None:
    with pytest.raises(ValueError, match="levels 1 to 3"):
        build_session(make_routine(), level, "left")


def test_unknown_side_raises() -> None:
    with pytest.raises(ValueError, match="painful side"):
        build_session(make_routine(), 1, "middle")  # type: ignore[arg-type]


@pytest.mark.parametrize(("count_seconds", "gap_seconds"), [(0, 5), (1, -1)])
def test_bad_timing_raises(count_seconds: int, gap_seconds: int) -> None:
    with pytest.raises(ValueError):
        build_session(
            make_routine(), 1, "left", count_seconds=count_seconds, gap_seconds=gap_seconds
        )


# --- the shipped catalog ---------------------------------------------------------------------

SIDES: tuple[PainSide, ...] = ("left", "right", "both")


def _every_session() -> list[tuple[Routine, int, PainSide]]:
    return [
        (routine, level, side)
        for routine in default_catalog()
        for level in range(1, routine.top_level + 1)
        for side in SIDES
    ]


def test_routine_estimate_matches_the_built_session() -> None:
    for routine, level, side in _every_session():
        plan = build_session(routine, level, side)
        assert routine.seconds(level) == plan.total_seconds, (routine.id, level)
        assert routine.minutes(level) == plan.minutes, (routine.id, level)


def test_painful_side_changes_only_the_order() -> None:
    for routine, level, _ in _every_session():
        left = build_session(routine, level, "left")
        right = build_session(routine, level, "right")
        assert Counter(trace(left)) == Counter(trace(right)), (routine.id, level)


def test_painful_side_goes_first_for_every_sided_step_in_shipped_sessions() -> None:
    checked = 0
    for routine, level, side in _every_session():
        if side == "both":
            continue
        first_sides: dict[str, str | None] = {}
        for step in build_session(routine, level, side).steps:
            first_sides.setdefault(step.step_id, step.side)
        sided = [first for first in first_sides.values() if first is not None]
        assert sided == [side] * len(sided), (routine.id, level)
        checked += len(sided)
    assert checked > 0


def test_runner_cooldown_starts_right_unless_left_hurts() -> None:
    routine = default_catalog().get("runner_cooldown_sciatica")
    assert build_session(routine, 1, "both").steps[0].side == "right"
    assert build_session(routine, 1, "left").steps[0].side == "left"


def test_seated_progression_keeps_one_leg_up_through_the_positions() -> None:
    routine = default_catalog().get("seated_hamstring_progression")
    plan = build_session(routine, routine.top_level, "right")
    assert trace(plan)[:3] == [
        ("sit_supported", "right", 1),
        ("leg_on_stool", "right", 1),
        ("toes_to_shin", "right", 1),
    ]
    assert trace(plan)[-5:] == [
        ("sit_supported", "left", 1),
        ("leg_on_stool", "left", 1),
        ("toes_to_shin", "left", 1),
        ("chin_to_chest", "left", 1),
        ("slump", "left", 1),
    ]
