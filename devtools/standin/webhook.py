"""Webhook delivery: each update POSTed to the targets in turn, retried as Telegram retries."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from .fake import FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """Delivers one update at a time, in order; a failed attempt moves on to the next target,
    so an instance that died hands its updates to the others."""

    def __init__(self, telegram: FakeTelegram, attempts: int = 4, retry_delay: float = 0.1):
        self.telegram = telegram
        self.attempts = attempts
        self.retry_delay = retry_delay
        self._turn = itertools.count()

    async def run(self) -> None:
        telegram = self.telegram
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await telegram.wait_until(
                    lambda: bool(telegram.updates and telegram.webhook_targets)
                )
                update = telegram.updates[0]
                delivered = await self._deliver(session, update)
                if delivered is None:
                    continue
                if telegram.updates and telegram.updates[0] is update:
                    telegram.updates.pop(0)
                if not delivered:
                    telegram.undelivered.append(update)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool | None:
        """True once a target took it, False after the last attempt, None if the webhook went."""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.retry_delay)
            targets = self.telegram.webhook_targets
            if not targets:
                return None
            url = targets[next(self._turn) % len(targets)]
            if await self._post(session, url, update):
                return True
        return False

    async def _post(self, session: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> bool:
        secret = self.telegram.webhook_secret
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with session.post(url, json=update, headers=headers) as response:
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False
