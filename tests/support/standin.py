"""Fixtures for tests that talk to the Bot API stand-in; tests/conftest.py registers them."""

from __future__ import annotations

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
