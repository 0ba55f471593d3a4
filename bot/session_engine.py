"""The session machine's shell: it loads a session, feeds the machine an event, stores the
result and carries out the effects (routines/session.py has the rules).

The session row is the truth. A timer job only carries the row's version; if anything has
changed since (a pause, a skip, another instance), the machine finds a newer version and
refuses it. Database work is committed before any Bot API call is made."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot import buttons as b
from bot import cards, decisions, keyboards, morning_checks, pictures, texts
from bot.context import BotContext
from bot.routing import clear_buttons, edit_message, split_dialog
from bot.runtime import Runtime
from bot.session_plans import steps_of
from routines import session as machine
from routines.safety import (
    PLAN_PAUSE,
    SETBACK_WINDOW,
    Answer,
    Decision,
    Known,
    Phase,
    Reason,
    decide,
    no_improvement,
)
from storage.models import CheckIn, ExerciseSession, Plan, User
from storage.queries import instances as instance_q
from storage.queries import plans as plan_q
from storage.queries import sessions as session_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)

# A step's card that does not go out is tried again for this long (on the catalog's clock),
# waiting twice as long each time up to the longest wait, before the session pauses.
SHOW_WITHIN = 60.0
FIRST_RETRY, LONGEST_RETRY = 1.0, 16.0
# An instance is gone once it has missed this many heartbeats.
GONE_AFTER_BEATS = 3


@dataclass(frozen=True)
class Shown:
    """A message on screen: the timer edits it, as a caption when it is a photo."""

    message_id: int
    photo: bool


@dataclass
class Outgoing:
    """A message to send, or to edit in place when `message_id` is set."""

    text: str
    markup: InlineKeyboardMarkup | None
    message_id: int | None = None
    # A step's picture (bot/pictures.py): the message is that photo, the text its caption.
    picture: str | None = None
    # The message to edit is a photo, so its caption is what changes.
    on_photo: bool = False
    # Session id, version, and when the tick is due on the bot's clock. An instant, not a
    # delay: a delay would start only after the commit and the send, making every hold late.
    tick: tuple[int, int, datetime] | None = None
    # An edit of a countdown already on screen: losing one loses nothing, so none is retried.
    countdown: bool = False


def real(rt: Runtime, seconds: float) -> timedelta:
    return timedelta(seconds=seconds * rt.settings.timer_scale)


def timing(rt: Runtime) -> machine.Timing:
    settings = rt.settings
    return machine.Timing(
        edit_every=settings.countdown_edit_seconds,
        scale=settings.timer_scale,
    )


Q = machine.Question
# The open question is kept as the person's dialog, so that a typed answer finds it.
_DIALOG = {
    Q.PAIN_BEFORE: ("ci:pain", "b"),
    Q.TINGLING_BEFORE: ("ci:tingle", "b"),
    Q.PAIN_DURING: ("ci:pain", "d"),
    Q.PAIN_HURT: ("ci:pain", "d"),
    Q.TINGLING_DURING: ("ci:tingle", "d"),
    Q.NERVE_CHECK: ("ci:quick", ""),
    Q.PAIN_AFTER: ("ci:pain", "a"),
    Q.PAIN_STOPPED: ("ci:pain", "a"),
}
# Reading a dialog back gives the question it asks; two wordings share one dialog.
_ASKED = {
    ("ci:pain", "b"): Q.PAIN_BEFORE,
    ("ci:tingle", "b"): Q.TINGLING_BEFORE,
    ("ci:pain", "d"): Q.PAIN_DURING,
    ("ci:tingle", "d"): Q.TINGLING_DURING,
    ("ci:quick", ""): Q.NERVE_CHECK,
    ("ci:pain", "a"): Q.PAIN_AFTER,
}


def dialog_of(question: machine.Question, session_id: int) -> str:
    name, phase = _DIALOG[question]
    return f"{name}:{session_id}:{phase}" if phase else f"{name}:{session_id}"


def asked_of(user: User | None, session_id: int) -> machine.Question | None:
    """The session's question the person has open, if any."""
    name, args = split_dialog(user.dialog if user else None)
    if not args or args[0] != str(session_id):
        return None
    return _ASKED.get((name, args[1] if len(args) > 1 else ""))


def question(q: machine.Question, session_id: int) -> tuple[str, InlineKeyboardMarkup]:
    moment = b.Moment(_DIALOG[q][1] or b.Moment.DURING)
    if q is Q.NERVE_CHECK:
        return texts.DURING_QUESTION, keyboards.during_quick(session_id)
    if q in {Q.TINGLING_BEFORE, Q.TINGLING_DURING}:
        return _WORDS[q], keyboards.tingling(session_id, moment)
    return _WORDS[q], keyboards.pain(session_id, moment)


_WORDS = {
    Q.PAIN_BEFORE: texts.PAIN_BEFORE,
    Q.TINGLING_BEFORE: texts.TINGLING_BEFORE,
    Q.PAIN_DURING: texts.PAIN_DURING,
    Q.PAIN_HURT: texts.PAIN_HURT,
    Q.TINGLING_DURING: texts.TINGLING_DURING,
    Q.PAIN_AFTER: texts.PAIN_AFTER,
    Q.PAIN_STOPPED: texts.PAIN_STOPPED,
}


@dataclass
class Turn:
    """One update's (or one timer's) work on one session: events go to the machine, its
    effects are stored, and what it says goes out after the commit (`deliver_all`)."""

    rt: Runtime
    s: AsyncSession
    row: ExerciseSession
    user: User | None
    now: datetime
    # The message whose button was pressed: replies edit it in place unless they are news.
    pressed: int | None = None
    pressed_photo: bool = False
    # The message a timer's countdown edits.
    timer_message: int | None = None
    timer_photo: bool = False
    replies: list[Outgoing] = field(default_factory=list)
    _card: Outgoing | None = None
    _due: datetime | None = None
    _cancel: bool = False
    _note: str = ""
    # The answer the turn recorded, which the session's earlier check-ins do not hold yet.
    _answer: Answer | None = None
    _loaded: tuple[int, Plan | None, list[CheckIn]] | None = None

    def session(self) -> machine.Session:
        row = self.row
        return session_q.as_machine(
            row, steps_of(self.rt, row), timing(self.rt), asked_of(self.user, row.id or 0)
        )

    async def play(self, event: machine.Event) -> machine.Outcome:
        before = self.session()
        changed = before.state in machine.OPEN and len(before.steps) != self.row.total_steps
        if changed:
            event = machine.Abandon(machine.StopReason.PLAN_CHANGED.value)
            self._reply(Outgoing(texts.SESSION_PLAN_CHANGED, None), fresh=True)
        outcome = machine.advance(before, event, self.now)
        if outcome.refused is not None:
            return outcome
        session_q.store(self.row, outcome.session)
        if self.user is not None and before.asked and outcome.session.asked is None:
            user_q.set_dialog(self.user, dialog=None, draft={})
        for effect in outcome.effects:
            await self._apply(effect)
        return outcome

    async def _apply(self, effect: machine.Effect) -> None:
        match effect:
            case machine.RecordStep(index, status, seconds):
                step = steps_of(self.rt, self.row)[index]
                await session_q.record_step(
                    self.s, row=self.row, step=step, status=status, seconds=seconds, at=self.now
                )
            case machine.ShowStep():
                self._card = self._reply(self._step_card(effect), effect.fresh, effect.countdown)
            case machine.Ask(q, pain, prefaces, fresh):
                if self.user is not None:
                    draft = {"pain": pain} if pain is not None else None
                    user_q.set_dialog(self.user, dialog=dialog_of(q, self.row.id or 0), draft=draft)
                text, markup = question(q, self.row.id or 0)
                self._reply(Outgoing(self._preface(prefaces, text), markup), fresh)
            case machine.ArmTimer(due):
                self._due = due
                self.row.owner = self.rt.instance_id
            case machine.CancelTimer():
                self._cancel = True
            case machine.Decide(answer, keep_step):
                decision = await self._decide(answer)
                await self.play(machine.Decided(answer, decision, keep_step))
            case machine.RecordCheckIn(answer, decision):
                await self._record_checkin(answer, decision)
            case machine.Finish(decision, pause_plan):
                await self._finish(decision, pause_plan=pause_plan)
            case machine.Ended():
                self._reply(Outgoing(texts.SESSION_OVER, None))
            case machine.OfferResume(seconds_left):
                self._reply(self._resume_offer(seconds_left), fresh=True)

    def _reply(self, out: Outgoing, fresh: bool = False, countdown: bool = False) -> Outgoing:
        out.countdown = countdown
        out.message_id = self.timer_message if countdown else None if fresh else self.pressed
        out.on_photo = self.timer_photo if countdown else self.pressed_photo
        self.replies.append(out)
        return out

    def _step_card(self, show: machine.ShowStep) -> Outgoing:
        steps = steps_of(self.rt, self.row)
        step = steps[show.index]
        lead = ""
        if show.lead is not None:
            previous = None if show.lead.previous is None else steps[show.lead.previous]
            lead = cards.lead_in(previous, step, skipped=show.lead.skipped)
        if show.nerve_check:
            lead = f"{lead}\n\n{texts.NERVE_CHECK}".strip()
        status = cards.clock(step, show.clock, show.seconds)
        text = cards.card(step, len(steps), status, lead)
        markup = keyboards.controls(
            self.row.id or 0,
            show.index,
            paused=show.paused,
            nerve_check=show.nerve_check,
            done=step.on_one_card,
        )
        caption = self._preface(show.prefaces, text)
        picture = pictures.for_step(self.row.routine_id, step)
        # A caption over Telegram's limit (a long note above the card) goes as text instead.
        if picture is not None and not pictures.fits_caption(caption):
            picture = None
        return Outgoing(caption, markup, picture=picture)

    def _preface(self, prefaces: tuple[machine.Preface, ...], text: str) -> str:
        words = {
            machine.Preface.CONTINUE_EASY: texts.CONTINUE_EASY,
            machine.Preface.CHECKIN_NOTE: self._note,
            machine.Preface.SKIPPING_NERVE: texts.SKIPPING_NERVE,
            machine.Preface.NEXT_WAITING: texts.NEXT_WAITING,
        }
        lines = " ".join(words[p] for p in prefaces if words[p]).strip()
        return f"{lines}\n\n{text}" if lines else text

    def _resume_offer(self, seconds_left: float) -> Outgoing:
        step = steps_of(self.rt, self.row)[self.row.step_index]
        text = texts.RECOVERED.format(
            step=step.number,
            total=self.row.total_steps,
            name=escape(step.name),
            left=round(seconds_left),
        )
        return Outgoing(text, keyboards.session_open(self.row.id or 0))

    async def _checked(self) -> tuple[int, Plan | None, list[CheckIn]]:
        """The plan's level, the plan, and the session's check-ins so far."""
        if self._loaded is None:
            plan = await plan_q.get_plan(self.s, user_id=self.row.user_id)
            earlier = await session_q.checkins_of(self.s, session_id=self.row.id)
            self._loaded = (plan.level if plan else self.row.level, plan, earlier)
        return self._loaded

    async def _decide(self, answer: Answer) -> Decision:
        level, _, earlier = await self._checked()
        user_id = self.row.user_id
        history = await session_q.history(self.s, user_id=user_id, before_id=self.row.id)
        setbacks = await session_q.gentlest_setbacks(
            self.s, user_id=user_id, since=self.now - SETBACK_WINDOW, besides=self.row.id
        )
        known = Known(
            baseline_pain=self.row.pain_before,
            history=history,
            level=level,
            worse_earlier=decisions.worse_earlier(earlier),
            gentlest_setbacks=setbacks,
            no_improvement=answer.phase is Phase.BEFORE and await self._no_improvement(),
        )
        return decide(answer, known)

    async def _no_improvement(self) -> bool:
        if self.user is None or self.user.gp_advised_at is not None:
            return False
        pains = await session_q.pains_before(self.s, user_id=self.row.user_id)
        return no_improvement(pains, self.now)

    async def _record_checkin(self, answer: Answer, decision: Decision) -> None:
        level, plan, earlier = await self._checked()
        top = self.rt.catalog.get(self.row.routine_id).top_level
        new_level = await decisions.record(
            self.s,
            self.row,
            plan,
            answer,
            decision,
            level=level,
            top=top,
            at=self.now,
            earlier=earlier,
        )
        self._note = decisions.explain(decision, self.row, answer, new_level, top)
        self._answer = answer
        if decision.reason is Reason.NO_IMPROVEMENT and self.user is not None:
            self.user.gp_advised_at = self.now

    async def _finish(self, decision: Decision, *, pause_plan: bool) -> None:
        _, plan, earlier = await self._checked()
        if plan is not None and pause_plan:
            plan_q.pause_for(plan, reason=PLAN_PAUSE[decision.reason], at=self.now)
            self.rt.metrics.inc("plans_paused_for_pain")
        elif plan is not None and self.row.step_index > 0:
            morning_checks.schedule(self.rt, self.s, self.row, plan)
        summary = await decisions.summary(self.rt, self.s, self.row, plan, self.now)
        note, markup = decisions.offer(self.rt, self.row, plan, decision, self._note)
        answer = self._answer or Answer(Phase.AFTER)
        if markup is None and decisions.worse(decision, answer, earlier):
            markup = keyboards.flare_up()
        self.rt.metrics.inc("sessions_finished")
        self._reply(Outgoing(summary + (f"\n\n{note}" if note else ""), markup))
        if decisions.new_numbness(answer, earlier):
            screen = f"{texts.NUMBNESS_SCREEN}\n\n{texts.RED_FLAG_QUESTION}"
            self._reply(Outgoing(screen, keyboards.red_flags(b.Origin.CHECK)), fresh=True)

    async def deliver_all(self, bot: Bot, chat_id: int) -> None:
        """Carry out what the turn said, once its transaction has committed."""
        session_id = self.row.id or 0
        if self._cancel:
            cancel_tick(self.rt, session_id)
        # Only the last timer of the turn counts, and only while the hold runs.
        due = self._due if self.row.state == machine.State.HOLDING else None
        for out in self.replies:
            if out is self._card and due is not None:
                out.tick = (session_id, self.row.version, due)
            await deliver(self.rt, bot, chat_id, out)
        if due is not None and self._card is None:
            schedule_tick(self.rt, bot, chat_id, session_id, self.row.version, due, shown=None)


async def deliver(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> Shown | None:
    """Send or edit, then arm the session's timer with the message it will edit. A step that
    could not be shown gets no timer: its hold ending would record it as done."""
    if out.countdown:
        return await _edit_countdown(rt, bot, chat_id, out)
    try:
        shown = await _show_retrying(rt, bot, chat_id, out)
    except TelegramError as exc:
        if out.tick is None:
            raise
        await _pause_unshown(rt, out.tick, exc)
        return None
    if out.tick is not None:
        schedule_tick(rt, bot, chat_id, *out.tick, shown=shown)
    return shown


async def _show(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> Shown:
    """Edit the message in place where it is the same kind (a card's caption, a question's
    text); otherwise send a new one, and take the buttons off a photo it replaces."""
    photo = out.picture is not None
    if out.message_id is not None and out.on_photo == photo:
        if await edit_message(bot, chat_id, out.message_id, out.text, out.markup, caption=photo):
            return Shown(out.message_id, photo)
    elif out.message_id is not None and out.on_photo:
        await clear_buttons(bot, chat_id, out.message_id)
    if out.picture is not None:
        sent = await pictures.send(rt, bot, chat_id, out.picture, out.text, out.markup)
    else:
        sent = await bot.send_message(chat_id, out.text, reply_markup=out.markup)
    return Shown(sent.message_id, photo)


async def _show_retrying(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> Shown:
    """As reminders do: timeouts, 5xx and flood limits are tried again with backoff, for a
    minute of the session's time; a request Telegram refuses is not."""
    give_up = rt.clock.now() + real(rt, SHOW_WITHIN)
    wait = FIRST_RETRY
    while True:
        try:
            return await _show(rt, bot, chat_id, out)
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


async def _edit_countdown(rt: Runtime, bot: Bot, chat_id: int, out: Outgoing) -> Shown | None:
    assert out.tick is not None, "a countdown belongs to a running hold"
    shown = Shown(out.message_id, out.on_photo) if out.message_id is not None else None
    try:
        shown = await _show(rt, bot, chat_id, out)
    finally:
        schedule_tick(rt, bot, chat_id, *out.tick, shown=shown)
    return shown


async def _pause_unshown(rt: Runtime, tick: tuple[int, int, datetime], exc: TelegramError) -> None:
    session_id, version, _ = tick
    log.warning("session %s paused, its step could not be shown: %s", session_id, exc)
    rt.metrics.inc("sessions_paused_unshown")
    async with rt.db.session() as s:
        row = await s.get(ExerciseSession, session_id, with_for_update=True)
        if row is not None:
            await Turn(rt, s, row, None, rt.clock.now()).play(machine.Unshown(version))


def schedule_tick(
    rt: Runtime,
    bot: Bot,
    chat_id: int,
    session_id: int,
    version: int,
    due: datetime,
    *,
    shown: Shown | None,
) -> None:
    name = timer_name(session_id)
    rt.job_queue.run_once(
        tick,
        when=rt.clock.to_real(due),
        data=Timer(chat_id, session_id, version, shown),
        name=name,
        # One timer per session, replaced when it is armed again. A tick re-arms its own id
        # while it runs; with one instance allowed, APScheduler would drop a re-armed run
        # that is already due.
        job_kwargs={"id": name, "replace_existing": True, "max_instances": 2},
    )


def timer_name(session_id: int) -> str:
    return f"session-{session_id}"


def cancel_tick(rt: Runtime, session_id: int) -> None:
    job = rt.scheduler.get_job(timer_name(session_id))
    if job is not None:
        job.remove()


@dataclass(frozen=True)
class Timer:
    """What a session's timer job carries: the row's version, and the message to edit."""

    chat_id: int
    session_id: int
    version: int
    shown: Shown | None


async def tick(context: BotContext) -> None:
    """A session's timer; anything but a refused Bot API call reaches the error handler."""
    assert context.job is not None and isinstance(context.job.data, Timer)
    rt, bot, timer = context.rt, context.bot, context.job.data
    try:
        await _tick(rt, bot, timer)
    except TelegramError as exc:
        # The session row is already saved; the next tick or a tap picks up from there.
        log.warning("timer for session %s: %s", timer.session_id, exc)
        rt.metrics.api_error(exc)


async def _tick(rt: Runtime, bot: Bot, timer: Timer) -> None:
    now, shown = rt.clock.now(), timer.shown
    async with rt.db.session() as s:
        # The row lock makes a tick and a tap (maybe on another instance) take turns.
        row = await s.get(ExerciseSession, timer.session_id, with_for_update=True)
        if row is None or row.version != timer.version:
            return
        user = await user_q.get_user(s, user_id=row.user_id)
        turn = Turn(
            rt,
            s,
            row,
            user,
            now,
            timer_message=shown.message_id if shown else None,
            timer_photo=shown.photo if shown else False,
        )
        ends_at, index = row.hold_ends_at, row.step_index
        await turn.play(machine.Tick(timer.version, can_edit=shown is not None))
        if ends_at is not None and row.step_index != index:
            hold_ended(rt, row.user_id, ends_at, now)
    await turn.deliver_all(bot, timer.chat_id)


def hold_ended(rt: Runtime, user_id: int, ends_at: datetime, now: datetime) -> None:
    """A hold's timer ended it: how late, on the real clock. (Only a timer calls this, so a
    benchmark can wrap it to pair each end with the message it sends.)"""
    rt.metrics.observe_hold_lateness((now - ends_at).total_seconds())


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
        if user is not None and rt.scheduler.get_job(timer_name(row.id or 0)) is None:
            schedule_tick(rt, bot, user.chat_id, row.id or 0, row.version, now, shown=None)
            rt.metrics.inc("timers_adopted")
