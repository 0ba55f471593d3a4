"""The level-up offer and the next-day question: answers that come after a session."""

from __future__ import annotations

from bot import buttons as b
from bot import decisions, keyboards, texts
from bot.handlers import session_flow
from bot.routing import Ctx
from routines import progress
from routines.safety import (
    PAUSING,
    PLAN_PAUSE,
    SETBACK_WINDOW,
    Answer,
    Known,
    LevelMove,
    NextDay,
    Phase,
    decide,
)
from storage.queries import mornings as morning_q
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q


async def on_offer_up(ctx: Ctx, pressed: b.LevelUp) -> None:
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if plan is not None:
            # Two quick taps on "Step up" must not step up twice.
            await s.refresh(plan, with_for_update=True)
        row = await session_q.get_owned(s, session_id=pressed.session_id, user_id=ctx.user_id)
        if plan is None or row is None or not plan.offer_up_pending:
            return await ctx.answer(texts.STALE_BUTTON)
        plan.offer_up_pending = False
        top = ctx.rt.catalog.get(plan.routine_id).top_level
        if pressed.accept:
            new_level = progress.apply(plan.level, LevelMove.OFFER_UP, top_level=top, accepted=True)
            await plan_q.change_level(s, plan=plan, level=new_level, reason="good_streak", at=now)
            text = texts.STEPPED_UP.format(level=new_level, top=top)
        else:
            text = texts.STAYED.format(level=plan.level)
    await ctx.answer()
    await ctx.send(text)


async def on_next_day(ctx: Ctx, pressed: b.NextDayAnswer) -> None:
    """The answer to the next-morning check (bot/morning_checks.py)."""
    session_id = pressed.session_id
    now = ctx.rt.clock.now()
    async with ctx.tx() as s:
        row = await session_q.get_owned(s, session_id=session_id, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if (
            row is None
            or plan is None
            or not await morning_q.answerable(s, user_id=ctx.user_id, session_id=session_id)
        ):
            return await ctx.answer(texts.STALE_BUTTON)
        answer = Answer(Phase.NEXT_DAY, next_day=pressed.answer)
        known = Known(
            history=await session_q.history(s, user_id=ctx.user_id, before_id=row.id),
            level=plan.level,
            gentlest_setbacks=await session_q.gentlest_setbacks(
                s, user_id=ctx.user_id, since=now - SETBACK_WINDOW, besides=row.id
            ),
        )
        decision = decide(answer, known)
        top = ctx.rt.catalog.get(plan.routine_id).top_level
        earlier = await session_q.checkins_of(s, session_id=row.id)
        new_level = await decisions.record(
            s, row, plan, answer, decision, level=plan.level, top=top, at=now, earlier=earlier
        )
        if decision.action in PAUSING:
            plan_q.pause_for(plan, reason=PLAN_PAUSE[decision.reason], at=now)
        note = decisions.explain(decision, row, answer, new_level, top)
        user = await user_q.get_user(s, user_id=ctx.user_id)
        asked_by_now = user is not None and user.dialog == session_flow.MORNING_DIALOG
        if asked_by_now and user is not None:
            user_q.set_dialog(user, dialog=None, draft={})
    markup = keyboards.flare_up() if pressed.answer is NextDay.WORSE else None
    await ctx.answer()
    await ctx.show(f"{texts.NEXT_DAY_THANKS} {note}".strip(), markup)
    if asked_by_now and decision.action not in PAUSING:
        await session_flow.start_session(ctx, fresh=True)
