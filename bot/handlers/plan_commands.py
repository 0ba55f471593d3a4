"""/settings, /pause, /resume, /stop and /delete."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.callbacks import Callback
from bot.handlers import onboarding
from bot.routing import Ctx, button
from bot.timefmt import local_text
from routines.numbers import parse_int
from storage.queries import plans as plan_q
from storage.queries import users as user_q

MAX_PAUSE_DAYS = 90


async def on_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await onboarding.settings_command(ctx)


async def on_pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    if ctx is None:
        return
    days = parse_int((context.args or [""])[0], low=1, high=MAX_PAUSE_DAYS)
    if days is not None:
        await _pause(ctx, days)
    elif await _has_plan(ctx):
        await ctx.send(texts.PAUSE_HOW_LONG, keyboards.pause_choices())


@button("pz")
async def on_pause_choice(ctx: Ctx, cb: Callback) -> None:
    days = cb.int_arg(0)
    if days is None or days > MAX_PAUSE_DAYS:
        return await ctx.answer(texts.STALE_BUTTON)
    await ctx.answer()
    await _pause(ctx, days)


async def _pause(ctx: Ctx, days: int) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is None or plan.status == "stopped":
            await ctx.send(texts.NO_PLAN)
            return
        if plan_q.safety_paused(plan):
            await ctx.send(texts.SAFETY_PAUSE_STAYS)
            return
        if days:
            plan_q.set_status(
                plan, status="active", reason=None, at=now, until=now + timedelta(days=days)
            )
        else:
            plan_q.set_status(plan, status="paused", reason="user", at=now)
        plan_q.schedule_next(plan, now=now)
        until = local_text(plan.paused_until, plan.tz) if days else None
    await ctx.show(texts.PAUSED.format(until=texts.until_text(until)))


async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    if ctx is None:
        return
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if plan is None or user is None:
            await ctx.send(texts.NO_PLAN)
            return
        if user.red_flag_at is not None or plan_q.safety_paused(plan):
            await ctx.send(texts.RESUME_AFTER_RED_FLAG, keyboards.cleared())
            return
    await resume_plan(ctx)


async def resume_plan(ctx: Ctx) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is None:
            await ctx.send(texts.NO_PLAN)
            return
        was_on = plan.status == "active" and not plan.paused_until
        plan_q.set_status(plan, status="active", reason=None, at=now)
        plan_q.schedule_next(plan, now=now)
        template = texts.NOT_PAUSED if was_on else texts.RESUMED
        text = template.format(next=local_text(plan.next_due_at, plan.tz))
    await ctx.show(text)


@button("clr")
async def on_cleared(ctx: Ctx, cb: Callback) -> None:
    await ctx.answer()
    if cb.arg(0) != "y":
        await ctx.show(texts.STAY_PAUSED)
        return
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is not None:
            user.red_flag_at = None
    await resume_plan(ctx)


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    if ctx is None:
        return
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is not None:
            plan_q.set_status(plan, status="stopped", reason="user", at=now)
            plan_q.schedule_next(plan, now=now)
    await ctx.send(texts.STOPPED if plan is not None else texts.NO_PLAN)


async def on_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.DELETE_CONFIRM, keyboards.delete_confirm())


@button("del")
async def on_delete_choice(ctx: Ctx, cb: Callback) -> None:
    await ctx.answer()
    if cb.arg(0) != "y":
        await ctx.show(texts.DELETE_CANCELLED)
        return
    async with ctx.tx() as s:
        await user_q.delete_user_everywhere(s, user_id=ctx.user_id)
    await ctx.rt.db.checkpoint()
    await ctx.show(texts.DELETED)


async def _has_plan(ctx: Ctx) -> bool:
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
    if plan is None or plan.status == "stopped":
        await ctx.send(texts.NO_PLAN)
        return False
    return True
