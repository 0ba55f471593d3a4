"""When a plan's next reminder is due.

A plan fires on some days of the week at a local wall-clock time in the person's zone. The
result is always an aware UTC datetime; `plan.next_due_at` stores it.

DST, as measured against APScheduler 3.11's CronTrigger (see tests/test_cadence.py):

* Spring forward: for a wall time inside the gap (02:30 in New York on the spring day),
  CronTrigger returns that non-existent wall time with the old offset, which is the
  instant one gap later (03:30 EDT). That is what we want, and we keep it. But when asked
  from a moment between the jump and the shifted time (03:10 EDT), it skips to the next
  day, so the search starts a day back (see `next_occurrence`).
* Fall back: CronTrigger fires at both instants of an ambiguous wall time (01:30 EDT and
  01:30 EST). We map every wall time to its first instant (fold=0), so the repeat lands on
  an instant already past and the search moves on to the next day: one reminder per local
  date.
* CronTrigger's `now` is inclusive; callers want strictly after, so we ask from one
  microsecond later.
"""

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.cron import CronTrigger

# Real-world offsets run from UTC-12:00 (Baker Island) to UTC+14:00 (Kiribati).
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)

# Fixed offsets are written the way `routines.timeinput.resolve_zone` writes them.
_FIXED_OFFSET = re.compile(r"UTC(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>[0-5]\d)")

# Listed by zoneinfo but not a place: "localtime" is whatever the host is set to, and
# "Factory" is tzdata's placeholder with no offset of its own.
_NOT_PLACES = frozenset({"localtime", "Factory"})

_ONE_TICK = timedelta(microseconds=1)


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
    trigger = CronTrigger(
        day_of_week=",".join(str(day) for day in sorted(days)),
        hour=at.hour,
        minute=at.minute,
        second=at.second,
        timezone=zone(tz),
    )
    # A day back: the shifted instant of a spring-forward wall time comes after that wall
    # time, so today's occurrence can still be ahead even though its wall time has passed.
    cursor = after.astimezone(UTC) - timedelta(days=1)
    while True:
        wall: datetime = trigger.get_next_fire_time(None, cursor)
        due = _first_instant(wall)
        if due > after:
            return due
        cursor = wall.astimezone(UTC) + _ONE_TICK


def local_date(due: datetime, tz: str) -> date:
    """The date on the person's calendar when `due` happens."""
    if due.tzinfo is None:
        raise ValueError("due must be timezone-aware")
    return due.astimezone(zone(tz)).date()


def occurrence_key(plan_id: int, due: datetime, tz: str) -> str:
    """One key per plan and local date, so no local date is reminded twice."""
    return f"{plan_id}:{local_date(due, tz).isoformat()}"
