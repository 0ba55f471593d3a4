"""The red-flag screen: at onboarding, every 4 weeks with a reminder, and on /redflags."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from bot import buttons as b
from bot import keyboards, texts
from bot.handlers import onboarding
from bot.routing import Ctx
from bot.session_engine import Turn
from routines import session as machine
from routines.safety import Answer, Phase, Reason, decide
from routines.schedule import PlanReason, PlanStatus
from storage.models import CheckIn, Plan, User
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

ORIGINS = {b.Origin.ONBOARDING: "screen", b.Origin.CHECK: "redflags"}


async def on_redflags(ctx: Ctx) -> None:
    await ctx.send(texts.RED_FLAG_QUESTION, keyboards.red_flags(b.Origin.CHECK))


async def on_answer(ctx: Ctx, pressed: b.RedFlags) -> None:
    origin, red_flag = pressed.origin, pressed.yes
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None:
            return await _unknown(ctx, red_flag=red_flag)
        if origin is b.Origin.ONBOARDING and user.dialog != "onb:screen":
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        plan = await plan_q.get_plan(s, user_id=user.id)
        _record(s, user, plan, origin=origin, red_flag=red_flag, now=now)
        user.screened_at = now
        if red_flag:
            await _urgent(ctx, s, user, plan, now)
            return
        if plan is not None:
            plan.redflag_checked_at = now
        if origin is b.Origin.ONBOARDING:
            await onboarding.after_screen(ctx, user)
        elif user.red_flag_at is not None:
            # An earlier "yes" still stands until a professional has cleared the person.
            await ctx.show(texts.RED_FLAG_CLEAR_STILL_PAUSED)
        else:
            await ctx.show(texts.RED_FLAG_CLEAR)


def _record(
    s: Any, user: User, plan: Plan | None, *, origin: b.Origin, red_flag: bool, now: datetime
) -> None:
    """Store the answer with the safety rules' decision, like every other check-in."""
    level = plan.level if plan else None
    # Before a plan exists there is no level; the red-flag rule does not read it anyway.
    answer = Answer(Phase.BEFORE, red_flag=red_flag)
    decision = decide(answer, baseline_pain=None, history=(), level=level or 1)
    s.add(
        CheckIn(
            user_id=user.id,
            phase=ORIGINS[origin],
            red_flag=red_flag,
            action=decision.action.value,
            reason=decision.reason.value,
            level_before=level,
            level_after=level,
            created_at=now,
        )
    )


async def _unknown(ctx: Ctx, *, red_flag: bool) -> None:
    """Someone with no data here (never started, or erased): the advice, and nothing stored."""
    if not red_flag:
        return await ctx.answer(texts.DATA_GONE, alert=True)
    await ctx.answer()
    await ctx.show(texts.URGENT_CARE)


async def _urgent(ctx: Ctx, s: Any, user: User, plan: Plan | None, now: datetime) -> None:
    """Urgent care, not stretching: pause the plan, end any session, withdraw a level up."""
    user.red_flag_at = now
    user_q.set_dialog(user, dialog=None, draft={})
    if plan is not None:
        plan_q.set_status(plan, status=PlanStatus.PAUSED, reason=PlanReason.RED_FLAG, at=now)
        plan_q.schedule_next(plan, now=now)
        plan.offer_up_pending = False
    for row in await session_q.open_sessions(s, user_id=user.id):
        turn = Turn(ctx.rt, s, row, user, now)
        await turn.play(machine.Abandon(Reason.RED_FLAG.value))
        await ctx.after_commit(partial(turn.deliver_all, ctx.context.bot, ctx.chat_id))
    ctx.rt.metrics.inc("red_flags")
    await ctx.show(texts.URGENT_CARE)
