"""The /progress chart: pain before and after each session, and sessions per week.

Drawn with matplotlib's object API on an Agg canvas, never pyplot: pyplot keeps global
figures, and the chart is rendered in a worker thread so the event loop keeps serving
other people meanwhile. Sizes are set per call rather than in rcParams, which are global.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import WeekdayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator, NullFormatter

from bot import texts
from bot.chart_data import ProgressChart

# Portrait 4:5 fills a phone's width; Telegram shrinks photos to 1280 px on the long side,
# so this size arrives as drawn.
WIDTH, HEIGHT, DPI = 1024, 1280, 120
# Two colours only, from the Okabe-Ito palette, which reads for colour-blind people too.
BEFORE_COLOUR, AFTER_COLOUR = "#E69F00", "#0072B2"
# Marks (pauses, level changes) are grey so that they do not count as a third colour.
MARK_COLOUR, PAUSE_COLOUR = "#444444", "#BBBBBB"
# Text this big stays readable after Telegram shrinks the photo to a phone's width.
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 26, 21, 19
MONDAY = 0
MIN_PAUSE = timedelta(hours=12)


async def progress_png(chart: ProgressChart) -> bytes:
    return await asyncio.to_thread(render, chart)


def render(chart: ProgressChart) -> bytes:
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    pain_ax, week_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    fig.subplots_adjust(left=0.13, right=0.97, top=0.8, bottom=0.1, hspace=0.12)
    fig.suptitle(texts.CHART_TITLE, fontsize=TITLE_SIZE, fontweight="bold", y=0.975)
    _pains(pain_ax, chart)
    _weeks(week_ax, chart)
    _marks(pain_ax, chart, labelled=True)
    _marks(week_ax, chart, labelled=False)
    _dates(week_ax, chart)
    _legend(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _pains(ax: Axes, chart: ProgressChart) -> None:
    # "After" is drawn smaller and on top, so an equal "before" still shows as a ring.
    for colour, marker, size, values in (
        (BEFORE_COLOUR, "o", 15, [(p.at, p.before) for p in chart.pains if p.before is not None]),
        (AFTER_COLOUR, "s", 9, [(p.at, p.after) for p in chart.pains if p.after is not None]),
    ):
        if values:
            xs, ys = zip(*values, strict=True)
            ax.plot([_x(at) for at in xs], ys, color=colour, marker=marker, lw=3, ms=size)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel(texts.CHART_PAIN_AXIS, fontsize=LABEL_SIZE)
    _style(ax)


def _weeks(ax: Axes, chart: ProgressChart) -> None:
    bars = ax.bar(_middles(chart), chart.weeks, width=5.5, color=AFTER_COLOUR, zorder=2)
    # Counts inside the bars, so none collides with the plan line; an empty week says nothing.
    labels = [str(n) if n else "" for n in chart.weeks]
    ax.bar_label(bars, labels, label_type="center", color="white", fontsize=LABEL_SIZE)
    # No target before the person had a plan: those weeks were not missed.
    since = _x(max(chart.start, chart.plan_since))
    ax.hlines(chart.planned, since, _x(chart.end), color=BEFORE_COLOUR, lw=4, ls="--", zorder=3)
    ax.set_ylim(0, max([chart.planned, *chart.weeks]) + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(texts.CHART_WEEK_AXIS, fontsize=LABEL_SIZE)
    _style(ax)


def _middles(chart: ProgressChart) -> list[float]:
    return [_x(chart.start + timedelta(weeks=n, days=3.5)) for n in range(len(chart.weeks))]


def _x(moment: datetime) -> float:
    """Matplotlib's day number for an aware instant; it keeps the instant, not the zone."""
    return float(date2num(moment))  # type: ignore[no-untyped-call]


def _marks(ax: Axes, chart: ProgressChart, *, labelled: bool) -> None:
    for span in chart.pauses:
        # A pause of minutes would be a hairline at some 15 px a day; show at least half a day.
        end = max(span.end, span.start + MIN_PAUSE)
        ax.axvspan(_x(span.start), _x(end), color=PAUSE_COLOUR, alpha=0.5, lw=0, zorder=0)
    for mark in chart.levels:
        ax.axvline(_x(mark.at), color=MARK_COLOUR, lw=3, ls=":", zorder=4)
    if labelled:
        for mark in chart.levels:
            ax.annotate(
                texts.chart_level(mark.before, mark.after),
                (_x(mark.at), 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(-4, -6),
                textcoords="offset points",
                ha="right",
                va="top",
                rotation=90,
                fontsize=TICK_SIZE,
                fontweight="bold",
                color=MARK_COLOUR,
            )


def _dates(ax: Axes, chart: ProgressChart) -> None:
    """Ticks on Mondays in the person's zone; each week's date stands under its bar."""
    ax.set_xlim(_x(chart.start), _x(chart.end))
    ax.xaxis.set_major_locator(WeekdayLocator(byweekday=MONDAY, tz=chart.tz))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(NullFormatter())
    ax.xaxis.set_minor_locator(FixedLocator(_middles(chart)))
    mondays = [_day(chart.start + timedelta(weeks=n)) for n in range(len(chart.weeks))]
    ax.xaxis.set_minor_formatter(FixedFormatter(mondays))
    ax.tick_params(axis="x", which="minor", length=0, labelsize=TICK_SIZE)
    ax.set_xlabel(texts.CHART_DATE_AXIS, fontsize=LABEL_SIZE)


def _day(moment: datetime) -> str:
    # Two short lines fit under a narrow bar; "%-d" would drop the zero, but not everywhere.
    return f"{moment.day}\n{moment:%b}"


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=TICK_SIZE, length=8)
    ax.grid(axis="y", alpha=0.35)
    ax.spines[["top", "right"]].set_visible(False)


def _legend(fig: Figure) -> None:
    handles = [
        Line2D([], [], color=BEFORE_COLOUR, marker="o", lw=3, ms=15, label=texts.CHART_BEFORE),
        Line2D([], [], color=AFTER_COLOUR, marker="s", lw=3, ms=9, label=texts.CHART_AFTER),
        Patch(color=AFTER_COLOUR, label=texts.CHART_DONE),
        Line2D([], [], color=BEFORE_COLOUR, lw=4, ls="--", label=texts.CHART_PLAN),
        Patch(color=PAUSE_COLOUR, alpha=0.5, label=texts.CHART_PAUSED),
        Line2D([], [], color=MARK_COLOUR, lw=3, ls=":", label=texts.CHART_LEVEL),
    ]
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.935),
        ncols=2,
        fontsize=LABEL_SIZE - 2,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.5,
    )
