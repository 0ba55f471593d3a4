"""Check-ins before, during and after a session, and what the safety rules decide from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import decisions, keyboards, texts
from bot.callbacks import ID_MAX, Callback
from bot.handlers.session_flow import resume_out
from bot.routing import Ctx, button, dialog
from bot.runtime import Runtime
from bot.session_engine import (
    Outgoing,
    cancel_tick,
    deliver,
    hold_still,
    nerve_check_due,
    next_or_after,
    skip_nerve_steps,
    start_step,
    steps_of,
)
from routines.numbers import parse_int
from routines.safety import (
    PAIN_MAX,
    Action,
    Answer,
    Decision,
    Phase,
    Tingling,
    decide,
)
from storage.models import ExerciseSession, Plan, User
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

PHASES = {"b": Phase.BEFORE, "d": Phase.DURING, "a": Phase.AFTER}
STATE_OF_PHASE = {"b": "before_pain", "d": "during", "a": "after"}
# Asked again, under the hint, after a typed answer that is not a pain score.
PAIN_QUESTION = {"b": texts.PAIN_BEFORE, "d": texts.PAIN_DURING, "a": texts.PAIN_DURING}


@button("p")
async def on_pain_button(ctx: Ctx, cb: Callback) -> None:
    await _pain(ctx, cb.int_arg(0), cb.arg(1), cb.int_arg(2))


@dialog("ci:pain")
async def on_pain_text(ctx: Ctx, text: str, args: list[str]) -> None:
    value = parse_int(text, high=PAIN_MAX)
    session_id = parse_int(args[0], high=ID_MAX) if args else None
    phase = args[1] if len(args) > 1 else ""
    if value is None:
        question = PAIN_QUESTION.get(phase, texts.PAIN_DURING)
        await ctx.send(f"{texts.BAD_PAIN}\n\n{question}", keyboards.pain(session_id or 0, phase))
        return
    await _pain(ctx, session_id, phase, value)


@dialog("ci:tingle")
async def on_tingle_text(ctx: Ctx, text: str, args: list[str]) -> None:
    session_id = (parse_int(args[0], high=ID_MAX) if args else None) or 0
    await ctx.send(
        texts.BAD_CHOICE, keyboards.tingling(session_id, args[1] if len(args) > 1 else "b")
    )


async def _pain(ctx: Ctx, session_id: int | None, phase: str, value: int | None) -> None:
    if session_id is None or phase not in PHASES or value is None or value > PAIN_MAX:
        return await _refuse(ctx, texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if row is None or user is None or row.state != STATE_OF_PHASE[phase]:
            return await _refuse(ctx, texts.SESSION_OVER if row is None else texts.STALE_BUTTON)
        out = await _on_pain(ctx.rt, s, row, user, phase, value, now)
        await ctx.answer()
        out.message_id = out.message_id or ctx.button_message_id
        # A typed answer arrives inside the router's transaction, so this waits for its commit.
        await ctx.after_commit(lambda: deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out))


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


@button("t")
async def on_tingling(ctx: Ctx, cb: Callback) -> None:
    session_id, phase, value = cb.int_arg(0), cb.arg(1), cb.arg(2)
    if session_id is None or phase not in {"b", "d"} or value not in texts.TINGLING_CHOICES:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
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
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if row is None or user is None or not _quick_open(ctx.rt, row, user, choice):
            return await ctx.answer(texts.STALE_BUTTON)
        offered = row.state in {"holding", "paused"}
        if offered:
            cancel_tick(ctx.rt, session_id)
            if row.state == "holding":
                hold_still(ctx.rt, row, now, "during")
            row.state = "during"
        if choice == "pain":
            user_q.set_dialog(user, dialog=f"ci:pain:{session_id}:d")
            out = Outgoing(texts.PAIN_DURING, keyboards.pain(session_id, "d"))
        else:
            tingling = Tingling.WORSE if choice == "tingle" else Tingling.NONE
            answer = Answer(Phase.DURING, tingling=tingling)
            out = await _act(ctx.rt, s, row, user, answer, now, keep_step=offered)
    await ctx.answer()
    out.message_id = ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


def _quick_open(rt: Runtime, row: ExerciseSession, user: User, choice: str) -> bool:
    """The nerve check is open: asked on its own after the last step, or offered on the card
    that follows a nerve-tension step."""
    if row.state == "during":
        return user.dialog == f"ci:quick:{row.id}"
    offered = row.state in {"holding", "paused"} and nerve_check_due(rt, row)
    return offered and choice == "tingle"


async def _act(
    rt: Runtime,
    s: Any,
    row: ExerciseSession,
    user: User,
    answer: Answer,
    now: datetime,
    *,
    keep_step: bool = False,
) -> Outgoing:
    """Decide, record the check-in and the decision, change the level, and say what happens."""
    plan = await plan_q.get_plan(s, user_id=user.id)
    level = plan.level if plan else row.level
    history = await session_q.history(s, user_id=user.id, before_id=row.id)
    earlier = await session_q.checkins_of(s, session_id=row.id)
    decision = decide(
        answer,
        baseline_pain=row.pain_before,
        history=history,
        level=level,
        worse_earlier=decisions.worse_earlier(earlier),
    )
    top = rt.catalog.get(row.routine_id).top_level
    new_level = await decisions.record(
        s, row, plan, answer, decision, level=level, top=top, at=now, earlier=earlier
    )
    user_q.set_dialog(user, dialog=None, draft={})
    note = decisions.explain(decision, row, answer, new_level, top)
    ending = {Action.PAUSE_PLAN, Action.URGENT_CARE, Action.STOP_SESSION}
    if decision.action in ending or answer.phase is Phase.AFTER:
        return await _end(rt, s, row, plan, now, decision, answer, note)
    if answer.phase is Phase.BEFORE:
        return start_step(rt, row, now, texts.LETS_BEGIN)
    return await _carry_on(rt, s, row, user, now, decision, note, keep_step=keep_step)


async def _carry_on(
    rt: Runtime,
    s: Any,
    row: ExerciseSession,
    user: User,
    now: datetime,
    decision: Decision,
    note: str,
    *,
    keep_step: bool,
) -> Outgoing:
    """Go on after a check-in. `keep_step`: the answer was about the step before (the nerve
    check on the next card), so the step now running is not the one to stop."""
    if decision.action is Action.STOP_STEP:
        row.nerve_off = True
        note = f"{note} {texts.SKIPPING_NERVE}"
    if decision.action is Action.STOP_STEP and not keep_step:
        await _close_step(rt, s, row, now)
        await skip_nerve_steps(rt, s, row, now)
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
        # Stop asks the after question too; that answer does not make the session done.
        state = "stopped" if row.stop_reason else "done"
        session_q.finish(
            row, state=state, reason=decision.reason.value if paused else row.stop_reason, at=now
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
    summary = await decisions.summary(rt, s, row, plan, now)
    note, markup = decisions.offer(rt, row, plan, decision, note)
    rt.metrics.inc("sessions_finished")
    return Outgoing(summary + (f"\n\n{note}" if note else ""), markup)
