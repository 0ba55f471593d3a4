"""The session machine: a running session's states, and every way it moves between them.

Pure code. `advance(session, event, now)` returns the session after the event and the
effects that the bot carries out (record a step, show a card, arm the timer, ask a
question); it reads no clock, database or network. An event that does not fit the state
(a stale button, a timer that lost a race) changes nothing and is refused. Every accepted
event bumps the version, here and nowhere else: a timer or a button carrying an older
version is stale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from routines.plan import PlannedStep
from routines.safety import PAUSING, Action, Answer, Decision, Known, Phase, Tingling, decide

# A countdown gets an edit at ten seconds left, if the hold is long enough to need one.
TEN_SECONDS_LEFT = 10.0
# A timer this close to the end of the hold ends it: a tick is never exactly on time.
END_SLACK = 0.5


class State(StrEnum):
    BEFORE_PAIN = "before_pain"
    BEFORE_TINGLE = "before_tingle"
    HOLDING = "holding"
    PAUSED = "paused"
    # A question during the session ("It hurts", the nerve check), the clock stopped.
    DURING = "during"
    AFTER = "after"
    DONE = "done"
    STOPPED = "stopped"


TERMINAL = frozenset({State.DONE, State.STOPPED})
OPEN = frozenset(State) - TERMINAL
RUNNING = frozenset({State.HOLDING, State.PAUSED})


class StepStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    STOPPED = "stopped"


class StopReason(StrEnum):
    """Why a session ended early, besides the safety reasons of `routines.safety.Reason`."""

    USER = "user"
    ABANDONED = "abandoned"
    # The catalog changed since the session began: its step numbers mean other steps now.
    PLAN_CHANGED = "plan_changed"


class PauseReason(StrEnum):
    """Why the bot, not the person, paused a session."""

    UNSHOWN = "unshown"  # the step's card could not be shown


class Question(StrEnum):
    PAIN_BEFORE = "pain_before"
    TINGLING_BEFORE = "tingling_before"
    PAIN_DURING = "pain_during"
    PAIN_HURT = "pain_hurt"  # the pain question after "It hurts"
    TINGLING_DURING = "tingling_during"
    NERVE_CHECK = "nerve_check"  # fine / pain / tingling, after the last nerve-tension step
    PAIN_AFTER = "pain_after"
    PAIN_STOPPED = "pain_stopped"  # the after question when the person stopped

    @property
    def phase(self) -> Phase:
        return _PHASE_OF[self]


_PHASE_OF = {
    Question.PAIN_BEFORE: Phase.BEFORE,
    Question.TINGLING_BEFORE: Phase.BEFORE,
    Question.PAIN_DURING: Phase.DURING,
    Question.PAIN_HURT: Phase.DURING,
    Question.TINGLING_DURING: Phase.DURING,
    Question.NERVE_CHECK: Phase.DURING,
    Question.PAIN_AFTER: Phase.AFTER,
    Question.PAIN_STOPPED: Phase.AFTER,
}


class NerveChoice(StrEnum):
    FINE = "ok"
    PAIN = "pain"
    TINGLE = "tingle"


class Clock(StrEnum):
    """What the step card's status line says about the time."""

    GET_READY = "get_ready"
    LEFT = "left"
    PAUSED = "paused"


class Preface(StrEnum):
    """Lines above a card or a question, after a check-in."""

    CONTINUE_EASY = "continue_easy"
    CHECKIN_NOTE = "checkin_note"  # what the check-in's decision means, in words
    SKIPPING_NERVE = "skipping_nerve"
    NEXT_WAITING = "next_waiting"  # the next step waits: do it gently, or stop here


class Refusal(StrEnum):
    STALE = "stale"
    SESSION_OVER = "session_over"
    STEP_OVER = "step_over"
    NOTHING_TO_RESUME = "nothing_to_resume"


@dataclass(frozen=True)
class Timing:
    # At most one countdown edit this often: Telegram counts edits against the flood limit.
    edit_every: float = 30.0
    # Real seconds per catalog second: tests and the playground run holds faster.
    scale: float = 1.0

    def real(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds * self.scale)


@dataclass(frozen=True)
class Session:
    id: int
    steps: tuple[PlannedStep, ...]
    state: State = State.BEFORE_PAIN
    step_index: int = 0
    version: int = 0
    timing: Timing = field(default_factory=Timing)
    # While a hold runs, when it ends (get-ready time included); while it is stopped, the
    # catalog seconds it had left.
    hold_ends_at: datetime | None = None
    remaining: float | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    # New tingling or numbness: the rest of this session leaves out nerve-tension steps.
    nerve_off: bool = False
    stop_reason: str | None = None
    pause_reason: PauseReason | None = None
    ended_at: datetime | None = None
    # The question the person was last asked and has not answered.
    asked: Question | None = None

    @property
    def step(self) -> PlannedStep:
        return self.steps[self.step_index]


# Events


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Tick:
    """The session's timer: a countdown edit, or the end of the hold. `can_edit`: the timer
    knows the card's message (a timer adopted after a crash does not)."""

    version: int
    can_edit: bool = True


@dataclass(frozen=True)
class Unshown:
    """The step's card could not be shown: the person never saw it start."""

    version: int


@dataclass(frozen=True)
class Pause:
    index: int


@dataclass(frozen=True)
class Resume:
    index: int


@dataclass(frozen=True)
class Skip:
    index: int


@dataclass(frozen=True)
class Done:
    """A set of reps or cycles finished before its clock: the person says so."""

    index: int


@dataclass(frozen=True)
class Stop:
    index: int


@dataclass(frozen=True)
class Hurt:
    index: int


@dataclass(frozen=True)
class PainAnswered:
    phase: Phase
    pain: int


@dataclass(frozen=True)
class TinglingAnswered:
    phase: Phase
    tingling: Tingling
    pain: int | None  # the pain answer just before, if any


@dataclass(frozen=True)
class SharpPain:
    """After "It hurts": the pain is sharp, shooting or spreading, whatever its number."""


@dataclass(frozen=True)
class NerveChecked:
    choice: NerveChoice


@dataclass(frozen=True)
class Decided:
    """The safety rules' decision on an answer this machine asked to be decided."""

    answer: Answer
    decision: Decision
    keep_step: bool = False


@dataclass(frozen=True)
class Reopen:
    """The offer to pick an open session up again: resume it, or end it."""

    resume: bool


@dataclass(frozen=True)
class Recover:
    """At start-up: the hold's timer died with the instance that ran it."""


@dataclass(frozen=True)
class Abandon:
    reason: str


Event = (
    Start
    | Tick
    | Unshown
    | Pause
    | Resume
    | Skip
    | Done
    | Stop
    | Hurt
    | PainAnswered
    | TinglingAnswered
    | SharpPain
    | NerveChecked
    | Decided
    | Reopen
    | Recover
    | Abandon
)


# Effects


@dataclass(frozen=True)
class RecordStep:
    index: int
    status: StepStatus
    seconds: float


@dataclass(frozen=True)
class Lead:
    """The line above a step card: "Let's begin" with no previous step, else how the
    previous one ended and what comes next."""

    previous: int | None
    skipped: bool = False


@dataclass(frozen=True)
class ShowStep:
    index: int
    clock: Clock
    seconds: float
    lead: Lead | None = None
    prefaces: tuple[Preface, ...] = ()
    nerve_check: bool = False
    # An edit of the countdown already on screen: losing one loses nothing.
    countdown: bool = False
    # A new message rather than an edit of the pressed one, so that it makes a sound.
    fresh: bool = False

    @property
    def paused(self) -> bool:
        return self.clock is Clock.PAUSED


@dataclass(frozen=True)
class Ask:
    question: Question
    pain: int | None = None  # kept with the tingling question, decided with its answer
    prefaces: tuple[Preface, ...] = ()
    fresh: bool = False


@dataclass(frozen=True)
class ArmTimer:
    due: datetime


@dataclass(frozen=True)
class CancelTimer:
    pass


@dataclass(frozen=True)
class Decide:
    """Ask the bot for the safety rules' decision, which reads the person's history; it
    comes back as a `Decided` event."""

    answer: Answer
    keep_step: bool = False


@dataclass(frozen=True)
class RecordCheckIn:
    answer: Answer
    decision: Decision


@dataclass(frozen=True)
class Finish:
    """The session is over: the summary, and the plan paused when `pause_plan`."""

    decision: Decision
    pause_plan: bool


@dataclass(frozen=True)
class Ended:
    """The person ended an open session without finishing it."""


@dataclass(frozen=True)
class OfferResume:
    seconds_left: float


@dataclass(frozen=True)
class Refuse:
    why: Refusal


Effect = (
    RecordStep
    | ShowStep
    | Ask
    | ArmTimer
    | CancelTimer
    | Decide
    | RecordCheckIn
    | Finish
    | Ended
    | OfferResume
    | Refuse
)


@dataclass(frozen=True)
class Outcome:
    session: Session
    effects: tuple[Effect, ...]

    @property
    def refused(self) -> Refusal | None:
        first = self.effects[0] if self.effects else None
        return first.why if isinstance(first, Refuse) else None


# Time


def left(session: Session, now: datetime) -> float:
    """Catalog seconds of the hold still to go (get-ready time included while it runs)."""
    if session.hold_ends_at is None:
        return session.remaining or 0.0
    return (session.hold_ends_at - now).total_seconds() / session.timing.scale


def next_edit(remaining: float, hold: float, interval: float) -> float:
    """The remaining-time mark of the next countdown edit, or 0 for the end of the hold.

    Edits are rationed (the design allows 3 calls a step): at most one every `interval`
    seconds, one at ten seconds left, and none in the first interval of a hold."""
    marks = {TEN_SECONDS_LEFT} if hold >= 2 * TEN_SECONDS_LEFT else set()
    mark = hold - interval
    # A full interval clear of the ten-seconds edit too: a 60 s hold gets one edit, not two.
    while mark >= TEN_SECONDS_LEFT + interval:
        marks.add(mark)
        mark -= interval
    below = [m for m in marks if m < remaining - END_SLACK]
    return max(below, default=0.0)


def nerve_check_due(session: Session) -> bool:
    """After a nerve-tension step, the next card asks about tingling without stopping: the
    person carries on hands-free unless something is wrong."""
    index = session.step_index
    return (
        0 < index <= len(session.steps)
        and session.steps[index - 1].nerve_tension
        and not session.nerve_off
    )


# The machine


class _Move:
    """One transition being worked out: the session so far and the effects so far."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.s = session
        self.now = now
        self.effects: list[Effect] = []

    def emit(self, *effects: Effect) -> None:
        self.effects.extend(effects)

    def done(self) -> Outcome:
        return Outcome(replace(self.s, version=self.s.version + 1), tuple(self.effects))


def _refuse(session: Session, why: Refusal) -> Outcome:
    return Outcome(session, (Refuse(why),))


def advance(session: Session, event: Event, now: datetime) -> Outcome:
    """The one way a session changes."""
    if session.state in TERMINAL:
        return _refuse(session, Refusal.SESSION_OVER)
    move = _Move(session, now)
    why = _HANDLERS[type(event)](move, event)
    return _refuse(session, why) if why is not None else move.done()


def _start(m: _Move, e: Start) -> Refusal | None:
    if m.s.state is not State.BEFORE_PAIN or m.s.version:
        return Refusal.STALE
    _ask(m, Question.PAIN_BEFORE)
    return None


def _tick(m: _Move, e: Tick) -> Refusal | None:
    if e.version != m.s.version or m.s.state is not State.HOLDING:
        return Refusal.STALE
    remaining = left(m.s, m.now)
    if remaining > END_SLACK and not e.can_edit:
        m.emit(ArmTimer(m.s.hold_ends_at or m.now))
    elif remaining > END_SLACK:
        _countdown(m, remaining)
    else:
        _finish_step(m, StepStatus.DONE)
    return None


def _countdown(m: _Move, remaining: float) -> None:
    step, timing = m.s.step, m.s.timing
    previous = m.s.step_index - 1 if m.s.step_index else None
    m.emit(
        ShowStep(
            m.s.step_index,
            Clock.LEFT,
            min(remaining, step.seconds),
            lead=Lead(previous),
            nerve_check=nerve_check_due(m.s),
            countdown=True,
        )
    )
    mark = next_edit(remaining, step.seconds, timing.edit_every)
    m.emit(ArmTimer((m.s.hold_ends_at or m.now) - timing.real(mark)))


def _unshown(m: _Move, e: Unshown) -> Refusal | None:
    if e.version != m.s.version or m.s.state is not State.HOLDING:
        return Refusal.STALE
    # The person never saw this step: it waits, whole, until they come back for it.
    _hold_still(m, State.PAUSED)
    m.s = replace(m.s, remaining=float(m.s.step.seconds), pause_reason=PauseReason.UNSHOWN)
    return None


def _control(m: _Move, index: int, *, same_step: bool) -> Refusal | None:
    if m.s.state not in RUNNING:
        return Refusal.SESSION_OVER
    if same_step and index != m.s.step_index:
        return Refusal.STEP_OVER
    m.emit(CancelTimer())
    return None


def _pause(m: _Move, e: Pause) -> Refusal | None:
    if why := _control(m, e.index, same_step=True):
        return why
    if m.s.state is State.HOLDING:
        _hold_still(m, State.PAUSED)
    _show(m, Clock.PAUSED, m.s.remaining or 0.0)
    return None


def _resume(m: _Move, e: Resume) -> Refusal | None:
    if why := _control(m, e.index, same_step=True):
        return why
    _carry_on_step(m)
    return None


def _skip(m: _Move, e: Skip) -> Refusal | None:
    if why := _control(m, e.index, same_step=True):
        return why
    _finish_step(m, StepStatus.SKIPPED)
    return None


def _done(m: _Move, e: Done) -> Refusal | None:
    if m.s.state in RUNNING and e.index == m.s.step_index and not m.s.step.on_one_card:
        return Refusal.STALE  # a hold is done when its clock says so
    if why := _control(m, e.index, same_step=True):
        return why
    held = max(0.0, m.s.step.seconds - left(m.s, m.now))
    _finish_step(m, StepStatus.DONE, held=held)
    return None


def _stop(m: _Move, e: Stop) -> Refusal | None:
    if why := _control(m, e.index, same_step=False):
        return why
    step = m.s.step
    held = max(0.0, step.seconds - min(left(m.s, m.now), step.seconds))
    m.emit(RecordStep(m.s.step_index, StepStatus.STOPPED, held))
    m.s = replace(m.s, stop_reason=StopReason.USER.value)
    _ask_after(m, Question.PAIN_STOPPED)
    return None


def _hurt(m: _Move, e: Hurt) -> Refusal | None:
    if why := _control(m, e.index, same_step=False):
        return why
    _stop_clock(m)
    _ask(m, Question.PAIN_HURT)
    return None


_PAIN_STATE = {
    Phase.BEFORE: State.BEFORE_PAIN,
    Phase.DURING: State.DURING,
    Phase.AFTER: State.AFTER,
}
_TINGLE_STATE = {Phase.BEFORE: State.BEFORE_TINGLE, Phase.DURING: State.DURING}
_TINGLE_QUESTION = {Phase.BEFORE: Question.TINGLING_BEFORE, Phase.DURING: Question.TINGLING_DURING}


def _pain(m: _Move, e: PainAnswered) -> Refusal | None:
    if _PAIN_STATE.get(e.phase) is not m.s.state:
        return Refusal.STALE
    answer = Answer(e.phase, pain=e.pain)
    if e.phase is Phase.BEFORE:
        m.s = replace(m.s, pain_before=e.pain)
    if e.phase is Phase.AFTER:
        m.s = replace(m.s, pain_after=e.pain)
    if e.phase is Phase.AFTER or _pauses_plan(m.s, answer):
        # Pain that pauses the plan does so whatever the tingling answer would be, so a
        # person in that much pain is not asked one more question first.
        m.emit(Decide(answer))
        return None
    m.s = replace(m.s, state=_TINGLE_STATE[e.phase])
    _ask(m, _TINGLE_QUESTION[e.phase], pain=e.pain)
    return None


def _pauses_plan(s: Session, answer: Answer) -> bool:
    # The rules on severe pain do not read the history, so none is needed to know.
    return decide(answer, Known(baseline_pain=s.pain_before)).action in PAUSING


def _sharp(m: _Move, e: SharpPain) -> Refusal | None:
    if m.s.state is not State.DURING or m.s.asked not in DURING_PAIN:
        return Refusal.STALE
    m.emit(Decide(Answer(Phase.DURING, sharp=True)))
    return None


# The pain questions during a step, which also take "sharp, shooting or spreading".
DURING_PAIN = frozenset({Question.PAIN_HURT, Question.PAIN_DURING})


def _tingling(m: _Move, e: TinglingAnswered) -> Refusal | None:
    question = _TINGLE_QUESTION.get(e.phase)
    if question is None or m.s.state is not _TINGLE_STATE[e.phase] or m.s.asked is not question:
        return Refusal.STALE
    m.emit(Decide(Answer(e.phase, pain=e.pain, tingling=e.tingling)))
    return None


def _nerve(m: _Move, e: NerveChecked) -> Refusal | None:
    asked = m.s.state is State.DURING and m.s.asked is Question.NERVE_CHECK
    # On the card after a nerve-tension step only "new tingling" is offered.
    offered = m.s.state in RUNNING and nerve_check_due(m.s) and e.choice is NerveChoice.TINGLE
    if not (asked or offered):
        return Refusal.STALE
    if offered:
        m.emit(CancelTimer())
        _stop_clock(m)
    if e.choice is NerveChoice.PAIN:
        _ask(m, Question.PAIN_DURING)
        return None
    tingling = Tingling.WORSE if e.choice is NerveChoice.TINGLE else Tingling.NONE
    m.emit(Decide(Answer(Phase.DURING, tingling=tingling), keep_step=offered))
    return None


_DECIDING = {
    Phase.BEFORE: {State.BEFORE_PAIN, State.BEFORE_TINGLE},
    Phase.DURING: {State.DURING},
    Phase.AFTER: {State.AFTER},
}
_ENDING = PAUSING | {Action.STOP_SESSION}


def _decided(m: _Move, e: Decided) -> Refusal | None:
    phase, action = e.answer.phase, e.decision.action
    if m.s.state not in _DECIDING.get(phase, set()):
        return Refusal.STALE
    m.emit(RecordCheckIn(e.answer, e.decision))
    m.s = replace(m.s, asked=None)
    if action in _ENDING or phase is Phase.AFTER:
        _end(m, e.answer, e.decision)
    elif phase is Phase.BEFORE:
        _start_step(m, Lead(None), (Preface.CHECKIN_NOTE,))
    else:
        _after_check(m, e.decision, keep_step=e.keep_step)
    return None


def _after_check(m: _Move, decision: Decision, *, keep_step: bool) -> None:
    """Go on after a check-in during the session. `keep_step`: the answer was about the
    step before (the nerve check on the next card), so the step now running is not the one
    to stop."""
    prefaces = [Preface.CHECKIN_NOTE]
    spare_nerve = decision.action is Action.SPARE_NERVE
    if spare_nerve:
        m.s = replace(m.s, nerve_off=True)
        prefaces.append(Preface.SKIPPING_NERVE)
    if decision.action is Action.STOP_STEP and not keep_step:
        # Too much for that step: the next one waits, paused, for the person to do it more
        # gently (Resume) or to end there (Stop).
        _close_step(m)
        _skip_nerve_steps(m)
        _next_waiting(m, tuple(prefaces))
        return
    if spare_nerve and not keep_step:
        _close_step(m)
        _skip_nerve_steps(m)
    elif m.s.remaining is not None:
        m.s = replace(m.s, state=State.PAUSED)
        _carry_on_step(m, (Preface.CONTINUE_EASY, *prefaces))
        return
    _next_or_after(m, None, prefaces=tuple(prefaces))


def _next_waiting(m: _Move, prefaces: tuple[Preface, ...]) -> None:
    if m.s.step_index >= len(m.s.steps):
        _next_or_after(m, None, prefaces=prefaces)
        return
    m.s = replace(m.s, state=State.PAUSED, remaining=float(m.s.step.seconds), hold_ends_at=None)
    _show(m, Clock.PAUSED, m.s.step.seconds, prefaces=(*prefaces, Preface.NEXT_WAITING))


def _end(m: _Move, answer: Answer, decision: Decision) -> None:
    pause_plan = decision.action in PAUSING
    if answer.phase is Phase.AFTER:
        # Stop asks the after question too; that answer does not make the session done.
        state = State.STOPPED if m.s.stop_reason else State.DONE
        _finish(m, state, decision.reason.value if pause_plan else m.s.stop_reason)
    else:
        if answer.phase is Phase.DURING:
            _close_step(m)
            if answer.pain is not None:
                m.s = replace(m.s, pain_after=answer.pain)
        _finish(m, State.STOPPED, decision.reason.value)
    m.emit(Finish(decision, pause_plan))


def _reopen(m: _Move, e: Reopen) -> Refusal | None:
    if not e.resume:
        _finish(m, State.STOPPED, StopReason.ABANDONED.value)
        m.s = replace(m.s, asked=None)
        m.emit(CancelTimer(), Ended())
        return None
    s = m.s
    if s.state in RUNNING:
        _carry_on_step(m)
    elif s.state is State.DURING:
        _ask(m, Question.PAIN_DURING if s.remaining is not None else Question.NERVE_CHECK)
    else:
        question = {
            State.BEFORE_PAIN: Question.PAIN_BEFORE,
            State.BEFORE_TINGLE: Question.TINGLING_BEFORE,
            State.AFTER: Question.PAIN_AFTER,
        }[s.state]
        _ask(m, question, pain=s.pain_before if question is Question.TINGLING_BEFORE else None)
    return None


def _recover(m: _Move, e: Recover) -> Refusal | None:
    if m.s.state is not State.HOLDING:
        return Refusal.STALE
    _hold_still(m, State.PAUSED)
    m.emit(OfferResume(m.s.remaining or 0.0))
    return None


def _abandon(m: _Move, e: Abandon) -> Refusal | None:
    _finish(m, State.STOPPED, e.reason)
    m.s = replace(m.s, asked=None)
    m.emit(CancelTimer())
    return None


_HANDLERS: dict[type[Event], Callable[[_Move, Any], Refusal | None]] = {
    Start: _start,
    Tick: _tick,
    Unshown: _unshown,
    Pause: _pause,
    Resume: _resume,
    Skip: _skip,
    Done: _done,
    Stop: _stop,
    Hurt: _hurt,
    PainAnswered: _pain,
    TinglingAnswered: _tingling,
    SharpPain: _sharp,
    NerveChecked: _nerve,
    Decided: _decided,
    Reopen: _reopen,
    Recover: _recover,
    Abandon: _abandon,
}


# The steps of a transition


def _ask(
    m: _Move,
    question: Question,
    *,
    pain: int | None = None,
    prefaces: tuple[Preface, ...] = (),
    fresh: bool = False,
) -> None:
    m.s = replace(m.s, asked=question)
    m.emit(Ask(question, pain, prefaces, fresh))


def _show(
    m: _Move,
    clock: Clock,
    seconds: float,
    *,
    lead: Lead | None = None,
    prefaces: tuple[Preface, ...] = (),
    fresh: bool = False,
) -> None:
    check = nerve_check_due(m.s)
    m.emit(ShowStep(m.s.step_index, clock, seconds, lead, prefaces, check, fresh=fresh))


def _begin_hold(m: _Move, seconds: float, *, ready: bool) -> None:
    """Start (or restart) the current step, and arm its first tick."""
    timing = m.s.timing
    wait = seconds + (m.s.step.ready if ready else 0.0)
    m.s = replace(
        m.s,
        state=State.HOLDING,
        hold_ends_at=m.now + timing.real(wait),
        remaining=None,
        pause_reason=None,
    )
    mark = next_edit(wait, m.s.step.seconds, timing.edit_every)
    m.emit(ArmTimer(m.now + timing.real(wait - mark)))


def _hold_still(m: _Move, state: State) -> None:
    """Stop the clock on the current step, keeping the time it had left."""
    remaining = max(0.0, min(left(m.s, m.now), float(m.s.step.seconds)))
    m.s = replace(m.s, remaining=remaining, hold_ends_at=None, state=state)


def _stop_clock(m: _Move) -> None:
    if m.s.state is State.HOLDING:
        _hold_still(m, State.DURING)
    m.s = replace(m.s, state=State.DURING)


def _start_step(m: _Move, lead: Lead, prefaces: tuple[Preface, ...] = ()) -> None:
    _begin_hold(m, m.s.step.seconds, ready=True)
    fresh = lead.previous is not None
    _show(m, Clock.GET_READY, m.s.step.ready, lead=lead, prefaces=prefaces, fresh=fresh)


def _carry_on_step(m: _Move, prefaces: tuple[Preface, ...] = ()) -> None:
    """Show the current step again, its clock running from where it stopped."""
    s = m.s
    if s.state is State.HOLDING and left(s, m.now) <= END_SLACK:
        # The hold ran out before its timer was heard (a stale press, a restart).
        _finish_step(m, StepStatus.DONE)
        return
    if s.state is State.HOLDING:
        # The timer is armed again too: the instance that ran it may be gone.
        m.emit(ArmTimer(s.hold_ends_at or m.now))
        _show(m, Clock.LEFT, min(left(s, m.now), s.step.seconds), prefaces=prefaces)
        return
    remaining = s.remaining if s.remaining is not None else float(s.step.seconds)
    _begin_hold(m, remaining, ready=False)
    _show(m, Clock.LEFT, remaining, prefaces=prefaces)


def _finish_step(m: _Move, status: StepStatus, *, held: float | None = None) -> None:
    """Record the current step and move on: a nerve check, the next step, or the after
    check-in. `held` defaults to the whole step when done, else to the time it ran."""
    index, step = m.s.step_index, m.s.step
    if held is None:
        held = step.seconds if status is StepStatus.DONE else step.seconds - left(m.s, m.now)
    held = max(0.0, min(held, float(step.seconds)))
    m.emit(RecordStep(index, status, held))
    m.s = replace(m.s, step_index=index + 1, remaining=None, hold_ends_at=None)
    _skip_nerve_steps(m)
    if step.nerve_tension and status is StepStatus.DONE and m.s.step_index >= len(m.s.steps):
        # The last step: no next card to carry the question, so it is asked on its own.
        m.s = replace(m.s, state=State.DURING)
        _ask(m, Question.NERVE_CHECK, fresh=True)
        return
    _next_or_after(m, Lead(index, skipped=status is not StepStatus.DONE))


def _next_or_after(m: _Move, lead: Lead | None, prefaces: tuple[Preface, ...] = ()) -> None:
    if m.s.step_index < len(m.s.steps):
        _start_step(m, lead or Lead(None), prefaces)
    else:
        _ask_after(m, Question.PAIN_AFTER, prefaces=prefaces, fresh=lead is not None)


def _ask_after(
    m: _Move, question: Question, *, prefaces: tuple[Preface, ...] = (), fresh: bool = False
) -> None:
    m.s = replace(m.s, state=State.AFTER, hold_ends_at=None)
    _ask(m, question, prefaces=prefaces, fresh=fresh)


def _close_step(m: _Move) -> None:
    """Record the step that "It hurts" interrupted as stopped, with the time it was held."""
    if m.s.remaining is None:
        return
    step = m.s.step
    m.emit(RecordStep(m.s.step_index, StepStatus.STOPPED, max(0.0, step.seconds - m.s.remaining)))
    m.s = replace(m.s, step_index=m.s.step_index + 1, remaining=None)


def _skip_nerve_steps(m: _Move) -> None:
    while m.s.nerve_off and m.s.step_index < len(m.s.steps) and m.s.step.nerve_tension:
        m.emit(RecordStep(m.s.step_index, StepStatus.SKIPPED, 0.0))
        m.s = replace(m.s, step_index=m.s.step_index + 1)


def _finish(m: _Move, state: State, reason: str | None) -> None:
    m.s = replace(m.s, state=state, stop_reason=reason, ended_at=m.now, hold_ends_at=None)
