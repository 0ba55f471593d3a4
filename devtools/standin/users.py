"""Scripted users: people who write to the bot, tap its buttons and wait for its answers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .html import utf16_len
from .state import BotMessage, Chat, File

if TYPE_CHECKING:
    from .fake import FakeTelegram

# A 1x1 grey PNG, enough for a photo the bot only has to acknowledge.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c636000000002000148afa4710000000049454e44ae426082"
)
_file_ids = itertools.count(1)

Match = str | Callable[[BotMessage], bool]


class ScriptedUser:
    """One person in a private chat with the bot (chat id = user id).

    `wait_for` looks only at bot messages sent or edited after this user's last action
    (send, edit, press), so it waits for the answer to that action.
    """

    def __init__(
        self,
        telegram: FakeTelegram,
        user_id: int,
        first_name: str,
        *,
        username: str | None,
        language_code: str,
    ) -> None:
        self.telegram = telegram
        self.id = user_id
        self.first_name = first_name
        self.username = username
        self.language_code = language_code
        self._cursor = 0

    @property
    def chat(self) -> Chat:
        return self.telegram.chat(self.id)

    @property
    def messages(self) -> list[BotMessage]:
        return self.chat.messages

    @property
    def last_message(self) -> BotMessage | None:
        messages = self.chat.messages
        return messages[-1] if messages else None

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            user["username"] = self.username
        return user

    async def send(self, text: str) -> dict[str, Any]:
        """Sends text; a leading "/word" gets a bot_command entity, as Telegram adds."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = utf16_len(text.split(maxsplit=1)[0])
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._message(fields)

    async def send_location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self._message({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        file_id = f"sticker-{next(_file_ids)}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._message({"sticker": sticker})

    async def send_photo(self, data: bytes = TINY_PNG) -> dict[str, Any]:
        photo = File(f"photo-{next(_file_ids)}", data, mime_type="image/png")
        self.telegram.files[photo.file_id] = photo
        return self._message({"photo": photo.as_photo()})

    async def edit(self, message_id: int, text: str) -> dict[str, Any]:
        """Edits one of this user's own messages; the bot gets an edited_message update."""
        original = self.chat.user_messages.get(message_id)
        if original is None:
            raise AssertionError(f"{self.first_name} sent no message {message_id} to edit")
        edited = {**original, "text": text, "edit_date": self.telegram.now()}
        self.chat.user_messages[message_id] = edited
        self._act()
        self.telegram.add_update({"edited_message": edited})
        return edited

    async def press(self, label: str, *, message_id: int | None = None) -> dict[str, Any]:
        """Taps the button with this label (exact, else the unique one containing it).

        Looks in the newest bot message that has one, or only in message_id if given.
        """
        message, button = self._find_button(label, message_id)
        return self._callback(message.message_id, button["callback_data"])

    async def press_data(self, data: str, message_id: int) -> dict[str, Any]:
        """Sends a callback query with any data, as a forged or stale button would."""
        return self._callback(message_id, data)

    # A per-call deadline reads best in tests, hence the timeout argument.
    async def wait_for(self, match: Match, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The first bot message, as sent or edited since my last action, that matches.

        match is a substring of the text (or caption) or a predicate on a BotMessage.
        """
        predicate = match if callable(match) else (lambda m: match in m.display_text)
        found: list[BotMessage] = []

        def check() -> bool:
            found.extend(m for m in self.chat.events[self._cursor :] if predicate(m))
            return bool(found)

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.telegram.wait_until(check)
        if found:
            return found[0]
        seen = [m.display_text for m in self.chat.events[self._cursor :]]
        raise AssertionError(
            f"no bot message matching {match!r} for user {self.id} within {timeout}s; "
            f"since their last action the bot sent or edited: {seen}"
        )

    def _act(self) -> None:
        self._cursor = len(self.chat.events)

    def _message(self, fields: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat
        message = {
            "message_id": chat.next_message_id(),
            "from": self.to_api(),
            "chat": chat.to_api(),
            "date": self.telegram.now(),
            **fields,
        }
        chat.user_messages[message["message_id"]] = message
        self._act()
        self.telegram.add_update({"message": message})
        return message

    def _callback(self, message_id: int, data: str) -> dict[str, Any]:
        chat = self.chat
        message = chat.bot_messages.get(message_id)
        shown = (
            message.to_api(self.telegram.bot, chat.to_api())
            if message
            # What Telegram sends for a message the bot can no longer see.
            else {"chat": chat.to_api(), "message_id": message_id, "date": 0}
        )
        query = {
            "id": self.telegram.open_callback_query(),
            "from": self.to_api(),
            "message": shown,
            "chat_instance": str(chat.id),
            "data": data,
        }
        self._act()
        self.telegram.add_update({"callback_query": query})
        return query

    def _find_button(self, label: str, message_id: int | None) -> tuple[BotMessage, dict[str, Any]]:
        messages = [m for m in reversed(self.chat.messages) if message_id in (None, m.message_id)]
        pressable = [(m, b) for m in messages for b in m.buttons if "callback_data" in b]
        exact = [(m, b) for m, b in pressable if b["text"] == label]
        if exact:
            return exact[0]
        for message in messages:
            partial = [
                (m, b) for m, b in pressable if m is message and label.lower() in b["text"].lower()
            ]
            if len(partial) == 1:
                return partial[0]
            if partial:
                labels = [b["text"] for _, b in partial]
                raise AssertionError(f"button label {label!r} is ambiguous: {labels}")
        available = {m.message_id: [b["text"] for b in m.buttons] for m in messages if m.buttons}
        raise AssertionError(
            f"no button {label!r} for user {self.id}; buttons by message id: {available}"
        )
