"""The reminder sender: one per instance, on a repeating job of the instance's JobQueue.

Claim due plans (a lease in the database), record one delivery per occurrence key, commit,
send, then mark what happened and advance `next_due_at`. No transaction is open while a
message is on the wire. Results are written in the background in small chunks as sends
finish, so a crash repeats only the reminders sent since the last chunk; the lease hands the
rest to a later tick, here or on another instance."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import lru_cache
from html import escape
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot import keyboards, texts
from bot.context import App
from bot.runtime import Runtime
from bot.session_plans import plan_of
from routines import schedule
from routines.cadence import next_occurrence
from routines.safety import screen_due
from storage.models import DeliveryStatus
from storage.queries import deliveries as delivery_q
from storage.queries.deliveries import Due

log = logging.getLogger(__name__)

# One reminder in this many ends with a line from /learn; by delivery id, so it is the same
# line whichever instance sends it.
TIP_EVERY = 3
# Transient failures (timeouts, 5xx) tried this often per tick before the lease takes over.
SEND_ATTEMPTS = 3
BACKOFF_SECONDS = 0.2
# Sends in flight without a limiter. More only slows httpx's connection pool, whose
# bookkeeping grows with every open connection (see bench/README.md).
CONCURRENCY = 8
# With the limiter: reminders queued in it at most this many seconds' worth of budget, so a
# running session's next message does not wait behind a long fan-out.
LIMITER_QUEUE_SECONDS = 0.2
# Reminders take this share of the flood budget; the rest stays free for running sessions.
REMINDER_SHARE = 0.8
# No person gets one reminder more than this many times, whatever the API or a crash does.
# `Delivery.attempts` counts the sends that may have reached Telegram: each is counted, in
# the database, before it goes out (a timeout counts as delivered; an error Telegram
# answered with does not). An occurrence found claimed again after a lease with this many
# is settled as unconfirmed instead of being sent a third time.
MAX_COPIES = 2
# Sends are counted this many at a time: one write per chunk. Counting each send alone cost
# a fifth of the dispatch rate, and counting by eight a tenth (docs/benchmarks.md).
COUNT_EVERY = 32
# Results are written once this many wait, or when the batch is done. Above the default
# batch (200), so a batch's results go in one transaction: most of a write's cost is per
# transaction, not per row, and writing every 32 took a fifth of the dispatch rate once
# SQLite ran inline (see docs/benchmarks.md). A crash repeats at most the batch it
# interrupts, which its lease would hand out again anyway.
RECORD_EVERY = 256


@dataclass(frozen=True)
class Result:
    status: DeliveryStatus  # sent, blocked, failed, or retry (stays claimed for now)
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class DueReminder:
    due: Due
    delivery_id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup
    # Sends of this occurrence that may have arrived before this one.
    attempts: int = 0


def start_reminder_sender(app: App) -> None:
    app.bot_data.rt.job_queue.run_repeating(
        lambda context: send_due_reminders(context.rt, context.bot),
        interval=app.bot_data.rt.settings.dispatch_interval_seconds,
        first=0,
        name="reminders",
        job_kwargs={"id": "reminders", "max_instances": 1, "coalesce": True},
    )


async def send_due_reminders(rt: Runtime, bot: Bot) -> None:
    """Without a limiter, drain all that is due; with one, send one budget-sized batch."""
    try:
        while await send_one_batch(rt, bot) == _batch(rt) and not _limited(rt):
            pass
    except Exception:  # the sender must outlive any one failure; the lease retries it
        log.exception("reminder sender tick failed; due reminders stay claimable")
        rt.metrics.inc("reminder_sender_errors")


def _limited(rt: Runtime) -> bool:
    return rt.settings.rate_limit_per_second > 0


def _batch(rt: Runtime) -> int:
    settings = rt.settings
    if not _limited(rt):
        return settings.dispatch_batch_size
    budget = settings.rate_limit_per_second * settings.dispatch_interval_seconds * REMINDER_SHARE
    return max(1, min(settings.dispatch_batch_size, int(budget)))


def _concurrency(rt: Runtime) -> int:
    if not _limited(rt):
        return CONCURRENCY
    return max(1, math.ceil(rt.settings.rate_limit_per_second * LIMITER_QUEUE_SECONDS))


async def send_one_batch(rt: Runtime, bot: Bot) -> int:
    """One claim-send-record round; returns how many occurrences it claimed."""
    now = rt.clock.now()
    claim = _Claim(now, now + timedelta(seconds=rt.settings.delivery_lease_seconds))
    async with rt.db.session() as s:
        dues = await delivery_q.claim(
            s, now=claim.at, limit=_batch(rt), lease_until=claim.lease_until
        )
        outgoing = await _prepare(rt, s, dues, claim) if dues else []
    if outgoing:
        await _fan_out(rt, bot, outgoing, claim)
    return len(dues)


@dataclass(frozen=True)
class _Claim:
    """When a batch was claimed, and until when this instance holds it."""

    at: datetime
    lease_until: datetime


async def _prepare(
    rt: Runtime, s: AsyncSession, dues: list[Due], claim: _Claim
) -> list[DueReminder]:
    """Give each occurrence its delivery row, and settle those that need no message (missed,
    suppressed, settled before) in the claim's own transaction. Returns the messages to send."""
    stretched = await delivery_q.stretched_on(s, dues=dues)
    grace = timedelta(seconds=rt.settings.reminder_grace_seconds)
    status = {due.key: _decide(due, claim.at, grace, stretched) for due in dues}
    ids = await delivery_q.insert_new(s, rows=[_new_row(d, status[d.key], claim.at) for d in dues])
    # Rare: an occurrence seen before, by a run that crashed or gave up, or on a day already
    # reminded before the time was moved later.
    again = await delivery_q.existing(s, keys=[d.key for d in dues if d.key not in ids])
    attempts: dict[str, int] = {}
    for key, row in again.items():
        ids[key] = row.id or 0
        if row.status != DeliveryStatus.CLAIMED:
            status[key] = DeliveryStatus.ALREADY_SETTLED
            continue
        if status[key] == DeliveryStatus.CLAIMED and row.attempts >= MAX_COPIES:
            status[key] = DeliveryStatus.UNCONFIRMED  # it may well have arrived, twice
        row.status, attempts[key] = status[key], row.attempts
    claimed = [due for due in dues if status[due.key] == DeliveryStatus.CLAIMED]
    outgoing, failed = await _messages(rt, s, claimed, ids, claim.at)
    outgoing = [replace(item, attempts=attempts.get(item.due.key, 0)) for item in outgoing]
    plans = [_advance(due, claim.at) for due in dues if status[due.key] != DeliveryStatus.CLAIMED]
    plans += [_advance(due, claim.at) for due, _ in failed]
    deliveries = [
        {"id": ids[due.key], "status": DeliveryStatus.FAILED, "error": e} for due, e in failed
    ]
    await delivery_q.record(s, deliveries=deliveries, plans=plans, lease_until=claim.lease_until)
    for due in dues:
        if status[due.key] != DeliveryStatus.CLAIMED:
            rt.metrics.reminder(status[due.key])
    return outgoing


def _new_row(due: Due, status: DeliveryStatus, now: datetime) -> dict[str, Any]:
    return {
        "plan_id": due.plan_id,
        "occurrence_key": due.key,
        "due_at": due.due_at,
        "status": status,
        "attempts": 0,
        "created_at": now,
    }


def _decide(
    due: Due, now: datetime, grace: timedelta, stretched: set[tuple[int, str]]
) -> DeliveryStatus:
    if now - due.due_at > grace:
        return DeliveryStatus.MISSED  # not sent at a silly hour
    if (due.user_id, due.local_date) in stretched:
        return DeliveryStatus.SUPPRESSED
    return DeliveryStatus.CLAIMED


async def _messages(
    rt: Runtime, s: AsyncSession, claimed: list[Due], ids: dict[str, int], now: datetime
) -> tuple[list[DueReminder], list[tuple[Due, str]]]:
    """Each reminder's message; one that cannot be built comes back with its error and does
    not hold up the rest."""
    user_ids = {due.user_id for due in claimed}
    chats = await delivery_q.chat_ids(s, user_ids=user_ids)
    outgoing: list[DueReminder] = []
    failed: list[tuple[Due, str]] = []
    for due in claimed:
        delivery_id = ids[due.key]
        try:
            text, markup = _message(rt, due, delivery_id, now)
            outgoing.append(DueReminder(due, delivery_id, chats[due.user_id], text, markup))
        except Exception as exc:  # e.g. a routine gone from the catalog
            log.exception("reminder for plan %s could not be built", due.plan_id)
            rt.metrics.inc("reminders_failed")
            failed.append((due, repr(exc)[:128]))
    return outgoing, failed


def _message(
    rt: Runtime, due: Due, delivery_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    routine = rt.catalog.get(due.routine_id)
    text = texts.REMINDER.format(routine=escape(routine.title), minutes=_minutes(rt, due))
    redflag_due = screen_due(due.redflag_checked_at or due.created_at, now)
    if redflag_due:
        text += texts.REMINDER_REDFLAG
    elif delivery_id % TIP_EVERY == 0:
        text += "\n\n" + texts.TIPS[delivery_id // TIP_EVERY % len(texts.TIPS)]
    return text, keyboards.reminder(delivery_id, redflag_due=redflag_due)


def _minutes(rt: Runtime, due: Due) -> int:
    """The length of the person's own session, at their level."""
    return plan_of(rt, due.routine_id, due.level, due.side, due.floor).minutes


async def _fan_out(rt: Runtime, bot: Bot, outgoing: list[DueReminder], claim: _Claim) -> None:
    sender = _Sender(rt, bot)
    recorder = _Recorder(rt, claim)
    await _resend(rt, sender, recorder, [item for item in outgoing if item.attempts])
    fresh = [item for item in outgoing if not item.attempts]
    workers = _concurrency(rt)
    # Reminders counted and waiting for a sender. A small queue keeps the reminders that
    # are counted but not yet sent (in doubt after a crash) to a chunk and a queue's worth.
    queue: asyncio.Queue[DueReminder | None] = asyncio.Queue(maxsize=workers)

    async def counter() -> None:
        """Count each chunk of sends in the database before it goes, one write per chunk,
        while the senders work on the chunk before."""
        try:
            for start in range(0, len(fresh), COUNT_EVERY):
                chunk = fresh[start : start + COUNT_EVERY]
                await _count(rt, chunk)
                for item in chunk:
                    await queue.put(item)
        finally:
            for _ in range(workers):
                await queue.put(None)

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            recorder.add(item, await sender.send_safely(item))

    await asyncio.gather(counter(), *(worker() for _ in range(workers)))
    await recorder.close()


async def _resend(
    rt: Runtime, sender: _Sender, recorder: _Recorder, items: list[DueReminder]
) -> None:
    """Reminders a crashed run counted, sent or not: one at a time, each counted just before
    its send and recorded just after. A chunk counted ahead could be counted twice and sent
    by neither of two crashed runs, and then MAX_COPIES would drop it unsent; this way a
    second crash leaves at most one of them in doubt again. Only crash recovery pays for it."""
    for item in items:
        await _count(rt, [item])
        recorder.add(item, await sender.send_safely(item))
        await recorder.flush()


async def _count(rt: Runtime, items: list[DueReminder]) -> None:
    async with rt.db.session() as s:
        await delivery_q.count_attempts(s, ids=[item.delivery_id for item in items])


class _Sender:
    """Sends with a shared flood gate: a 429 holds back every send, not just the one that
    got it, because Telegram's limit is per bot."""

    def __init__(self, rt: Runtime, bot: Bot) -> None:
        self.rt = rt
        self.bot = bot
        self.loop = asyncio.get_running_loop()
        # Give up well before the lease ends, or another instance would send it as well.
        self.deadline = self.loop.time() + rt.settings.delivery_lease_seconds / 2
        self.resume_at = 0.0

    async def send_safely(self, item: DueReminder) -> Result:
        try:
            return await self.send(item)
        except Exception as exc:  # whatever it was, the lease lets a later tick try again
            log.exception("sending the reminder for plan %s failed", item.due.plan_id)
            return Result(DeliveryStatus.RETRY, error=repr(exc)[:128])

    async def send(self, item: DueReminder) -> Result:
        failures = 0
        while True:
            await asyncio.sleep(max(0.0, min(self.resume_at, self.deadline) - self.loop.time()))
            if self.loop.time() >= self.deadline:
                return Result(DeliveryStatus.RETRY, error="gave up for now")
            try:
                message = await self.bot.send_message(
                    item.chat_id, item.text, reply_markup=item.markup
                )
            except RetryAfter as exc:
                self._hold_back(exc)
            except Forbidden as exc:
                return Result(DeliveryStatus.BLOCKED, error=exc.message[:128])
            except TimedOut as exc:
                if not _never_left(exc):
                    # Telegram may have delivered it and only the answer was lost: sending
                    # it again risks a copy more than the person should ever get.
                    self.rt.metrics.api_error(exc)
                    return Result(DeliveryStatus.SENT, error="timed out; counted as delivered")
                failures += 1
                self.rt.metrics.api_error(exc)
                if failures == SEND_ATTEMPTS:
                    return Result(DeliveryStatus.RETRY, error=exc.message[:128])
                await asyncio.sleep(BACKOFF_SECONDS * 2**failures)
            except BadRequest as exc:  # the request itself is wrong: resending won't help
                return Result(DeliveryStatus.FAILED, error=exc.message[:128])
            except TelegramError as exc:  # timeouts, 5xx, connection errors
                failures += 1
                self.rt.metrics.api_error(exc)
                if failures == SEND_ATTEMPTS:
                    return Result(DeliveryStatus.RETRY, error=exc.message[:128])
                await asyncio.sleep(BACKOFF_SECONDS * 2**failures)
            else:
                return Result(DeliveryStatus.SENT, message.message_id)

    def _hold_back(self, exc: RetryAfter) -> None:
        self.rt.metrics.inc("bot_api_retry_after")
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        self.resume_at = max(self.resume_at, self.loop.time() + seconds)


def _never_left(exc: TimedOut) -> bool:
    """A timeout waiting for a free connection, or for one to open, sent nothing."""
    return isinstance(exc.__cause__, httpx.PoolTimeout | httpx.ConnectTimeout)


class _Recorder:
    """Writes results in the background as they come, each chunk in one short transaction
    that also advances the plans, so senders never wait for the database."""

    def __init__(self, rt: Runtime, claim: _Claim) -> None:
        self.rt = rt
        self.claim = claim
        self.pending: list[tuple[DueReminder, Result]] = []
        self.writer: asyncio.Task[None] | None = None

    def add(self, item: DueReminder, result: Result) -> None:
        self.pending.append((item, result))
        idle = self.writer is None or self.writer.done()
        if idle and len(self.pending) >= RECORD_EVERY:
            self.writer = asyncio.create_task(self.flush())

    async def close(self) -> None:
        if self.writer is not None:
            await self.writer
        await self.flush()

    async def flush(self) -> None:
        while self.pending:
            chunk, self.pending = self.pending, []
            deliveries, plans = self._rows(chunk, sent_at=self.rt.clock.now())
            until = self.claim.lease_until
            try:
                async with self.rt.db.session() as s:
                    await delivery_q.record(
                        s, deliveries=deliveries, plans=plans, lease_until=until
                    )
            except Exception:  # unrecorded, they stay claimed: sent again after the lease
                log.exception("could not record %s reminders", len(chunk))
                self.rt.metrics.inc("reminder_sender_errors")

    def _rows(
        self, chunk: list[tuple[DueReminder, Result]], *, sent_at: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        deliveries: list[dict[str, Any]] = []
        plans: list[dict[str, Any]] = []
        for item, result in chunk:
            self.rt.metrics.reminder(result.status)
            if result.status == DeliveryStatus.RETRY:
                # Stays claimed, and its plan leased. Telegram answered with an error, so this
                # send did not arrive and does not count towards MAX_COPIES.
                deliveries.append(
                    {"id": item.delivery_id, "error": result.error, "attempts": item.attempts}
                )
                continue
            deliveries.append(
                {
                    "id": item.delivery_id,
                    "status": result.status,
                    "message_id": result.message_id,
                    "error": result.error,
                    "sent_at": sent_at if result.status == DeliveryStatus.SENT else None,
                }
            )
            blocked = result.status == DeliveryStatus.BLOCKED
            if blocked:
                self.rt.blocked.add(item.due.user_id)
            plans.append(_deactivate(item.due) if blocked else _advance(item.due, self.claim.at))
        return deliveries, plans


def _deactivate(due: Due) -> dict[str, Any]:
    return {
        "id": due.plan_id,
        "status": schedule.PlanStatus.BLOCKED,
        "status_reason": schedule.PlanReason.BOT_BLOCKED,
        "next_due_at": None,
        "snooze_due_at": None,
        "lease_until": None,
    }


def _advance(due: Due, now: datetime) -> dict[str, Any]:
    """The plan's next occurrence after now: after downtime, one catch-up and no more."""
    if due.snooze:
        return {"id": due.plan_id, "snooze_due_at": None, "lease_until": None}
    following = _following(due.days, due.time_local, due.tz, max(now, due.due_at))
    return {"id": due.plan_id, "next_due_at": following, "lease_until": None}


@lru_cache(maxsize=4096)
def _following(days: str, time_local: str, tz: str, after: datetime) -> datetime | None:
    # Cached: a batch advances many plans that share days, time and zone from the same `now`.
    hour, minute = (int(p) for p in time_local.split(":"))
    return next_occurrence(
        days=schedule.parse_days(days), at=time(hour, minute), tz=tz, after=after
    )
