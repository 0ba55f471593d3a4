"""The reminder dispatcher: one per instance, on an interval tick of the instance's scheduler.

Claim due plans (a lease in the database), record one delivery per occurrence key, commit,
send, then mark what happened and advance `next_due_at`. No transaction is open while a
message is on the wire; a crash in between repeats at most the reminders in flight."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from html import escape
from typing import Any

from sqlalchemy import select, update
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import keyboards, texts
from bot.runtime import KEY, Runtime
from routines.cadence import next_occurrence
from routines.plan import build_session
from storage.models import Delivery, ExerciseSession, Plan, User
from storage.queries import deliveries as delivery_q
from storage.queries import plans as plan_q
from storage.queries.deliveries import Due

log = logging.getLogger(__name__)

REDFLAG_EVERY = timedelta(weeks=4)
SEND_ATTEMPTS = 3
CONCURRENCY = 64
# Reminders take this share of the flood budget; the rest stays free for running sessions.
REMINDER_SHARE = 0.8


@dataclass
class Outcome:
    sent: int = 0
    missed: int = 0
    suppressed: int = 0
    failed: int = 0
    blocked: int = 0
    results: dict[int, tuple[str, int | None, str | None]] = field(default_factory=dict)


def start_dispatcher(app: Application) -> None:  # type: ignore[type-arg]
    rt: Runtime = app.bot_data[KEY]
    rt.scheduler.add_job(
        dispatch_tick,
        "interval",
        seconds=rt.settings.dispatch_interval_seconds,
        args=[rt, app.bot],
        id="dispatcher",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )


async def dispatch_tick(rt: Runtime, bot: Bot) -> None:
    try:
        while (await dispatch_once(rt, bot)) >= _batch(
            rt
        ) and rt.settings.rate_limit_per_second == 0:
            pass
    except Exception:  # the dispatcher must outlive any one failure; the lease retries it
        log.exception("dispatcher tick failed; due reminders stay claimable")
        rt.metrics.inc("dispatcher_errors")


def _batch(rt: Runtime) -> int:
    settings = rt.settings
    if settings.rate_limit_per_second == 0:
        return settings.dispatch_batch_size
    budget = settings.rate_limit_per_second * settings.dispatch_interval_seconds * REMINDER_SHARE
    return max(1, min(settings.dispatch_batch_size, int(budget)))


async def dispatch_once(rt: Runtime, bot: Bot) -> int:
    """One claim-send-record round; returns how many occurrences it claimed."""
    now = rt.clock.now()
    lease = timedelta(seconds=rt.settings.delivery_lease_seconds)
    async with rt.db.session() as s:
        dues = await delivery_q.claim(s, now=now, limit=_batch(rt), lease=lease)
        if not dues:
            return 0
        plan_ids = [d.plan_id for d in dues]
        to_send, settled = await _prepare(rt, s, dues, now)
    outcome = Outcome()
    semaphore = asyncio.Semaphore(CONCURRENCY)
    await asyncio.gather(*(_send(rt, bot, item, semaphore, outcome) for item in to_send))
    async with rt.db.session() as s:
        await _record(rt, s, dues, to_send, settled, outcome, now)
    log.info("dispatched %s reminders (%s plans)", outcome.sent, len(plan_ids))
    return len(dues)


@dataclass
class Outgoing:
    due: Due
    delivery_id: int
    chat_id: int
    text: str
    markup: Any


async def _prepare(
    rt: Runtime, s: Any, dues: list[Due], now: datetime
) -> tuple[list[Outgoing], dict[int, str]]:
    """Decide per occurrence: send, or settle it as already sent, missed or not needed."""
    known = await delivery_q.existing(s, keys=[d.key for d in dues])
    user_ids = [d.user_id for d in dues]
    chats = dict(
        (await s.execute(select(User.id, User.chat_id).where(User.id.in_(user_ids)))).all()
    )  # type: ignore[union-attr]
    ran = await _ran_on(s, dues)
    pending = await _next_day_pending(s, user_ids)
    grace = timedelta(seconds=rt.settings.reminder_grace_seconds)
    settled: dict[int, str] = {}
    to_send: list[Outgoing] = []
    fresh: list[tuple[Due, Delivery]] = []
    for due in dues:
        row = known.get(due.key)
        if row is not None and row.status != "claimed":
            settled[due.plan_id] = row.status
            continue
        status = (
            "missed"
            if now - due.due_at > grace
            else "suppressed"
            if (due.user_id, due.local_date) in ran
            else "claimed"
        )
        if row is None:
            row = Delivery(
                plan_id=due.plan_id,
                occurrence_key=due.key,
                due_at=due.due_at,
                status=status,
                created_at=now,
            )
            s.add(row)
        row.status = status
        row.attempts += status == "claimed"
        if status != "claimed":
            settled[due.plan_id] = status
        else:
            fresh.append((due, row))
    await s.flush()
    for due, row in fresh:
        if due.user_id in chats:
            text, markup = _message(rt, due, row.id or 0, pending.get(due.user_id), now)
            to_send.append(Outgoing(due, row.id or 0, chats[due.user_id], text, markup))
    return to_send, settled


def _message(
    rt: Runtime, due: Due, delivery_id: int, next_day: int | None, now: datetime
) -> tuple[str, Any]:
    minutes = _minutes(rt, due.routine_id)
    routine = rt.catalog.get(due.routine_id)
    text = texts.REMINDER.format(routine=escape(routine.title), minutes=minutes)
    redflag_due = (due.redflag_checked_at or due.created_at) + REDFLAG_EVERY <= now
    if next_day is not None:
        text += "\n\n" + texts.NEXT_DAY_QUESTION
    if redflag_due:
        text += texts.REMINDER_REDFLAG
    return text, keyboards.reminder(delivery_id, next_day_session=next_day, redflag_due=redflag_due)


def _minutes(rt: Runtime, routine_id: str) -> int:
    cache: dict[str, int] = rt.extras.setdefault("minutes", {})
    if routine_id not in cache:
        routine = rt.catalog.get(routine_id)
        cache[routine_id] = build_session(routine, routine.top_level, "both").minutes
    return cache[routine_id]


async def _ran_on(s: Any, dues: list[Due]) -> set[tuple[int, str]]:
    dates = {d.local_date for d in dues}
    rows = await s.execute(
        select(ExerciseSession.user_id, ExerciseSession.local_date).where(
            ExerciseSession.user_id.in_([d.user_id for d in dues]),  # type: ignore[attr-defined]
            ExerciseSession.local_date.in_(dates),  # type: ignore[attr-defined]
            ExerciseSession.state.in_(("done", "holding", "paused", "during", "after")),  # type: ignore[attr-defined]
        )
    )
    return {(uid, day) for uid, day in rows.all()}


async def _next_day_pending(s: Any, user_ids: list[int]) -> dict[int, int]:
    """The latest finished session per person that nobody has yet rated the day after."""
    from storage.models import CheckIn

    latest = await s.execute(
        select(ExerciseSession.user_id, ExerciseSession.id)
        .where(ExerciseSession.user_id.in_(user_ids), ExerciseSession.state == "done")  # type: ignore[attr-defined]
        .order_by(ExerciseSession.id)
    )
    last = dict(latest.all())
    if not last:
        return {}
    rated = await s.execute(
        select(CheckIn.session_id).where(
            CheckIn.session_id.in_(list(last.values())), CheckIn.phase == "next_day"
        )  # type: ignore[union-attr]
    )
    done = set(rated.scalars())
    return {uid: sid for uid, sid in last.items() if sid not in done}


async def _send(
    rt: Runtime, bot: Bot, item: Outgoing, semaphore: asyncio.Semaphore, outcome: Outcome
) -> None:
    async with semaphore:
        for attempt in range(SEND_ATTEMPTS):
            try:
                message = await bot.send_message(item.chat_id, item.text, reply_markup=item.markup)
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except Forbidden as exc:
                outcome.results[item.delivery_id] = ("blocked", None, exc.message[:128])
                return
            except (NetworkError, TelegramError) as exc:
                rt.metrics.inc(f"bot_api_errors_{type(exc).__name__}")
                if not isinstance(exc, NetworkError):
                    outcome.results[item.delivery_id] = ("failed", None, exc.message[:128])
                    return
                await asyncio.sleep(0.2 * 2**attempt)
            else:
                outcome.results[item.delivery_id] = ("sent", message.message_id, None)
                return
        # Still failing: the delivery stays claimed and the lease lets a later tick retry it.
        outcome.results[item.delivery_id] = ("retry", None, "gave up for now")


def _seconds(value: object) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)  # type: ignore[arg-type]


async def _record(
    rt: Runtime,
    s: Any,
    dues: list[Due],
    to_send: list[Outgoing],
    settled: dict[int, str],
    outcome: Outcome,
    now: datetime,
) -> None:
    by_plan = {item.due.plan_id: item for item in to_send}
    delivery_rows: list[dict[str, Any]] = []
    plan_rows: list[dict[str, Any]] = []
    for due in dues:
        item = by_plan.get(due.plan_id)
        status = settled.get(due.plan_id, "sent")
        if item is not None:
            status, message_id, error = outcome.results.get(item.delivery_id, ("retry", None, None))
            if status != "retry":
                delivery_rows.append(
                    {
                        "id": item.delivery_id,
                        "status": status,
                        "message_id": message_id,
                        "error": error,
                        "sent_at": now if status == "sent" else None,
                    }
                )
        rt.metrics.inc(f"reminders_{status}")
        if status == "retry":
            continue
        plan_rows.append(_advance(due, now, blocked=status == "blocked"))
    if delivery_rows:
        await s.execute(update(Delivery), delivery_rows)
    if plan_rows:
        await s.execute(update(Plan), plan_rows)


def _advance(due: Due, now: datetime, *, blocked: bool) -> dict[str, Any]:
    if blocked:
        return {
            "id": due.plan_id,
            "status": "blocked",
            "status_reason": "bot_blocked",
            "next_due_at": None,
            "snooze_due_at": None,
            "lease_until": None,
        }
    if due.snooze:
        return {"id": due.plan_id, "snooze_due_at": None, "lease_until": None}
    hour, minute = (int(p) for p in due.time_local.split(":"))
    following = next_occurrence(
        days=plan_q.parse_days(due.days),
        at=time(hour, minute),
        tz=due.tz,
        after=max(now, due.due_at),
    )
    return {"id": due.plan_id, "next_due_at": following, "lease_until": None}
