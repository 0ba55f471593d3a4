"""What goes out after a commit: every reply is tried, whatever failed before it; and the
registration table refuses two button kinds on one prefix."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from telegram.error import NetworkError

from bot import buttons as b
from bot.routing import ButtonTable, run_all


async def test_every_action_runs_and_a_bug_still_surfaces() -> None:
    ran: list[str] = []

    async def refused() -> None:
        ran.append("toast")
        raise NetworkError("Bad Gateway")

    async def reply() -> None:
        ran.append("reply")

    async def bug() -> None:
        ran.append("bug")
        raise KeyError("oops")

    async def after() -> None:
        ran.append("after")

    with pytest.raises(KeyError):
        await run_all([refused, reply, bug, after], user_id=1)
    assert ran == ["toast", "reply", "bug", "after"]


async def test_a_refused_call_alone_is_not_an_error() -> None:
    async def refused() -> None:
        raise NetworkError("Bad Gateway")

    await run_all([refused], user_id=1)


def test_two_button_kinds_cannot_share_a_prefix() -> None:
    async def handler(ctx: object, pressed: object) -> None:
        return None

    table = ButtonTable().on(b.RedFlags, handler)
    with pytest.raises(ValueError, match="share prefix 'rf'"):
        table.on(_SamePrefix, handler)


@dataclass(frozen=True)
class _SamePrefix(b.Button):
    PREFIX = "rf"
    other: int
