"""Each exercise's picture as data: a small articulated figure and the props around it.

A pose is one or two frames (start and end, for a step that moves). A frame places the
pelvis and gives every body segment its direction in degrees: 0 points to the right of
the picture, 90 straight up, counter-clockwise as in maths. Segment lengths are fixed
(`LENGTHS`, in centimetres of a 170 cm adult), so every frame has a body's proportions;
`check` refuses a frame whose joints bend the wrong way or that sinks into the floor.

Side view: the figure faces right when it stands, and the near limbs are the person's
right ones, so an unmirrored picture shows the right side working; the left side's picture
is its mirror image. Front view: the person faces the viewer, so their right limbs are on
the left of the picture. Poses live beside the routines, in catalog/poses/<routine>.toml.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

POSES_DIR = Path(__file__).parent / "catalog" / "poses"
# The pictures `python -m routines figures --out` draws from the poses, committed.
PICTURES_DIR = Path(__file__).parent / "pictures"

LENGTHS = {
    "trunk": 50.0,
    "neck": 9.0,
    "upper_arm": 29.0,
    "forearm": 26.0,
    "thigh": 44.0,
    "shin": 42.0,
    "foot": 14.0,
}
HEAD_RADIUS = 10.0
# Half the width between the hips and between the shoulders, seen from the front.
HIP_HALF, SHOULDER_HALF = 9.0, 17.0
# How far a knee may bend the wrong way, in degrees: a straight leg is 0.
HYPEREXTENSION = 10.0
# A joint this far below the floor line is an error in the data, not a drawing choice.
FLOOR_SLACK = 2.0


def picture_name(routine_id: str, step_id: str, side: str | None) -> str:
    """The file a step's picture is kept in: one per side, or one for a step done centrally."""
    return f"{routine_id}--{step_id}--{side or 'centre'}.png"


def preview_name(routine_id: str) -> str:
    """The routine's pictures in one image, for its preview."""
    return f"{routine_id}--preview.png"


class View(StrEnum):
    SIDE = "side"
    FRONT = "front"


class Limb(StrEnum):
    NEAR_ARM = "near_arm"
    FAR_ARM = "far_arm"
    NEAR_LEG = "near_leg"
    FAR_LEG = "far_leg"


LEGS = (Limb.NEAR_LEG, Limb.FAR_LEG)
ARMS = (Limb.NEAR_ARM, Limb.FAR_ARM)


class PropKind(StrEnum):
    MAT = "mat"
    CHAIR = "chair"
    COUCH = "couch"  # from the side, its back on the left
    COUCH_FRONT = "couch_front"  # from the front: seat, back behind, an arm each end
    STOOL = "stool"
    STEP = "step"
    WALL = "wall"


@dataclass(frozen=True)
class Prop:
    kind: PropKind
    x: float  # its left edge (a wall: where it stands)
    width: float = 0.0  # a mat's length; the others have their own size


@dataclass(frozen=True)
class Arrow:
    """Which way to move: from one point to another, bulging by `bend` to its left."""

    start: tuple[float, float]
    end: tuple[float, float]
    bend: float = 0.0


@dataclass(frozen=True)
class Frame:
    hip: tuple[float, float]
    trunk: float
    head: float
    arms: dict[Limb, tuple[float, float]]
    legs: dict[Limb, tuple[float, float, float]]
    arrows: tuple[Arrow, ...] = ()
    # How far the back bows from the straight line hip to shoulders, in cm, to the left of
    # that line (on all fours facing right: positive rounds it up, negative lets it sag).
    curve: float = 0.0


@dataclass(frozen=True)
class Pose:
    routine_id: str
    step_id: str
    view: View
    frames: tuple[Frame, ...]
    props: tuple[Prop, ...] = ()
    # The limbs the exercise works, drawn in the accent colour.
    work: frozenset[Limb] = field(default_factory=frozenset)


class PoseError(ValueError):
    pass


Point = tuple[float, float]


def _step(origin: Point, angle: float, length: float) -> Point:
    rad = math.radians(angle)
    return origin[0] + length * math.cos(rad), origin[1] + length * math.sin(rad)


def joints(frame: Frame, view: View) -> dict[str, Point]:
    """Every joint of the frame, by name ("near_knee", "head", ...), in centimetres."""
    hip = frame.hip
    shoulder = _step(hip, frame.trunk, LENGTHS["trunk"])
    neck = _step(shoulder, frame.head, LENGTHS["neck"])
    points = {
        "hip": hip,
        "shoulder": shoulder,
        "head": _step(neck, frame.head, HEAD_RADIUS),
        "neck": neck,
    }
    across = frame.trunk - 90  # towards the picture's right when upright
    for limb, (upper, lower) in frame.arms.items():
        root = _root(shoulder, across, SHOULDER_HALF, limb, view)
        elbow = _step(root, upper, LENGTHS["upper_arm"])
        side = limb.value.split("_")[0]
        points |= {
            f"{side}_shoulder": root,
            f"{side}_elbow": elbow,
            f"{side}_hand": _step(elbow, lower, LENGTHS["forearm"]),
        }
    for limb, (thigh, shin, foot) in frame.legs.items():
        root = _root(hip, across, HIP_HALF, limb, view)
        knee = _step(root, thigh, LENGTHS["thigh"])
        ankle = _step(knee, shin, LENGTHS["shin"])
        side = limb.value.split("_")[0]
        points |= {
            f"{side}_hip": root,
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
            f"{side}_toe": _step(ankle, foot, LENGTHS["foot"]),
        }
    return points


def _root(centre: Point, across: float, half: float, limb: Limb, view: View) -> Point:
    if view is View.SIDE:
        return centre
    # Facing the viewer, the person's right (near) limbs are on the picture's left.
    return _step(centre, across, -half if limb.value.startswith("near") else half)


def check(pose: Pose) -> None:
    """Refuse a frame no body could take: a knee bent backwards, or a joint under the floor.
    (An arm may turn at the shoulder, so seen from the side its elbow may bend either way.)"""
    where = f"{pose.routine_id}/{pose.step_id}"
    for n, frame in enumerate(pose.frames, 1):
        if set(frame.legs) != set(LEGS) or set(frame.arms) != set(ARMS):
            raise PoseError(f"{where} frame {n}: give both arms and both legs")
        for limb, (thigh, shin, _) in frame.legs.items():
            # The knee only bends one way: the shin turns clockwise from the thigh (side view,
            # facing right); a front view shows knees from the front, so either way.
            bend = _turn(thigh, shin)
            if pose.view is View.SIDE and bend > HYPEREXTENSION:
                raise PoseError(f"{where} frame {n}: the {limb.value} knee bends backwards")
        low = [name for name, (_, y) in joints(frame, pose.view).items() if y < -FLOOR_SLACK]
        if low:
            raise PoseError(f"{where} frame {n}: {', '.join(sorted(low))} below the floor")
    if pose.view is View.SIDE and pose.work - set(Limb):
        raise PoseError(f"{where}: unknown working limb")


def _turn(first: float, second: float) -> float:
    """The signed turn from one direction to the next, in -180..180 (positive: anticlockwise)."""
    return (second - first + 180) % 360 - 180


def _pair(value: Any, where: str) -> Point:
    if not (isinstance(value, list) and len(value) == 2):
        raise PoseError(f"{where}: expected [x, y]")
    return float(value[0]), float(value[1])


def _frame(data: dict[str, Any], where: str) -> Frame:
    try:
        arms = {limb: tuple(float(a) for a in data[limb.value]) for limb in ARMS}
        legs = {limb: tuple(float(a) for a in data[limb.value]) for limb in LEGS}
    except KeyError as missing:
        raise PoseError(f"{where}: no {missing.args[0]}") from None
    if any(len(a) != 2 for a in arms.values()) or any(len(a) != 3 for a in legs.values()):
        raise PoseError(f"{where}: an arm takes [upper, lower], a leg [thigh, shin, foot]")
    trunk = float(data["trunk"])
    arrows = tuple(
        Arrow(_pair(a["from"], where), _pair(a["to"], where), float(a.get("bend", 0.0)))
        for a in data.get("arrows", [])
    )
    return Frame(
        hip=_pair(data["hip"], where),
        trunk=trunk,
        head=float(data.get("head", trunk)),
        arms=arms,  # type: ignore[arg-type]
        legs=legs,  # type: ignore[arg-type]
        arrows=arrows,
        curve=float(data.get("curve", 0.0)),
    )


def _pose(routine_id: str, step_id: str, data: dict[str, Any]) -> Pose:
    where = f"{routine_id}/{step_id}"
    frames = data.get("frames")
    if not isinstance(frames, list) or not 1 <= len(frames) <= 2:
        raise PoseError(f"{where}: one frame, or two (start and end)")
    pose = Pose(
        routine_id=routine_id,
        step_id=step_id,
        view=View(data.get("view", "side")),
        frames=tuple(_frame(f, f"{where} frame {n}") for n, f in enumerate(frames, 1)),
        props=tuple(
            Prop(PropKind(p["kind"]), float(p.get("x", 0.0)), float(p.get("width", 0.0)))
            for p in data.get("props", [])
        ),
        work=frozenset(Limb(w) for w in data.get("work", [])),
    )
    check(pose)
    return pose


def load_poses(routine_id: str) -> dict[str, Pose]:
    path = POSES_DIR / f"{routine_id}.toml"
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {step_id: _pose(routine_id, step_id, raw) for step_id, raw in data.items()}


@cache
def all_poses() -> dict[tuple[str, str], Pose]:
    """Every pose of every routine, by (routine id, step id)."""
    found: dict[tuple[str, str], Pose] = {}
    for path in sorted(POSES_DIR.glob("*.toml")):
        for step_id, pose in load_poses(path.stem).items():
            found[(path.stem, step_id)] = pose
    return found
