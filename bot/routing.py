"""Routes buttons and typed answers to the concern that owns them.

The open question lives in the database (`User.dialog`), not in the process, so any instance
can take the next update."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import Callback
from bot.runtime import Runtime, runtime

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass
class Ctx:
    update: Update
    context: ContextTypes.DEFAULT_TYPE
    rt: Runtime
    user_id: int
    chat_id: int
    first_name: str
    answered: bool = field(default=False)
    _deferred: list[Callable[[], Awaitable[object]]] | None = field(default=None)
    _open: AsyncSession | None = field(default=None)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[AsyncSession]:
        """A database transaction; what the handler says inside it goes out after the commit,
        so no transaction is held open across a Bot API call. Inside another transaction of
        the same update it joins that one: one commit per update is the cheapest there is."""
        if self._open is not None:
            yield self._open
            return
        self._deferred = []
        try:
            async with self.rt.db.session() as session:
                self._open = session
                yield session
            queued = self._deferred
        finally:
            self._deferred, self._open = None, None
        await run_all(queued, user_id=self.user_id)

    async def after_commit(self, action: Callable[[], Awaitable[object]]) -> None:
        """Run `action` now, or once the open transaction has committed."""
        if self._deferred is not None:
            self._deferred.append(action)
        else:
            await run_all([action], user_id=self.user_id)

    @classmethod
    def of(cls, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Ctx | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        return cls(update, context, runtime(context), user.id, chat.id, user.first_name or "")

    @property
    def button_message_id(self) -> int | None:
        query = self.update.callback_query
        return query.message.message_id if query and query.message else None

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        query = self.update.callback_query
        if query is None or self.answered:
            return
        self.answered = True
        await self.after_commit(lambda: query.answer(text, show_alert=alert))

    async def send(self, text: str, markup: Markup = None) -> None:
        await self.after_commit(
            lambda: self.context.bot.send_message(self.chat_id, text, reply_markup=markup)
        )

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed; after typed text, send a new one."""
        await self.after_commit(lambda: self._show(text, markup))

    async def _show(self, text: str, markup: InlineKeyboardMarkup | None) -> None:
        message_id = self.button_message_id
        if message_id is None or not await edit_message(
            self.context.bot, self.chat_id, message_id, text, markup
        ):
            await self.send(text, markup)


async def run_all(actions: list[Callable[[], Awaitable[object]]], *, user_id: int) -> None:
    """Run every action even when one fails: a toast that Telegram refused must not take the
    real reply with it. A refused call is logged; a bug still reaches the error handler once
    the rest have run."""
    bug: Exception | None = None
    for action in actions:
        try:
            await action()
        except TelegramError as exc:
            log.warning("a reply to user %s failed: %s: %s", user_id, type(exc).__name__, exc)
        except Exception as exc:  # re-raised below, after the remaining replies
            bug = bug or exc
    if bug is not None:
        raise bug


async def edit_message(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    try:
        await bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        # A double tap repeats the same edit; Telegram refuses it, and nothing is lost.
        if "not modified" in exc.message:
            return True
        if "not found" in exc.message or "can't be edited" in exc.message:
            return False
        raise
    return True


ButtonHandler = Callable[[Ctx, Callback], Awaitable[None]]
TextHandler = Callable[[Ctx, str, list[str]], Awaitable[None]]

BUTTONS: dict[str, ButtonHandler] = {}
DIALOGS: dict[str, TextHandler] = {}


def button(*actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
    def register(fn: ButtonHandler) -> ButtonHandler:
        for action in actions:
            BUTTONS[action] = fn
        return fn

    return register


def dialog(*names: str) -> Callable[[TextHandler], TextHandler]:
    """Register a typed-answer handler for a dialog; it gets the text and the dialog's args.
    It runs inside the router's transaction: its `ctx.tx()` joins it, and what it says goes
    through `ctx` (`send`, `show`, `after_commit`) so that it waits for the commit."""

    def register(fn: TextHandler) -> TextHandler:
        for name in names:
            DIALOGS[name] = fn
        return fn

    return register


def split_dialog(value: str | None) -> tuple[str, list[str]]:
    if not value:
        return "", []
    name, *args = value.split(":")
    parts = [name, *args]
    # Dialog names have two parts ("onb:time"); what follows are ids.
    return ":".join(parts[:2]), parts[2:]


def describe(update: Update) -> dict[str, Any]:
    user = update.effective_user
    return {"update_id": update.update_id, "user_id": user.id if user else None}
