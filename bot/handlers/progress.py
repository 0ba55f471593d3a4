"""/progress, /history, /export and, for operators, /stats.

Each command reads what it needs in one short transaction, then renders and sends after
the commit: on SQLite every transaction holds the write lock, so a chart is never drawn
while one is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape
from statistics import fmean

from sqlalchemy.ext.asyncio import AsyncSession

from bot import chart_data, export, texts
from bot.handlers.general import on_unknown_command
from bot.routing import Ctx
from bot.timefmt import local, local_text
from routines import adherence, schedule
from routines.cadence import zone
from routines.schedule import PlanStatus
from storage.models import ExerciseSession, Plan
from storage.queries import plans as plan_q
from storage.queries import reports
from storage.queries import sessions as session_q
from storage.queries import users as user_q

CHART_WEEKS = 8
HISTORY_LENGTH = 10
STATS_WEEK, STATS_MONTH = 7, 30


async def on_progress(ctx: Ctx) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is None:
            await ctx.send(texts.NO_PLAN)
            return
        progress = await _gather(s, plan, now)
    if len(progress.chart.pains) < 2:
        await ctx.send(texts.PROGRESS_TOO_FEW.format(count=len(progress.chart.pains)))
        return
    from bot import charts  # matplotlib loads on the first chart, not at start-up

    png = await charts.progress_png(progress.chart)
    caption = _caption(ctx, plan, progress)
    await ctx.after_commit(lambda: ctx.context.bot.send_photo(ctx.chat_id, png, caption=caption))


@dataclass(frozen=True)
class Progress:
    chart: chart_data.ProgressChart
    streak: int
    month: int


async def _gather(s: AsyncSession, plan: Plan, now: datetime) -> Progress:
    tz = zone(plan.tz)
    today = local(now, plan.tz).date()
    first = adherence.week_start(today) - timedelta(weeks=CHART_WEEKS - 1)
    start = _midnight(first, tz)
    finished = await reports.finished_sessions(s, user_id=plan.user_id, since=start)
    changes = await reports.level_changes(s, user_id=plan.user_id, since=start)
    paused_at = await reports.pause_times(s, user_id=plan.user_id, since=start)
    done_days = await session_q.done_dates(s, user_id=plan.user_id)
    month = await session_q.count_since(
        s, user_id=plan.user_id, since=_midnight(today.replace(day=1), tz)
    )
    days = schedule.parse_days(plan.days)
    chart = chart_data.ProgressChart(
        tz=tz,
        start=start,
        weeks=_per_week(finished, first),
        planned=len(days),
        plan_since=_midnight(adherence.week_start(local(plan.created_at, plan.tz).date()), tz),
        pains=[chart_data.PainPoint(r.started_at, r.pain_before, r.pain_after) for r in finished],
        levels=[chart_data.LevelMark(c.created_at, c.level_before, c.level_after) for c in changes],
        pauses=_pauses(paused_at, finished, plan, start + timedelta(weeks=CHART_WEEKS)),
    )
    done = {date.fromisoformat(d) for d in done_days}
    return Progress(chart, adherence.streak(done, days=days, today=today), month)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _per_week(finished: Sequence[ExerciseSession], first: date) -> list[int]:
    """Done sessions in each week, by the local date they started on."""
    weeks = [0] * CHART_WEEKS
    for row in finished:
        week = (date.fromisoformat(row.local_date) - first).days // 7
        if row.state == "done" and 0 <= week < CHART_WEEKS:
            weeks[week] += 1
    return weeks


def _pauses(
    paused_at: list[datetime], finished: Sequence[ExerciseSession], plan: Plan, end: datetime
) -> list[chart_data.Span]:
    """When reminders were off, as far as the rows tell; a pause still on runs to `end`.

    A pause that a check-in caused lasts until the next session (or until the plan was last
    changed, which is when it was resumed). The plan's own state adds the current pause,
    or the last /pause with a number of days. Overlaps are merged so they shade once."""
    starts = [row.started_at for row in finished]
    spans = [
        chart_data.Span(at, next((t for t in starts if t > at), _resumed(plan, at, end)))
        for at in paused_at
    ]
    if plan.status != PlanStatus.ACTIVE:  # paused, stopped, or blocked: no reminders either way
        spans.append(chart_data.Span(plan.updated_at, end))
    elif plan.paused_until is not None and plan.paused_until > plan.updated_at:
        spans.append(chart_data.Span(plan.updated_at, plan.paused_until))
    return _merged(spans)


def _resumed(plan: Plan, paused: datetime, end: datetime) -> datetime:
    still_off = plan.status != PlanStatus.ACTIVE
    return end if still_off or plan.updated_at <= paused else plan.updated_at


def _merged(spans: list[chart_data.Span]) -> list[chart_data.Span]:
    merged: list[chart_data.Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = chart_data.Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _caption(ctx: Ctx, plan: Plan, progress: Progress) -> str:
    changes = [
        p.after - p.before
        for p in progress.chart.pains
        if p.before is not None and p.after is not None
    ]
    top, title = _routine(ctx, plan.routine_id)
    # Within Telegram's 1024 characters: the only free text is a title from our own catalog
    # (tests/e2e/test_e2e_progress.py checks the longest).
    return texts.PROGRESS_CAPTION.format(
        routine=escape(title),
        streak=progress.streak,
        month=progress.month,
        change=texts.pain_change(fmean(changes) if changes else None),
        level=plan.level,
        top=top,
    )


def _routine(ctx: Ctx, routine_id: str) -> tuple[int | str, str]:
    """The top level and title; a routine since removed from the catalog shows its id."""
    routine = ctx.rt.catalog.routines.get(routine_id)
    return (routine.top_level, routine.title) if routine else ("?", routine_id)


async def on_history(ctx: Ctx) -> None:
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        rows = await reports.last_sessions(s, user_id=ctx.user_id, limit=HISTORY_LENGTH)
    if not rows:
        await ctx.send(texts.HISTORY_EMPTY)
        return
    tz = plan.tz if plan else "UTC"
    entries = [_history_entry(ctx, row, tz) for row in rows]
    await ctx.send("\n\n".join([texts.HISTORY_TITLE, *entries]))


def _history_entry(ctx: Ctx, row: ExerciseSession, tz: str) -> str:
    minutes = (
        texts.HISTORY_MINUTES.format(
            minutes=max(1, round((row.ended_at - row.started_at).total_seconds() / 60))
        )
        if row.ended_at
        else "—"
    )
    lines = [
        texts.HISTORY_ENTRY.format(
            when=escape(local_text(row.started_at, tz)),
            routine=escape(_routine(ctx, row.routine_id)[1]),
            level=row.level,
            minutes=minutes,
            before=texts.pain_text(row.pain_before),
            after=texts.pain_text(row.pain_after),
        )
    ]
    if row.stop_reason:
        lines.append(texts.HISTORY_STOPPED.format(reason=texts.stop_reason(row.stop_reason)))
    if row.nerve_off:
        lines.append(texts.HISTORY_NERVE_OFF)
    return "\n".join(lines)


async def on_export(ctx: Ctx) -> None:
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None:
            await ctx.send(texts.NO_DATA)
            return
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        records = export.rows(
            tz=plan.tz if plan else "UTC",
            sessions=await reports.all_sessions(s, user_id=ctx.user_id),
            steps=await reports.steps(s, user_id=ctx.user_id),
            checkins=await reports.checkins(s, user_id=ctx.user_id),
            level_changes=await reports.level_changes(s, user_id=ctx.user_id),
        )
    data = await export.csv_bytes(records)
    await ctx.after_commit(
        lambda: ctx.context.bot.send_document(
            ctx.chat_id, data, filename=texts.EXPORT_FILENAME, caption=texts.EXPORT_CAPTION
        )
    )


async def on_stats(ctx: Ctx) -> None:
    if ctx.user_id not in ctx.rt.settings.admin_ids:
        # Exactly what any unknown command gets, so /stats does not reveal that it exists.
        await on_unknown_command(ctx)
        return
    now = ctx.rt.clock.now()
    week, month = now - timedelta(days=STATS_WEEK), now - timedelta(days=STATS_MONTH)
    async with ctx.tx() as s:
        active, paused = await reports.count_plans(s, now=now)
        started, done = await reports.count_sessions_since(s, since=week)
        done_days, planned_days = await reports.adherence(s, now=now, days=STATS_WEEK)
        text = texts.STATS.format(
            people=await reports.count_people(s),
            active=active,
            paused=paused,
            started=started,
            done=done,
            done_days=done_days,
            planned_days=planned_days,
            rate=texts.percent(done_days, planned_days),
            stops=await reports.count_stops(s, since=month),
            regressions=await reports.count_regressions(s, since=month),
            red_flags=await reports.count_red_flags(s, since=month),
        )
    await ctx.send(text)
