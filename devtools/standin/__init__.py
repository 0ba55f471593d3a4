"""A local stand-in for the Telegram Bot API server, for tests, benchmarks and the playground.

Validation against the published spec is on only when a Spec is passed, so the package
needs no file outside itself at run time.
"""

from .faults import FloodLimit
from .html import HtmlError, Parsed, parse_html, utf16_len
from .server import StandIn
from .spec import Spec
from .state import ApiError, BotMessage, Call, Chat, Failure, File
from .users import ScriptedUser

__all__ = [
    "ApiError",
    "BotMessage",
    "Call",
    "Chat",
    "Failure",
    "File",
    "FloodLimit",
    "HtmlError",
    "Parsed",
    "ScriptedUser",
    "Spec",
    "StandIn",
    "parse_html",
    "utf16_len",
]
