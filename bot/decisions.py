"""What a check-in's decision does: it is recorded, the level moves, and the person is told
in plain words; and the summary at the end of a session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot import keyboards, texts
from bot.runtime import Runtime
from bot.timefmt import local, local_text
from routines import adherence, progress, schedule
from routines.safety import Answer, Decision, LevelMove, Reason, Tingling
from storage.models import CheckIn, ExerciseSession, Plan, SessionStep
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q

# Answers that rule out a level up later in the same session: anything beyond green.
WORSE = frozenset(
    {
        Reason.NEW_TINGLING,
        Reason.PAIN_HIGH_DURING,
        Reason.PAIN_HIGH_AFTER,
        Reason.AMBER,
        Reason.SEVERE_PAIN,
        Reason.SHARP_PAIN,
        Reason.NO_PROGRESS,
    }
)
# Answers that call for the flare-up plan.
FLARES = frozenset(
    {Reason.PAIN_HIGH_DURING, Reason.PAIN_HIGH_AFTER, Reason.NEXT_DAY_WORSE, Reason.NEW_TINGLING}
)


async def record(
    s: Any,
    row: ExerciseSession,
    plan: Plan | None,
    answer: Answer,
    decision: Decision,
    *,
    level: int,
    top: int,
    at: datetime,
    earlier: Sequence[CheckIn],
) -> int:
    """Store the check-in with its decision and move the plan's level; returns the new level.
    `earlier`: the session's check-ins before this one."""
    new_level = _level_after(decision, earlier, level=level, top=top)
    s.add(
        CheckIn(
            user_id=row.user_id,
            session_id=row.id,
            phase=answer.phase.value,
            pain=answer.pain,
            tingling=answer.tingling.value if answer.tingling else None,
            next_day=answer.next_day.value if answer.next_day else None,
            action=decision.action.value,
            reason=decision.reason.value,
            level_before=level,
            level_after=new_level,
            created_at=at,
        )
    )
    if plan is None:
        return new_level
    if decision.setback:
        # A level up offered after earlier good sessions no longer stands after a setback.
        plan.offer_up_pending = False
    await plan_q.change_level(s, plan=plan, level=new_level, reason=decision.reason.value, at=at)
    return new_level


def _level_after(decision: Decision, earlier: Sequence[CheckIn], *, level: int, top: int) -> int:
    # One session steps the level down once: a rise during it, again after it, and a worse
    # next morning are one flare-up, and "the next session one level lower" is one level.
    dropped = any(
        c.level_after < c.level_before
        for c in earlier
        if c.level_after is not None and c.level_before is not None
    )
    if decision.level_change is LevelMove.DOWN and dropped:
        return level
    return progress.apply(level, decision.level_change, top_level=top)


def offer(
    rt: Runtime, row: ExerciseSession, plan: Plan | None, decision: Decision, note: str
) -> tuple[str, Any]:
    """The note under the summary, and the level-up buttons when a level up is offered."""
    if decision.level_change is not LevelMove.OFFER_UP or plan is None:
        return note, None
    top = rt.catalog.get(row.routine_id).top_level
    if not progress.should_offer_up(decision, plan.level, top):
        return "", None
    plan.offer_up_pending = True
    text = texts.EXPLAIN["good_streak"].format(up=plan.level + 1, top=top)
    return text, keyboards.offer_up(row.id or 0, plan.level + 1)


def explain(
    decision: Decision, row: ExerciseSession, answer: Answer, new_level: int, top: int
) -> str:
    template = texts.EXPLAIN.get(decision.reason.value)
    if template is None or decision.reason is Reason.GOOD_STREAK:
        return ""
    if decision.level_change is LevelMove.DOWN:
        level_text = (
            texts.GENTLER.format(level=new_level, top=top)
            if new_level < row.level or new_level > 1
            else texts.ALREADY_GENTLEST
        )
    else:
        level_text = ""
    return template.format(
        pain=answer.pain if answer.pain is not None else "?",
        before=row.pain_before if row.pain_before is not None else "?",
        level_text=level_text,
    )


def worse_earlier(earlier: Sequence[CheckIn]) -> bool:
    return any(c.reason in WORSE for c in earlier)


def worse(decision: Decision, answer: Answer, earlier: Sequence[CheckIn]) -> bool:
    """Whether this session had an answer that calls for the flare-up plan."""
    return (
        decision.reason in FLARES
        or any(c.reason in FLARES for c in earlier)
        or new_numbness(answer, earlier)
    )


def new_numbness(answer: Answer, earlier: Sequence[CheckIn]) -> bool:
    """New tingling or numbness this session, whatever rule it met: the red-flag screen
    follows the summary."""
    reported = answer.tingling is Tingling.WORSE
    return reported or any(c.tingling == Tingling.WORSE.value for c in earlier)


async def summary(
    rt: Runtime, s: Any, row: ExerciseSession, plan: Plan | None, now: datetime
) -> str:
    statuses = (
        (
            await s.execute(
                select(col(SessionStep.status)).where(col(SessionStep.session_id) == row.id)
            )
        )
        .scalars()
        .all()
    )
    tz = plan.tz if plan else "UTC"
    today = local(now, tz).date()
    monday = adherence.week_start(today)
    done_days = {date.fromisoformat(d) for d in await session_q.done_dates(s, user_id=row.user_id)}
    week = sum(1 for d in done_days if d >= monday)
    days = schedule.parse_days(plan.days) if plan else []
    minutes = max(1, round((now - row.started_at).total_seconds() / 60))
    return texts.SESSION_SUMMARY.format(
        done=statuses.count("done"),
        skipped=statuses.count("skipped") + statuses.count("stopped"),
        minutes=minutes,
        before=texts.pain_text(row.pain_before),
        after=texts.pain_text(row.pain_after),
        week=week,
        planned=len(days),
        streak=adherence.streak(done_days, days=days, today=today),
        next=escape(local_text(plan.next_due_at, plan.tz))
        if plan and plan.next_due_at
        else "paused",
    )
