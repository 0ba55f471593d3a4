"""Commands, the typed-text router, and answers to anything unexpected."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.callbacks import unpack
from bot.handlers import onboarding
from bot.routing import BUTTONS, DIALOGS, Ctx, split_dialog
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)

# The red-flag check answers anyone who has it, known or not: its advice must always arrive.
WITHOUT_A_PERSON = frozenset({"rf"})


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await onboarding.start(ctx)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.HELP)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.UNKNOWN_COMMAND)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    query = update.callback_query
    if ctx is None or query is None:
        return
    callback = unpack(query.data)
    handler = BUTTONS.get(callback.action) if callback else None
    if callback is None or handler is None:
        await ctx.answer(texts.STALE_BUTTON)
        return
    if callback.action not in WITHOUT_A_PERSON and not await _known(ctx):
        # Only /start creates a person: an old button must not bring an erased one back.
        await ctx.answer(texts.DATA_GONE, alert=True)
        return
    await handler(ctx, callback)
    await ctx.answer()


async def _known(ctx: Ctx) -> bool:
    async with ctx.tx() as s:
        return await user_q.get_user(s, user_id=ctx.user_id) is not None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    message = update.effective_message
    if ctx is None or message is None or message.text is None:
        return
    # The dialog's handler joins this transaction: one commit for the whole answer.
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        name, args = split_dialog(user.dialog if user else None)
        handler = DIALOGS.get(name)
        if handler is not None:
            await handler(ctx, message.text.strip()[:200], args)
        elif user is not None and await session_q.get_open(s, user_id=ctx.user_id) is not None:
            await ctx.send(texts.IN_SESSION)
        else:
            await ctx.send(texts.hint_for(name, has_user=user is not None))


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    ctx = Ctx.of(update, context)
    message = update.effective_message
    if ctx is None or message is None or message.location is None:
        return
    await onboarding.on_location(ctx, message.location.latitude, message.location.longitude)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, edits: a short, friendly pointer to what works."""
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.ONLY_TEXT)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edit is not a new answer: acting on it could change an answer already saved."""
    if ctx := Ctx.of(update, context):
        await ctx.send(texts.EDIT_IGNORED)
