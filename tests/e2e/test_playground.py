"""The terminal playground, driven through its input and output streams."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import texts
from devtools import playground


class Terminal:
    def __init__(self) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.out = io.StringIO()

    async def type(self, line: str, then: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        mark = len(self.out.getvalue())
        self.lines.put_nowait(line + "\n")
        async with asyncio.timeout(timeout):
            while then not in self.out.getvalue()[mark:]:  # noqa: ASYNC110 (a StringIO has no event)
                await asyncio.sleep(0.01)


async def test_from_start_to_the_first_step_of_a_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    term = Terminal()
    task = asyncio.create_task(playground.run(term.lines, term.out))
    await term.type("/start", "[1] I understand and agree")
    await term.type("1", "[1] No, none of these")
    await term.type("1", "And any of these")
    await term.type("1", "before your first session")
    await term.type("1", "Choose a routine")
    await term.type("5", "Choose this routine")
    # This routine asks first whether it suits the person.
    await term.type("1", texts.FITS_NO)
    await term.type("1", "Where is your pain")
    await term.type("2", "Which days")
    await term.type("8", "What time")
    await term.type("7:30 pm", "time zone")
    # The zone is confirmed first; the summary with its buttons follows.
    await term.type("/loc 48.85 2.35", "Your plan")
    await term.type("1", "Before we start")
    await term.type("3", "tingling or numbness")
    await term.type("1", "Step 1 of")
    term.lines.put_nowait("/quit\n")
    await asyncio.wait_for(task, timeout=30)
    transcript = term.out.getvalue()
    assert "Your plan" in transcript and "19:30 (Europe/Paris)" in transcript
    assert "Side: right side" in transcript and "Get into position" in transcript
    assert "[1] ⏸ Pause  [2] ⏭ Skip  [3] ⏹ Stop  [4] 🤕 It hurts" in transcript
    # Edits are shown as updates of the same message, not as new ones.
    assert "(updated) 🤖 A quick safety check" in transcript
    assert (tmp_path / "data" / "playground.db").exists()


async def test_time_jump_brings_the_reminder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    term = Terminal()
    task = asyncio.create_task(playground.run(term.lines, term.out))
    await term.type("/start", "I understand and agree")
    await term.type("1", "No, none of these")
    await term.type("1", "And any of these")
    await term.type("1", "before your first session")
    await term.type("1", "Choose a routine")
    await term.type("1", "Choose this routine")
    # A floor routine asks whether the floor is fine.
    await term.type("1", texts.FLOOR_YES)
    await term.type("1", "Where is your pain")
    await term.type("4", "Which days")
    for day in ("2", "4", "6", "7"):
        await term.type(day, "Which days")
    await term.type("8", "What time")
    soon = datetime.now(UTC) + timedelta(hours=1)
    await term.type(f"{soon:%H:%M}", "time zone")
    await term.type("UTC", "Your plan")
    await term.type("/time +61m", "Time for your stretches")
    await term.type("/time nonsense", "Usage: /time")
    term.lines.put_nowait(None)
    await asyncio.wait_for(task, timeout=30)
    assert "[1] ▶ Start now  [2] ⏰ Snooze 30 min  [3] Skip today" in term.out.getvalue()
