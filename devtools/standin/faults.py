"""Failures on demand: flood limits, scripted errors, and a share of random server errors."""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from .state import ApiError

_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class FloodLimit:
    """At most `per_chat` messages to one chat, and `overall` in all, per `window` seconds."""

    per_chat: int | None = None
    overall: int | None = None
    window: float = 1.0


def counts_as_message(method: str) -> bool:
    name = method.lower()
    return name.startswith(("send", "edit")) and name != "sendchataction"


class Faults:
    def __init__(self, flood: FloodLimit | None, rate_5xx: float, seed: int) -> None:
        self.flood = flood
        self.rate_5xx = rate_5xx
        self._random = random.Random(seed)
        self._scripted: dict[str, deque[ApiError]] = defaultdict(deque)
        # Send times per chat id; the key None holds all chats together.
        self._sent: dict[int | None, deque[float]] = defaultdict(deque)
        # method -> (seconds each answer is held back, until when on the monotonic clock)
        self._slow: dict[str, tuple[float, float]] = {}

    def slow(self, method: str, seconds: float, *, for_seconds: float) -> None:
        """For the next `for_seconds`, answer `method` only after `seconds`. The call itself
        takes effect at once, as on a congested Telegram: the message arrives, the answer
        is late, and a client that gave up waiting cannot know it arrived."""
        self._slow[method.lower()] = (seconds, time.monotonic() + for_seconds)

    def delay(self, method: str) -> float:
        seconds, until = self._slow.get(method.lower(), (0.0, 0.0))
        return seconds if time.monotonic() < until else 0.0

    def fail_next(
        self,
        method: str,
        code: int,
        n: int = 1,
        *,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        if code == 429 and retry_after is None:
            retry_after = 1
        text = description or _DESCRIPTIONS.get(code, "Error").format(retry_after=retry_after)
        self._scripted[method.lower()].extend(ApiError(code, text, retry_after) for _ in range(n))

    def check(self, method: str, chat_id: int | None) -> None:
        """Raises the ApiError this call should fail with, if any."""
        scripted = self._scripted[method.lower()]
        if scripted:
            raise scripted.popleft()
        # Long polling is left alone: a failed poll only delays, it tests nothing.
        polling = method.lower() == "getupdates"
        if self.rate_5xx and not polling and self._random.random() < self.rate_5xx:
            raise ApiError(502, "Bad Gateway")
        if self.flood and counts_as_message(method):
            self._check_flood(self.flood, chat_id)

    def _check_flood(self, flood: FloodLimit, chat_id: int | None) -> None:
        now = time.monotonic()
        limits = [
            (key, limit)
            for key, limit in ((chat_id, flood.per_chat), (None, flood.overall))
            if limit is not None
        ]
        for key, limit in limits:
            window = self._sent[key]
            while window and window[0] <= now - flood.window:
                window.popleft()
            if len(window) >= limit:
                wait = max(1, math.ceil(window[0] + flood.window - now))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        for key, _ in limits:
            self._sent[key].append(now)
