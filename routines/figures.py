"""Every step's picture, for every side it is done on: `python -m routines figures`.

The pictures are drawn ahead of time and committed in routines/pictures/ (`--out`), so the
bot only reads files; tests/unit/test_figures.py redraws them and fails when the committed
ones no longer match the pose data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image

from routines.drawing import png, render, sheet, strip
from routines.model import Catalog, Routine, Side, Step
from routines.plan import PainSide, build_session
from routines.poses import Pose, load_poses, picture_name, preview_name

SIDE_LABELS = {"left": "Left side", "right": "Right side"}


@dataclass(frozen=True)
class Figure:
    routine: Routine
    step: Step
    side: Side | None
    pose: Pose

    @property
    def name(self) -> str:
        return picture_name(self.routine.id, self.step.id, self.side)

    @property
    def title(self) -> str:
        side = SIDE_LABELS[self.side] if self.side else "both sides at once"
        return f"{self.routine.title}\n{self.step.name} · {side}"

    def image(self) -> Image.Image:
        return render(self.pose, self.side, label=SIDE_LABELS.get(self.side or ""))


def sides(step: Step) -> tuple[Side | None, ...]:
    return (None,) if step.sides == "center" else ("right", "left")


def figures(catalog: Catalog, routine_id: str | None = None) -> Iterator[Figure]:
    """Every (routine, step, side) picture; a step without a pose raises KeyError."""
    for routine in catalog:
        if routine_id is not None and routine.id != routine_id:
            continue
        poses = load_poses(routine.id)
        for step in routine.steps.values():
            pose = poses.get(step.id)
            if pose is None:
                raise KeyError(f"{routine.id}/{step.id}")
            for side in sides(step):
                yield Figure(routine, step, side, pose)


Drawing = Callable[[], Image.Image]


def pictures(catalog: Catalog, routine_id: str | None = None) -> Iterator[tuple[str, Drawing]]:
    """Every picture the bot sends, by file name, each drawn when asked for: each step's,
    and each routine's preview."""
    for routine in catalog:
        if routine_id is not None and routine.id != routine_id:
            continue
        drawn = list(figures(catalog, routine.id))
        yield from ((figure.name, figure.image) for figure in drawn)
        yield preview_name(routine.id), partial(_strip, _preview(routine, drawn))


def _strip(shown: list[Figure]) -> Image.Image:
    return strip([figure.image() for figure in shown])


def _preview(routine: Routine, drawn: list[Figure]) -> list[Figure]:
    """The steps of the top level, one picture each (the right side), in their order: the
    steps the preview's text lists."""
    top = build_session(routine, routine.top_level, PainSide.BOTH).steps
    order = list(dict.fromkeys(step.step_id for step in top))
    first = {f.step.id: f for f in reversed(drawn) if f.side in (None, "right")}
    return [first[step_id] for step_id in order]


def write(catalog: Catalog, out: Path, routine_id: str | None = None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, draw in pictures(catalog, routine_id):
        (out / name).write_bytes(png(draw()))
        count += 1
    return count


def write_sheet(catalog: Catalog, path: Path, routine_id: str | None = None) -> int:
    tiles = [(f.title, f.image()) for f in figures(catalog, routine_id)]
    sheet(tiles).save(path)
    return len(tiles)
