"""A picture of one step card as Telegram shows it, for the README:
python -m devtools.card_picture docs/step-card.png

The photo, the caption and the buttons are the bot's own (bot/cards.py, bot/keyboards.py,
routines/pictures/); only the chat bubble around them is drawn here."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from matplotlib import get_data_path
from PIL import Image, ImageDraw, ImageFont

from bot import cards, keyboards, pictures
from devtools.standin.html import parse_html
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from routines.poses import PICTURES_DIR
from routines.session import Clock

ROUTINE, STEP = "seated_hamstring_progression", "leg_on_stool"
WIDTH, PAD = 720, 18
CHAT, BUBBLE, INK, BUTTON, BUTTON_INK = (
    (213, 226, 236),
    (255, 255, 255),
    (20, 24, 30),
    (96, 132, 168),
    (255, 255, 255),
)


def main(out: str) -> None:
    plan = build_session(default_catalog().get(ROUTINE), 2, PainSide.RIGHT)
    number = next(i for i, s in enumerate(plan.steps) if s.step_id == STEP)
    step = plan.steps[number]
    status = cards.clock(step, Clock.LEFT, 20)
    caption = cards.card(step, len(plan.steps), status, cards.lead_in(plan.steps[number - 1], step))
    name = pictures.for_step(ROUTINE, step)
    assert name is not None, "draw the pictures first: python -m routines figures --out ..."
    photo = Image.open(PICTURES_DIR / name).convert("RGB")
    markup = keyboards.controls(1, number, paused=False, done=step.on_one_card)
    rows = [[button.text for button in row] for row in markup.inline_keyboard]
    _draw(photo, parse_html(caption).text, rows).save(out)


def _plain(text: str) -> str:
    """Without the emoji, which DejaVu Sans cannot draw (Telegram shows them in colour)."""
    kept = "".join(
        c
        for c in text
        if not (0x2300 <= ord(c) <= 0x23FF or 0x2700 <= ord(c) <= 0x27BF or ord(c) >= 0x1F000)
        and c != "\ufe0f"
    )
    return "\n".join(line.strip() for line in kept.split("\n"))


def _draw(photo: Image.Image, caption: str, rows: list[list[str]]) -> Image.Image:
    caption, rows = _plain(caption), [[_plain(label) for label in row] for row in rows]
    # matplotlib ships DejaVu Sans, which has the buttons' symbols; Pillow's default has not.
    font = ImageFont.truetype(str(Path(get_data_path()) / "fonts/ttf/DejaVuSans.ttf"), 22)
    inner = WIDTH - 2 * PAD
    photo = photo.resize((inner, round(photo.height * inner / photo.width)))
    lines = [
        wrapped
        for paragraph in caption.split("\n")
        for wrapped in (textwrap.wrap(paragraph, 52) or [""])
    ]
    text_h = 30 * len(lines) + PAD
    button_h = 52 * len(rows)
    height = PAD + photo.height + text_h + PAD + button_h + PAD
    image = Image.new("RGB", (WIDTH + 2 * PAD, height + 2 * PAD), CHAT)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (PAD, PAD, PAD + WIDTH, PAD + PAD + photo.height + text_h), radius=16, fill=BUBBLE
    )
    image.paste(photo, (2 * PAD, 2 * PAD))
    y = 2 * PAD + photo.height + 10
    for line in lines:
        draw.text((2 * PAD, y), line, fill=INK, font=font)
        y += 30
    y = PAD + PAD + photo.height + text_h + 8
    for row in rows:
        width = (WIDTH - 8 * (len(row) - 1)) / len(row)
        for n, label in enumerate(row):
            x = PAD + n * (width + 8)
            draw.rounded_rectangle((x, y, x + width, y + 44), radius=10, fill=BUTTON)
            box = draw.textbbox((0, 0), label, font=font)
            draw.text(
                (x + (width - (box[2] - box[0])) / 2, y + 10), label, fill=BUTTON_INK, font=font
            )
        y += 52
    return image


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path("docs") / "step-card.png"))
