"""Starting a session, and its buttons: Pause / Resume, Skip, Stop, It hurts."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot import cards, keyboards, texts
from bot.callbacks import Callback
from bot.routing import Ctx, button, dialog
from bot.runtime import KEY, Runtime
from bot.session_engine import (
    Outgoing,
    alive_since,
    ask_after,
    begin_hold,
    cancel_tick,
    deliver,
    finish_step,
    hold_still,
    left,
    step_card,
    steps_of,
)
from bot.timefmt import local
from storage.models import ExerciseSession, User
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)


async def on_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await start_session(ctx)


@button("now")
async def on_now_button(ctx: Ctx, cb: Callback) -> None:
    await ctx.answer()
    await start_session(ctx)


async def start_session(ctx: Ctx) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if user is None or plan is None or plan.status == "stopped":
            await ctx.send(texts.NO_PLAN)
            return
        if user.red_flag_at is not None or plan_q.safety_paused(plan):
            await ctx.send(
                texts.PLAN_PAUSED_FIRST.format(why=texts.RESUME_AFTER_RED_FLAG), keyboards.cleared()
            )
            return
        open_row = await session_q.get_open(s, user_id=ctx.user_id)
        if open_row is not None:
            total = open_row.total_steps
            unshown = open_row.pause_reason == "unshown"
            text = (texts.SESSION_UNSHOWN if unshown else texts.SESSION_OPEN).format(
                step=min(open_row.step_index + 1, total), total=total
            )
            await ctx.send(text, keyboards.session_open(open_row.id or 0))
            return
        row = ExerciseSession(
            user_id=ctx.user_id,
            plan_id=plan.id,
            routine_id=plan.routine_id,
            level=plan.level,
            side=plan.side,
            total_steps=0,
            local_date=local(now, plan.tz).date().isoformat(),
            started_at=now,
        )
        row.total_steps = len(steps_of(ctx.rt, row))
        s.add(row)
        await s.flush()
        user_q.set_dialog(user, dialog=f"ci:pain:{row.id}:b")
        session_id = row.id or 0
    ctx.rt.metrics.inc("sessions_started")
    await ctx.show(texts.PAIN_BEFORE, keyboards.pain(session_id, "b"))


@button("sc")
async def on_control(ctx: Ctx, cb: Callback) -> None:
    session_id, index, command = cb.int_arg(0), cb.int_arg(1), cb.arg(2)
    if session_id is None or index is None or command not in {"p", "r", "k", "s", "h"}:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        if row is None or row.state not in {"holding", "paused"}:
            return await ctx.answer(texts.SESSION_OVER)
        if command in {"p", "r", "k"} and row.step_index != index:
            return await ctx.answer(texts.STEP_OVER)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        out = await _CONTROLS[command](ctx.rt, s, row, user, now)
    cancel_tick(ctx.rt, session_id)
    await ctx.answer()
    if command in {"p", "r", "h", "s"}:
        out.message_id = ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


async def _pause(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime
) -> Outgoing:
    if row.state == "holding":
        hold_still(rt, row, now, "paused")
    return step_card(rt, row, cards.paused(row.remaining_seconds or 0), paused=True)


async def _resume(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime
) -> Outgoing:
    return resume_out(rt, row, now)


def resume_out(rt: Runtime, row: ExerciseSession, now: datetime) -> Outgoing:
    step = steps_of(rt, row)[row.step_index]
    if row.state == "holding":
        # Re-arm the timer here too: the instance that ran it may be gone. The row's version
        # makes a second timer for the same step harmless.
        row.owner = rt.instance_id
        remaining = left(rt, row, now)
        out = step_card(rt, row, cards.remaining(min(remaining, step.seconds)))
        out.tick = (row.id or 0, row.version, row.hold_ends_at or now)
        return out
    remaining = row.remaining_seconds if row.remaining_seconds is not None else step.seconds
    due = begin_hold(rt, row, now, seconds=remaining, ready=False)
    out = step_card(rt, row, cards.remaining(remaining))
    out.tick = (row.id or 0, row.version, due)
    return out


async def _skip(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime
) -> Outgoing:
    return await finish_step(rt, s, row, user, now, status="skipped")


async def _stop(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime
) -> Outgoing:
    step = steps_of(rt, row)[row.step_index]
    held = max(0.0, step.seconds - min(left(rt, row, now), step.seconds))
    await session_q.record_step(
        s,
        row=row,
        step=step,
        status="stopped",
        seconds=held,
        at=now,
    )
    row.stop_reason = "user"
    return ask_after(row, user, texts.PAIN_STOPPED)


async def _hurt(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime
) -> Outgoing:
    if row.state == "holding":
        hold_still(rt, row, now, "during")
    row.state = "during"
    if user is not None:
        user_q.set_dialog(user, dialog=f"ci:pain:{row.id}:d")
    return Outgoing(texts.PAIN_HURT, keyboards.pain(row.id or 0, "d"))


_CONTROLS = {"p": _pause, "r": _resume, "k": _skip, "s": _stop, "h": _hurt}


@button("rs")
async def on_resume_offer(ctx: Ctx, cb: Callback) -> None:
    session_id = cb.int_arg(0)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = (
            None
            if session_id is None
            else await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        )
        if row is None or row.state not in session_q.OPEN_STATES:
            return await ctx.answer(texts.NO_SESSION_TO_RESUME)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if cb.arg(1) != "y":
            session_q.finish(row, state="stopped", reason="abandoned", at=now)
            if user is not None:
                user_q.set_dialog(user, dialog=None)
            out = Outgoing(texts.SESSION_OVER, None)
        else:
            out = _reopen(ctx.rt, row, user, now)
    await ctx.answer()
    out.message_id = ctx.button_message_id
    await deliver(ctx.rt, ctx.context.bot, ctx.chat_id, out)


def _reopen(rt: Runtime, row: ExerciseSession, user: User | None, now: datetime) -> Outgoing:
    """Pick a session up wherever it was: a step resumes, an open question is asked again."""
    sid = row.id or 0
    if row.state in {"holding", "paused"}:
        return resume_out(rt, row, now)
    questions = {
        "before_pain": Outgoing(texts.PAIN_BEFORE, keyboards.pain(sid, "b")),
        "before_tingle": Outgoing(texts.TINGLING_BEFORE, keyboards.tingling(sid, "b")),
        "after": Outgoing(texts.PAIN_AFTER, keyboards.pain(sid, "a")),
    }
    if row.state == "during":
        hurt = row.remaining_seconds is not None
        dialog_name = f"ci:pain:{sid}:d" if hurt else f"ci:quick:{sid}"
        if user is not None:
            user_q.set_dialog(user, dialog=dialog_name)
        if hurt:
            return Outgoing(texts.PAIN_DURING, keyboards.pain(sid, "d"))
        return Outgoing(texts.DURING_QUESTION, keyboards.during_quick(sid))
    return questions[row.state]


@dialog("ci:quick")
async def on_text_in_session(ctx: Ctx, text: str, args: list[str]) -> None:
    await ctx.send(texts.BAD_CHOICE)


async def recover(app: Application) -> None:  # type: ignore[type-arg]
    """At start-up, holds whose instance is gone (this one, restarted) are paused, and each
    person is offered to resume. Those a live instance runs are left to it."""
    rt: Runtime = app.bot_data[KEY]
    now = rt.clock.now()
    offers: list[tuple[int, str, int]] = []
    async with rt.db.session() as s:
        orphans = await session_q.orphaned_holds(
            s, me=rt.instance_id, alive_since=alive_since(rt, now)
        )
        for row in orphans:
            hold_still(rt, row, now, "paused")
            user = await user_q.get_user(s, user_id=row.user_id)
            step = steps_of(rt, row)[row.step_index]
            text = texts.RECOVERED.format(
                step=step.number,
                total=row.total_steps,
                name=escape(step.name),
                left=round(row.remaining_seconds or 0),
            )
            if user is not None:
                offers.append((user.chat_id, text, row.id or 0))
    for chat_id, text, session_id in offers:
        try:
            await app.bot.send_message(
                chat_id, text, reply_markup=keyboards.session_open(session_id)
            )
        except TelegramError as exc:
            log.warning("could not offer a resume to chat %s: %s", chat_id, exc)
