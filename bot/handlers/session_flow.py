"""Starting a session, and its buttons: Pause / Resume, Skip, Stop, It hurts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.error import TelegramError

from bot import buttons as b
from bot import keyboards, texts
from bot.context import App
from bot.handlers import safety_checks
from bot.routing import Ctx
from bot.runtime import Runtime
from bot.session_engine import Turn, alive_since
from bot.session_plans import steps_of
from bot.timefmt import local
from routines import session as machine
from routines.safety import Flag, Reason, weakness_due
from routines.schedule import PlanStatus
from storage.models import ExerciseSession, User
from storage.queries import mornings as morning_q
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)

WEAKNESS_DIALOG = "pre:weak"
MORNING_DIALOG = "pre:morning"
WEAKNESS_PHASE = "weakness"

REFUSALS = {
    machine.Refusal.STALE: texts.STALE_BUTTON,
    machine.Refusal.SESSION_OVER: texts.SESSION_OVER,
    machine.Refusal.STEP_OVER: texts.STEP_OVER,
}


async def on_now(ctx: Ctx) -> None:
    await start_session(ctx)


async def on_now_button(ctx: Ctx, pressed: b.StartNow) -> None:
    await ctx.answer()
    await start_session(ctx)


async def start_session(ctx: Ctx, *, fresh: bool = False) -> None:
    """Start the person's session, or ask first what it waits for. `fresh`: in new messages,
    leaving the pressed one as it is (it holds an answer's reply)."""
    now = ctx.rt.clock.now()
    say = ctx.send if fresh else ctx.show
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if user is None or plan is None or plan.status == PlanStatus.STOPPED:
            await ctx.send(texts.NO_PLAN)
            return
        if user.red_flag_at is not None or plan_q.safety_paused(plan):
            why = texts.resume_question(plan.status_reason)
            await ctx.send(texts.PLAN_PAUSED_FIRST.format(why=why), keyboards.cleared())
            return
        open_row = await session_q.get_open(s, user_id=ctx.user_id)
        if open_row is not None:
            total = open_row.total_steps
            unshown = open_row.pause_reason == machine.PauseReason.UNSHOWN
            text = (texts.SESSION_UNSHOWN if unshown else texts.SESSION_OPEN).format(
                step=min(open_row.step_index + 1, total), total=total
            )
            await ctx.send(text, keyboards.session_open(open_row.id or 0))
            return
        morning = await morning_q.pending(s, user_id=user.id, now=now)
        if morning is not None:
            # Yesterday's session is judged first: a worse morning makes today's gentler.
            user_q.set_dialog(user, dialog=MORNING_DIALOG, draft={})
            await say(texts.NEXT_DAY_QUESTION, keyboards.next_day(morning))
            return
        if weakness_due(await session_q.last_weakness_check(s, user_id=user.id), now):
            user_q.set_dialog(user, dialog=WEAKNESS_DIALOG, draft={})
            await say(texts.WEAKNESS_QUESTION, keyboards.weakness())
            return
        row = ExerciseSession(
            user_id=ctx.user_id,
            plan_id=plan.id,
            routine_id=plan.routine_id,
            level=plan.level,
            side=plan.side,
            floor=plan.floor,
            total_steps=0,
            local_date=local(now, plan.tz).date().isoformat(),
            started_at=now,
        )
        row.total_steps = len(steps_of(ctx.rt, row))
        s.add(row)
        await s.flush()
        turn = Turn(ctx.rt, s, row, user, now) if fresh else _turn(ctx, s, row, user, now)
        await turn.play(machine.Start())
        ctx.rt.metrics.inc("sessions_started")
        await ctx.after_commit(lambda: turn.deliver_all(ctx.context.bot, ctx.chat_id))


async def on_weakness(ctx: Ctx, pressed: b.Weakness) -> None:
    """The weekly question before a session (row new_weakness): a yes is a tier-2 sign."""
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None or user.dialog != WEAKNESS_DIALOG:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        user_q.set_dialog(user, dialog=None, draft={})
        plan = await plan_q.get_plan(s, user_id=user.id)
        flag = Flag.URGENT if pressed.yes else None
        safety_checks.record(s, user, plan, phase=WEAKNESS_PHASE, flag=flag, now=now)
        if flag is not None:
            return await safety_checks.flagged(ctx, s, user, plan, Reason.NEW_WEAKNESS, flag, now)
    await start_session(ctx)


Control = machine.Pause | machine.Resume | machine.Skip | machine.Done | machine.Stop | machine.Hurt
CONTROLS: dict[b.Command, type[Control]] = {
    b.Command.PAUSE: machine.Pause,
    b.Command.RESUME: machine.Resume,
    b.Command.SKIP: machine.Skip,
    b.Command.DONE: machine.Done,
    b.Command.STOP: machine.Stop,
    b.Command.HURT: machine.Hurt,
}


async def on_control(ctx: Ctx, pressed: b.Control) -> None:
    await play(ctx, pressed.session_id, CONTROLS[pressed.command](pressed.index))


async def play(ctx: Ctx, session_id: int, event: machine.Event, *, refused: str = "") -> None:
    """Give the person's session an event; what it says goes out after the commit. A
    refusal is a toast on a button, or a message after typed text."""
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        if row is None:
            return await refuse(ctx, refused or texts.SESSION_OVER)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        turn = Turn(
            ctx.rt,
            s,
            row,
            user,
            now,
            pressed=ctx.button_message_id,
            pressed_photo=ctx.button_on_photo,
        )
        outcome = await turn.play(event)
        if outcome.refused is not None:
            return await refuse(ctx, refused or REFUSALS[outcome.refused])
        await ctx.answer()
        await ctx.after_commit(lambda: turn.deliver_all(ctx.context.bot, ctx.chat_id))


def _turn(ctx: Ctx, s: Any, row: ExerciseSession, user: User | None, now: datetime) -> Turn:
    """A turn on the person's session; its replies edit the message whose button was pressed."""
    pressed, photo = ctx.button_message_id, ctx.button_on_photo
    return Turn(ctx.rt, s, row, user, now, pressed=pressed, pressed_photo=photo)


async def refuse(ctx: Ctx, text: str) -> None:
    if ctx.update.callback_query is None:
        await ctx.send(text)
    else:
        await ctx.answer(text)


async def on_resume_offer(ctx: Ctx, pressed: b.ResumeOffer) -> None:
    event = machine.Reopen(resume=pressed.resume)
    await play(ctx, pressed.session_id, event, refused=texts.NO_SESSION_TO_RESUME)


async def recover(app: App) -> None:
    """At start-up, holds whose instance is gone (this one, restarted) are paused, and each
    person is offered to resume. Those a live instance runs are left to it."""
    rt: Runtime = app.bot_data.rt
    now = rt.clock.now()
    turns: list[tuple[int, Turn]] = []
    async with rt.db.session() as s:
        orphans = await session_q.orphaned_holds(
            s, me=rt.instance_id, alive_since=alive_since(rt, now)
        )
        for row in orphans:
            user = await user_q.get_user(s, user_id=row.user_id)
            turn = Turn(rt, s, row, user, now)
            await turn.play(machine.Recover())
            if user is not None:
                turns.append((user.chat_id, turn))
    for chat_id, turn in turns:
        try:
            await turn.deliver_all(app.bot, chat_id)
        except TelegramError as exc:
            log.warning("could not offer a resume to chat %s: %s", chat_id, exc)
