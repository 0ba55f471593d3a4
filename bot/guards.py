"""Updates the bot refuses before any handler sees them: a coach is one-to-one."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.context import BotContext
from bot.ops import data_file_intact

log = logging.getLogger(__name__)


async def database_intact(update: Update, context: BotContext) -> None:
    """Once the database file is gone, nothing more is written into the deleted file."""
    if not await data_file_intact(context.app):
        raise ApplicationHandlerStop


async def one_to_one(update: Update, context: BotContext) -> None:
    """Only a person's own private chat gets through.

    In a private chat the chat id is the person's id. An update that says otherwise is
    forged: answering it would send one person's data to another's chat. A button pressed
    in a group would edit a person's plan into the group, so it gets a toast and no more."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if chat.type != ChatType.PRIVATE:
        if update.callback_query is not None:
            await _toast(update, texts.PRIVATE_ONLY)
        raise ApplicationHandlerStop
    if chat.id != user.id:
        log.warning(
            "dropped update %s: user %s in private chat %s", update.update_id, user.id, chat.id
        )
        raise ApplicationHandlerStop


async def _toast(update: Update, text: str) -> None:
    query = update.callback_query
    assert query is not None, "only a button press has a toast"
    try:
        await query.answer(text)
    except TelegramError as exc:
        log.warning("could not answer a button from a group: %s", exc)
