"""Review the catalog from a terminal.

python -m routines list
python -m routines show ID [--level N] [--side left|right|both] [--floor | --no-floor] [--json]
python -m routines programme > docs/programme.md
python -m routines safety > docs/safety.md
python -m routines figures --out routines/pictures [--sheet FILE.png] [--routine ID]
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routines.model import (
    FLOOR_POSITIONS,
    Catalog,
    CatalogError,
    Dose,
    DoseKind,
    Routine,
    default_catalog,
)
from routines.plan import PainSide, PlannedStep, SessionPlan, build_session, works_off_floor
from routines.poses import PoseError
from routines.safety_doc import render_safety

# argparse also exits with 2 on a bad command line; a bad id or level is the same kind of mistake.
USAGE_ERROR = 2
CATALOG_BROKEN = 1

# The published guidance the catalog's dose sources cite, by the name they cite it with.
REFERENCES: tuple[tuple[str, str], ...] = (
    (
        "NHS inform",
        'NHS inform, "Exercises for back pain": start with 5 repetitions of each exercise and '
        "add 1 or 2 every few days while it stays comfortable. "
        "<https://www.nhsinform.scot/illnesses-and-conditions/muscle-bone-and-joints/exercises/"
        "exercises-for-back-pain>",
    ),
    (
        "NHS",
        'NHS, "Lower back pain exercises": most exercises 8 to 10 times, pelvic tilts 10 to 15 '
        "times. <https://www.nhs.uk/live-well/exercise/lower-back-pain-exercises/>",
    ),
    (
        "ACSM",
        "American College of Sports Medicine, ACSM's Guidelines for Exercise Testing and "
        "Prescription, and its position stand (Garber et al., Medicine & Science in Sports & "
        "Exercise 43(7), 2011): hold a stretch 10 to 30 s and repeat it 2 to 4 times.",
    ),
    (
        "Satyananda Saraswati",
        "Swami Satyananda Saraswati, Asana Pranayama Mudra Bandha (Bihar School of Yoga, 1996): "
        "the plough poses are not for people with sciatica, a slipped disc or neck ailments.",
    ),
)

SIDES_TEXT = {"both": "each side", "alternating": "each side, in turns", "center": "—"}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        catalog = default_catalog()
    except CatalogError as exc:
        return _fail(f"the catalog does not load: {exc}", CATALOG_BROKEN)
    if args.command == "list":
        print(render_list(catalog))
        return 0
    if args.command == "programme":
        print(render_programme(catalog))
        return 0
    if args.command == "safety":
        print(render_safety())
        return 0
    if args.command == "figures":
        return _figures(catalog, args)
    try:
        routine = catalog.get(args.routine_id)
    except KeyError:
        return _fail(f"no routine {args.routine_id!r}; 'list' shows the ids", USAGE_ERROR)
    level = routine.top_level if args.level is None else args.level
    if not args.floor and _on_floor(routine) and not works_off_floor(routine):
        message = f"{routine.id} is not offered off the floor: under 4 minutes would be left"
        return _fail(message, USAGE_ERROR)
    try:
        plan = build_session(routine, level, PainSide(args.side), floor=args.floor)
    except ValueError as exc:
        return _fail(str(exc), USAGE_ERROR)
    if args.json:
        print(json.dumps(session_json(routine, plan, floor=args.floor), indent=2))
    else:
        print(render_session(routine, plan, floor=args.floor))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routines", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every routine with its levels and minutes")
    show = commands.add_parser("show", help="one session as a person would get it")
    show.add_argument("routine_id", metavar="ID")
    show.add_argument("--level", type=int, help="default: the top level")
    show.add_argument("--side", choices=list(PainSide), default=PainSide.BOTH.value)
    show.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="whether the person can get down on the floor (default: yes)",
    )
    show.add_argument("--json", action="store_true", help="the expanded session as JSON")
    commands.add_parser("programme", help="the whole programme as markdown (docs/programme.md)")
    commands.add_parser("safety", help="the duty-of-care rules as markdown (docs/safety.md)")
    drawn = commands.add_parser("figures", help="every step's picture, and a contact sheet")
    drawn.add_argument("--out", type=Path, help="write one PNG per step and side here")
    drawn.add_argument("--sheet", type=Path, help="write one contact sheet of them all here")
    drawn.add_argument("--routine", help="only this routine's pictures")
    return parser


def _figures(catalog: Catalog, args: argparse.Namespace) -> int:
    # Pillow is imported only here: nothing else in the project draws.
    from routines import figures

    if args.out is None and args.sheet is None:
        return _fail("give --out DIR, --sheet FILE.png or both", USAGE_ERROR)
    try:
        if args.out is not None:
            print(f"{figures.write(catalog, args.out, args.routine)} pictures in {args.out}")
        if args.sheet is not None:
            print(f"{figures.write_sheet(catalog, args.sheet, args.routine)} on {args.sheet}")
    except KeyError as missing:
        return _fail(f"no pose for {missing.args[0]}", CATALOG_BROKEN)
    except (OSError, PoseError) as exc:
        return _fail(f"the poses do not load: {exc}", CATALOG_BROKEN)
    return 0


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


# --- list ------------------------------------------------------------------------------------


def render_list(catalog: Catalog) -> str:
    return "\n".join(_list_line(routine) for routine in catalog)


def _list_line(routine: Routine) -> str:
    levels = range(1, routine.top_level + 1)
    minutes = ", ".join(f"L{n} {_plan(routine, n).minutes} min" for n in levels)
    line = (
        f"{routine.id}  {routine.title}  [source {routine.source}]  "
        f"{routine.top_level} levels: {minutes}"
    )
    if _on_floor(routine) and works_off_floor(routine):
        off = ", ".join(f"L{n} {_plan(routine, n, floor=False).minutes} min" for n in levels)
        line += f"; off the floor: {off}"
    elif _on_floor(routine):
        line += "; off the floor: not offered (mostly floor work)"
    return line


def _on_floor(routine: Routine) -> bool:
    return any(position in FLOOR_POSITIONS for position in routine.positions)


def _plan(routine: Routine, level: int, *, floor: bool = True) -> SessionPlan:
    """The session the bot builds for this level; the painful side changes only the order."""
    return build_session(routine, level, PainSide.BOTH, floor=floor)


# --- show ------------------------------------------------------------------------------------


def render_session(routine: Routine, plan: SessionPlan, *, floor: bool = True) -> str:
    where = "on the floor" if floor else "off the floor"
    header = [
        f"{routine.title} ({routine.id})",
        f"Level {plan.level} of {routine.top_level}, painful side: {plan.side}, {where}, "
        f"{len(plan.steps)} cards, about {plan.minutes} min",
        f"Source: {routine.source}. How often: {routine.cadence_text}.",
    ]
    blocks = ["\n".join(header), *(_card_block(step) for step in plan.steps)]
    blocks.append(
        f"Total: {plan.work_seconds} s of exercise, {plan.total_seconds} s in all with the "
        f"pauses ({_duration(plan.work_seconds)} of exercise, about {plan.minutes} min in all)"
    )
    if routine.left_out:
        lines = ["Left out of this routine:"]
        lines += [
            f"- {item.name}: {item.reason} (source: {item.source})" for item in routine.left_out
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _card_block(step: PlannedStep) -> str:
    lines = [
        f"{step.number}. {step.name} | {_side(step)} | {step.position} | {card_dose(step)} | "
        f"ready {step.ready:g} s ({step.ready_for}) | {step.seconds} s",
        f"   {step.cue}",
    ]
    if step.caution:
        lines.append(f"   Caution: {step.caution}")
    if step.nerve_tension:
        lines.append("   Nerve tension: we check in with you after this step.")
    return "\n".join(lines)


def _side(step: PlannedStep) -> str:
    return "no side" if step.side is None else f"{step.side} side"


def card_dose(step: PlannedStep) -> str:
    """What one card asks for: one hold or count of several, or one set of reps or cycles."""
    if step.kind == DoseKind.TEMPO:
        text = f"{step.times} reps: {_tempo(step.tempo)}"
    elif step.kind == DoseKind.CYCLES:
        text = f"{step.times} cycles of {step.cycle_seconds} s"
    else:
        text = (
            f"hold {step.hold_seconds} s"
            if step.kind == DoseKind.HOLD
            else f"count to {step.count}"
        )
        if step.rounds > 1:
            text += f", {step.round} of {step.rounds}"
    if step.sets > 1:
        text += f", set {step.set} of {step.sets}"
    return text


def _tempo(tempo: Sequence[Any]) -> str:
    return " · ".join(f"{phase.move} {phase.seconds} s" for phase in tempo)


def session_json(routine: Routine, plan: SessionPlan, *, floor: bool = True) -> dict[str, Any]:
    return {
        "routine_id": routine.id,
        "title": routine.title,
        "level": plan.level,
        "top_level": routine.top_level,
        "side": str(plan.side),
        "floor": floor,
        "steps": [_step_json(routine, plan.level, step) for step in plan.steps],
        "work_seconds": plan.work_seconds,
        "total_seconds": plan.total_seconds,
        "minutes": plan.minutes,
        "left_out": [item.model_dump() for item in routine.left_out],
    }


def _step_json(routine: Routine, level: int, step: PlannedStep) -> dict[str, Any]:
    return {
        "number": step.number,
        "id": step.step_id,
        "name": step.name,
        "side": step.side,
        "position": step.position,
        "nerve_tension": step.nerve_tension,
        "dose": dose_json(routine.dose(level, step.step_id)),
        "round": step.round,
        "rounds": step.rounds,
        "set": step.set,
        "sets": step.sets,
        "seconds": step.seconds,
        "ready_seconds": step.ready,
        "ready_for": str(step.ready_for),
    }


def dose_json(dose: Dose) -> dict[str, Any]:
    kind = dose.kind
    return {
        "kind": str(kind),
        "hold": dose.hold,
        "count": dose.count,
        "tempo": None if dose.tempo is None else [phase.model_dump() for phase in dose.tempo],
        "cycle_seconds": dose.cycle,
        "times": dose.times,
        "reps": dose.times if kind == DoseKind.TEMPO else None,
        "cycles": dose.times if kind == DoseKind.CYCLES else None,
        "rest": dose.rest,
        "sets": dose.sets,
        "set_rest": dose.set_rest,
        "source": dose.source,
    }


def _duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


# --- programme -------------------------------------------------------------------------------

PROGRAMME_INTRO = """\
# The exercise programme

<!-- Generated by `python -m routines programme > docs/programme.md` from
routines/catalog/*.toml: change the catalog and regenerate; a test fails when they differ. -->

Every routine in the catalog, level by level: each step with its dose, and where each number
comes from. Each level changes one thing over the level below: one new exercise, or one kind
of number (longer holds, more repetitions, another set) for one or more exercises.

*Exercise* is the time spent in the exercises, each side counted. *In all* adds the pause
before every card, as the bot runs and counts it: 5 s to get ready, 20 s when the position
changes (lying down, turning over, getting up), or the dose's own rest between holds or sets
when that is longer. Minutes are rounded up."""


def render_programme(catalog: Catalog) -> str:
    parts = [PROGRAMME_INTRO, _references(catalog)]
    parts += [_routine_section(routine) for routine in catalog]
    return "\n\n".join(parts)


def _references(catalog: Catalog) -> str:
    lines = [
        "## Where the numbers come from",
        "",
        "- **seed**: the routine's seed article, named under each routine.",
    ]
    cited = " ".join(_sources(catalog))
    lines += [f"- **{name}**: {text}" for name, text in REFERENCES if name in cited]
    lines.append(
        "- **ours**: our own choice where neither the seed nor the guidance gives a number; "
        "the reason is in a comment in the routine's file in `routines/catalog/`."
    )
    return "\n".join(lines)


def _sources(catalog: Catalog) -> list[str]:
    found: list[str] = []
    for routine in catalog:
        found += [step.dose.source for step in routine.steps.values()]
        found += [dose.source for level in routine.levels for dose in level.doses.values()]
        found += [item.source for item in routine.left_out]
    return found


def _routine_section(routine: Routine) -> str:
    facts = [
        f"- Seed: `{routine.source}`",
        f"- How often: {routine.cadence_text} ({_cadence_source(routine)})",
        f"- Equipment: {', '.join(routine.equipment)}",
    ]
    if _on_floor(routine) and works_off_floor(routine):
        facts.append("- Off the floor: floor steps swap for their alternative or are left out")
    elif _on_floor(routine):
        facts.append(
            "- Off the floor: not offered; under 4 minutes would be left, so someone who "
            "cannot get down is steered to another routine"
        )
    if routine.not_for_question:
        facts.append(
            f'- Asked before it is chosen: "{routine.not_for_question}" '
            "A yes steers the person to another routine."
        )
    parts = [
        f"## {routine.title} (`{routine.id}`)",
        routine.summary,
        "\n".join(facts),
        _level_table(routine),
    ]
    parts += [_level_section(routine, n) for n in range(1, routine.top_level + 1)]
    if routine.left_out:
        lines = ["### Left out"]
        lines += [
            f"- **{item.name}**: {item.reason} *Source: {item.source}.*"
            for item in routine.left_out
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _cadence_source(routine: Routine) -> str:
    return "from the seed" if routine.cadence_source == "seed" else "ours"


def _level_table(routine: Routine) -> str:
    alternatives = _on_floor(routine) and works_off_floor(routine)
    head = "| Level | What changes | Exercise | In all |"
    rule = "|---|---|---|---|"
    if alternatives:
        head += " Off the floor: exercise, in all |"
        rule += "---|"
    rows = [head, rule]
    for n in range(1, routine.top_level + 1):
        plan = _plan(routine, n)
        row = (
            f"| {n} | {level_change(routine, n)} | {_duration(plan.work_seconds)} | "
            f"about {plan.minutes} min |"
        )
        if alternatives:
            off = _plan(routine, n, floor=False)
            row += f" {_duration(off.work_seconds)}, about {off.minutes} min |"
        rows.append(row)
    return "\n".join(rows)


def _level_section(routine: Routine, n: int) -> str:
    plan = _plan(routine, n)
    lines = [
        f"### Level {n}: {_duration(plan.work_seconds)} of exercise, about {plan.minutes} min "
        "in all",
        "",
        "| Step | Position | Sides | Dose | Numbers from |",
        "|---|---|---|---|---|",
    ]
    for step_id in dict.fromkeys(routine.level(n).steps):
        step = routine.steps[step_id]
        dose = routine.dose(n, step_id)
        lines.append(
            f"| {step.name} | {step.position} | {SIDES_TEXT[step.sides]} | {dose_text(dose)} | "
            f"{dose.source} |"
        )
    rounds = _rounds(routine, n)
    if rounds:
        lines += ["", rounds]
    for step_id in dict.fromkeys(routine.level(n).steps):
        step = routine.steps[step_id]
        if step.off_floor is not None and works_off_floor(routine):
            other = routine.steps[step.off_floor]
            dose = routine.dose(n, other.id)
            lines += [
                "",
                f"Off the floor, **{other.name}** ({other.position}, {dose_text(dose)}; "
                f"{dose.source}) is done instead of {step.name}.",
            ]
    return "\n".join(lines)


def _rounds(routine: Routine, n: int) -> str:
    """Say so when a level goes through its steps more than once, and what each time holds."""
    passes: list[list[str]] = [[]]
    for step_id in routine.level(n).steps:
        if step_id in passes[-1]:
            passes.append([])
        passes[-1].append(step_id)
    if len(passes) == 1:
        return ""
    times = "; ".join(
        f"Time {number}: " + " → ".join(routine.steps[s].name for s in steps)
        for number, steps in enumerate(passes, 1)
    )
    return f"{len(passes)} times through, each time one leg and then the other. {times}."


def dose_text(dose: Dose) -> str:
    """A whole dose in words: what, how long, how many, how many sets."""
    if dose.kind == DoseKind.TEMPO:
        assert dose.tempo is not None
        text = f"{dose.times} reps: {_tempo(dose.tempo)}"
    elif dose.kind == DoseKind.CYCLES:
        text = f"{dose.times} cycles of {dose.cycle} s"
    else:
        text = f"hold {dose.hold} s" if dose.kind == DoseKind.HOLD else f"count to {dose.count}"
        if dose.times > 1:
            text += f" × {dose.times}"
            if dose.rest:
                text += f", {dose.rest} s rest"
    if dose.sets > 1:
        text += f"; {dose.sets} sets, {dose.set_rest} s between"
    return text


def level_change(routine: Routine, n: int) -> str:
    """What level n changes over level n - 1, in words."""
    steps = routine.level(n).steps
    if n == 1:
        return "the start: " + ", ".join(routine.steps[s].name for s in dict.fromkeys(steps))
    below = routine.level(n - 1).steps
    changes = [f"adds {routine.steps[s].name}" for s in dict.fromkeys(steps) if s not in below]
    again = [s for s in dict.fromkeys(steps) if s in below and steps.count(s) > below.count(s)]
    if again:
        changes.append("another round of " + ", ".join(routine.steps[s].name for s in again))
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for step_id in dict.fromkeys(steps):
        if step_id not in below:
            continue
        new, old = routine.dose(n, step_id), routine.dose(n - 1, step_id)
        for field in sorted(new.changed(old) - {"set_rest", "rest"} or new.changed(old)):
            key = (_field_name(field, new), _field_value(field, old), _field_value(field, new))
            grouped.setdefault(key, []).append(routine.steps[step_id].name)
    for (field, old_value, new_value), names in grouped.items():
        who = ", ".join(names) if len(names) <= 3 else f"{len(names)} steps"
        changes.append(f"{field} {old_value} → {new_value}: {who}")
    return "; ".join(changes) or "nothing"


def _field_name(field: str, dose: Dose) -> str:
    if field == "times":
        return {DoseKind.TEMPO: "reps", DoseKind.CYCLES: "cycles"}.get(dose.kind, "times")
    if field == "tempo":
        return "tempo"
    return field.replace("_", " ")


def _field_value(field: str, dose: Dose) -> str:
    value = getattr(dose, field)
    if field == "tempo":
        assert dose.tempo is not None
        return "-".join(str(phase.seconds) for phase in dose.tempo) + " s"
    if field in ("hold", "cycle", "rest", "set_rest"):
        return f"{value} s"
    if field == "sets" and dose.sets > 1:
        return f"{value} ({dose.set_rest} s between)"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
