"""Routes buttons and typed answers to the concern that owns them.

The open question lives in the database (`User.dialog`), not in the process, so any instance
can take the next update."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.warnings import PTBUserWarning

from bot.buttons import Button
from bot.context import BotContext
from bot.runtime import Runtime

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass
class Ctx:
    update: Update
    context: BotContext
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
    def of(cls, update: Update, context: BotContext) -> Ctx | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        return cls(update, context, context.rt, user.id, chat.id, user.first_name or "")

    @property
    def button_message_id(self) -> int | None:
        query = self.update.callback_query
        return query.message.message_id if query and query.message else None

    @property
    def button_on_photo(self) -> bool:
        """The pressed button is under a photo, whose caption is edited rather than its text."""
        query = self.update.callback_query
        message = query.message if query else None
        return isinstance(message, Message) and bool(message.photo)

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
        message_id, bot = self.button_message_id, self.context.bot
        if message_id is not None and self.button_on_photo:
            # A photo (a routine's preview) cannot become text: a new message replaces it.
            await clear_buttons(bot, self.chat_id, message_id)
        elif message_id is not None and await edit_message(
            bot, self.chat_id, message_id, text, markup
        ):
            return
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
    *,
    caption: bool = False,
) -> bool:
    """Edit a message's text, or a photo's caption; False when it is gone or too old."""
    try:
        if caption:
            await bot.edit_message_caption(chat_id, message_id, caption=text, reply_markup=markup)
        else:
            await bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        # A double tap repeats the same edit; Telegram refuses it, and nothing is lost.
        if "not modified" in exc.message:
            return True
        if "not found" in exc.message or "can't be edited" in exc.message:
            return False
        raise
    return True


async def clear_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take the buttons off a message that another one replaces, where it cannot be edited
    into the new one (a photo into text); losing this edit loses nothing."""
    try:
        # Straight to the method (no reply_markup: none), since PTB's edit_message_reply_markup
        # also sends a parse_mode, a parameter this method does not have; PTB warns that its
        # own method exists.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)
            await bot.do_api_request(
                "editMessageReplyMarkup",
                api_kwargs={"chat_id": chat_id, "message_id": message_id},
            )
    except BadRequest as exc:
        log.info("could not clear the buttons of message %s: %s", message_id, exc)


CtxHandler = Callable[[Ctx], Awaitable[None]]
ButtonHandler = Callable[[Ctx, Any], Awaitable[None]]
TextHandler = Callable[[Ctx, str, list[str]], Awaitable[None]]
B = TypeVar("B", bound=Button)


class ButtonTable(dict[type[Button], ButtonHandler]):
    """Button kinds and their handlers; `on` lets mypy check that a handler takes its kind."""

    def on(self, kind: type[B], handler: Callable[[Ctx, B], Awaitable[None]]) -> ButtonTable:
        # Two kinds on one prefix would each parse the other's buttons, or neither.
        taken = next((k for k in self if k.PREFIX == kind.PREFIX), None)
        if taken is not None:
            raise ValueError(f"{kind.__name__} and {taken.__name__} share prefix {kind.PREFIX!r}")
        self[kind] = handler
        return self


@dataclass(frozen=True)
class Routes:
    """Which handler answers which button kind and which open dialog (bot/app.py lists them)."""

    buttons: Mapping[type[Button], ButtonHandler]
    # A typed answer goes to the handler of the person's open dialog, with its ids.
    dialogs: Mapping[str, TextHandler]
    # Buttons that answer someone with no data here: safety advice must always arrive.
    anyone: frozenset[type[Button]]


def with_ctx(handler: CtxHandler) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """A PTB callback that hands the handler its Ctx; updates without a person are ignored."""

    async def callback(update: Update, context: BotContext) -> None:
        if ctx := Ctx.of(update, context):
            await handler(ctx)

    return callback


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
