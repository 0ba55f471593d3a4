"""The reminder's buttons: snooze 30 minutes, skip today, and the four-weekly safety check."""

from __future__ import annotations

from datetime import timedelta

from bot import buttons as b
from bot import keyboards, texts
from bot.routing import Ctx
from bot.timefmt import clock_text, local_text
from routines.schedule import PlanStatus
from storage.models import DeliveryStatus
from storage.queries import deliveries as delivery_q
from storage.queries import plans as plan_q

SNOOZE = timedelta(minutes=30)


async def on_snooze(ctx: Ctx, pressed: b.Snooze) -> None:
    await _reminder_choice(ctx, pressed.delivery_id, snooze=True)


async def on_skip_today(ctx: Ctx, pressed: b.SkipToday) -> None:
    await _reminder_choice(ctx, pressed.delivery_id, snooze=False)


async def _reminder_choice(ctx: Ctx, delivery_id: int, *, snooze: bool) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        delivery = await delivery_q.get_owned(s, delivery_id=delivery_id, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if delivery is None or plan is None or plan.status != PlanStatus.ACTIVE:
            return await ctx.answer(texts.STALE_BUTTON)
        if snooze:
            plan.snooze_due_at = now + SNOOZE
            text = texts.SNOOZED.format(at=clock_text(plan.snooze_due_at, plan.tz))
        else:
            delivery.status = DeliveryStatus.SKIPPED
            plan.snooze_due_at = None
            text = texts.SKIPPED_TODAY.format(next=local_text(plan.next_due_at, plan.tz))
    await ctx.answer()
    await ctx.show(text)


async def on_redflag_check(ctx: Ctx, pressed: b.RedFlagCheck) -> None:
    await ctx.answer()
    await ctx.send(texts.RED_FLAG_QUESTION, keyboards.red_flags(b.Origin.CHECK))
