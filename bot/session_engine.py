"""The hands-free core of a session: holds, countdown edits, and moving from step to step.

The session row is the truth. A timer job only carries the row's version; if anything has
changed since (a pause, a skip, another instance), the job finds a newer version and does
nothing. Database work is committed before any Bot API call is made."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import cards, keyboards, texts
from bot.routing import edit_message
from bot.runtime import Runtime
from routines.plan import SessionStep, build_session
from storage.models import ExerciseSession, User
from storage.queries import instances as instance_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)

TEN_SECONDS_LEFT = 10.0
# A step's card that does not go out is tried again for this long (on the catalog's clock),
# waiting twice as long each time up to the longest wait, before the session pauses.
SHOW_WITHIN = 60.0
FIRST_RETRY, LONGEST_RETRY = 1.0, 16.0
# An instance is gone once it has missed this many heartbeats.
GONE_AFTER_BEATS = 3


@dataclass
class Outgoing:
    """A message to send, or to edit in place when `message_id` is set."""

    text: str
    markup: InlineKeyboardMarkup | None
    message_id: int | None = None
    # Session id, version, and when the tick is due on the bot's clock. An instant, not a
    # delay: a delay would start only after the commit and the send, making every hold late.
    tick: tuple[int, int, datetime] | None = None
    # An edit of a countdown already on screen: losing one loses nothing, so none is retried.
    countdown: bool = False


def steps_of(rt: Runtime, row: ExerciseSession) -> tuple[SessionStep, ...]:
    cache: dict[tuple[str, int, str], tuple[SessionStep, ...]] = rt.extras.setdefault("plans", {})
    key = (row.routine_id, row.level, row.side)
    if key not in cache:
        routine = rt.catalog.get(row.routine_id)
        cache[key] = build_session(routine, row.level, row.side).steps  # type: ignore[arg-type]
    return cache[key]


def real(rt: Runtime, seconds: float) -> timedelta:
    return timedelta(seconds=seconds * rt.settings.timer_scale)


def left(rt: Runtime, row: ExerciseSession, now: datetime) -> float:
    """Seconds of the hold still to go, on the catalog's scale (get-ready time included)."""
    if row.hold_ends_at is None:
        return row.remaining_seconds or 0.0
    return (row.hold_ends_at - now).total_seconds() / rt.settings.timer_scale


def next_edit(remaining: float, hold: float, interval: float) -> float:
    """The remaining-time mark of the next countdown edit, or 0 for the end of the hold.

    Edits are rationed (Telegram counts them against the flood limit, and the design allows
    3 calls a step): at most one every `interval` seconds, one at ten seconds left, and none
    in the first interval of a hold."""
    marks = {TEN_SECONDS_LEFT} if hold >= 2 * TEN_SECONDS_LEFT else set()
    mark = hold - interval
    # A full interval clear of the ten-seconds edit too: a 60 s hold gets one edit, not two.
    while mark >= TEN_SECONDS_LEFT + interval:
        marks.add(mark)
        mark -= interval
    below = [m for m in marks if m < remaining - 0.5]
    return max(below, default=0.0)


def begin_hold(
    rt: Runtime, row: ExerciseSession, now: datetime, *, seconds: float, ready: bool
) -> datetime:
    """Start (or restart) the current step; returns when its first tick is due."""
    wait = seconds + (rt.settings.get_ready_seconds if ready else 0.0)
    row.state = "holding"
    row.hold_ends_at = now + real(rt, wait)
    row.remaining_seconds = None
    row.pause_reason = None
    row.owner = rt.instance_id
    row.version += 1
    step = steps_of(rt, row)[row.step_index]
    mark = next_edit(wait, step.seconds, rt.settings.countdown_edit_seconds)
    return now + real(rt, wait - mark)


def step_card(
    rt: Runtime, row: ExerciseSession, status: str, lead: str = "", *, paused: bool = False
) -> Outgoing:
    steps = steps_of(rt, row)
    step = steps[row.step_index]
    check = nerve_check_due(rt, row)
    if check:
        lead = f"{lead}\n\n{texts.NERVE_CHECK}".strip()
    text = cards.card(step, len(steps), status, lead)
    markup = keyboards.controls(row.id or 0, row.step_index, paused=paused, nerve_check=check)
    return Outgoing(text, markup)


def nerve_check_due(rt: Runtime, row: ExerciseSession) -> bool:
    """After a nerve-tension step, the next card asks about tingling without stopping: the
    person carries on hands-free unless something is wrong."""
    steps = steps_of(rt, row)
    return row.step_index > 0 and steps[row.step_index - 1].nerve_tension and not row.nerve_off


def hold_still(rt: Runtime, row: ExerciseSession, now: datetime, state: str) -> None:
    """Stop the clock on the current step, keeping the time it had left."""
    step = steps_of(rt, row)[row.step_index]
    row.remaining_seconds = max(0.0, min(left(rt, row, now), float(step.seconds)))
    row.hold_ends_at = None
    row.state = state
    row.version += 1


def start_step(rt: Runtime, row: ExerciseSession, now: datetime, lead: str) -> Outgoing:
    due = begin_hold(rt, row, now, seconds=steps_of(rt, row)[row.step_index].seconds, ready=True)
    step = steps_of(rt, row)[row.step_index]
    out = step_card(rt, row, cards.get_ready(step, rt.settings.get_ready_seconds), lead)
    out.tick = (row.id or 0, row.version, due)
    return out


async def finish_step(
    rt: Runtime, s: Any, row: ExerciseSession, user: User | None, now: datetime, *, status: str
) -> Outgoing:
    """Record the current step and move on: a nerve check, the next step, or the after check-in."""
    steps = steps_of(rt, row)
    step = steps[row.step_index]
    held = step.seconds if status == "done" else max(0.0, step.seconds - left(rt, row, now))
    await session_q.record_step(
        s,
        row=row,
        step=step,
        status=status,
        seconds=held,
        at=now,
    )
    row.step_index += 1
    row.remaining_seconds = None
    row.hold_ends_at = None
    row.version += 1
    await skip_nerve_steps(rt, s, row, now)
    if step.nerve_tension and status == "done" and row.step_index >= len(steps):
        # The last step: no next card to carry the question, so it is asked on its own.
        row.state = "during"
        _ask(user, f"ci:quick:{row.id}")
        return Outgoing(texts.DURING_QUESTION, keyboards.during_quick(row.id or 0))
    return next_or_after(rt, row, user, now, previous=step, skipped=status != "done")


def next_or_after(
    rt: Runtime,
    row: ExerciseSession,
    user: User | None,
    now: datetime,
    *,
    previous: SessionStep | None,
    skipped: bool = False,
) -> Outgoing:
    steps = steps_of(rt, row)
    if row.step_index < len(steps):
        return start_step(
            rt, row, now, cards.lead_in(previous, steps[row.step_index], skipped=skipped)
        )
    return ask_after(row, user, texts.PAIN_AFTER)


def ask_after(row: ExerciseSession, user: User | None, question: str) -> Outgoing:
    row.state = "after"
    row.hold_ends_at = None
    row.version += 1
    _ask(user, f"ci:pain:{row.id}:a")
    return Outgoing(question, keyboards.pain(row.id or 0, "a"))


async def skip_nerve_steps(rt: Runtime, s: Any, row: ExerciseSession, now: datetime) -> None:
    steps = steps_of(rt, row)
    while row.nerve_off and row.step_index < len(steps) and steps[row.step_index].nerve_tension:
        step = steps[row.step_index]
        await session_q.record_step(
            s,
            row=row,
            step=step,
            status="skipped",
            seconds=0.0,
            at=now,
        )
        row.step_index += 1


def _ask(user: User | None, dialog: str) -> None:
    if user is not None:
        user_q.set_dialog(user, dialog=dialog)


async def deliver(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> int | None:
    """Send or edit, then arm the session's timer with the message it will edit. A step that
    could not be shown gets no timer: its hold ending would record it as done."""
    if out.countdown:
        return await _edit_countdown(rt, bot, chat_id, out)
    try:
        message_id = await _show_retrying(rt, bot, chat_id, out)
    except TelegramError as exc:
        if out.tick is None:
            raise
        await _pause_unshown(rt, out.tick, exc)
        return None
    if out.tick is not None:
        schedule_tick(rt, bot, chat_id, *out.tick, message_id=message_id)
    return message_id


async def _show(bot: Bot, chat_id: int, out: Outgoing) -> int:
    if out.message_id is not None and await edit_message(
        bot, chat_id, out.message_id, out.text, out.markup
    ):
        return out.message_id
    return (await bot.send_message(chat_id, out.text, reply_markup=out.markup)).message_id


async def _show_retrying(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> int:
    """As reminders do: timeouts, 5xx and flood limits are tried again with backoff, for a
    minute of the session's time; a request Telegram refuses is not."""
    give_up = rt.clock.now() + real(rt, SHOW_WITHIN)
    wait = FIRST_RETRY
    while True:
        try:
            return await _show(bot, chat_id, out)
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as exc:
            rt.metrics.api_error(exc)
            pause = max(real(rt, wait), _asked_to_wait(exc))
            if rt.clock.now() + pause > give_up:
                raise
            await asyncio.sleep(pause.total_seconds())
            wait = min(2 * wait, LONGEST_RETRY)


def _asked_to_wait(exc: TelegramError) -> timedelta:
    wait = exc.retry_after if isinstance(exc, RetryAfter) else 0
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


async def _edit_countdown(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> int | None:
    assert out.tick is not None, "a countdown belongs to a running hold"
    message_id = out.message_id
    try:
        message_id = await _show(bot, chat_id, out)
    finally:
        schedule_tick(rt, bot, chat_id, *out.tick, message_id=message_id)
    return message_id


async def _pause_unshown(rt: Runtime, tick: tuple[int, int, datetime], exc: TelegramError) -> None:
    """The person never saw this step: it waits, whole, until they come back for it."""
    session_id, version, _ = tick
    log.warning("session %s paused, its step could not be shown: %s", session_id, exc)
    rt.metrics.inc("sessions_paused_unshown")
    async with rt.db.session() as s:
        row = await s.get(ExerciseSession, session_id, with_for_update=True)
        if row is None or row.version != version or row.state != "holding":
            return
        hold_still(rt, row, rt.clock.now(), "paused")
        row.remaining_seconds = float(steps_of(rt, row)[row.step_index].seconds)
        row.pause_reason = "unshown"


def schedule_tick(
    rt: Runtime,
    bot: Bot,
    chat_id: int,
    session_id: int,
    version: int,
    due: datetime,
    *,
    message_id: int | None,
) -> None:
    rt.scheduler.add_job(
        tick,
        "date",
        run_date=rt.clock.to_real(due),
        args=[rt, bot, chat_id, session_id, version, message_id],
        id=f"session-{session_id}",
        replace_existing=True,
        misfire_grace_time=None,
        # A tick re-arms its own id while it runs; with one instance allowed, APScheduler
        # would drop a re-armed run that is already due.
        max_instances=2,
    )


def cancel_tick(rt: Runtime, session_id: int) -> None:
    job = rt.scheduler.get_job(f"session-{session_id}")
    if job is not None:
        job.remove()


async def tick(
    rt: Runtime, bot: Bot, chat_id: int, session_id: int, version: int, message_id: int | None
) -> None:
    try:
        await _tick(rt, bot, chat_id, session_id, version, message_id)
    except TelegramError as exc:
        # The session row is already saved; the next tick or a tap picks up from there.
        log.warning("timer for session %s: %s", session_id, exc)
        rt.metrics.api_error(exc)


async def _tick(
    rt: Runtime, bot: Bot, chat_id: int, session_id: int, version: int, message_id: int | None
) -> None:
    now = rt.clock.now()
    async with rt.db.session() as s:
        # The row lock makes a tick and a tap (maybe on another instance) take turns.
        row = await s.get(ExerciseSession, session_id, with_for_update=True)
        if row is None or row.version != version or row.state != "holding":
            return
        row.owner = rt.instance_id
        remaining = left(rt, row, now)
        step = steps_of(rt, row)[row.step_index]
        if remaining > 0.5 and message_id is None:
            # An adopted timer does not know the step's message: it only waits for the end.
            schedule_tick(
                rt,
                bot,
                chat_id,
                session_id,
                version,
                row.hold_ends_at or now,
                message_id=None,
            )
            return
        if remaining > 0.5:
            out = _countdown(rt, row, step, remaining, message_id)
        else:
            user = await user_q.get_user(s, user_id=row.user_id)
            out = await finish_step(rt, s, row, user, now, status="done")
            rt.metrics.observe_hold_lateness(-remaining * rt.settings.timer_scale)
    await deliver(rt, bot, chat_id, out)


def _countdown(
    rt: Runtime, row: ExerciseSession, step: SessionStep, remaining: float, message_id: int | None
) -> Outgoing:
    shown = min(remaining, step.seconds)
    steps = steps_of(rt, row)
    previous = steps[row.step_index - 1] if row.step_index else None
    out = step_card(rt, row, cards.remaining(shown), cards.lead_in(previous, step))
    out.message_id = message_id
    out.countdown = True
    mark = next_edit(remaining, step.seconds, rt.settings.countdown_edit_seconds)
    ends = row.hold_ends_at or rt.clock.now()
    out.tick = (row.id or 0, row.version, ends - real(rt, mark))
    return out


def alive_since(rt: Runtime, now: datetime) -> datetime:
    """An instance that has not beaten since then is gone, and so are its sessions' timers."""
    return now - GONE_AFTER_BEATS * timedelta(seconds=rt.settings.heartbeat_seconds)


async def beat(rt: Runtime) -> None:
    """Say this instance is alive (the first beat registers it)."""
    now = rt.clock.now()
    async with rt.db.session() as s:
        await instance_q.beat(
            s, instance_id=rt.instance_id, at=now, gone_before=alive_since(rt, now)
        )


async def leave(rt: Runtime) -> None:
    """Gone at once rather than after missed beats, so a restart offers its holds back."""
    async with rt.db.session() as s:
        await instance_q.remove(s, instance_id=rt.instance_id)


async def keep_alive(rt: Runtime, bot: Bot) -> None:
    """The instance's heartbeat; then it takes over the holds of instances that have none."""
    await beat(rt)
    await adopt_orphans(rt, bot)


async def adopt_orphans(rt: Runtime, bot: Bot) -> None:
    """Holds whose instance is gone (a crash) go on here: this one takes their timers.

    A tick checks the row's version under a lock, so two instances adopting the same
    session still move it on only once."""
    now = rt.clock.now()
    async with rt.db.session() as s:
        rows = await session_q.orphaned_holds(
            s, me=rt.instance_id, alive_since=alive_since(rt, now)
        )
        for row in rows:
            row.owner = rt.instance_id
        chats = {row.user_id: await user_q.get_user(s, user_id=row.user_id) for row in rows}
    for row in rows:
        user = chats.get(row.user_id)
        if user is not None and rt.scheduler.get_job(f"session-{row.id}") is None:
            schedule_tick(rt, bot, user.chat_id, row.id or 0, row.version, now, message_id=None)
            rt.metrics.inc("timers_adopted")
