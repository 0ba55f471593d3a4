"""`make playground`: the real bot, its real database and scheduler, talking to an embedded
Bot API stand-in, with the chat in the terminal. No token and no network needed."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from telegram.ext import Application

from bot.app import build_application
from bot.clock import Clock
from bot.log import configure_logging
from bot.runtime import Runtime
from bot.settings import Settings, load_settings
from devtools.standin import BotMessage, ScriptedUser, StandIn
from devtools.standin.polling import polling
from routines.numbers import parse_int

PLAYGROUND_DB = "sqlite+aiosqlite:///./data/playground.db"
# Where the pictures the bot sends are saved, since a terminal cannot show them.
PICTURES = "./data/playground-pictures"
TOKEN = "1:playground"
USER_ID = 1
HELP = (
    "Type to chat with the bot. A number presses that button; /loc LAT LON shares a "
    "location; /time +2h (or +30m, +45s, +1d) moves the clock; Ctrl-C or /quit exits."
)
STEP = re.compile(r"^\+?(\d+)\s*([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Transcript:
    """Prints what the bot sends; an edit of the last message rewrites it in place."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.last: tuple[int, int] | None = None  # (message id, lines printed)
        self.buttons: list[dict[str, str]] = []
        self.keyboard_owner: int | None = None

    def show(self, kind: str, message: BotMessage) -> None:
        if kind == "deleted":
            return
        block = render(message)
        if kind == "edited" and self.tty and self.last and self.last[0] == message.message_id:
            self.out.write(f"\x1b[{self.last[1]}F\x1b[J")
        elif kind == "edited":
            block = "(updated) " + block
        self.out.write(block + "\n")
        self.out.flush()
        self.last = (message.message_id, block.count("\n") + 1)
        pressable = [b for b in message.buttons if "callback_data" in b]
        # Hints without buttons leave the keyboard above usable; an edit that drops it does not.
        if pressable or message.message_id == self.keyboard_owner:
            self.buttons = pressable
            self.keyboard_owner = message.message_id


def render(message: BotMessage) -> str:
    lines = ["🤖 " + (message.display_text or "[no text]")]
    if message.photo:
        lines.append(f"[picture: {_saved(message)}]")
    if message.document:
        lines.append(f"[file {message.document.filename}, {len(message.document.data)} bytes]")
    numbered = [b for b in message.buttons if "callback_data" in b]
    if numbered:
        lines.append("   " + "  ".join(f"[{i}] {b['text']}" for i, b in enumerate(numbered, 1)))
    return "\n".join(lines)


def _saved(message: BotMessage) -> str:
    """A terminal shows no picture: it goes to a file, whose path is printed."""
    assert message.photo is not None
    folder = Path(PICTURES)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"message-{message.message_id}.png"
    path.write_bytes(message.photo.data)
    return str(path)


def playground_settings(base_url: str) -> Settings:
    return load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        database_url=PLAYGROUND_DB,
        log_level="WARNING",
        rate_limit_per_second=0,
        dispatch_interval_seconds=1.0,
        metrics_port=0,  # a chat in the terminal has no operators to serve
    )


async def handle_line(
    line: str,
    user: ScriptedUser,
    transcript: Transcript,
    app: Application,  # type: ignore[type-arg]
) -> bool:
    """Act on one typed line; False when the person wants to leave."""
    text = line.strip()
    if not text:
        return True
    if text in {"/quit", "/exit"}:
        return False
    if text.startswith("/loc"):
        await _share_location(text, user, transcript)
    elif text.startswith("/time"):
        _move_clock(text, app, transcript)
    elif (button := _button_for(text, transcript.buttons)) is not None:
        await user.press_data(button["callback_data"], _last_with_buttons(user))
    else:
        await user.send(text)
    return True


def _button_for(text: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    # A keyboard of numbers (the pain scale) is pressed by its label; any other by position.
    by_label = [b for b in buttons if b["text"] == text]
    if by_label:
        return by_label[0]
    position = parse_int(text, low=1, high=len(buttons)) if buttons else None
    return None if position is None else buttons[position - 1]


def _last_with_buttons(user: ScriptedUser) -> int:
    return next(m.message_id for m in reversed(user.messages) if m.buttons)


async def _share_location(text: str, user: ScriptedUser, transcript: Transcript) -> None:
    try:
        _, lat, lon = text.split()
        await user.send_location(float(lat), float(lon))
    except ValueError:
        transcript.out.write("Usage: /loc 52.52 13.40\n")


def _move_clock(text: str, app: Application, transcript: Transcript) -> None:  # type: ignore[type-arg]
    match = STEP.match(text.removeprefix("/time").strip())
    if match is None:
        transcript.out.write("Usage: /time +2h (s, m, h or d)\n")
        return
    rt: Runtime = app.bot_data.rt
    rt.clock.advance(timedelta(**{UNITS[match.group(2)]: int(match.group(1))}))
    # Jobs run on real time; run them now so they see the new clock (reminders, holds).
    for job in rt.scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(UTC))
    transcript.out.write(f"⏩ The clock now reads {rt.clock.now():%a %d %b %H:%M} UTC.\n")


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    # A daemon thread, so a blocked readline never holds up Ctrl-C or exit.
    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, daemon=True).start()


async def run(
    lines: asyncio.Queue[str | None] | None = None,
    out: TextIO = sys.stdout,
    *,
    settings_for: Callable[[str], Settings] = playground_settings,
) -> None:
    transcript = Transcript(out)
    configure_logging("WARNING", TOKEN)
    # A clock jump may land while a job runs; APScheduler's note about it is noise here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    async with StandIn() as standin:
        standin.add_listener(lambda kind, message: transcript.show(kind, message))
        settings = settings_for(standin.base_url)
        settings.ensure_data_dir()
        app = build_application(settings, clock=Clock())
        if lines is None:
            lines = asyncio.Queue()
            _stdin_lines(asyncio.get_running_loop(), lines)
        out.write(f"Stretch Coach playground — {HELP}\nTry /start.\n")
        out.flush()
        async with polling(app):
            user = standin.user(USER_ID, first_name="You")
            while (line := await lines.get()) is not None:
                if not await handle_line(line, user, transcript, app):
                    break


def main() -> int:
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("\nBye.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
