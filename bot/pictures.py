"""Step pictures in Telegram: the PNGs drawn ahead of time into routines/pictures/
(`python -m routines figures --out routines/pictures`), uploaded once per bot and sent by
Telegram's file_id after that. Nothing here draws; a file is read only to upload it."""

from __future__ import annotations

import logging
import re
from functools import cache
from html import unescape

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest

from bot.runtime import Runtime
from routines.plan import PlannedStep
from routines.poses import PICTURES_DIR, picture_name, preview_name
from storage.queries import pictures as picture_q

log = logging.getLogger(__name__)

# Telegram's caption limit, in characters after the HTML is parsed.
CAPTION_MAX = 1024


_TAG = re.compile(r"<[^>]+>")


def fits_caption(html: str) -> bool:
    """Within Telegram's caption limit once the HTML is parsed (the text between tags)."""
    return len(unescape(_TAG.sub("", html))) <= CAPTION_MAX


@cache
def names() -> frozenset[str]:
    return frozenset(path.name for path in PICTURES_DIR.glob("*.png"))


def for_step(routine_id: str, step: PlannedStep) -> str | None:
    name = picture_name(routine_id, step.step_id, step.side)
    return name if name in names() else None


def for_preview(routine_id: str) -> str | None:
    name = preview_name(routine_id)
    return name if name in names() else None


def _data(name: str) -> bytes:
    return (PICTURES_DIR / name).read_bytes()


async def load(rt: Runtime) -> None:
    """At start-up: the file_ids this bot already has, so nothing is uploaded twice."""
    async with rt.db.session() as s:
        rt.picture_ids.update(await picture_q.file_ids(s))


async def send(
    rt: Runtime,
    bot: Bot,
    chat_id: int,
    name: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Send a picture by its file_id, or upload it if Telegram has none (or refuses it)."""
    file_id = rt.picture_ids.get(name)
    if file_id is not None:
        try:
            return await bot.send_photo(chat_id, file_id, caption=caption, reply_markup=markup)
        except BadRequest as exc:
            if "wrong file identifier" not in exc.message.lower():
                raise
            log.warning("Telegram refused the stored file_id of %s; uploading it again", name)
            rt.picture_ids.pop(name, None)
    upload = InputFile(_data(name), filename=name)
    message = await bot.send_photo(chat_id, upload, caption=caption, reply_markup=markup)
    if message.photo:
        file_id = message.photo[-1].file_id
        rt.picture_ids[name] = file_id
        async with rt.db.session() as s:
            await picture_q.save(s, name=name, file_id=file_id, at=rt.clock.now())
        rt.metrics.inc("pictures_uploaded")
    return message
