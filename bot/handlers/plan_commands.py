"""/settings, /pause, /resume, /stop and /delete."""

from __future__ import annotations

from datetime import timedelta

from bot import buttons as b
from bot import keyboards, texts
from bot.handlers import onboarding, safety_checks
from bot.routing import Ctx
from bot.timefmt import local_text
from routines.numbers import parse_int
from routines.schedule import PlanReason, PlanStatus
from storage.queries import plans as plan_q
from storage.queries import users as user_q

MAX_PAUSE_DAYS = 90


async def on_settings(ctx: Ctx) -> None:
    await onboarding.settings_command(ctx)


async def on_pause(ctx: Ctx) -> None:
    days = parse_int((ctx.context.args or [""])[0], low=1, high=MAX_PAUSE_DAYS)
    if days is not None:
        await _pause(ctx, days)
    elif await _has_plan(ctx):
        await ctx.send(texts.PAUSE_HOW_LONG, keyboards.pause_choices())


async def on_pause_choice(ctx: Ctx, pressed: b.PauseFor) -> None:
    days = pressed.days
    if days > MAX_PAUSE_DAYS:
        return await ctx.answer(texts.STALE_BUTTON)
    await ctx.answer()
    await _pause(ctx, days)


async def _pause(ctx: Ctx, days: int) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is None or plan.status == PlanStatus.STOPPED:
            await ctx.send(texts.NO_PLAN)
            return
        if plan_q.safety_paused(plan):
            await ctx.send(texts.SAFETY_PAUSE_STAYS)
            return
        if days:
            plan_q.set_status(
                plan,
                status=PlanStatus.ACTIVE,
                reason=None,
                at=now,
                until=now + timedelta(days=days),
            )
        else:
            plan_q.set_status(plan, status=PlanStatus.PAUSED, reason=PlanReason.USER, at=now)
        plan_q.schedule_next(plan, now=now)
        until = local_text(plan.paused_until, plan.tz) if days else None
    await ctx.show(texts.PAUSED.format(until=texts.until_text(until)))


async def on_resume(ctx: Ctx) -> None:
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if plan is None or user is None:
            await ctx.send(texts.NO_PLAN)
            return
        if user.red_flag_at is not None or plan_q.safety_paused(plan):
            why = texts.resume_question(plan.status_reason)
            await ctx.send(why, keyboards.cleared())
            return
    await resume_plan(ctx)


async def resume_plan(ctx: Ctx) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is None:
            await ctx.send(texts.NO_PLAN)
            return
        was_on = plan.status == PlanStatus.ACTIVE and not plan.paused_until
        plan_q.set_status(plan, status=PlanStatus.ACTIVE, reason=None, at=now)
        plan_q.schedule_next(plan, now=now)
        template = texts.NOT_PAUSED if was_on else texts.RESUMED
        text = template.format(next=local_text(plan.next_due_at, plan.tz))
    await ctx.show(text)


async def on_cleared(ctx: Ctx, pressed: b.Cleared) -> None:
    """Seen or cleared: the red-flag screen comes again before the pause lifts (row lift)."""
    await ctx.answer()
    if not pressed.yes:
        await ctx.show(texts.STAY_PAUSED)
        return
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if user is None:
            return await ctx.show(texts.NO_PLAN)
        paused = plan is not None and plan_q.safety_paused(plan)
        if user.red_flag_at is None and not paused:
            # An old "Yes" after the pause was lifted: nothing to lift, no level to reset.
            return await resume_plan(ctx)
        text, markup = safety_checks.ask_screen_again(user)
    await ctx.show(text, markup)


async def on_stop(ctx: Ctx) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is not None:
            plan_q.set_status(plan, status=PlanStatus.STOPPED, reason=PlanReason.USER, at=now)
            plan_q.schedule_next(plan, now=now)
    await ctx.send(texts.STOPPED if plan is not None else texts.NO_PLAN)


async def on_delete(ctx: Ctx) -> None:
    await ctx.send(texts.DELETE_CONFIRM, keyboards.delete_confirm())


async def on_delete_choice(ctx: Ctx, pressed: b.DeleteConfirm) -> None:
    await ctx.answer()
    if not pressed.yes:
        await ctx.show(texts.DELETE_CANCELLED)
        return
    async with ctx.tx() as s:
        await user_q.delete_user_everywhere(s, user_id=ctx.user_id)
    await ctx.rt.db.checkpoint()
    await ctx.show(texts.DELETED)


async def _has_plan(ctx: Ctx) -> bool:
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
    if plan is None or plan.status == PlanStatus.STOPPED:
        await ctx.send(texts.NO_PLAN)
        return False
    return True
