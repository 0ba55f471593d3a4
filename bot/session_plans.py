"""The sessions people get: a routine at their level, side and floor, at this instance's pace."""

from __future__ import annotations

from bot.runtime import Runtime
from routines.plan import Pace, PainSide, PlannedStep, SessionPlan, build_session
from storage.models import ExerciseSession


def steps_of(rt: Runtime, row: ExerciseSession) -> tuple[PlannedStep, ...]:
    return plan_of(rt, row.routine_id, row.level, row.side, row.floor).steps


def plan_of(rt: Runtime, routine_id: str, level: int, side: str, floor: bool) -> SessionPlan:
    """The session a person gets, at this instance's pace (cached: many people share one)."""
    cache: dict[tuple[str, int, str, bool], SessionPlan] = rt.extras.setdefault("plans", {})
    key = (routine_id, level, side, floor)
    if key not in cache:
        routine = rt.catalog.get(routine_id)
        cache[key] = build_session(routine, level, PainSide(side), floor=floor, pace=pace(rt))
    return cache[key]


def pace(rt: Runtime) -> Pace:
    settings = rt.settings
    return Pace(
        get_ready=settings.get_ready_seconds, position_change=settings.position_change_seconds
    )
