"""Reading the reminder time and the time zone that people type during onboarding."""

import re
import unicodedata
from datetime import UTC, datetime, time, timedelta
from functools import cache

from routines.cadence import MAX_OFFSET, MIN_OFFSET, format_offset, zone, zone_names

# "7", "07", "7:30", "7.30", "7h30" and, with the minutes run in, "730" or "1930".
# ASCII digits only (re.ASCII), the same rule as `routines.numbers` for any other number.
_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?|(?P<hhmm>\d{3,4})", re.ASCII)
# "am", "a.m.", "pm", "p. m." at the end, with or without a space before it.
_MERIDIEM = re.compile(r"\s*(?P<half>[ap])\.?\s?m\.?$")
_WORDS = {"noon": time(12), "midnight": time(0)}

# "UTC+2", "GMT-3", "+05:30", "utc +5:30", "-0300"; "−" is the typographic minus. Every
# offset in use is a whole quarter hour, so "+5:20" is more likely a slip than a place.
_OFFSET = re.compile(
    r"(?:utc|gmt)?\s*(?P<sign>[+\-−])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>00|15|30|45))?",
    re.ASCII,
)
_UTC_WORDS = frozenset({"utc", "gmt"})

# tzdata's areas named after places; the last part of their zone names is a city.
_PLACE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)

# Big cities that are not zone names, and "kiev", which tzdata keeps as an old alias.
_CITY_ALIASES = {
    "abu dhabi": "Asia/Dubai",
    "ahmedabad": "Asia/Kolkata",
    "atlanta": "America/New_York",
    "austin": "America/Chicago",
    "bangalore": "Asia/Kolkata",
    "barcelona": "Europe/Madrid",
    "beijing": "Asia/Shanghai",
    "bengaluru": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "boston": "America/New_York",
    "brasilia": "America/Sao_Paulo",
    "cape town": "Africa/Johannesburg",
    "chennai": "Asia/Kolkata",
    "dallas": "America/Chicago",
    "delhi": "Asia/Kolkata",
    "frankfurt": "Europe/Berlin",
    "geneva": "Europe/Zurich",
    "guangzhou": "Asia/Shanghai",
    "hamburg": "Europe/Berlin",
    "houston": "America/Chicago",
    "hyderabad": "Asia/Kolkata",
    "kiev": "Europe/Kyiv",
    "krakow": "Europe/Warsaw",
    "las vegas": "America/Los_Angeles",
    "miami": "America/New_York",
    "milan": "Europe/Rome",
    "mumbai": "Asia/Kolkata",
    "munich": "Europe/Berlin",
    "new delhi": "Asia/Kolkata",
    "osaka": "Asia/Tokyo",
    "philadelphia": "America/New_York",
    "rio de janeiro": "America/Sao_Paulo",
    "saint petersburg": "Europe/Moscow",
    "san diego": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "shenzhen": "Asia/Shanghai",
    "st petersburg": "Europe/Moscow",
    "tel aviv": "Asia/Jerusalem",
    "washington": "America/New_York",
    "washington dc": "America/New_York",
}


def parse_time_of_day(text: str) -> time | None:
    """A wall-clock time from "7:30", "7.30 pm", "7pm", "19:30", "1930", "noon"; else None."""
    cleaned = text.strip().casefold()
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    meridiem = _MERIDIEM.search(cleaned)
    clock = _CLOCK.fullmatch(cleaned[: meridiem.start()] if meridiem else cleaned)
    if clock is None:
        return None
    if clock["hhmm"]:
        hour, minute = divmod(int(clock["hhmm"]), 100)
    else:
        hour, minute = int(clock["hour"]), int(clock["minute"] or 0)
    if meridiem:
        return _twelve_hour(hour, minute, pm=meridiem["half"] == "p")
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _twelve_hour(hour: int, minute: int, *, pm: bool) -> time | None:
    # On a 12-hour clock the hour runs 1..12, and 12 am is midnight.
    if not 1 <= hour <= 12 or minute >= 60:
        return None
    return time(hour % 12 + (12 if pm else 0), minute)


def resolve_zone(text: str) -> str | None:
    """A name `cadence.zone` accepts, from an IANA name, a city or a UTC offset; else None."""
    key = _normalize(text)
    if key in _UTC_WORDS:
        return "UTC"
    offset = _OFFSET.fullmatch(key)
    if offset is not None:
        return _offset_name(offset)
    # "Berlin, Germany": the part before the comma names the place.
    return _places().get(key) or _places().get(key.split(",")[0].strip())


def _offset_name(match: re.Match[str]) -> str | None:
    offset = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0))
    if match["sign"] != "+":
        offset = -offset
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        return None
    return "UTC" if not offset else format_offset(offset)


def describe_zone(name: str) -> str:
    """A short label: "Europe/Berlin" → "Berlin (Europe/Berlin)"; "UTC+05:30" stays as is."""
    label = zone_label(name)
    if "/" not in label:
        return label
    return f"{label.rsplit('/', 1)[1].replace('_', ' ')} ({label})"


def zone_label(name: str) -> str:
    """The zone's name as people read it. tzdata's Etc zones use POSIX signs, so
    "Etc/GMT+11" is eleven hours behind UTC: shown as "UTC−11", never as "GMT+11"."""
    if not name.startswith("Etc/"):
        return name
    offset = datetime.now(UTC).astimezone(zone(name)).utcoffset() or timedelta(0)
    hours = offset // timedelta(hours=1)
    if not hours:
        return "UTC"
    return f"UTC{'+' if hours > 0 else '−'}{abs(hours)}"


def _normalize(text: str) -> str:
    # Case-, accent- and separator-blind, so "São Paulo", "sao_paulo" and "SAO PAULO" meet.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.replace("_", " ").split())


@cache
def _places() -> dict[str, str]:
    """Normalized full zone names ("europe/berlin"), cities ("berlin") and aliases → zone."""
    places: dict[str, str] = {}
    # Reverse order so that, where two zones share a city (America/Buenos_Aires and
    # America/Argentina/Buenos_Aires, both the same zone), the first name in order wins.
    for name in sorted(zone_names(), reverse=True):
        area, _, city = name.rpartition("/")
        if area.split("/")[0] in _PLACE_AREAS:
            places[_normalize(city)] = name
    places.update(_CITY_ALIASES)
    # Full names go in last: "America/Indianapolis" must mean that zone, whatever the city.
    places.update({_normalize(name): name for name in zone_names() if "/" in name})
    return places
