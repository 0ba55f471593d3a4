"""The next-morning check: the morning after a session, one question on how the back and
leg are. Claimed like a reminder, so that one instance sends it, once.

Each check is counted in the database just before it goes out. One found claimed again
with a send counted (its instance died mid-send) is settled as unconfirmed rather than sent
a second time: it may well have arrived."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot import keyboards, texts
from bot.context import App
from bot.runtime import Runtime
from routines.schedule import morning_check_at
from storage.models import ExerciseSession, MorningStatus, Plan
from storage.queries import mornings as morning_q
from storage.queries.mornings import MorningDue

log = logging.getLogger(__name__)

BATCH = 100
# A send that failed on the way is tried again this many seconds later, at the soonest.
RETRY_AFTER = 5.0


def start_morning_checks(app: App) -> None:
    rt: Runtime = app.bot_data.rt
    rt.job_queue.run_repeating(
        lambda context: send_morning_checks(context.rt, context.bot),
        interval=rt.settings.dispatch_interval_seconds,
        first=0,
        name="morning-checks",
        job_kwargs={"id": "morning-checks", "max_instances": 1, "coalesce": True},
    )


def schedule(rt: Runtime, s: AsyncSession, row: ExerciseSession, plan: Plan) -> None:
    """The check for a session that has just ended, due the next morning in the person's zone."""
    due_at = morning_check_at(
        session_date=date.fromisoformat(row.local_date),
        tz=plan.tz,
        reminder_time=plan.time_local,
        default_time=rt.settings.next_morning_time,
    )
    morning_q.add(s, row=row, due_at=due_at)


async def send_morning_checks(rt: Runtime, bot: Bot) -> int:
    """Claim the checks that are due and send them; returns how many went out."""
    now = rt.clock.now()
    lease = now + timedelta(seconds=rt.settings.delivery_lease_seconds)
    async with rt.db.session() as s:
        dues = await morning_q.claim(s, now=now, limit=BATCH, lease_until=lease)
    sent = 0
    for due in dues:
        status = await _send(rt, bot, due)
        rt.metrics.morning(status.value)
        sent += status is MorningStatus.SENT
    return sent


async def _send(rt: Runtime, bot: Bot, due: MorningDue) -> MorningStatus:
    async with rt.db.session() as s:
        if due.attempts:
            status = MorningStatus.UNCONFIRMED
        elif not await morning_q.still_wanted(s, due=due):
            status = MorningStatus.SKIPPED
        else:
            await morning_q.count_attempt(s, session_id=due.session_id)
            status = MorningStatus.CLAIMED
        if status is not MorningStatus.CLAIMED:
            await morning_q.settle(s, session_id=due.session_id, status=status, at=rt.clock.now())
            return status
    message_id = None
    try:
        message = await bot.send_message(
            due.chat_id, texts.NEXT_DAY_QUESTION, reply_markup=keyboards.next_day(due.session_id)
        )
        status, message_id = MorningStatus.SENT, message.message_id
    except TimedOut:
        # It may have arrived with only the answer lost: never sent again.
        status = MorningStatus.UNCONFIRMED
    except (BadRequest, Forbidden) as exc:
        # Refused for good (a blocked bot, a chat gone); /now still asks it (session_flow).
        log.warning("next-morning check for session %s failed: %s", due.session_id, exc)
        rt.metrics.api_error(exc)
        status = MorningStatus.FAILED
    except TelegramError as exc:
        # A flood limit, a 5xx, a connection refused: it did not arrive; the next round
        # sends it, after the wait Telegram asked for.
        rt.metrics.api_error(exc)
        wait = exc.retry_after if isinstance(exc, RetryAfter) else RETRY_AFTER
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        async with rt.db.session() as s:
            await morning_q.release(
                s, session_id=due.session_id, until=rt.clock.now() + timedelta(seconds=seconds)
            )
        return MorningStatus.DUE
    async with rt.db.session() as s:
        await morning_q.settle(
            s, session_id=due.session_id, status=status, at=rt.clock.now(), message_id=message_id
        )
    return status
