"""Commands, the typed-text router, and answers to anything unexpected."""

from __future__ import annotations

import logging

from bot import buttons, keyboards, texts
from bot.handlers import onboarding
from bot.routing import Ctx, split_dialog
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)


async def on_start(ctx: Ctx) -> None:
    await onboarding.start(ctx)


async def on_help(ctx: Ctx) -> None:
    await ctx.send(texts.HELP)


async def on_learn(ctx: Ctx) -> None:
    await ctx.send(learn_card(0), keyboards.learn(0))


async def on_learn_card(ctx: Ctx, pressed: buttons.LearnCard) -> None:
    if not 0 <= pressed.index < len(texts.LEARN_CARDS):
        return await ctx.answer(texts.STALE_BUTTON)
    await ctx.answer()
    await ctx.show(learn_card(pressed.index), keyboards.learn(pressed.index))


def learn_card(index: int) -> str:
    title, body = texts.LEARN_CARDS[index]
    total = len(texts.LEARN_CARDS)
    return texts.LEARN_TITLE.format(title=title, number=index + 1, total=total) + "\n\n" + body


async def on_unknown_command(ctx: Ctx) -> None:
    await ctx.send(texts.UNKNOWN_COMMAND)


async def on_button(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    if query is None:
        return
    routes = ctx.rt.routes
    pressed = buttons.unpack(query.data, tuple(routes.buttons))
    if pressed is None:
        await ctx.answer(texts.STALE_BUTTON)
        return
    if type(pressed) not in routes.anyone and not await _known(ctx):
        # Only /start creates a person: an old button must not bring an erased one back.
        await ctx.answer(texts.DATA_GONE, alert=True)
        return
    await routes.buttons[type(pressed)](ctx, pressed)
    await ctx.answer()


async def _known(ctx: Ctx) -> bool:
    async with ctx.tx() as s:
        return await user_q.get_user(s, user_id=ctx.user_id) is not None


async def on_text(ctx: Ctx) -> None:
    message = ctx.update.effective_message
    if message is None or message.text is None:
        return
    # The dialog's handler joins this transaction: one commit for the whole answer.
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        name, args = split_dialog(user.dialog if user else None)
        handler = ctx.rt.routes.dialogs.get(name)
        if handler is not None:
            await handler(ctx, message.text.strip()[:200], args)
        elif user is not None and await session_q.get_open(s, user_id=ctx.user_id) is not None:
            await ctx.send(texts.IN_SESSION)
        else:
            await ctx.send(texts.hint_for(name, has_user=user is not None))


async def on_location(ctx: Ctx) -> None:
    message = ctx.update.effective_message
    if message is None or message.location is None:
        return
    await onboarding.on_location(ctx, message.location.latitude, message.location.longitude)


async def on_other(ctx: Ctx) -> None:
    """Stickers, photos, voice, edits: a short, friendly pointer to what works."""
    await ctx.send(texts.ONLY_TEXT)


async def on_edited(ctx: Ctx) -> None:
    """An edit is not a new answer: acting on it could change an answer already saved."""
    await ctx.send(texts.EDIT_IGNORED)
