"""Fixtures for tests that talk to the Bot API stand-in (tests/conftest.py registers them),
and what tests read from what it received."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest

from devtools.standin import Spec, StandIn

TOKEN = "123456:TEST-TOKEN"


def load_spec() -> Spec:
    return Spec.load()


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


@pytest.fixture
async def standin(spec: Spec) -> AsyncIterator[StandIn]:
    """A started, validating stand-in; a call that broke the spec fails the test at teardown."""
    async with StandIn(spec) as server:
        yield server
    assert server.violations == [], "calls that break the Bot API spec:\n" + "\n".join(
        server.violations
    )


def sends(standin: StandIn) -> Counter[int]:
    """Successful sendMessage calls per chat."""
    return Counter(c.params["chat_id"] for c in standin.calls if c.method == "sendMessage")


def toasts(standin: StandIn, since: int = 0) -> list[str | None]:
    """What the answers to button presses said, from call number `since` on."""
    return [p.get("text") for m, p in standin.calls[since:] if m == "answerCallbackQuery"]
