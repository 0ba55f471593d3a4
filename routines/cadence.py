"""When a plan's next reminder is due.

A plan fires on some days of the week at a local wall-clock time in the person's zone. The
result is always an aware UTC datetime; `plan.next_due_at` stores it.

The next occurrence is found day by day on the local calendar with zoneinfo, not with
APScheduler's CronTrigger: CronTrigger 3.11 skips the first local midnight after a DST
change (from 2023-03-11 in New York, a daily 00:00 trigger jumps from the 12th to the
14th; tests/unit/test_cadence.py pins this). DST rules, each tested:

* Spring forward: a wall time inside the gap (02:30 in New York on the spring day) fires at
  the instant one gap later (03:30 EDT), as CronTrigger would.
* Fall back: an ambiguous wall time maps to its first instant (fold=0), so a local date
  gets one reminder, not two.
"""

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Real-world offsets run from UTC-12:00 (Baker Island) to UTC+14:00 (Kiribati).
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)

# Fixed offsets are written the way `routines.timeinput.resolve_zone` writes them.
_FIXED_OFFSET = re.compile(r"UTC(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>[0-5]\d)")

# Listed by zoneinfo but not a place: "localtime" is whatever the host is set to, and
# "Factory" is tzdata's placeholder with no offset of its own.
_NOT_PLACES = frozenset({"localtime", "Factory"})


def format_offset(offset: timedelta) -> str:
    """The canonical name of a fixed offset, e.g. "UTC+05:30" or "UTC-03:00"."""
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_offset(name: str) -> timedelta | None:
    """The offset in a name written "UTC±HH:MM"; None if not written so or out of range."""
    match = _FIXED_OFFSET.fullmatch(name)
    if match is None:
        return None
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    if match["sign"] == "-":
        offset = -offset
    return offset if MIN_OFFSET <= offset <= MAX_OFFSET else None


@cache
def zone_names() -> frozenset[str]:
    """Every IANA name that denotes a place or UTC (cached: zoneinfo walks the disk)."""
    return frozenset(available_timezones() - _NOT_PLACES)


def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA name (exact case) or a fixed offset such as "UTC+05:30"."""
    offset = parse_offset(name)
    if offset is not None:
        return timezone(offset)
    if name in zone_names():
        return ZoneInfo(name)
    raise ValueError(f"unknown time zone: {name!r}")


def _first_instant(wall: datetime) -> datetime:
    # fold=0 picks the earlier of two instants on a fall-back day and, for a wall time in a
    # spring-forward gap, the offset from before the jump, i.e. the shifted later instant.
    return wall.replace(fold=0).astimezone(UTC)


def next_occurrence(
    *, days: Collection[int], at: time, tz: str, after: datetime
) -> datetime | None:
    """The first due instant strictly after `after`, in UTC; None if the plan has no days.

    `days` counts 0=Monday to 6=Sunday; `at` is a local wall-clock time (its tzinfo, if
    any, is ignored: the zone is `tz`).
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if not days:
        return None
    if not all(0 <= day <= 6 for day in days):
        raise ValueError(f"days must be within 0..6, got {sorted(days)}")
    local_zone = zone(tz)
    wall_time = at.replace(tzinfo=None)
    # From the day before: a spring-forward wall time's instant comes after the wall time, so
    # yesterday's local date can still be ahead of `after`.
    first = after.astimezone(local_zone).date() - timedelta(days=1)
    for offset in range(9):
        day = first + timedelta(days=offset)
        if day.weekday() in days:
            due = _first_instant(datetime.combine(day, wall_time, tzinfo=local_zone))
            if due > after:
                return due
    raise AssertionError("a week of days always holds one of the chosen weekdays")


def local_date(due: datetime, tz: str) -> date:
    """The date on the person's calendar when `due` happens."""
    if due.tzinfo is None:
        raise ValueError("due must be timezone-aware")
    return due.astimezone(zone(tz)).date()


def occurrence_key(plan_id: int, due: datetime, tz: str) -> str:
    """One key per plan and local date, so no local date is reminded twice."""
    return f"{plan_id}:{local_date(due, tz).isoformat()}"
