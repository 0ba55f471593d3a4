"""Check-ins before, during and after a session: pain, tingling and the nerve check."""

from __future__ import annotations

from bot import keyboards, texts
from bot.callbacks import ID_MAX, Callback
from bot.handlers.session_flow import play, refuse
from bot.routing import Ctx, button, dialog
from routines import session as machine
from routines.numbers import parse_int
from routines.safety import PAIN_MAX, Phase, Tingling
from storage.queries import users as user_q

PHASES = {"b": Phase.BEFORE, "d": Phase.DURING, "a": Phase.AFTER}
# Asked again, under the hint, after a typed answer that is not a pain score.
PAIN_QUESTION = {"b": texts.PAIN_BEFORE, "d": texts.PAIN_DURING, "a": texts.PAIN_DURING}


@button("p")
async def on_pain_button(ctx: Ctx, cb: Callback) -> None:
    await _pain(ctx, cb.int_arg(0), cb.arg(1), cb.int_arg(2))


@dialog("ci:pain")
async def on_pain_text(ctx: Ctx, text: str, args: list[str]) -> None:
    value = parse_int(text, high=PAIN_MAX)
    session_id = parse_int(args[0], high=ID_MAX) if args else None
    phase = args[1] if len(args) > 1 else ""
    if value is None:
        question = PAIN_QUESTION.get(phase, texts.PAIN_DURING)
        await ctx.send(f"{texts.BAD_PAIN}\n\n{question}", keyboards.pain(session_id or 0, phase))
        return
    await _pain(ctx, session_id, phase, value)


@dialog("ci:tingle")
async def on_tingle_text(ctx: Ctx, text: str, args: list[str]) -> None:
    session_id = (parse_int(args[0], high=ID_MAX) if args else None) or 0
    await ctx.send(
        texts.BAD_CHOICE, keyboards.tingling(session_id, args[1] if len(args) > 1 else "b")
    )


async def _pain(ctx: Ctx, session_id: int | None, phase: str, value: int | None) -> None:
    if session_id is None or phase not in PHASES or value is None or value > PAIN_MAX:
        return await refuse(ctx, texts.STALE_BUTTON)
    await play(ctx, session_id, machine.PainAnswered(PHASES[phase], value))


@button("t")
async def on_tingling(ctx: Ctx, cb: Callback) -> None:
    session_id, phase = cb.int_arg(0), PHASES.get(cb.arg(1))
    tingling = cb.arg(2)
    if session_id is None or phase is None or tingling not in set(Tingling):
        return await ctx.answer(texts.STALE_BUTTON)
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        pain = user_q.read_draft(user).get("pain") if user else None
        event = machine.TinglingAnswered(
            phase, Tingling(tingling), pain if isinstance(pain, int) else None
        )
        await play(ctx, session_id, event)


@button("dq")
async def on_quick(ctx: Ctx, cb: Callback) -> None:
    session_id, choice = cb.int_arg(0), cb.arg(1)
    if session_id is None or choice not in set(machine.NerveChoice):
        return await ctx.answer(texts.STALE_BUTTON)
    await play(ctx, session_id, machine.NerveChecked(machine.NerveChoice(choice)))
