"""The red-flag screen in two tiers (at onboarding, every 4 weeks, on /redflags, after new
numbness, and before a safety pause is lifted), pain in both legs, and /flareup. The rules
are rows of routines/safety.py."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from bot import buttons as b
from bot import keyboards, texts
from bot.handlers import onboarding
from bot.routing import Ctx
from bot.session_engine import Turn
from bot.timefmt import local_text
from routines import session as machine
from routines.plan import PainSide
from routines.safety import PLAN_PAUSE, Answer, Flag, Phase, Reason, decide
from routines.schedule import PlanStatus
from storage.models import CheckIn, Plan, User
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

# How each origin's answers are stored, as a check-in's phase.
ORIGINS = {b.Origin.ONBOARDING: "screen", b.Origin.CHECK: "redflags", b.Origin.LIFT: "lift"}
# The dialog an origin's screen belongs to; the check is open to anyone at any time.
DIALOGS = {b.Origin.ONBOARDING: "onb:screen", b.Origin.LIFT: "lift:screen"}
TOLD = {Flag.EMERGENCY: texts.URGENT_CARE, Flag.URGENT: texts.SEE_GP_TODAY}


async def on_redflags(ctx: Ctx) -> None:
    await ctx.send(texts.RED_FLAG_QUESTION, keyboards.red_flags(b.Origin.CHECK))


async def on_flareup(ctx: Ctx) -> None:
    await ctx.send(texts.FLARE_UP)


async def on_flareup_button(ctx: Ctx, pressed: b.FlareUp) -> None:
    await ctx.answer()
    await ctx.send(texts.FLARE_UP)


async def on_answer(ctx: Ctx, pressed: b.RedFlags) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None:
            return await _unknown(ctx, pressed)
        wanted = DIALOGS.get(pressed.origin)
        draft = user_q.read_draft(user)
        # A screen asked in a dialog is answered in order: the second list only after the first.
        at_second = draft.get("tier") == Flag.URGENT.value
        if wanted is not None and (
            user.dialog != wanted or at_second != (pressed.tier is Flag.URGENT)
        ):
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        if pressed.tier is Flag.EMERGENCY and not pressed.yes:
            if wanted is not None:
                user_q.set_dialog(user, dialog=wanted, draft={**draft, "tier": Flag.URGENT.value})
            return await _second_list(ctx, pressed.origin)
        plan = await plan_q.get_plan(s, user_id=user.id)
        flag = pressed.tier if pressed.yes else None
        reason = record(s, user, plan, phase=ORIGINS[pressed.origin], flag=flag, now=now)
        user.screened_at = now
        if flag is not None:
            return await flagged(ctx, s, user, plan, reason, flag, now)
        if plan is not None:
            plan.redflag_checked_at = now
        await _clear(ctx, s, user, plan, pressed.origin, now)


async def _clear(
    ctx: Ctx, s: Any, user: User, plan: Plan | None, origin: b.Origin, now: datetime
) -> None:
    """Both lists answered no."""
    if origin is b.Origin.ONBOARDING:
        await onboarding.after_screen(ctx, user)
    elif origin is b.Origin.LIFT:
        await _lift(ctx, s, user, plan, now)
    elif user.red_flag_at is not None or (plan is not None and plan_q.safety_paused(plan)):
        # An earlier answer still stands until the person says they have been seen.
        await ctx.show(texts.RED_FLAG_CLEAR_STILL_PAUSED)
    else:
        await ctx.show(texts.RED_FLAG_CLEAR)


async def _lift(ctx: Ctx, s: Any, user: User, plan: Plan | None, now: datetime) -> None:
    """The safety pause ends: level 1 again, reminders on (routines/safety.py, row lift)."""
    user.red_flag_at = None
    user_q.set_dialog(user, dialog=None, draft={})
    if plan is None:
        return await ctx.show(texts.RED_FLAG_CLEAR)
    await plan_q.change_level(s, plan=plan, level=1, reason=Reason.LIFT.value, at=now)
    plan_q.set_status(plan, status=PlanStatus.ACTIVE, reason=None, at=now)
    plan_q.schedule_next(plan, now=now)
    next_text = local_text(plan.next_due_at, plan.tz) if plan.next_due_at else texts.NO_NEXT
    await ctx.show(texts.LIFTED.format(next=next_text))


def record(
    s: Any, user: User, plan: Plan | None, *, phase: str, flag: Flag | None, now: datetime
) -> Reason:
    """Store the answer with the rules' decision, like every other check-in."""
    level = plan.level if plan else None
    decision = decide(Answer(Phase.BEFORE, flag=flag))
    s.add(
        CheckIn(
            user_id=user.id,
            phase=phase,
            red_flag=flag is not None,
            action=decision.action.value,
            reason=decision.reason.value,
            level_before=level,
            level_after=level,
            created_at=now,
        )
    )
    return decision.reason


async def _unknown(ctx: Ctx, pressed: b.RedFlags) -> None:
    """Someone with no data here (never started, or erased): the advice, and nothing stored."""
    if pressed.yes:
        await ctx.answer()
        return await ctx.show(TOLD[pressed.tier])
    if pressed.tier is Flag.EMERGENCY and pressed.origin is b.Origin.CHECK:
        await ctx.answer()
        return await _second_list(ctx, pressed.origin)
    await ctx.answer(texts.DATA_GONE, alert=True)


async def _second_list(ctx: Ctx, origin: b.Origin) -> None:
    """No to the emergency list: on to the urgent one, in place."""
    await ctx.show(texts.RED_FLAG_QUESTION_URGENT, keyboards.red_flags(origin, Flag.URGENT))


async def flagged(
    ctx: Ctx, s: Any, user: User, plan: Plan | None, reason: Reason, flag: Flag, now: datetime
) -> None:
    """Care, not stretching: pause the plan, end any session, withdraw a level up. Tier 1
    sends the person to A&E or 999, tier 2 to an urgent GP appointment or 111."""
    user.red_flag_at = now
    user_q.set_dialog(user, dialog=None, draft={})
    if plan is not None:
        plan_q.pause_for(plan, reason=PLAN_PAUSE[reason], at=now)
    for row in await session_q.open_sessions(s, user_id=user.id):
        turn = Turn(ctx.rt, s, row, user, now)
        await turn.play(machine.Abandon(reason.value))
        await ctx.after_commit(partial(turn.deliver_all, ctx.context.bot, ctx.chat_id))
    ctx.rt.metrics.inc("red_flags" if flag is Flag.EMERGENCY else "red_flags_urgent")
    await ctx.show(TOLD[flag])


async def on_both_legs(ctx: Ctx, pressed: b.BothLegs) -> None:
    """Pain in both legs, new or getting worse, is a tier-1 sign (row both_legs)."""
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None or user.dialog != "onb:bothlegs":
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        if not pressed.new:
            return await onboarding.side_chosen(ctx, s, user, PainSide.BOTH)
        plan = await plan_q.get_plan(s, user_id=user.id)
        record(s, user, plan, phase="bothlegs", flag=Flag.EMERGENCY, now=now)
        await flagged(ctx, s, user, plan, Reason.BOTH_LEGS, Flag.EMERGENCY, now)


def ask_screen_again(user: User) -> tuple[str, Any]:
    """Before a safety pause is lifted: the whole screen again (row lift)."""
    user_q.set_dialog(user, dialog=DIALOGS[b.Origin.LIFT], draft={})
    text = f"{texts.LIFT_SCREEN}\n\n{texts.RED_FLAG_QUESTION}"
    return text, keyboards.red_flags(b.Origin.LIFT)
