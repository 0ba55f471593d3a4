"""The /progress chart is a PNG of the promised size, whatever the data looks like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import chart_data, charts
from routines.cadence import zone
from tests.support.png import png_size


def chart(tz: str = "Europe/Berlin", **changes: object) -> chart_data.ProgressChart:
    """Eight weeks from Monday 17 March 2025: a session every other day, pain easing."""
    where = zone(tz)
    start = datetime(2025, 3, 17, tzinfo=where)
    sessions = [start + timedelta(days=day, hours=7) for day in range(0, 56, 2)]
    values: dict[str, object] = {
        "tz": where,
        "start": start,
        "weeks": [3, 2, 3, 0, 1, 3, 3, 2],
        "planned": 3,
        "plan_since": start + timedelta(weeks=1),
        "pains": [
            chart_data.PainPoint(at.astimezone(UTC), max(0, 7 - n // 4), max(0, 6 - n // 3))
            for n, at in enumerate(sessions)
        ],
        "levels": [chart_data.LevelMark(start + timedelta(days=16), 1, 2)],
        "pauses": [chart_data.Span(start + timedelta(days=22), start + timedelta(days=30))],
    }
    return chart_data.ProgressChart(**{**values, **changes})  # type: ignore[arg-type]


def test_known_data_gives_a_png_of_the_right_size() -> None:
    assert png_size(charts.render(chart())) == (charts.WIDTH, charts.HEIGHT)


@pytest.mark.parametrize(
    "changes",
    [
        # Two sessions, the least that is charted, one without a "before" answer.
        {
            "pains": [
                chart_data.PainPoint(datetime(2025, 5, 5, 6, tzinfo=UTC), None, 3),
                chart_data.PainPoint(datetime(2025, 5, 7, 6, tzinfo=UTC), 4, 2),
            ],
            "weeks": [0] * 7 + [2],
            "levels": [],
            "pauses": [],
        },
        # A pause that runs on past the chart's end, and a level change back down.
        {
            "pauses": [
                chart_data.Span(datetime(2025, 5, 8, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC))
            ],
            "levels": [chart_data.LevelMark(datetime(2025, 4, 1, tzinfo=UTC), 3, 2)],
        },
        # More sessions than planned: the axis grows to fit them.
        {"weeks": [7, 7, 6, 7, 7, 7, 5, 7], "planned": 1},
    ],
    ids=["two-sessions", "long-pause", "above-plan"],
)
def test_edge_cases_still_render(changes: dict[str, object]) -> None:
    assert png_size(charts.render(chart(**changes))) == (charts.WIDTH, charts.HEIGHT)


@pytest.mark.parametrize("tz", ["UTC+05:30", "America/St_Johns", "Pacific/Kiritimati"])
def test_any_zone_the_bot_accepts(tz: str) -> None:
    assert png_size(charts.render(chart(tz))) == (charts.WIDTH, charts.HEIGHT)


async def test_rendered_off_the_event_loop() -> None:
    data = await charts.progress_png(chart())
    assert png_size(data) == (charts.WIDTH, charts.HEIGHT)
