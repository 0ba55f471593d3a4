"""The /export CSV: a fixed header, and rows that read back exactly as they were written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot import export
from storage.models import CheckIn, ExerciseSession, LevelChange, SessionStep

START = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)  # 01:30 in Berlin, just before DST begins


def records(tz: str = "Europe/Berlin") -> list[export.Row]:
    session = ExerciseSession(
        id=7,
        user_id=1,
        routine_id="seated_hamstring_progression",
        level=2,
        side="left",
        state="done",
        total_steps=2,
        pain_before=4,
        pain_after=5,
        stop_reason="user",
        local_date="2025-03-30",
        started_at=START,
        ended_at=START + timedelta(minutes=90),
    )
    steps = [
        SessionStep(
            id=n,
            session_id=7,
            number=n,
            step_id="hamstring",
            side=side,
            status=status,
            seconds=seconds,
            ended_at=START + timedelta(minutes=n * 40),
        )
        for n, side, status, seconds in ((1, "left", "done", 30.0), (2, None, "stopped", 12.34))
    ]
    checkins = [
        CheckIn(
            id=3, user_id=1, phase="screen", red_flag=False, created_at=START - timedelta(days=1)
        ),
        CheckIn(
            id=4,
            user_id=1,
            session_id=7,
            phase="after",
            pain=5,
            action="continue",
            reason="pain_rise_mild",
            level_before=2,
            level_after=1,
            created_at=START + timedelta(minutes=90),
        ),
        CheckIn(
            id=5, user_id=1, phase="redflags", red_flag=True, created_at=START + timedelta(days=2)
        ),
    ]
    change = LevelChange(
        id=9,
        user_id=1,
        plan_id=1,
        level_before=2,
        level_after=1,
        reason="pain_rise_mild",
        created_at=START + timedelta(minutes=90),
    )
    return export.rows(
        tz=tz, sessions=[session], steps=steps, checkins=checkins, level_changes=[change]
    )


def read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def test_round_trip() -> None:
    written = records()
    header, rows = read(export.to_csv(written))
    assert header == list(export.HEADER)
    assert rows == [{key: export.cell(row.get(key)) for key in export.HEADER} for row in written]


def test_rows_in_the_order_they_happened() -> None:
    _, rows = read(export.to_csv(records()))
    assert [(r["record"], r["id"]) for r in rows] == [
        ("checkin", "3"),
        ("session", "7"),
        ("step", "1"),
        ("step", "2"),
        ("checkin", "4"),
        ("level_change", "9"),
        ("checkin", "5"),
    ]


def test_times_in_utc_and_in_the_persons_zone() -> None:
    _, rows = read(export.to_csv(records()))
    session = next(r for r in rows if r["record"] == "session")
    assert session["time_utc"] == "2025-03-30T00:30:00+00:00"
    assert session["time_local"] == "2025-03-30T01:30:00+01:00"
    # The same session ends after the clocks went forward.
    assert session["ended_utc"] == "2025-03-30T02:00:00+00:00"
    step = next(r for r in rows if r["record"] == "step" and r["id"] == "2")
    assert step["time_local"] == "2025-03-30T03:50:00+02:00"
    _, offset_rows = read(export.to_csv(records("UTC+05:30")))
    assert offset_rows[1]["time_local"] == "2025-03-30T06:00:00+05:30"


def test_cells() -> None:
    _, rows = read(export.to_csv(records()))
    flags = {r["id"]: r["red_flag"] for r in rows if r["record"] == "checkin"}
    assert flags == {"3": "false", "4": "false", "5": "true"}
    step = next(r for r in rows if r["record"] == "step" and r["id"] == "2")
    assert (step["side"], step["seconds"], step["pain_before"]) == ("", "12.3", "")


def test_a_comma_or_quote_in_a_value_survives() -> None:
    row: export.Row = {"record": "checkin", "id": 1, "reason": 'said "no", twice\nthen yes'}
    _, rows = read(export.to_csv([row]))
    assert rows[0]["reason"] == 'said "no", twice\nthen yes'


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised() -> None:
    # OWASP's advice for CSV injection: a leading quote makes the cell plain text.
    risky = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx"]
    written: list[export.Row] = [
        {"record": "checkin", "id": n, "reason": r} for n, r in enumerate(risky)
    ]
    _, rows = read(export.to_csv(written))
    assert [r["reason"] for r in rows] == ["'" + r for r in risky]


def test_numbers_stay_numbers_even_when_negative() -> None:
    # Numbers are never user text: a negative one is written as the number it is.
    row: export.Row = {"record": "level_change", "id": 1, "level_before": -1, "seconds": -2.5}
    _, rows = read(export.to_csv([row]))
    assert (rows[0]["level_before"], rows[0]["seconds"]) == ("-1", "-2.5")
