"""The reminder's buttons: snooze 30 minutes, skip today, and the four-weekly safety check."""

from __future__ import annotations

from datetime import timedelta

from bot import keyboards, texts
from bot.callbacks import Callback
from bot.routing import Ctx, button
from bot.timefmt import clock_text, local_text
from storage.queries import deliveries as delivery_q
from storage.queries import plans as plan_q

SNOOZE = timedelta(minutes=30)


@button("sn", "sk")
async def on_reminder_choice(ctx: Ctx, cb: Callback) -> None:
    delivery_id = cb.int_arg(0)
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        delivery = None
        if delivery_id is not None:
            delivery = await delivery_q.get_owned(s, delivery_id=delivery_id, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if delivery is None or plan is None or plan.status != "active":
            return await ctx.answer(texts.STALE_BUTTON)
        if cb.action == "sn":
            plan.snooze_due_at = now + SNOOZE
            text = texts.SNOOZED.format(at=clock_text(plan.snooze_due_at, plan.tz))
        else:
            delivery.status = "skipped"
            plan.snooze_due_at = None
            text = texts.SKIPPED_TODAY.format(next=local_text(plan.next_due_at, plan.tz))
    await ctx.answer()
    await ctx.show(text)


@button("rq")
async def on_redflag_check(ctx: Ctx, cb: Callback) -> None:
    await ctx.answer()
    await ctx.send(texts.RED_FLAG_QUESTION, keyboards.red_flags("chk"))
