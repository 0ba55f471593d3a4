from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given
from hypothesis import strategies as st

from routines.cadence import local_date, next_occurrence, occurrence_key, zone

EVERY_DAY = range(7)
MON, WED, SUN = 0, 2, 6


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(at: time, tz: str, after: datetime) -> datetime | None:
    return next_occurrence(days=EVERY_DAY, at=at, tz=tz, after=after)


def test_weekly_days_at_local_time() -> None:
    # 2024-01-01 is a Monday; Berlin is UTC+1 in winter.
    after = utc(2024, 1, 1, 12)
    due = next_occurrence(days={MON, WED}, at=time(7), tz="Europe/Berlin", after=after)
    assert due == utc(2024, 1, 3, 6)
    assert due is not None and due.tzinfo is UTC


def test_strictly_after() -> None:
    due = utc(2024, 1, 3, 6)
    again = next_occurrence(days={MON, WED}, at=time(7), tz="Europe/Berlin", after=due)
    assert again == utc(2024, 1, 8, 6)
    just_before = due - timedelta(microseconds=1)
    assert next_occurrence(days={WED}, at=time(7), tz="Europe/Berlin", after=just_before) == due


def test_after_in_another_zone_is_the_same_instant() -> None:
    after = datetime(2024, 1, 3, 7, 59, tzinfo=ZoneInfo("Asia/Tokyo"))  # 2024-01-02 22:59Z
    due = next_occurrence(days={WED}, at=time(7), tz="Europe/Berlin", after=after)
    assert due == utc(2024, 1, 3, 6)


def test_no_days_means_no_reminder() -> None:
    assert next_occurrence(days=set(), at=time(7), tz="UTC", after=utc(2024, 1, 1)) is None


@pytest.mark.parametrize("days", [{7}, {-1}, {0, 9}])
def test_days_outside_the_week_are_refused(days: set[int]) -> None:
    with pytest.raises(ValueError, match="days"):
        next_occurrence(days=days, at=time(7), tz="UTC", after=utc(2024, 1, 1))


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2024, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        daily(time(7), "UTC", naive)
    with pytest.raises(ValueError, match="aware"):
        local_date(naive, "UTC")


# Spring forward: the missing wall time fires at the shifted time, once.
SPRING = [
    # zone, local day, UTC before that day's 02:30, the shifted instant, the next day's 02:30
    ("America/New_York", date(2024, 3, 10), utc(2024, 3, 10, 5), utc(2024, 3, 10, 7, 30),
     utc(2024, 3, 11, 6, 30)),  # 02:30 EST does not exist → 03:30 EDT
    ("Europe/Berlin", date(2024, 3, 31), utc(2024, 3, 30, 23), utc(2024, 3, 31, 1, 30),
     utc(2024, 4, 1, 0, 30)),  # → 03:30 CEST
    ("Australia/Sydney", date(2024, 10, 6), utc(2024, 10, 5, 14), utc(2024, 10, 5, 16, 30),
     utc(2024, 10, 6, 15, 30)),  # → 03:30 AEDT
    ("Australia/Adelaide", date(2024, 10, 6), utc(2024, 10, 5, 14), utc(2024, 10, 5, 17),
     utc(2024, 10, 6, 16)),  # +09:30 → +10:30: 02:30 → 03:30 ACDT
]  # fmt: skip


@pytest.mark.parametrize(("tz", "day", "before", "shifted", "next_day"), SPRING)
def test_spring_forward_fires_at_the_shifted_time(
    tz: str, day: date, before: datetime, shifted: datetime, next_day: datetime
) -> None:
    due = daily(time(2, 30), tz, before)
    assert due == shifted
    local = due.astimezone(ZoneInfo(tz))
    assert (local.date(), local.time()) == (day, time(3, 30))
    assert daily(time(2, 30), tz, due) == next_day


@pytest.mark.parametrize(("tz", "day", "before", "shifted", "next_day"), SPRING)
def test_spring_forward_asked_after_the_jump_still_fires(
    tz: str, day: date, before: datetime, shifted: datetime, next_day: datetime
) -> None:
    # At 03:10 local the 02:30 wall time has passed, but its shifted instant has not.
    assert daily(time(2, 30), tz, shifted - timedelta(minutes=20)) == shifted


def test_spring_forward_leaves_other_times_alone() -> None:
    tz = "America/New_York"
    assert daily(time(7), tz, utc(2024, 3, 9, 13)) == utc(2024, 3, 10, 11)  # 07:00 EDT
    assert daily(time(1, 59), tz, utc(2024, 3, 10, 5)) == utc(2024, 3, 10, 6, 59)  # 01:59 EST


# Fall back: the repeated wall time fires at its first instant only.
FALL = [
    # zone, wall time, UTC before that day's wall time, first instant, repeat, next day's
    ("America/New_York", time(1, 30), utc(2024, 11, 3, 4), utc(2024, 11, 3, 5, 30),
     utc(2024, 11, 3, 6, 30), utc(2024, 11, 4, 6, 30)),  # EDT, then EST
    ("Europe/Berlin", time(2, 30), utc(2024, 10, 26, 23), utc(2024, 10, 27, 0, 30),
     utc(2024, 10, 27, 1, 30), utc(2024, 10, 28, 1, 30)),  # CEST, then CET
    ("Australia/Sydney", time(2, 30), utc(2024, 4, 6, 14), utc(2024, 4, 6, 15, 30),
     utc(2024, 4, 6, 16, 30), utc(2024, 4, 7, 16, 30)),  # AEDT, then AEST
    ("Australia/Adelaide", time(2, 30), utc(2024, 4, 6, 14), utc(2024, 4, 6, 16),
     utc(2024, 4, 6, 17), utc(2024, 4, 7, 17)),  # ACDT +10:30, then ACST +09:30
]  # fmt: skip


@pytest.mark.parametrize(("tz", "at", "before", "first", "repeat", "next_day"), FALL)
def test_fall_back_fires_once(
    tz: str, at: time, before: datetime, first: datetime, repeat: datetime, next_day: datetime
) -> None:
    assert daily(at, tz, before) == first
    assert daily(at, tz, first) == next_day
    # Asked between the two instants (a plan edited then): that date is done.
    assert daily(at, tz, first + (repeat - first) / 2) == next_day
    assert daily(at, tz, repeat) == next_day


@pytest.mark.parametrize(("tz", "at", "before", "first", "repeat", "next_day"), FALL)
def test_fall_back_occurrences_share_a_key(
    tz: str, at: time, before: datetime, first: datetime, repeat: datetime, next_day: datetime
) -> None:
    assert occurrence_key(7, first, tz) == occurrence_key(7, repeat, tz)
    assert occurrence_key(7, first, tz) != occurrence_key(7, next_day, tz)


def test_crontrigger_fires_twice_on_fall_back() -> None:
    # Pins the APScheduler behaviour that next_occurrence corrects; if this starts failing,
    # revisit the notes at the top of routines/cadence.py.
    trigger = CronTrigger(hour=1, minute=30, timezone=ZoneInfo("America/New_York"))
    first = trigger.get_next_fire_time(None, utc(2024, 11, 3, 4))
    repeat = trigger.get_next_fire_time(None, first + timedelta(microseconds=1))
    assert (first.astimezone(UTC), repeat.astimezone(UTC)) == (
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 3, 6, 30),
    )


def test_crontrigger_skips_the_shifted_time_once_past_the_jump() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=ZoneInfo("America/New_York"))
    # It returns the non-existent wall time 02:30 with the EST offset, i.e. 03:30 EDT...
    before_jump = trigger.get_next_fire_time(None, utc(2024, 3, 10, 5))
    assert before_jump.astimezone(UTC) == utc(2024, 3, 10, 7, 30)
    # ...but asked at 03:10 EDT, it moves on to the next day.
    after_jump = trigger.get_next_fire_time(None, utc(2024, 3, 10, 7, 10))
    assert after_jump.astimezone(UTC) == utc(2024, 3, 11, 6, 30)


def test_half_hour_zone_without_dst() -> None:
    # Asia/Kolkata is UTC+05:30 all year.
    due = next_occurrence(days={SUN}, at=time(7), tz="Asia/Kolkata", after=utc(2024, 3, 1))
    assert due == utc(2024, 3, 3, 1, 30)


def test_a_change_of_zone_keeps_the_local_time() -> None:
    after = utc(2024, 6, 3, 0)  # a Monday
    berlin = next_occurrence(days={MON}, at=time(8), tz="Europe/Berlin", after=after)
    new_york = next_occurrence(days={MON}, at=time(8), tz="America/New_York", after=after)
    assert berlin == utc(2024, 6, 3, 6)
    assert new_york == utc(2024, 6, 3, 12)


def test_a_change_of_days_or_time_is_a_new_call() -> None:
    after = utc(2024, 6, 3, 0)  # a Monday
    assert next_occurrence(days={SUN}, at=time(8), tz="UTC", after=after) == utc(2024, 6, 9, 8)
    assert next_occurrence(days={MON}, at=time(9), tz="UTC", after=after) == utc(2024, 6, 3, 9)


@pytest.mark.parametrize(
    ("tz", "offset"),
    [
        ("UTC+05:30", timedelta(hours=5, minutes=30)),
        ("UTC-03:00", timedelta(hours=-3)),
        ("UTC+14:00", timedelta(hours=14)),
        ("UTC-12:00", timedelta(hours=-12)),
        ("UTC+00:00", timedelta(0)),
    ],
)
def test_fixed_offset_zones(tz: str, offset: timedelta) -> None:
    assert zone(tz) == timezone(offset)
    due = next_occurrence(days={MON}, at=time(7), tz=tz, after=utc(2024, 1, 1) - offset)
    assert due == utc(2024, 1, 1, 7) - offset


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus_Mons",
        "europe/berlin",  # zone() wants the exact name; timeinput.resolve_zone fixes case
        "UTC+14:30",
        "UTC-12:30",
        "UTC+5:30",
        "UTC+05:60",
        "localtime",
        "Factory",
        "../etc/passwd",
        "",
    ],
)
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone(name)


def test_known_zones() -> None:
    assert zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert zone("UTC") == ZoneInfo("UTC")


def test_occurrence_key_uses_the_local_date() -> None:
    # 02:30 on 6 October in Sydney is still 5 October in UTC.
    due = utc(2024, 10, 5, 16, 30)
    assert local_date(due, "Australia/Sydney") == date(2024, 10, 6)
    assert occurrence_key(42, due, "Australia/Sydney") == "42:2024-10-06"
    assert occurrence_key(42, due, "UTC") == "42:2024-10-05"


def test_occurrence_keys_differ_across_dates_and_plans() -> None:
    tz = "America/New_York"
    monday, tuesday = utc(2024, 6, 3, 12), utc(2024, 6, 4, 12)
    assert occurrence_key(1, monday, tz) != occurrence_key(1, tuesday, tz)
    assert occurrence_key(1, monday, tz) != occurrence_key(2, monday, tz)


ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "UTC-03:00",
]


@given(
    tz=st.sampled_from(ZONES),
    days=st.sets(st.integers(0, 6), min_size=1),
    at=st.times().map(lambda value: value.replace(microsecond=0, fold=0)),
    after=st.datetimes(datetime(2023, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC)),
)
def test_each_chosen_local_date_fires_once_at_its_wall_time(
    tz: str, days: set[int], at: time, after: datetime
) -> None:
    local = zone(tz)
    dues: list[datetime] = []
    cursor = after
    for _ in range(4):
        due = next_occurrence(days=days, at=at, tz=tz, after=cursor)
        assert due is not None and due > cursor and due.tzinfo is UTC
        dues.append(due)
        cursor = due
    dates = [local_date(due, tz) for due in dues]
    for due, day in zip(dues, dates, strict=True):
        assert day.weekday() in days
        # The wall time's first instant: the shifted one in a gap, the earlier on a repeat.
        assert due == datetime.combine(day, at, tzinfo=local).astimezone(UTC)
    assert dates == sorted(set(dates))
    # No chosen day is skipped, from the day of `after` on.
    chain = [local_date(after, tz), *dates]
    for earlier, later in pairwise(chain):
        skipped = (earlier + timedelta(days=n) for n in range(1, (later - earlier).days))
        assert not any(day.weekday() in days for day in skipped)


def test_crontrigger_still_skips_a_midnight_after_dst_which_is_why_cadence_avoids_it() -> None:
    """APScheduler 3.11's CronTrigger jumps from 12 to 14 March 2023 for a daily 00:00 in
    New York. If an upgrade fixes it, this fails, and cadence may use CronTrigger again."""
    trigger = CronTrigger(hour=0, minute=0, timezone=ZoneInfo("America/New_York"))
    after_sunday = datetime(2023, 3, 12, 5, 0, 1, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, after_sunday).day == 14
    monday = next_occurrence(days={0}, at=time(0, 0), tz="America/New_York", after=after_sunday)
    assert monday == datetime(2023, 3, 13, 4, 0, tzinfo=UTC)
