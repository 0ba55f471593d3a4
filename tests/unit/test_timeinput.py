from datetime import time, timedelta

import pytest

from routines import cadence
from routines.timeinput import (
    _CITY_ALIASES,
    describe_zone,
    parse_time_of_day,
    resolve_zone,
    zone_label,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("7h30", time(7, 30)),
        ("  7:30  ", time(7, 30)),
        ("19:30", time(19, 30)),
        ("0:05", time(0, 5)),
        ("23:59", time(23, 59)),
        ("7", time(7)),
        ("19", time(19)),
        ("1930", time(19, 30)),
        ("0730", time(7, 30)),
        ("730", time(7, 30)),
        ("7:30 pm", time(19, 30)),
        ("7:30pm", time(19, 30)),
        ("7:30 PM", time(19, 30)),
        ("7 pm", time(19)),
        ("7pm", time(19)),
        ("7 p.m.", time(19)),
        ("7 p. m.", time(19)),
        ("7.30 a.m.", time(7, 30)),
        ("7am", time(7)),
        ("730pm", time(19, 30)),
        ("12 am", time(0)),
        ("12:15 am", time(0, 15)),
        ("12 pm", time(12)),
        ("12:45pm", time(12, 45)),
        ("noon", time(12)),
        ("Midnight", time(0)),
    ],
)
def test_accepted_times(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "25:00",
        "24:00",
        "7:60",
        "7:3",
        "7:300",
        ":30",
        "7:",
        "2400",
        "12345",
        "13 pm",
        "0 am",
        "19:30 pm",
        "7 pmm",
        "pm",
        "7:30 xm",
        "-7:30",
        "7 30",
        "seven",
    ],
)
def test_rejected_times(text: str) -> None:
    assert parse_time_of_day(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IANA names, any case, underscores or spaces.
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("America/Indianapolis", "America/Indianapolis"),
        ("us/eastern", "US/Eastern"),
        # Cities from the zone names, case- and accent-blind.
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("kyiv", "Europe/Kyiv"),
        ("Kolkata", "Asia/Kolkata"),
        ("adelaide", "Australia/Adelaide"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("Berlin, Germany", "Europe/Berlin"),
        # Big cities that are not zone names.
        ("Mumbai", "Asia/Kolkata"),
        ("delhi", "Asia/Kolkata"),
        ("kiev", "Europe/Kyiv"),
        ("San Francisco", "America/Los_Angeles"),
        ("los angeles", "America/Los_Angeles"),
        ("Washington", "America/New_York"),
        ("beijing", "Asia/Shanghai"),
        # Offsets, written in the canonical form cadence.zone reads.
        ("UTC+2", "UTC+02:00"),
        ("+2", "UTC+02:00"),
        ("GMT-3", "UTC-03:00"),
        ("−3", "UTC-03:00"),
        ("+05:30", "UTC+05:30"),
        ("UTC+5:30", "UTC+05:30"),
        ("utc + 5:45", "UTC+05:45"),
        ("+0530", "UTC+05:30"),
        ("+530", "UTC+05:30"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12", "UTC-12:00"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("UTC+0", "UTC"),
        ("-00:00", "UTC"),
    ],
)
def test_resolved_zones(text: str, expected: str) -> None:
    assert resolve_zone(text) == expected
    cadence.zone(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nowhere",
        "Europe/Nowhere",
        "UTC+15",
        "UTC-13",
        "+14:30",
        "-12:30",
        "+5:20",
        "+123",
        # An abbreviation would mean a zone without daylight saving time: better to ask.
        "EST",
        "localtime",
        "Factory",
    ],
)
def test_unresolved_zones(text: str) -> None:
    assert resolve_zone(text) is None


@pytest.mark.parametrize("target", sorted(set(_CITY_ALIASES.values())))
def test_every_alias_is_a_known_zone(target: str) -> None:
    assert target in cadence.zone_names()


def test_a_resolved_offset_keeps_its_value() -> None:
    resolved = resolve_zone("GMT-3:30")
    assert resolved is not None
    assert cadence.zone(resolved).utcoffset(None) == -timedelta(hours=3, minutes=30)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Europe/Berlin", "Berlin (Europe/Berlin)"),
        ("America/New_York", "New York (America/New_York)"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires (America/Argentina/Buenos_Aires)"),
        ("UTC", "UTC"),
        ("UTC+05:30", "UTC+05:30"),
        # POSIX signs: Etc/GMT+11 is eleven hours behind UTC.
        ("Etc/GMT+11", "UTC−11"),
        ("Etc/GMT-14", "UTC+14"),
        ("Etc/GMT", "UTC"),
        ("Etc/UTC", "UTC"),
    ],
)
def test_describe_zone(name: str, label: str) -> None:
    assert describe_zone(name) == label


@pytest.mark.parametrize(
    ("name", "label"),
    [("Europe/Berlin", "Europe/Berlin"), ("Etc/GMT+11", "UTC−11"), ("Etc/GMT-5", "UTC+5")],
)
def test_zone_label(name: str, label: str) -> None:
    assert zone_label(name) == label


@pytest.mark.parametrize("text", ["٧:٣٠", "７", "7:٣٠", "１９３０"])
def test_only_ascii_digits_make_a_time(text: str) -> None:
    assert parse_time_of_day(text) is None


# Full-width digits are another matter: the zone's text is NFKD-normalised, so "５" is 5.
@pytest.mark.parametrize("text", ["UTC+٥", "+٥:٣٠"])
def test_only_ascii_digits_make_an_offset(text: str) -> None:
    assert resolve_zone(text) is None
