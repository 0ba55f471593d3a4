"""A person who blocked the bot and comes back gets their reminders again.

The reminder sender marks a plan blocked when Telegram refuses a reminder with 403. Any update
from that person is proof they are back. Every update is checked against a set of blocked
people held in memory, refreshed from the database periodically, so that the check costs
nothing for everyone else; only a hit touches the database."""

from __future__ import annotations

import logging

from telegram import Update

from bot import texts
from bot.context import BotContext
from bot.runtime import Runtime
from bot.timefmt import local_text
from storage.queries import plans as plan_q

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0


async def refresh(rt: Runtime) -> None:
    async with rt.db.session() as s:
        rt.blocked = await plan_q.blocked_user_ids(s)


async def welcome_back(update: Update, context: BotContext) -> None:
    rt: Runtime = context.rt
    user = update.effective_user
    if user is None or user.id not in rt.blocked:
        return
    rt.blocked.discard(user.id)
    async with rt.db.session() as s:
        plan = await plan_q.unblock(s, user_id=user.id, now=rt.clock.now())
        if plan is None:
            return
        when = local_text(plan.next_due_at, plan.tz) if plan.next_due_at else texts.NO_NEXT
    log.info("user %s is back after blocking the bot; reminders resume", user.id)
    rt.metrics.inc("plans_unblocked")
    await context.bot.send_message(user.id, texts.WELCOME_BACK.format(next=when))
