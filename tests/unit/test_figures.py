"""Every step's picture: its pose is valid, it draws, its mirror names the other side, and
the committed PNGs are what the pose data draws."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from bot import cards, pictures
from routines.drawing import ACCENT, FRAME_SIZE, GAP, render
from routines.figures import figures
from routines.figures import pictures as drawn_pictures
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from routines.poses import (
    PICTURES_DIR,
    Frame,
    Limb,
    Pose,
    PoseError,
    View,
    all_poses,
    check,
    joints,
)

CATALOG = default_catalog()
FIGURES = list(figures(CATALOG))


def _id(figure: object) -> str:
    return getattr(figure, "name", "?")


def test_every_step_of_every_level_has_a_pose() -> None:
    poses = all_poses()
    for routine in CATALOG:
        for level in range(1, routine.top_level + 1):
            for floor in (True, False):
                for step in build_session(routine, level, PainSide.LEFT, floor=floor).steps:
                    assert (routine.id, step.step_id) in poses, (routine.id, step.step_id)
    # and no pose for a step that does not exist
    known = {(r.id, s) for r in CATALOG for s in r.steps}
    assert set(poses) <= known


def _accent_mask(image: Image.Image) -> Image.Image:
    """The pixels drawn in the working limb's colour."""
    solid = Image.new("RGB", image.size, ACCENT)
    diff = ImageChops.difference(image.convert("RGB"), solid).convert("L")
    return diff.point(lambda v: 255 if v < 40 else 0)


@pytest.mark.parametrize("figure", FIGURES, ids=_id)
def test_the_picture_draws_and_mirrors_to_the_other_side(figure) -> None:
    image = render(figure.pose, figure.side)
    inked = sum(image.convert("L").histogram()[:120])
    assert inked > 2000, "the figure is drawn"
    if figure.pose.work:
        assert _accent_mask(image).getbbox() is not None, "the working limb is highlighted"
    if figure.side is None:
        return
    other = render(figure.pose, "left" if figure.side == "right" else "right")
    # Each frame is the mirror of the other side's same frame, the start first on both.
    for n in range(len(figure.pose.frames)):
        left = n * (FRAME_SIZE[0] + GAP)
        box = (left, 0, left + FRAME_SIZE[0], FRAME_SIZE[1])
        mirrored = other.crop(box).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        assert ImageChops.difference(image.crop(box), mirrored).getbbox() is None
    # The right side is drawn; the left is its mirror, so the working leg is the other one.
    if figure.pose.work and figure.pose.view is View.SIDE:
        assert _accent_mask(image).getbbox() != _accent_mask(other).getbbox()


def test_each_side_is_labelled_with_its_name() -> None:
    left = next(f for f in FIGURES if f.side == "left")
    right = next(f for f in FIGURES if f.side == "right" and f.step == left.step)
    assert "Left" in left.title and "Right" in right.title
    # Labels are written after the mirroring, so they read the right way round.
    assert ImageChops.difference(left.image(), render(left.pose, "left")).getbbox() is not None


DRAWN = list(drawn_pictures(CATALOG))


@pytest.mark.parametrize(("name", "draw"), DRAWN, ids=[name for name, _ in DRAWN])
def test_committed_pictures_are_what_the_poses_draw(name: str, draw) -> None:
    """Regenerate with: .venv/bin/python -m routines figures --out routines/pictures"""
    path = PICTURES_DIR / name
    assert path.exists(), f"{name} is missing: regenerate the pictures"
    committed = Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
    image = draw()
    assert committed.size == image.size
    assert ImageChops.difference(committed, image.convert("RGB")).getbbox() is None


def test_no_committed_picture_is_left_over() -> None:
    expected = {name for name, _ in DRAWN}
    assert {path.name for path in Path(PICTURES_DIR).glob("*.png")} == expected


def test_every_card_fits_a_caption_and_finds_its_picture() -> None:
    for routine in CATALOG:
        for level in range(1, routine.top_level + 1):
            plan = build_session(routine, level, PainSide.RIGHT)
            for step in plan.steps:
                status = "⏳ 25 s left — nearly there."
                text = cards.card(step, len(plan.steps), status, "✅ Well done.")
                assert pictures.fits_caption(text), (routine.id, step.step_id)
                assert pictures.for_step(routine.id, step) is not None
        assert pictures.for_preview(routine.id) is not None


STANDING = Frame(
    hip=(0, 90),
    trunk=90,
    head=90,
    arms={Limb.NEAR_ARM: (-90, -90), Limb.FAR_ARM: (-90, -90)},
    legs={Limb.NEAR_LEG: (-90, -90, 0), Limb.FAR_LEG: (-90, -90, 0)},
)


def _pose(frame: Frame) -> Pose:
    return Pose("r", "s", View.SIDE, (frame,))


def test_a_standing_figure_stands_on_the_floor() -> None:
    check(_pose(STANDING))
    points = joints(STANDING, View.SIDE)
    assert points["near_ankle"][1] == pytest.approx(90 - 44 - 42)
    assert points["head"][1] == pytest.approx(90 + 50 + 9 + 10)


def test_a_knee_bent_backwards_is_refused() -> None:
    backwards = Frame(**{**STANDING.__dict__, "legs": {
        Limb.NEAR_LEG: (-90, -60, 0), Limb.FAR_LEG: (-90, -90, 0)}})  # fmt: skip
    with pytest.raises(PoseError, match="near_leg knee bends backwards"):
        check(_pose(backwards))


def test_a_figure_below_the_floor_is_refused() -> None:
    sunk = Frame(**{**STANDING.__dict__, "hip": (0, 60)})
    with pytest.raises(PoseError, match="below the floor"):
        check(_pose(sunk))
