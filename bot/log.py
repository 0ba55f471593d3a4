"""Logging set-up: one line per event, and never the bot token."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken


class RedactToken(logging.Filter):
    """The token is part of every Bot API URL, so anything may carry it: scrub every record."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._token:
            return True
        message = record.getMessage()
        if self._token in message:
            record.msg = message.replace(self._token, "<token>")
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self._token in record.exc_text:
            record.exc_text = record.exc_text.replace(self._token, "<token>")
        return True


def _not_a_rejected_token(record: logging.LogRecord) -> bool:
    # PTB logs the refusal with a traceback before raising it; `python -m bot` says it in
    # one line instead (bot/__main__.py).
    return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def configure_logging(level: str, token: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_not_a_rejected_token)
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs each request URL at INFO, and those URLs hold the token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
