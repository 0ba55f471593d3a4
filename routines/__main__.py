"""Review the catalog from a terminal.

python -m routines list
python -m routines show ID [--level N] [--side left|right|both]
"""

import argparse
import sys
from collections.abc import Sequence

from routines.model import Catalog, CatalogError, Routine, default_catalog
from routines.plan import PainSide, PlannedStep, SessionPlan, build_session

# argparse also exits with 2 on a bad command line; a bad id or level is the same kind of mistake.
USAGE_ERROR = 2
CATALOG_BROKEN = 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        catalog = default_catalog()
    except CatalogError as exc:
        return _fail(f"the catalog does not load: {exc}", CATALOG_BROKEN)
    if args.command == "list":
        print(render_list(catalog))
        return 0
    try:
        routine = catalog.get(args.routine_id)
    except KeyError:
        return _fail(f"no routine {args.routine_id!r}; 'list' shows the ids", USAGE_ERROR)
    level = routine.top_level if args.level is None else args.level
    try:
        plan = build_session(routine, level, PainSide(args.side))
    except ValueError as exc:
        return _fail(str(exc), USAGE_ERROR)
    print(render_session(routine, plan))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routines", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every routine with its levels and minutes")
    show = commands.add_parser("show", help="one session as a person would get it")
    show.add_argument("routine_id", metavar="ID")
    show.add_argument("--level", type=int, help="default: the top level")
    show.add_argument("--side", choices=list(PainSide), default=PainSide.BOTH.value)
    return parser


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def render_list(catalog: Catalog) -> str:
    return "\n".join(_list_line(routine) for routine in catalog)


def _list_line(routine: Routine) -> str:
    minutes = ", ".join(f"L{n} {routine.minutes(n)} min" for n in range(1, routine.top_level + 1))
    return (
        f"{routine.id}  {routine.title}  [source {routine.source}]  "
        f"{routine.top_level} levels: {minutes}"
    )


def render_session(routine: Routine, plan: SessionPlan) -> str:
    header = [
        f"{routine.title} ({routine.id})",
        f"Level {plan.level} of {routine.top_level}, painful side: {plan.side}, "
        f"{len(plan.steps)} steps, about {plan.minutes} min",
        f"Source: {routine.source}. How often: {routine.cadence_text}.",
    ]
    return "\n\n".join(["\n".join(header), *(_step_block(step) for step in plan.steps)])


def _step_block(step: PlannedStep) -> str:
    lines = [f"{step.number}. {step.name} | {_side(step)} | {_measure(step)}", f"   {step.cue}"]
    if step.caution:
        lines.append(f"   Caution: {step.caution}")
    if step.nerve_tension:
        lines.append("   Nerve tension: we check in with you after this step.")
    return "\n".join(lines)


def _side(step: PlannedStep) -> str:
    return "no side" if step.side is None else f"{step.side} side"


def _measure(step: PlannedStep) -> str:
    if step.hold_seconds is not None:
        measure = f"hold {step.hold_seconds} s"
    else:
        measure = f"count to {step.count}"
    return measure if step.reps == 1 else f"{measure}, rep {step.rep} of {step.reps}"


if __name__ == "__main__":
    sys.exit(main())
