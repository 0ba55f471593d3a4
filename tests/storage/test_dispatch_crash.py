"""A reminder sender process killed with SIGKILL in the middle of a fan-out, then restarted."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from bot.settings import Settings
from devtools.standin import StandIn
from devtools.support import seed_due_plans
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Delivery, Plan
from tests.support import REPO
from tests.support.standin import sends

PLANS = 3000
KILL_AFTER = 1234  # mid-batch
BATCH = 100  # tests/support/dispatch_child.py claims this many at a time


async def start_child(db_url: str, base_url: str, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.dispatch_child", db_url, base_url, *extra,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def claimed_chats(db: Database) -> set[int]:
    """Chats whose delivery was claimed but not yet recorded: the ones in flight."""
    async with db.session() as s:
        rows = await s.execute(
            select(col(Plan.user_id))
            .join(Delivery, col(Delivery.plan_id) == col(Plan.id))
            .where(col(Delivery.status) == "claimed")
        )
        return set(rows.scalars())


async def test_sigkill_mid_fan_out_loses_nothing(standin: StandIn, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
    db = Database(url)
    await upgrade(db.engine)
    ids = await seed_due_plans(db, count=PLANS, due_at=datetime.now(UTC) - timedelta(minutes=1))

    child = await start_child(url, standin.base_url)
    async with asyncio.timeout(15):
        await standin.wait_until(lambda: standin.count("sendMessage") >= KILL_AFTER)
    child.send_signal(signal.SIGKILL)
    await child.wait()
    assert child.returncode == -signal.SIGKILL
    at_kill = sends(standin)
    in_flight = await claimed_chats(db)
    assert KILL_AFTER <= len(at_kill) < PLANS, "killed too late to test anything"
    assert in_flight, "the kill came between batches; nothing was in flight"

    # The restart comes after the dead instance's lease has run out.
    lease = Settings.model_fields["delivery_lease_seconds"].default
    child = await start_child(url, standin.base_url, "--advance", str(lease + 1))
    async with asyncio.timeout(20):
        out, err = await child.communicate()
    assert child.returncode == 0, err.decode()[-2000:]
    assert b"drained" in out

    counts = sends(standin)
    twice = {chat for chat, n in counts.items() if n > 1}
    assert set(counts) == set(ids), "a reminder was lost"
    assert max(counts.values()) <= 2
    assert twice <= in_flight, "repeated a reminder that was not in flight"
    assert len(twice) <= BATCH
    async with db.session() as s:
        statuses = Counter((await s.execute(select(col(Delivery.status)))).scalars())
    assert statuses == {"sent": PLANS}
    await db.dispose()


async def test_two_kills_in_a_row_still_send_no_reminder_three_times(
    standin: StandIn, tmp_path: Path
) -> None:
    """The second instance dies while resending what the first had in flight; the third
    must not send those a third time, and must still send what nobody sent."""
    url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
    db = Database(url)
    await upgrade(db.engine)
    ids = await seed_due_plans(db, count=PLANS, due_at=datetime.now(UTC) - timedelta(minutes=1))
    lease = Settings.model_fields["delivery_lease_seconds"].default

    child = await start_child(url, standin.base_url)
    async with asyncio.timeout(15):
        await standin.wait_until(lambda: standin.count("sendMessage") >= KILL_AFTER)
    child.send_signal(signal.SIGKILL)
    await child.wait()
    first = standin.count("sendMessage")

    # The next one starts with the in-flight batch again, and dies late in it: past what the
    # first had counted, so that the two crashes leave different reminders in doubt.
    child = await start_child(url, standin.base_url, "--advance", str(lease + 1))
    async with asyncio.timeout(15):
        await standin.wait_until(lambda: standin.count("sendMessage") >= first + BATCH * 9 // 10)
    child.send_signal(signal.SIGKILL)
    await child.wait()

    child = await start_child(url, standin.base_url, "--advance", str(2 * (lease + 1)))
    async with asyncio.timeout(20):
        _out, err = await child.communicate()
    assert child.returncode == 0, err.decode()[-2000:]
    counts = sends(standin)
    assert max(counts.values()) <= 2, Counter(counts.values())
    assert set(counts) == set(ids), "a reminder was lost"
    await db.dispose()
