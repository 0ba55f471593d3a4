"""What the stand-in remembers: chats, the bot's messages in them, files, and calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class ApiError(Exception):
    """An error answer, shaped as Telegram shapes it."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class Call(NamedTuple):
    method: str
    params: dict[str, Any]


class Failure(NamedTuple):
    method: str
    params: dict[str, Any]
    error_code: int
    description: str


@dataclass(frozen=True)
class File:
    """An uploaded file (data set) or one referred to by file_id or URL (data empty)."""

    file_id: str
    data: bytes = b""
    filename: str | None = None
    mime_type: str | None = None

    def as_photo(self) -> list[dict[str, Any]]:
        width, height = _png_size(self.data)
        return [{**self._ids(), "width": width, "height": height}]

    def as_document(self) -> dict[str, Any]:
        api = self._ids()
        if self.filename:
            api["file_name"] = self.filename
        if self.mime_type:
            api["mime_type"] = self.mime_type
        return api

    def _ids(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": f"u{self.file_id}",
            "file_size": len(self.data),
        }


def _png_size(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0


@dataclass
class BotMessage:
    """The current state of one message the bot sent; `text`/`caption` are after HTML parsing."""

    message_id: int
    chat_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    photo: File | None = None
    document: File | None = None
    edits: int = 0
    edit_date: int | None = None

    @property
    def display_text(self) -> str:
        return self.text if self.text is not None else self.caption or ""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def to_api(self, bot: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
        api: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot,
            "chat": chat,
            "date": self.date,
        }
        if self.text is not None:
            api["text"] = self.text
        if self.entities:
            api["entities"] = self.entities
        if self.caption:
            api["caption"] = self.caption
        if self.caption_entities:
            api["caption_entities"] = self.caption_entities
        if self.photo:
            api["photo"] = self.photo.as_photo()
        if self.document:
            api["document"] = self.document.as_document()
        if self.buttons:
            # Telegram shows only inline keyboards on the message itself.
            api["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            api["edit_date"] = self.edit_date
        return api


@dataclass
class Chat:
    """A private chat: the bot's messages, the user's messages, and a log for waiting."""

    id: int
    first_name: str
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Snapshots of bot messages as sent or edited, in order; scripted users wait on it.
    events: list[BotMessage] = field(default_factory=list)
    last_message_id: int = 0

    @property
    def messages(self) -> list[BotMessage]:
        return list(self.bot_messages.values())

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}
