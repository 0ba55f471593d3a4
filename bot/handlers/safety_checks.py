"""The red-flag screen: at onboarding, every 4 weeks with a reminder, and on /redflags."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.callbacks import Callback
from bot.handlers import onboarding
from bot.routing import Ctx, button
from storage.models import CheckIn
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

ORIGINS = {"onb": "screen", "chk": "redflags"}


async def on_redflags(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.RED_FLAG_QUESTION, keyboards.red_flags("chk"))


@button("rf")
async def on_answer(ctx: Ctx, cb: Callback) -> None:
    origin, answer = cb.arg(0), cb.arg(1)
    if origin not in ORIGINS or answer not in {"y", "n"}:
        return await ctx.answer(texts.STALE_BUTTON)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        user = await user_q.get_or_create_user(
            s, user_id=ctx.user_id, chat_id=ctx.chat_id, first_name=ctx.first_name
        )
        if origin == "onb" and user.dialog != "onb:screen":
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        s.add(
            CheckIn(user_id=user.id, phase=ORIGINS[origin], red_flag=answer == "y", created_at=now)
        )
        user.screened_at = now
        plan = await plan_q.get_plan(s, user_id=user.id)
        if answer == "y":
            user.red_flag_at = now
            user_q.set_dialog(user, dialog=None, draft={})
            if plan is not None:
                plan_q.set_status(plan, status="paused", reason="red_flag", at=now)
                plan_q.schedule_next(plan, now=now)
            await session_q.end_open_sessions(s, user_id=user.id, reason="red_flag", at=now)
            ctx.rt.metrics.inc("red_flags")
            await ctx.show(texts.URGENT_CARE)
            return
        if plan is not None:
            plan.redflag_checked_at = now
        if origin == "onb":
            await onboarding.after_screen(ctx, user)
        else:
            await ctx.show(texts.RED_FLAG_CLEAR)
