"""A wake-up for waiters on the stand-in's state, fired from plain (non-async) code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Signal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        # A fresh event per change, so each waiter sees every change made after it looked.
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Returns once predicate() holds; bound it with asyncio.timeout."""
        while not predicate():
            await self._event.wait()
