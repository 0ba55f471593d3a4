"""The /export CSV: one file, one row per session, step, check-in or level change.

The header is fixed and documented in the README, so a spreadsheet or a script written
against one export reads the next. A column a record does not use is left empty.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.timefmt import local
from storage.models import CheckIn, ExerciseSession, LevelChange, SessionStep

HEADER = (
    "record",  # session | step | checkin | level_change
    "id",
    "session_id",
    "time_utc",  # ISO 8601 in UTC: a session's start, a step's end, when a check-in was given
    "time_local",  # the same instant in the person's zone, with its offset
    "ended_utc",  # sessions only
    "routine_id",
    "level",
    "side",
    "status",  # session: done | stopped | …; step: done | skipped | stopped
    "reason",  # why a session stopped, what a check-in decided, why the level changed
    "pain_before",
    "pain_after",
    "step_number",
    "step_id",
    "seconds",
    "phase",
    "pain",
    "tingling",
    "next_day",
    "red_flag",
    "action",
    "level_before",
    "level_after",
)
# Text starting with these is a formula to a spreadsheet. Only text is guarded: numbers
# (a negative one too) are written as numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Within one instant, a session comes before its steps and check-ins.
RANK = {"session": 0, "step": 1, "checkin": 2, "level_change": 3}

Row = dict[str, object]


def rows(
    *,
    tz: str,
    sessions: Sequence[ExerciseSession],
    steps: Sequence[SessionStep],
    checkins: Sequence[CheckIn],
    level_changes: Sequence[LevelChange],
) -> list[Row]:
    """Every record, in the order it happened."""
    made = [
        *(_session(s, tz) for s in sessions),
        *(_step(s, tz) for s in steps),
        *(_checkin(c, tz) for c in checkins),
        *(_level_change(c, tz) for c in level_changes),
    ]
    return sorted(made, key=lambda r: (r["time_utc"], RANK[str(r["record"])], r["id"]))


async def csv_bytes(records: list[Row]) -> bytes:
    """Off the event loop: a long history is tens of thousands of rows."""
    return await asyncio.to_thread(to_csv, records)


def to_csv(records: Iterable[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: cell(value) for key, value in row.items()} for row in records)
    return out.getvalue().encode("utf-8")


def cell(value: object) -> str:
    """How a value is written: empty for None, true/false, ISO 8601 for instants."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A spreadsheet would run it as a formula; OWASP's advice is a leading quote.
        return "'" + value
    return str(value)


def _times(moment: datetime, tz: str) -> Row:
    return {
        "time_utc": moment.isoformat(timespec="seconds"),
        "time_local": local(moment, tz).isoformat(timespec="seconds"),
    }


def _session(row: ExerciseSession, tz: str) -> Row:
    return {
        "record": "session",
        "id": row.id,
        "session_id": row.id,
        **_times(row.started_at, tz),
        "ended_utc": row.ended_at.isoformat(timespec="seconds") if row.ended_at else None,
        "routine_id": row.routine_id,
        "level": row.level,
        "side": row.side,
        "status": row.state,
        "reason": row.stop_reason,
        "pain_before": row.pain_before,
        "pain_after": row.pain_after,
    }


def _step(row: SessionStep, tz: str) -> Row:
    return {
        "record": "step",
        "id": row.id,
        "session_id": row.session_id,
        **_times(row.ended_at, tz),
        "side": row.side,
        "status": row.status,
        "step_number": row.number,
        "step_id": row.step_id,
        "seconds": row.seconds,
    }


def _checkin(row: CheckIn, tz: str) -> Row:
    return {
        "record": "checkin",
        "id": row.id,
        "session_id": row.session_id,
        **_times(row.created_at, tz),
        "reason": row.reason,
        "phase": row.phase,
        "pain": row.pain,
        "tingling": row.tingling,
        "next_day": row.next_day,
        "red_flag": row.red_flag,
        "action": row.action,
        "level_before": row.level_before,
        "level_after": row.level_after,
    }


def _level_change(row: LevelChange, tz: str) -> Row:
    return {
        "record": "level_change",
        "id": row.id,
        **_times(row.created_at, tz),
        "reason": row.reason,
        "level_before": row.level_before,
        "level_after": row.level_after,
    }
