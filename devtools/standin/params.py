"""Reading call parameters from query, JSON, form or multipart bodies, as Telegram does."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from aiohttp import web

from .state import ApiError, File

# The stand-in decodes by parameter name so it works without the spec; the spec, when
# given, is what judges the types.
_INTS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "max_connections"}
)
_BOOLS = frozenset(
    {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
)
_JSON = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
_INTEGER = re.compile(r"-?\d+")
_upload_ids = itertools.count(1)


async def read_params(request: web.Request) -> dict[str, Any]:
    """The raw parameters: strings (form), JSON values, or File for uploaded parts."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await _json_body(request)
        params.update(body)
    elif request.body_exists:
        for key, value in (await request.post()).items():
            params[key] = _upload(value) if isinstance(value, web.FileField) else value
    return params


async def _json_body(request: web.Request) -> dict[str, Any]:
    text = await request.text()
    try:
        body = json.loads(text) if text.strip() else {}
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse JSON body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: the JSON body must be an object")
    return body


def _upload(part: web.FileField) -> File:
    return File(
        file_id=f"upload-{next(_upload_ids)}",
        data=part.file.read(),
        filename=part.filename,
        mime_type=part.content_type,
    )


def decode(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _decode(key, value) for key, value in params.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _INTS and _INTEGER.fullmatch(value):
        return int(value)
    if key in _BOOLS and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    if key in _JSON:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
