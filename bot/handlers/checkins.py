"""Check-ins before, during and after a session: pain, tingling and the nerve check."""

from __future__ import annotations

from bot import buttons as b
from bot import keyboards, texts
from bot.handlers.session_flow import play, refuse
from bot.routing import Ctx
from routines import session as machine
from routines.numbers import parse_int
from routines.safety import PAIN_MAX
from storage.queries import users as user_q

# Asked again, under the hint, after a typed answer that is not a pain score.
PAIN_QUESTION = {
    b.Moment.BEFORE: texts.PAIN_BEFORE,
    b.Moment.DURING: texts.PAIN_DURING,
    b.Moment.AFTER: texts.PAIN_DURING,
}


async def on_pain_button(ctx: Ctx, pressed: b.Pain) -> None:
    await _pain(ctx, pressed.session_id, pressed.moment, pressed.pain)


def _dialog_args(args: list[str]) -> tuple[int | None, b.Moment | None]:
    """The session id and the moment a check-in dialog names ("ci:pain:12:b")."""
    session_id = parse_int(args[0], high=b.ID_MAX) if args else None
    moment = args[1] if len(args) > 1 else ""
    return session_id, b.Moment(moment) if moment in set(b.Moment) else None


async def on_pain_text(ctx: Ctx, text: str, args: list[str]) -> None:
    value = parse_int(text, high=PAIN_MAX)
    session_id, moment = _dialog_args(args)
    if session_id is None or moment is None:
        return await refuse(ctx, texts.STALE_BUTTON)
    if value is None:
        question = PAIN_QUESTION[moment]
        await ctx.send(f"{texts.BAD_PAIN}\n\n{question}", keyboards.pain(session_id, moment))
        return
    await _pain(ctx, session_id, moment, value)


async def on_tingle_text(ctx: Ctx, text: str, args: list[str]) -> None:
    session_id, moment = _dialog_args(args)
    if session_id is None or moment is None:
        return await refuse(ctx, texts.STALE_BUTTON)
    await ctx.send(texts.BAD_CHOICE, keyboards.tingling(session_id, moment))


async def on_text_in_session(ctx: Ctx, text: str, args: list[str]) -> None:
    await ctx.send(texts.BAD_CHOICE)


async def _pain(ctx: Ctx, session_id: int, moment: b.Moment, value: int) -> None:
    if value > PAIN_MAX:
        return await refuse(ctx, texts.STALE_BUTTON)
    await play(ctx, session_id, machine.PainAnswered(moment.phase, value))


async def on_tingling(ctx: Ctx, pressed: b.TinglingAnswer) -> None:
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        pain = user_q.read_draft(user).get("pain") if user else None
        event = machine.TinglingAnswered(
            pressed.moment.phase, pressed.tingling, pain if isinstance(pain, int) else None
        )
        await play(ctx, pressed.session_id, event)


async def on_sharp(ctx: Ctx, pressed: b.SharpPain) -> None:
    await play(ctx, pressed.session_id, machine.SharpPain())


async def on_quick(ctx: Ctx, pressed: b.NerveCheck) -> None:
    await play(ctx, pressed.session_id, machine.NerveChecked(pressed.choice))
