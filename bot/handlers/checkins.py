"""Check-ins before, during and after a session, and what the safety rules decide from them."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot import keyboards, texts
from bot.callbacks import Callback
from bot.handlers.session_flow import resume_out
from bot.routing import Ctx, button, dialog
from bot.runtime import Runtime
from bot.session_engine import (
    Outgoing,
    deliver,
    next_or_after,
    skip_nerve_steps,
    start_step,
    steps_of,
)
from bot.timefmt import local, local_text
from routines import adherence, progress
from routines.safety import (
    PAIN_MAX,
    Action,
    Decision,
    LevelChange,
    NextDay,
    Phase,
    Tingling,
    decide,
)
from routines.safety import CheckIn as Answer
from storage.models import CheckIn, ExerciseSession, Plan, SessionStep, User
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

PHASES = {"b": Phase.BEFORE, "d": Phase.DURING, "a": Phase.AFTER}
STATE_OF_PHASE = {"b": "before_pain", "d": "during", "a": "after"}
# Asked again, under the hint, after a typed answer that is not a pain score.
PAIN_QUESTION = {"b": texts.PAIN_BEFORE, "d": texts.PAIN_DURING, "a": texts.PAIN_DURING}
SETBACKS = ("new_tingling", "pain_rise_mild", "pain_rise_sharp", "severe_pain")


@button("p")
async def on_pain_button(ctx: Ctx, cb: Callback) -> None:
    await _pain(ctx, cb.int_arg(0), cb.arg(1), cb.int_arg(2))


@dialog("ci:pain")
async def on_pain_text(ctx: Ctx, text: str, args: list[str]) -> None:
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    value = int(text) if text.isdecimal() and len(text) <= 2 else None
    session_id = int(args[0]) if args and args[0].isdecimal() else None
    phase = args[1] if len(args) > 1 else ""
    if value is None or value > PAIN_MAX:
        question = PAIN_QUESTION.get(phase, texts.PAIN_DURING)
        await ctx.send(f"{texts.BAD_PAIN}\n\n{question}", keyboards.pain(session_id or 0, phase))
        return
    await _pain(ctx, session_id, phase, value)


@dialog("ci:tingle")
async def on_tingle_text(ctx: Ctx, text: str, args: list[str]) -> None:
    session_id = int(args[0]) if args and args[0].isdecimal() else 0
    await ctx.send(
        texts.BAD_CHOICE, keyboards.tingling(session_id, args[1] if len(args) > 1 else "b")
    )


async def _pain(ctx: Ctx, session_id: int | None, phase: str, value: int | None) -> None:
    if session_id is None or phase not in PHASES or value is None or value > PAIN_MAX:
        return await _refuse(ctx, texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await _locked_session(s, session_id=session_id, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if row is None or user is None or row.state != STATE_OF_PHASE[phase]:
            return await _refuse(ctx, texts.SESSION_OVER if row is None else texts.STALE_BUTTON)
        out = await _on_pain(ctx.rt, s, row, user, phase, value, now)
    await ctx.answer()
    out.message_id = out.message_id or ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


async def _on_pain(
    rt: Runtime, s: Any, row: ExerciseSession, user: User, phase: str, value: int, now: datetime
) -> Outgoing:
    """Act on the pain now, or ask about tingling first and act on both answers."""
    answer = Answer(PHASES[phase], pain=value)
    if phase == "b":
        row.pain_before = value
    if phase == "a":
        row.pain_after = value
    elif not _pauses_plan(answer, row):
        # Pain that pauses the plan does so whatever the tingling answer would be, so a
        # person in that much pain is not asked one more question first.
        if phase == "b":
            row.state = "before_tingle"
        user_q.set_dialog(user, dialog=f"ci:tingle:{row.id}:{phase}", draft={"pain": value})
        question = texts.TINGLING_BEFORE if phase == "b" else texts.TINGLING_DURING
        return Outgoing(question, keyboards.tingling(row.id or 0, phase))
    return await _act(rt, s, row, user, answer, now)


def _pauses_plan(answer: Answer, row: ExerciseSession) -> bool:
    # The emergency rules do not read the history, so none is passed.
    decision = decide(answer, baseline_pain=row.pain_before, history=(), level=row.level)
    return decision.action is Action.PAUSE_PLAN


async def _refuse(ctx: Ctx, text: str) -> None:
    """A tapped button gets its answer as a toast; a typed answer has none, so a message."""
    if ctx.update.callback_query is None:
        await ctx.send(text)
    else:
        await ctx.answer(text)


async def _locked_session(s: Any, *, session_id: int, user_id: int) -> ExerciseSession | None:
    """The person's session, locked until the commit. On PostgreSQL two quick taps would
    otherwise both pass the state check and act twice (SQLite already takes the write lock
    at BEGIN IMMEDIATE, where FOR UPDATE is left out)."""
    row = await session_q.get_owned(s, session_id=session_id, user_id=user_id)
    if row is not None:
        await s.refresh(row, with_for_update=True)
    return row


@button("t")
async def on_tingling(ctx: Ctx, cb: Callback) -> None:
    session_id, phase, value = cb.int_arg(0), cb.arg(1), cb.arg(2)
    if session_id is None or phase not in {"b", "d"} or value not in texts.TINGLING_CHOICES:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await _locked_session(s, session_id=session_id, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        expected = "before_tingle" if phase == "b" else "during"
        if (
            row is None
            or user is None
            or row.state != expected
            or user.dialog != f"ci:tingle:{session_id}:{phase}"
        ):
            return await ctx.answer(texts.STALE_BUTTON)
        pain = user_q.read_draft(user).get("pain")
        answer = Answer(
            PHASES[phase], pain=pain if isinstance(pain, int) else None, tingling=Tingling(value)
        )
        out = await _act(ctx.rt, s, row, user, answer, now)
    await ctx.answer()
    out.message_id = ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


@button("dq")
async def on_quick(ctx: Ctx, cb: Callback) -> None:
    session_id, choice = cb.int_arg(0), cb.arg(1)
    if session_id is None or choice not in {"ok", "pain", "tingle"}:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await _locked_session(s, session_id=session_id, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if (
            row is None
            or user is None
            or row.state != "during"
            or user.dialog != f"ci:quick:{session_id}"
        ):
            return await ctx.answer(texts.STALE_BUTTON)
        if choice == "pain":
            user_q.set_dialog(user, dialog=f"ci:pain:{session_id}:d")
            out = Outgoing(texts.PAIN_DURING, keyboards.pain(session_id, "d"))
        else:
            tingling = Tingling.WORSE if choice == "tingle" else Tingling.NONE
            out = await _act(ctx.rt, s, row, user, Answer(Phase.DURING, tingling=tingling), now)
    await ctx.answer()
    out.message_id = ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


async def _act(
    rt: Runtime, s: Any, row: ExerciseSession, user: User, answer: Answer, now: datetime
) -> Outgoing:
    """Decide, record the check-in and the decision, change the level, and say what happens."""
    plan = await plan_q.get_plan(s, user_id=user.id)
    level = plan.level if plan else row.level
    history = await session_q.history(s, user_id=user.id, before_id=row.id)
    decision = decide(
        answer,
        baseline_pain=row.pain_before,
        history=history,
        level=level,
        worse_earlier=await _worse_earlier(s, row),
    )
    top = rt.catalog.get(row.routine_id).top_level
    new_level = await _record(s, row, plan, answer, decision, level=level, top=top, at=now)
    user_q.set_dialog(user, dialog=None, draft={})
    note = _explain(decision, row, answer, new_level, top)
    ending = {Action.PAUSE_PLAN, Action.URGENT_CARE, Action.STOP_SESSION}
    if decision.action in ending or answer.phase is Phase.AFTER:
        return await _end(rt, s, row, plan, now, decision, answer, note)
    if answer.phase is Phase.BEFORE:
        return start_step(rt, row, now, texts.LETS_BEGIN)
    return await _carry_on(rt, s, row, user, now, decision, note)


async def _record(
    s: Any,
    row: ExerciseSession,
    plan: Plan | None,
    answer: Answer,
    decision: Decision,
    *,
    level: int,
    top: int,
    at: datetime,
) -> int:
    """Store the check-in with its decision and move the plan's level; returns the new level."""
    new_level = await _level_after(s, row, decision, level=level, top=top)
    await session_q.add_checkin(
        s,
        checkin=CheckIn(
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
        ),
    )
    if plan is None:
        return new_level
    if _setback(decision):
        # A level up offered after earlier good sessions no longer stands after a setback.
        plan.offer_up_pending = False
    await plan_q.change_level(s, plan=plan, level=new_level, reason=decision.reason.value, at=at)
    return new_level


def _setback(decision: Decision) -> bool:
    return decision.level_change is LevelChange.DOWN or decision.action in {
        Action.PAUSE_PLAN,
        Action.URGENT_CARE,
    }


async def _level_after(
    s: Any, row: ExerciseSession, decision: Decision, *, level: int, top: int
) -> int:
    # One session steps the level down once: a rise during it, again after it, and a worse
    # next morning are one flare-up, and "the next session one level lower" is one level.
    if decision.level_change is LevelChange.DOWN and await _dropped_earlier(s, row):
        return level
    return progress.apply(level, decision.level_change, top_level=top)


async def _dropped_earlier(s: Any, row: ExerciseSession) -> bool:
    result = await s.execute(
        select(col(CheckIn.id))
        .where(
            col(CheckIn.session_id) == row.id, col(CheckIn.level_after) < col(CheckIn.level_before)
        )
        .limit(1)
    )
    return result.scalar_one_or_none() is not None


async def _carry_on(
    rt: Runtime,
    s: Any,
    row: ExerciseSession,
    user: User,
    now: datetime,
    decision: Decision,
    note: str,
) -> Outgoing:
    if decision.action is Action.STOP_STEP:
        row.nerve_off = True
        await _close_step(rt, s, row, now)
        await skip_nerve_steps(rt, s, row, now)
        note = f"{note} {texts.SKIPPING_NERVE}"
    elif row.remaining_seconds is not None:
        row.state = "paused"
        out = resume_out(rt, row, now)
        out.text = f"{texts.CONTINUE_EASY} {note}".strip() + "\n\n" + out.text
        return out
    row.state = "holding"
    out = next_or_after(rt, row, user, now, previous=None)
    out.text = (note.strip() + "\n\n" + out.text) if note.strip() else out.text
    return out


async def _close_step(rt: Runtime, s: Any, row: ExerciseSession, now: datetime) -> None:
    """Record the step that "It hurts" interrupted as stopped, with the time it was held."""
    if row.remaining_seconds is None:
        return
    step = steps_of(rt, row)[row.step_index]
    await session_q.record_step(
        s,
        row=row,
        step=step,
        status="stopped",
        seconds=max(0.0, step.seconds - row.remaining_seconds),
        at=now,
    )
    row.step_index += 1
    row.remaining_seconds = None


async def _end(
    rt: Runtime,
    s: Any,
    row: ExerciseSession,
    plan: Plan | None,
    now: datetime,
    decision: Decision,
    answer: Answer,
    note: str,
) -> Outgoing:
    phase, answer_pain = answer.phase, answer.pain
    if phase is Phase.AFTER:
        paused = decision.action is Action.PAUSE_PLAN
        session_q.finish(
            row, state="done", reason=decision.reason.value if paused else row.stop_reason, at=now
        )
    else:
        if phase is Phase.DURING:
            await _close_step(rt, s, row, now)
            if answer_pain is not None:
                row.pain_after = answer_pain
        session_q.finish(row, state="stopped", reason=decision.reason.value, at=now)
    if plan is not None and decision.action is Action.PAUSE_PLAN:
        # One reason for any pain pause: /now and /resume ask for the "cleared" answer on it.
        plan_q.set_status(plan, status="paused", reason="severe_pain", at=now)
        plan_q.schedule_next(plan, now=now)
        rt.metrics.inc("plans_paused_for_pain")
    summary = await _summary(rt, s, row, plan, now)
    note, markup = _offer(rt, row, plan, decision, note)
    rt.metrics.inc("sessions_finished")
    return Outgoing(summary + (f"\n\n{note}" if note else ""), markup)


def _offer(
    rt: Runtime, row: ExerciseSession, plan: Plan | None, decision: Decision, note: str
) -> tuple[str, Any]:
    """The note under the summary, and the level-up buttons when a level up is offered."""
    if decision.level_change is not LevelChange.OFFER_UP or plan is None:
        return note, None
    top = rt.catalog.get(row.routine_id).top_level
    if not progress.should_offer_up(decision, plan.level, top):
        return "", None
    plan.offer_up_pending = True
    text = texts.EXPLAIN["good_streak"].format(up=plan.level + 1, top=top)
    return text, keyboards.offer_up(row.id or 0, plan.level + 1)


def _explain(
    decision: Decision, row: ExerciseSession, answer: Answer, new_level: int, top: int
) -> str:
    template = texts.EXPLAIN.get(decision.reason.value)
    if template is None or decision.reason.value == "good_streak":
        return ""
    if decision.level_change is LevelChange.DOWN:
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


async def _worse_earlier(s: Any, row: ExerciseSession) -> bool:
    result = await s.execute(
        select(col(CheckIn.id))
        .where(col(CheckIn.session_id) == row.id, col(CheckIn.reason).in_(SETBACKS))
        .limit(1)
    )
    return result.scalar_one_or_none() is not None


async def _summary(
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
    days = plan_q.parse_days(plan.days) if plan else []
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


@button("up")
async def on_offer_up(ctx: Ctx, cb: Callback) -> None:
    session_id, choice = cb.int_arg(0), cb.arg(1)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is not None:
            # Two quick taps on "Step up" must not step up twice (see _locked_session).
            await s.refresh(plan, with_for_update=True)
        row = (
            None
            if session_id is None
            else await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        )
        if plan is None or row is None or not plan.offer_up_pending or choice not in {"y", "n"}:
            return await ctx.answer(texts.STALE_BUTTON)
        plan.offer_up_pending = False
        top = ctx.rt.catalog.get(plan.routine_id).top_level
        if choice == "y":
            new_level = progress.apply(
                plan.level, LevelChange.OFFER_UP, top_level=top, accepted=True
            )
            await plan_q.change_level(s, plan=plan, level=new_level, reason="good_streak", at=now)
            text = texts.STEPPED_UP.format(level=new_level, top=top)
        else:
            text = texts.STAYED.format(level=plan.level)
    await ctx.answer()
    await ctx.send(text)


@button("nd")
async def on_next_day(ctx: Ctx, cb: Callback) -> None:
    session_id, choice = cb.int_arg(0), cb.arg(1)
    if session_id is None or choice not in texts.NEXT_DAY_CHOICES:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await _locked_session(s, session_id=session_id, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if (
            row is None
            or plan is None
            or await session_q.last_without_next_day(s, user_id=ctx.user_id) is not row
        ):
            return await ctx.answer(texts.STALE_BUTTON)
        answer = Answer(Phase.NEXT_DAY, next_day=NextDay(choice))
        history = await session_q.history(s, user_id=ctx.user_id, before_id=None)
        decision = decide(answer, baseline_pain=None, history=history, level=plan.level)
        top = ctx.rt.catalog.get(plan.routine_id).top_level
        new_level = await _record(s, row, plan, answer, decision, level=plan.level, top=top, at=now)
        note = _explain(decision, row, answer, new_level, top)
    await ctx.answer(texts.NEXT_DAY_THANKS)
    await ctx.send(f"{texts.NEXT_DAY_THANKS} {note}".strip())
