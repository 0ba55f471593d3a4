"""Fixtures for tests that talk to the Bot API stand-in; tests/conftest.py imports them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.standin import Spec, StandIn

# CI clones the shared folder beside the repository.
SPEC_PATH = Path(__file__).resolve().parents[2] / "shared/telegram/bot-api.json"
TOKEN = "123456:TEST-TOKEN"


def load_spec(path: Path = SPEC_PATH) -> Spec:
    if not path.is_file():
        pytest.fail(f"Bot API spec not found at {path}: clone shared/ beside the repository")
    return Spec.load(path)


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
