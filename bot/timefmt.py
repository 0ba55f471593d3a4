"""Times are UTC inside; these turn them into the person's own zone for display."""

from __future__ import annotations

from datetime import datetime

from routines.cadence import zone


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def local_text(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "—"
    when = local(moment, tz)
    return f"{when:%a %d %b}, {when:%H:%M}"


def clock_text(moment: datetime, tz: str) -> str:
    return f"{local(moment, tz):%H:%M}"
