"""Line drawings of the poses (routines/poses.py), with Pillow: thick rounded limbs on a
light background, the working limbs in one accent colour, an arrow where the step moves.

Only `python -m routines figures` draws; the bot sends the PNGs this writes, committed in
routines/pictures/, so no picture is drawn while the bot runs."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

from routines.poses import (
    HEAD_RADIUS,
    LEGS,
    Arrow,
    Frame,
    Limb,
    Point,
    Pose,
    Prop,
    PropKind,
    View,
    joints,
)

BACKGROUND = (250, 248, 242)
INK = (52, 58, 68)
FAR = (160, 168, 178)
ACCENT = (228, 87, 46)
ARROW = (30, 120, 200)
PROP_FILL = (226, 220, 206)
PROP_LINE = (170, 160, 140)
FLOOR = (150, 140, 120)
LABEL = (90, 96, 106)

FRAME_SIZE = (600, 440)
MARGIN = 40
# Limb and trunk widths in centimetres of the figure, drawn to scale.
LIMB_WIDTH, TRUNK_WIDTH = 9.0, 15.0
GAP = 24  # between the start and end frames

Colour = tuple[int, int, int]

_ARMS = {Limb.NEAR_ARM: ("near_shoulder", "near_elbow", "near_hand"),
         Limb.FAR_ARM: ("far_shoulder", "far_elbow", "far_hand")}  # fmt: skip
_LEGS = {
    Limb.NEAR_LEG: ("near_hip", "near_knee", "near_ankle", "near_toe"),
    Limb.FAR_LEG: ("far_hip", "far_knee", "far_ankle", "far_toe"),
}


def render(pose: Pose, side: str | None, *, label: str | None = None) -> Image.Image:
    """The pose for one side ("left" mirrors the drawn right side; None: done centrally)."""
    scale, shift = _fit(pose)
    frames = [_frame_image(pose, frame, scale, shift) for frame in pose.frames]
    if side == "left":
        # Each frame is mirrored on its own: the start still comes first, on the left.
        frames = [frame.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for frame in frames]
    width = sum(f.width for f in frames) + GAP * (len(frames) - 1)
    image = Image.new("RGB", (width, FRAME_SIZE[1]), BACKGROUND)
    x = 0
    for n, frame in enumerate(frames):
        image.paste(frame, (x, 0))
        if n:
            _chevron(ImageDraw.Draw(image), x - GAP // 2, FRAME_SIZE[1] // 2)
        x += frame.width + GAP
    if label:
        ImageDraw.Draw(image).text((16, 12), label, fill=LABEL, font=_font(24))
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _points(pose: Pose) -> Iterable[Point]:
    for frame in pose.frames:
        yield from joints(frame, pose.view).values()
        for arrow in frame.arrows:
            yield arrow.start
            yield arrow.end
    for prop in pose.props:
        left, bottom, right, top = _prop_box(prop)
        yield (left, bottom)
        yield (right, top)


def _fit(pose: Pose) -> tuple[float, Point]:
    """One scale for every frame of the pose, and the shift that centres it."""
    points = list(_points(pose))
    pad = HEAD_RADIUS + LIMB_WIDTH
    left = min(x for x, _ in points) - pad
    right = max(x for x, _ in points) + pad
    bottom = min(0.0, min(y for _, y in points))
    top = max(y for _, y in points) + pad
    width, height = FRAME_SIZE[0] - 2 * MARGIN, FRAME_SIZE[1] - 2 * MARGIN
    scale = min(width / (right - left), height / (top - bottom))
    # Centred across; the floor near the bottom edge.
    shift_x = MARGIN + (width - (right - left) * scale) / 2 - left * scale
    shift_y = FRAME_SIZE[1] - MARGIN + bottom * scale
    return scale, (shift_x, shift_y)


def _frame_image(pose: Pose, frame: Frame, scale: float, shift: Point) -> Image.Image:
    image = Image.new("RGB", FRAME_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)

    def at(point: Point) -> Point:
        return shift[0] + point[0] * scale, shift[1] - point[1] * scale

    floor_y = at((0, 0))[1]
    draw.line([(MARGIN / 2, floor_y), (FRAME_SIZE[0] - MARGIN / 2, floor_y)], FLOOR, 3)
    for prop in pose.props:
        _prop(draw, prop, at, scale)
    points = joints(frame, pose.view)
    width = max(3, round(LIMB_WIDTH * scale))
    # Far limbs first, then the trunk and head, then the near limbs on top. From the front
    # both sides are in plain sight, so the far ones are not greyed.
    far = INK if pose.view is View.FRONT else FAR
    for limb in (Limb.FAR_ARM, Limb.FAR_LEG):
        _limb(draw, [at(points[j]) for j in _chain(limb)], _colour(pose, limb, far), width)
    trunk = [at(p) for p in _back(points["hip"], points["shoulder"], frame.curve)]
    trunk.append(at(points["neck"]))
    trunk_width = max(4, round(TRUNK_WIDTH * scale))
    _polyline(draw, trunk, INK, trunk_width)
    if pose.view is View.FRONT:
        for a, b in (("near_shoulder", "far_shoulder"), ("near_hip", "far_hip")):
            _polyline(draw, [at(points[a]), at(points[b])], INK, trunk_width)
    head, radius = at(points["head"]), HEAD_RADIUS * scale
    box = (head[0] - radius, head[1] - radius, head[0] + radius, head[1] + radius)
    draw.ellipse(box, fill=BACKGROUND, outline=INK, width=max(3, round(3.5 * scale)))
    for limb in (Limb.NEAR_LEG, Limb.NEAR_ARM):
        _limb(draw, [at(points[j]) for j in _chain(limb)], _colour(pose, limb, INK), width)
    for arrow in frame.arrows:
        _arrow(draw, arrow, at, scale)
    return image


def _back(hip: Point, shoulder: Point, curve: float) -> list[Point]:
    """The back from hip to shoulders: straight, or bowed by `curve` to the line's left."""
    if not curve:
        return [hip, shoulder]
    dx, dy = shoulder[0] - hip[0], shoulder[1] - hip[1]
    length = math.hypot(dx, dy) or 1.0
    mid = ((hip[0] + shoulder[0]) / 2, (hip[1] + shoulder[1]) / 2)
    # Twice the bow at the control point puts the curve's middle `curve` off the line.
    control = (mid[0] - dy / length * 2 * curve, mid[1] + dx / length * 2 * curve)
    return [_bezier(hip, control, shoulder, t / 12) for t in range(13)]


def _chain(limb: Limb) -> tuple[str, ...]:
    return _LEGS[limb] if limb in LEGS else _ARMS[limb]


def _colour(pose: Pose, limb: Limb, default: Colour) -> Colour:
    if limb not in pose.work:
        return default
    # A far working limb is the accent, lighter, so the near one still reads as in front.
    near = default is INK and (limb in (Limb.NEAR_ARM, Limb.NEAR_LEG) or pose.view is View.FRONT)
    return ACCENT if near else _blend(ACCENT, BACKGROUND, 0.45)


def _blend(a: Colour, b: Colour, share: float) -> Colour:
    return tuple(round(x * (1 - share) + y * share) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _limb(draw: ImageDraw.ImageDraw, points: Sequence[Point], colour: Colour, width: int) -> None:
    # The foot is thinner than the leg.
    if len(points) == 4:
        _polyline(draw, points[:3], colour, width)
        _polyline(draw, points[2:], colour, max(3, round(width * 0.7)))
    else:
        _polyline(draw, points, colour, width)


def _polyline(
    draw: ImageDraw.ImageDraw, points: Sequence[Point], colour: Colour, width: int
) -> None:
    draw.line(list(points), fill=colour, width=width, joint="curve")
    radius = width / 2
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _prop_box(prop: Prop) -> tuple[float, float, float, float]:
    """left, bottom, right, top in centimetres."""
    sizes = {
        PropKind.MAT: (prop.width or 180.0, 2.5),
        PropKind.CHAIR: (44.0, 90.0),
        PropKind.COUCH: (60.0, 80.0),
        PropKind.COUCH_FRONT: (prop.width or 120.0, 80.0),
        PropKind.STOOL: (36.0, 40.0),
        PropKind.STEP: (40.0, 18.0),
        PropKind.WALL: (4.0, 190.0),
    }
    width, height = sizes[prop.kind]
    return prop.x, 0.0, prop.x + width, height


ToImage = Callable[[Point], Point]


def _prop(draw: ImageDraw.ImageDraw, prop: Prop, to: ToImage, scale: float) -> None:
    left, bottom, right, top = _prop_box(prop)
    line = max(2, round(2.5 * scale))

    def box(l: float, b: float, r: float, t: float) -> None:  # noqa: E741
        (x0, y1), (x1, y0) = to((l, b)), to((r, t))
        draw.rounded_rectangle((x0, y0, x1, y1), radius=line * 2, fill=PROP_FILL,
                               outline=PROP_LINE, width=line)  # fmt: skip

    if prop.kind in (PropKind.MAT, PropKind.STEP, PropKind.STOOL, PropKind.WALL):
        box(left, bottom, right, top)
    elif prop.kind is PropKind.CHAIR:
        box(left, 42.0, right, 47.0)  # seat
        box(left + 2, 0.0, left + 5, 42.0)
        box(right - 5, 0.0, right - 2, 42.0)
        box(left, 47.0, left + 5, top)  # back, on the left: the figure faces right
    elif prop.kind is PropKind.COUCH:
        box(left, 0.0, right, 42.0)
        box(left, 42.0, left + 14, top)
    else:  # a couch from the front
        box(left + 10, 40.0, right - 10, top)
        box(left, 0.0, right, 42.0)
        box(left, 0.0, left + 13, 60.0)
        box(right - 13, 0.0, right, 60.0)


def _arrow(draw: ImageDraw.ImageDraw, arrow: Arrow, to: ToImage, scale: float) -> None:
    start, end = to(arrow.start), to(arrow.end)
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy) or 1.0
    # Bulge to the left of the direction of travel (y grows downwards on the image).
    control = (mid[0] + dy / length * arrow.bend * scale, mid[1] - dx / length * arrow.bend * scale)
    curve = [_bezier(start, control, end, t / 20) for t in range(21)]
    width = max(3, round(3.5 * scale))
    draw.line(curve, fill=ARROW, width=width, joint="curve")
    tip, before = curve[-1], curve[-3]
    angle = math.atan2(tip[1] - before[1], tip[0] - before[0])
    size = 9 * scale
    wings = [
        (tip[0] - size * math.cos(angle - 0.5), tip[1] - size * math.sin(angle - 0.5)),
        tip,
        (tip[0] - size * math.cos(angle + 0.5), tip[1] - size * math.sin(angle + 0.5)),
    ]
    draw.polygon(wings, fill=ARROW)


def _bezier(a: Point, c: Point, b: Point, t: float) -> Point:
    return (
        (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * c[0] + t**2 * b[0],
        (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * c[1] + t**2 * b[1],
    )


def _chevron(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    """The "then" between the start and end frames."""
    draw.polygon([(x - 8, y - 14), (x + 8, y), (x - 8, y + 14)], fill=FAR)


def sheet(tiles: Sequence[tuple[str, Image.Image]], *, columns: int = 4) -> Image.Image:
    """A contact sheet: every picture, small, with its title under it."""
    tile_w, tile_h, title_h = 420, 200, 44
    rows = math.ceil(len(tiles) / columns)
    image = Image.new("RGB", (columns * tile_w, rows * (tile_h + title_h)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = _font(15)
    for n, (title, picture) in enumerate(tiles):
        x, y = n % columns * tile_w, n // columns * (tile_h + title_h)
        thumb = picture.copy()
        thumb.thumbnail((tile_w - 10, tile_h - 6))
        image.paste(thumb, (x + (tile_w - thumb.width) // 2, y + 3))
        for line_no, line in enumerate(title.split("\n")[:2]):
            draw.text((x + 8, y + tile_h + line_no * 19), line, fill=INK, font=font)
    return image


def strip(pictures: Sequence[Image.Image], *, columns: int = 4) -> Image.Image:
    """A routine's pictures in rows, for its preview: one image for the whole routine."""
    tile_w, tile_h = 300, 220
    rows = math.ceil(len(pictures) / columns)
    image = Image.new("RGB", (min(columns, len(pictures)) * tile_w, rows * tile_h), BACKGROUND)
    for n, picture in enumerate(pictures):
        thumb = picture.copy()
        thumb.thumbnail((tile_w - 8, tile_h - 8))
        x, y = n % columns * tile_w, n // columns * tile_h
        image.paste(thumb, (x + (tile_w - thumb.width) // 2, y + (tile_h - thumb.height) // 2))
    return image
