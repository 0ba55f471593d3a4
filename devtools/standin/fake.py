"""Telegram's side of the conversation, without HTTP: chats, updates, and the API methods."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

from .html import HtmlError, parse_html
from .signal import Signal
from .state import ApiError, BotMessage, Call, Chat, Failure, File
from .users import ScriptedUser

Listener = Callable[[str, BotMessage], None]
Handler = Callable[[dict[str, Any]], Awaitable[Any]]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class FakeTelegram:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.bot: dict[str, Any] = {
            "id": 1,
            "is_bot": True,
            "first_name": "Stretch Coach",
            "username": "StretchCoachBot",
        }
        self.chats: dict[int, Chat] = {}
        self.blocked: set[int] = set()
        self.files: dict[str, File] = {}
        # Files sent by upload, and by a file_id Telegram already had, by kind ("photo").
        self.uploads: Counter[str] = Counter()
        self.reused: Counter[str] = Counter()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.updates: list[dict[str, Any]] = []
        self.undelivered: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.failed: list[Failure] = []
        self.violations: list[str] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.closing = False
        self._webhook_override: list[str] | None = None
        self._users: dict[int, ScriptedUser] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._listeners: list[Listener] = []
        self._signal = Signal()
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._api().items()
        }

    def _api(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendChatAction": self._send_chat_action,
        }

    def now(self) -> int:
        return int(self.clock())

    def handler(self, method: str) -> tuple[str, Handler] | None:
        """The canonical method name and its handler; Telegram ignores the case of names."""
        return self._handlers.get(method.lower())

    # --- for tests -------------------------------------------------------------------------

    def chat(self, chat_id: int) -> Chat:
        if chat_id not in self.chats:
            user = self._users.get(chat_id)
            self.chats[chat_id] = Chat(chat_id, user.first_name if user else f"User {chat_id}")
        return self.chats[chat_id]

    def user(
        self,
        user_id: int,
        first_name: str = "Ann",
        *,
        username: str | None = None,
        language_code: str = "en",
    ) -> ScriptedUser:
        """The scripted user with this id (created on first use); their chat id is user_id."""
        if user_id not in self._users:
            self._users[user_id] = ScriptedUser(
                self, user_id, first_name, username=username, language_code=language_code
            )
            # A chat the bot wrote to before the user was scripted takes their name too.
            self.chat(user_id).first_name = first_name
        return self._users[user_id]

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    def count(self, method: str) -> int:
        return sum(1 for call in self.calls if call.method == method)

    def calls_for(self, chat_id: int) -> list[Call]:
        return [call for call in self.calls if call.params.get("chat_id") == chat_id]

    def add_listener(self, listener: Listener) -> None:
        """listener(kind, message) runs on each "sent", "edited" and "deleted" bot message."""
        self._listeners.append(listener)

    def add_update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queues an update (body without update_id) for getUpdates or the webhook."""
        update = {"update_id": next(self._update_ids), **body}
        self.updates.append(update)
        self._signal.fire()
        return update

    def open_callback_query(self) -> str:
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        return query_id

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Returns once predicate() holds, re-checking after each change; bound it with
        asyncio.timeout."""
        await self._signal.wait_until(predicate)

    @property
    def webhook_targets(self) -> list[str]:
        """Where updates go instead of getUpdates; set it to spread them round-robin."""
        if self._webhook_override is not None:
            return self._webhook_override
        return [self.webhook_url] if self.webhook_url else []

    @webhook_targets.setter
    def webhook_targets(self, urls: Iterable[str] | None) -> None:
        self._webhook_override = None if urls is None else list(urls)
        self._signal.fire()

    # --- methods ---------------------------------------------------------------------------

    async def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _set_webhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = _need(p, "url")
        self.webhook_secret = p.get("secret_token") or None
        return self._changed_webhook(p)

    async def _delete_webhook(self, p: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        return self._changed_webhook(p)

    def _changed_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self.updates.clear()
        self._signal.fire()
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_targets:
            raise ApiError(409, _WEBHOOK_ACTIVE)
        offset = p.get("offset")
        if isinstance(offset, int) and offset < 0:
            del self.updates[:offset]
        elif isinstance(offset, int) and offset > 0:
            self.updates[:] = [u for u in self.updates if u["update_id"] >= offset]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(p.get("timeout") or 0):
                await self.wait_until(lambda: bool(self.updates) or self.closing)
        return self.updates[: p.get("limit") or 100]

    async def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p)
        text, entities = _parsed(p, "text", "entities")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        message = self._new_message(chat, p, text=text, entities=entities)
        return self._publish(chat, message, "sent")

    async def _send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "photo")

    async def _send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "document")

    def _send_media(self, p: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self._target_chat(p)
        caption, entities = _parsed(p, "caption", "caption_entities")
        fields = {kind: self._file(p, kind), "caption_entities": entities}
        message = self._new_message(chat, p, caption=caption or None, **fields)
        return self._publish(chat, message, "sent")

    async def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(p)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = _parsed(p, "text", "entities")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        markup = p.get("reply_markup")
        return self._edit(chat, message, text=text, entities=entities, reply_markup=markup)

    async def _edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(p)
        if message.photo is None and message.document is None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, entities = _parsed(p, "caption", "caption_entities")
        markup = p.get("reply_markup")
        return self._edit(
            chat, message, caption=caption or None, caption_entities=entities, reply_markup=markup
        )

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(p)
        return self._edit(chat, message, reply_markup=p.get("reply_markup"))

    async def _delete_message(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p)
        message_id = _message_id(p)
        if chat.user_messages.pop(message_id, None) is not None:
            return True
        message = chat.bot_messages.pop(message_id, None)
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify("deleted", message)
        return True

    async def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = p.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise ApiError(400, _QUERY_INVALID)
        self._open_callbacks.discard(query_id)
        return True

    async def _set_my_commands(self, p: dict[str, Any]) -> bool:
        self.commands[_commands_key(p)] = _need(p, "commands")
        return True

    async def _get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(_commands_key(p), [])

    async def _send_chat_action(self, p: dict[str, Any]) -> bool:
        self._target_chat(p)
        return True

    # --- helpers ---------------------------------------------------------------------------

    def _target_chat(self, p: dict[str, Any]) -> Chat:
        chat_id = p.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, BLOCKED)
        return self.chat(chat_id)

    def _message_to_edit(self, p: dict[str, Any]) -> tuple[Chat, BotMessage]:
        if "inline_message_id" in p:
            raise ApiError(400, "Bad Request: the stand-in has no inline messages")
        chat = self._target_chat(p)
        message_id = _message_id(p)
        if message_id in chat.user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        if message_id not in chat.bot_messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, chat.bot_messages[message_id]

    def _new_message(self, chat: Chat, p: dict[str, Any], **fields: Any) -> BotMessage:
        return BotMessage(
            message_id=chat.next_message_id(),
            chat_id=chat.id,
            date=self.now(),
            reply_markup=p.get("reply_markup"),
            **fields,
        )

    def _edit(self, chat: Chat, message: BotMessage, **changes: Any) -> dict[str, Any]:
        if all(getattr(message, name) == value for name, value in changes.items()):
            raise ApiError(400, NOT_MODIFIED)
        for name, value in changes.items():
            setattr(message, name, value)
        message.edits += 1
        message.edit_date = self.now()
        return self._publish(chat, message, "edited")

    def _publish(self, chat: Chat, message: BotMessage, kind: str) -> dict[str, Any]:
        chat.bot_messages[message.message_id] = message
        chat.events.append(replace(message))
        self._notify(kind, message)
        return message.to_api(self.bot, chat.to_api())

    def _notify(self, kind: str, message: BotMessage) -> None:
        for listener in self._listeners:
            listener(kind, message)
        self._signal.fire()

    def _file(self, p: dict[str, Any], kind: str) -> File:
        value = p.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value.removeprefix("attach://"))
        if isinstance(value, File):
            self.files[value.file_id] = value
            self.uploads[kind] += 1
            return value
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return File(value)
        if isinstance(value, str) and value:
            if value not in self.files:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            self.reused[kind] += 1
            return self.files[value]
        raise ApiError(400, f"Bad Request: there is no {kind} in the request")


def _parsed(p: dict[str, Any], key: str, entities_key: str) -> tuple[str | None, list[Any]]:
    if p.get(key) is None:
        return None, []
    text = str(p[key])
    if str(p.get("parse_mode")).lower() != "html":
        return text, p.get(entities_key) or []
    try:
        parsed = parse_html(text)
    except HtmlError:
        # Only reached without a spec (the playground): show the raw text rather than refuse.
        return text, []
    return parsed.text, parsed.entities


def _message_id(p: dict[str, Any]) -> int:
    message_id = p.get("message_id")
    if not isinstance(message_id, int):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    return message_id


def _need(p: dict[str, Any], name: str) -> Any:
    if name not in p:
        raise ApiError(400, f'Bad Request: parameter "{name}" is required')
    return p[name]


def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
    scope = p.get("scope")
    scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
    return scope_type, p.get("language_code") or ""
