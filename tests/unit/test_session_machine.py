"""The session machine on its own: no timers, no database, no Telegram."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routines import session as m
from routines.model import DoseKind, Move
from routines.plan import PlannedStep, Ready
from routines.safety import Action, Answer, Decision, LevelMove, Phase, Reason, Tingling

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
TIMING = m.Timing(edit_every=30.0, scale=1.0)


def _step(number: int, seconds: int = 30, *, nerve: bool = False, reps: int = 0) -> PlannedStep:
    """A hold, or with `reps` a set of slow reps on one card."""
    tempo = (Move(move="lift", seconds=seconds // reps),) if reps else ()
    return PlannedStep(
        number=number,
        step_id=f"s{number}",
        name=f"Step {number}",
        cue="Do it.",
        caution=None,
        side=None,
        position="back",
        kind=DoseKind.TEMPO if reps else DoseKind.HOLD,
        hold_seconds=None if reps else seconds,
        count=None,
        tempo=tempo,
        cycle_seconds=None,
        times=reps or 1,
        round=1,
        rounds=1,
        set=1,
        sets=1,
        nerve_tension=nerve,
        seconds=seconds,
        ready=5.0,
        ready_for=Ready.NEXT,
    )


# The second step pulls on the nerve, so the third card carries the nerve check; so does
# the last, so the check is asked on its own after it.
STEPS = (_step(1), _step(2, nerve=True), _step(3, 60, reps=10), _step(4, 20, nerve=True))


def _session(**kw: object) -> m.Session:
    return replace(m.Session(id=7, steps=STEPS, timing=TIMING), **kw)  # type: ignore[arg-type]


def _holding(index: int = 0, left: float = 20.0, **kw: object) -> m.Session:
    return _session(
        state=m.State.HOLDING,
        step_index=index,
        version=3,
        hold_ends_at=T0 + timedelta(seconds=left),
        **kw,
    )


def _kinds(outcome: m.Outcome) -> list[str]:
    return [type(e).__name__ for e in outcome.effects]


OK = Decision(Action.CONTINUE, LevelMove.NONE, Reason.OK)
TINGLE_STOP = Decision(Action.SPARE_NERVE, LevelMove.DOWN, Reason.NEW_TINGLING)
SEVERE = Decision(Action.PAUSE_PLAN, LevelMove.NONE, Reason.SEVERE_PAIN)
RED_DURING = Decision(Action.STOP_STEP, LevelMove.NONE, Reason.PAIN_HIGH_DURING)


TABLE = [
    # name, session, event, state after, effects
    ("start asks the pain", _session(), m.Start(), m.State.BEFORE_PAIN, ["Ask"]),
    ("a pain before asks tingling", _session(version=1, asked=m.Question.PAIN_BEFORE),
     m.PainAnswered(Phase.BEFORE, 3), m.State.BEFORE_TINGLE, ["Ask"]),
    ("severe pain before skips the tingling question", _session(version=1),
     m.PainAnswered(Phase.BEFORE, 9), m.State.BEFORE_PAIN, ["Decide"]),
    ("tingling before goes to a decision",
     _session(state=m.State.BEFORE_TINGLE, version=2, asked=m.Question.TINGLING_BEFORE),
     m.TinglingAnswered(Phase.BEFORE, Tingling.NONE, 3), m.State.BEFORE_TINGLE, ["Decide"]),
    ("a fine start begins the first hold",
     _session(state=m.State.BEFORE_TINGLE, version=2),
     m.Decided(Answer(Phase.BEFORE, pain=3, tingling=Tingling.NONE), OK),
     m.State.HOLDING, ["RecordCheckIn", "ArmTimer", "ShowStep"]),
    ("a tick before the end edits the countdown", _holding(left=20.0), m.Tick(3),
     m.State.HOLDING, ["ShowStep", "ArmTimer"]),
    ("an adopted timer only waits for the end", _holding(left=20.0), m.Tick(3, can_edit=False),
     m.State.HOLDING, ["ArmTimer"]),
    ("the end of a hold starts the next step", _holding(left=0.0), m.Tick(3),
     m.State.HOLDING, ["RecordStep", "ArmTimer", "ShowStep"]),
    ("the end of the last nerve step asks the nerve check on its own",
     _holding(index=3, left=0.0), m.Tick(3), m.State.DURING, ["RecordStep", "Ask"]),
    ("pause keeps the time left", _holding(), m.Pause(0), m.State.PAUSED,
     ["CancelTimer", "ShowStep"]),
    ("resume runs the clock again", _session(state=m.State.PAUSED, remaining=12.0, version=3),
     m.Resume(0), m.State.HOLDING, ["CancelTimer", "ArmTimer", "ShowStep"]),
    ("a resume pressed after the hold ran out moves on", _holding(left=-1.0), m.Resume(0),
     m.State.HOLDING, ["CancelTimer", "RecordStep", "ArmTimer", "ShowStep"]),
    ("done ends a set of reps early", _holding(index=2), m.Done(2), m.State.HOLDING,
     ["CancelTimer", "RecordStep", "ArmTimer", "ShowStep"]),
    ("skip records the step and moves on", _holding(), m.Skip(0), m.State.HOLDING,
     ["CancelTimer", "RecordStep", "ArmTimer", "ShowStep"]),
    ("stop asks the after question", _holding(), m.Stop(0), m.State.AFTER,
     ["CancelTimer", "RecordStep", "Ask"]),
    ("it hurts stops the clock and asks", _holding(), m.Hurt(0), m.State.DURING,
     ["CancelTimer", "Ask"]),
    ("the nerve check on the card stops the clock", _holding(index=2), m.NerveChecked(
        m.NerveChoice.TINGLE), m.State.DURING, ["CancelTimer", "Decide"]),
    ("new tingling during a step closes it and skips the nerve steps",
     _session(state=m.State.DURING, step_index=3, remaining=10.0, version=4),
     m.Decided(Answer(Phase.DURING, tingling=Tingling.WORSE), TINGLE_STOP), m.State.AFTER,
     ["RecordCheckIn", "RecordStep", "Ask"]),
    ("severe pain during ends the session",
     _session(state=m.State.DURING, step_index=1, remaining=10.0, version=4),
     m.Decided(Answer(Phase.DURING, pain=9), SEVERE), m.State.STOPPED,
     ["RecordCheckIn", "RecordStep", "Finish"]),
    ("sharp pain after it hurts goes to a decision",
     _session(state=m.State.DURING, step_index=1, remaining=10.0, version=4,
              asked=m.Question.PAIN_HURT), m.SharpPain(), m.State.DURING, ["Decide"]),
    ("red pain during a step stops it and holds the next one, paused",
     _session(state=m.State.DURING, step_index=1, remaining=10.0, version=4),
     m.Decided(Answer(Phase.DURING, pain=6, tingling=Tingling.NONE), RED_DURING),
     m.State.PAUSED, ["RecordCheckIn", "RecordStep", "ShowStep"]),
    ("red pain during the last step goes to the after question",
     _session(state=m.State.DURING, step_index=3, remaining=10.0, version=4),
     m.Decided(Answer(Phase.DURING, pain=7, tingling=Tingling.NONE), RED_DURING),
     m.State.AFTER, ["RecordCheckIn", "RecordStep", "Ask"]),
    ("the after answer finishes the session",
     _session(state=m.State.AFTER, step_index=4, version=9),
     m.Decided(Answer(Phase.AFTER, pain=2), OK), m.State.DONE, ["RecordCheckIn", "Finish"]),
    ("declining to resume ends it", _session(state=m.State.PAUSED, remaining=5.0, version=2),
     m.Reopen(resume=False), m.State.STOPPED, ["CancelTimer", "Ended"]),
    ("a restart pauses the hold and offers it back", _holding(), m.Recover(), m.State.PAUSED,
     ["OfferResume"]),
    ("a card that never showed waits whole", _holding(), m.Unshown(3), m.State.PAUSED, []),
    ("a red flag ends any open session", _session(state=m.State.DURING, version=2),
     m.Abandon(Reason.RED_FLAG.value), m.State.STOPPED, ["CancelTimer"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "session", "event", "state", "effects"), TABLE)
def test_transition(
    name: str, session: m.Session, event: m.Event, state: m.State, effects: list[str]
) -> None:
    outcome = m.advance(session, event, T0)
    assert outcome.refused is None, name
    assert outcome.session.state is state, name
    assert _kinds(outcome) == effects, name
    assert outcome.session.version == session.version + 1


REFUSED = [
    ("a timer of an older version", _holding(), m.Tick(2), m.Refusal.STALE),
    ("a pause on a step already over", _holding(index=1), m.Pause(0), m.Refusal.STEP_OVER),
    ("skip after the holds", _session(state=m.State.AFTER), m.Skip(0), m.Refusal.SESSION_OVER),
    ("a pain button of another phase", _holding(), m.PainAnswered(Phase.AFTER, 2),
     m.Refusal.STALE),
    ("a tingling answer nobody asked for", _session(state=m.State.BEFORE_TINGLE),
     m.TinglingAnswered(Phase.BEFORE, Tingling.NONE, 2), m.Refusal.STALE),
    ("only new tingling is offered on the card", _holding(index=2),
     m.NerveChecked(m.NerveChoice.FINE), m.Refusal.STALE),
    ("no nerve check on a card after an ordinary step", _holding(index=1),
     m.NerveChecked(m.NerveChoice.TINGLE), m.Refusal.STALE),
    ("anything on a finished session", _session(state=m.State.DONE), m.Reopen(resume=True),
     m.Refusal.SESSION_OVER),
    ("a second start", _session(version=1), m.Start(), m.Refusal.STALE),
    ("a hold is done when its clock says so", _holding(), m.Done(0), m.Refusal.STALE),
    ("done on a set already over", _holding(index=3), m.Done(2), m.Refusal.STEP_OVER),
    ("sharp pain nobody asked about", _holding(), m.SharpPain(), m.Refusal.STALE),
    ("sharp pain on the after question", _session(state=m.State.AFTER,
     asked=m.Question.PAIN_AFTER), m.SharpPain(), m.Refusal.STALE),
]  # fmt: skip


@pytest.mark.parametrize(("name", "session", "event", "why"), REFUSED)
def test_refused(name: str, session: m.Session, event: m.Event, why: m.Refusal) -> None:
    outcome = m.advance(session, event, T0)
    assert outcome.refused is why, name
    assert outcome.session == session, name


def test_skip_with_tingling_leaves_out_every_nerve_step_after() -> None:
    session = _session(state=m.State.DURING, step_index=0, remaining=10.0, version=4)
    outcome = m.advance(
        session, m.Decided(Answer(Phase.DURING, tingling=Tingling.WORSE), TINGLE_STOP), T0
    )
    records = [e for e in outcome.effects if isinstance(e, m.RecordStep)]
    assert [(r.index, r.status) for r in records] == [
        (0, m.StepStatus.STOPPED),
        (1, m.StepStatus.SKIPPED),
    ]
    assert outcome.session.step_index == 2 and outcome.session.nerve_off
    show = next(e for e in outcome.effects if isinstance(e, m.ShowStep))
    assert show.prefaces == (m.Preface.CHECKIN_NOTE, m.Preface.SKIPPING_NERVE)


def test_the_step_after_red_pain_waits_whole_with_the_note() -> None:
    session = _session(state=m.State.DURING, step_index=1, remaining=10.0, version=4)
    answer = Answer(Phase.DURING, pain=6, tingling=Tingling.NONE)
    outcome = m.advance(session, m.Decided(answer, RED_DURING), T0)
    after = outcome.session
    assert (after.step_index, after.remaining, after.nerve_off) == (2, after.steps[2].seconds,
                                                                    False)  # fmt: skip
    show = next(e for e in outcome.effects if isinstance(e, m.ShowStep))
    assert show.paused and show.lead is None
    assert show.prefaces == (m.Preface.CHECKIN_NOTE, m.Preface.NEXT_WAITING)
    resumed = m.advance(after, m.Resume(2), T0)
    assert resumed.session.state is m.State.HOLDING


def test_stop_records_the_seconds_held() -> None:
    # 30 s step, 20 s to go including nothing of the get-ready: 10 s held.
    outcome = m.advance(_holding(left=20.0), m.Stop(0), T0)
    record = next(e for e in outcome.effects if isinstance(e, m.RecordStep))
    assert record.seconds == pytest.approx(10.0)
    assert outcome.session.stop_reason == m.StopReason.USER


# Properties, over any sequence of events at any times.

PHASES = st.sampled_from(list(Phase))
DECISIONS = st.builds(
    Decision, st.sampled_from(list(Action)), st.sampled_from(list(LevelMove)),
    st.sampled_from(list(Reason)),
)  # fmt: skip
ANSWERS = st.builds(
    Answer,
    PHASES,
    pain=st.none() | st.integers(0, 10),
    tingling=st.none() | st.sampled_from(list(Tingling)),
)
INDEX = st.integers(0, len(STEPS))


def _events(version: int) -> st.SearchStrategy[m.Event]:
    versions = st.sampled_from([version, version - 1])
    return st.one_of(
        st.builds(m.Start),
        st.builds(m.Tick, versions, st.booleans()),
        st.builds(m.Unshown, versions),
        *(st.builds(kind, INDEX) for kind in (m.Pause, m.Resume, m.Skip, m.Done, m.Stop, m.Hurt)),
        st.builds(m.PainAnswered, PHASES, st.integers(0, 10)),
        st.builds(m.TinglingAnswered, PHASES, st.sampled_from(list(Tingling)), st.integers(0, 10)),
        st.builds(m.NerveChecked, st.sampled_from(list(m.NerveChoice))),
        st.builds(m.Decided, ANSWERS, DECISIONS, st.booleans()),
        st.builds(m.Reopen, st.booleans()),
        st.builds(m.Recover),
        st.builds(m.Abandon, st.just("red_flag")),
    )


QUESTION_STATE = {
    m.Question.PAIN_BEFORE: {m.State.BEFORE_PAIN},
    m.Question.TINGLING_BEFORE: {m.State.BEFORE_TINGLE},
    m.Question.PAIN_DURING: {m.State.DURING},
    m.Question.PAIN_HURT: {m.State.DURING},
    m.Question.TINGLING_DURING: {m.State.DURING},
    m.Question.NERVE_CHECK: {m.State.DURING},
    m.Question.PAIN_AFTER: {m.State.AFTER},
    m.Question.PAIN_STOPPED: {m.State.AFTER},
}


def _check_effects(before: m.Session, outcome: m.Outcome, now: datetime) -> None:
    """Every effect fits the state the session is left in."""
    after = outcome.session
    records = [e.index for e in outcome.effects if isinstance(e, m.RecordStep)]
    assert records == sorted(set(records)) and all(0 <= i < len(STEPS) for i in records)
    for effect in outcome.effects:
        match effect:
            case m.ArmTimer(due):
                assert after.state is m.State.HOLDING and due >= now
            case m.ShowStep():
                assert after.state in m.RUNNING and effect.index == after.step_index
                assert effect.paused == (after.state is m.State.PAUSED)
            case m.Ask(question):
                assert after.state in QUESTION_STATE[question] and after.asked is question
            case m.Finish() | m.Ended():
                assert after.state in m.TERMINAL
            case m.Decide(answer):
                assert answer.phase in {Phase.BEFORE, Phase.DURING, Phase.AFTER}
    if after.state is m.State.HOLDING:
        assert after.hold_ends_at is not None and after.remaining is None
    if after.state is m.State.PAUSED:
        assert after.remaining is not None and after.hold_ends_at is None
    if after.state in m.TERMINAL:
        assert after.ended_at is not None and after.hold_ends_at is None


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_sequence_keeps_the_rules(data: st.DataObject) -> None:
    session, now = _session(), T0
    for _ in range(data.draw(st.integers(1, 40))):
        now += timedelta(seconds=data.draw(st.floats(0, 90)))
        event = data.draw(_events(session.version))
        outcome = m.advance(session, event, now)
        if session.state in m.TERMINAL:
            assert outcome.refused is not None and outcome.session == session
        if outcome.refused is None:
            assert outcome.session.version == session.version + 1
            _check_effects(session, outcome, now)
        else:
            assert outcome.session == session
        session = outcome.session


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, len(STEPS) - 1),
    st.floats(0, 100),
    st.floats(0, 3600),
    st.sampled_from([1.0, 0.002]),
)
def test_time_left_survives_pause_and_resume(
    index: int, elapsed: float, away: float, scale: float
) -> None:
    # A timedelta keeps microseconds: at the tests' scale that is half a millisecond.
    tolerance = 1e-6 / scale
    timing = m.Timing(scale=scale)
    start = _session(state=m.State.PAUSED, step_index=index, version=1, timing=timing)
    running = m.advance(start, m.Resume(index), T0).session
    hold = STEPS[index].seconds
    paused_at = T0 + timedelta(seconds=elapsed * scale)
    paused = m.advance(running, m.Pause(index), paused_at).session
    assert paused.remaining == pytest.approx(max(0.0, hold - elapsed), abs=tolerance)
    resumed_at = paused_at + timedelta(seconds=away)
    resumed = m.advance(paused, m.Resume(index), resumed_at).session
    assert resumed.hold_ends_at is not None
    assert m.left(resumed, resumed_at) == pytest.approx(paused.remaining, abs=tolerance)


def test_done_records_the_time_the_set_took() -> None:
    outcome = m.advance(_holding(index=2, left=40.0), m.Done(2), T0)
    (record,) = [e for e in outcome.effects if isinstance(e, m.RecordStep)]
    assert (record.index, record.status, record.seconds) == (2, m.StepStatus.DONE, 20.0)


def test_the_pause_before_a_card_is_the_planned_one() -> None:
    steps = (_step(1), replace(_step(2), ready=20.0, ready_for=Ready.POSITION))
    outcome = m.advance(_holding(left=0.0, steps=steps), m.Tick(3), T0)
    shown = next(e for e in outcome.effects if isinstance(e, m.ShowStep))
    assert (shown.clock, shown.seconds) == (m.Clock.GET_READY, 20.0)
    assert outcome.session.hold_ends_at == T0 + timedelta(seconds=20.0 + 30)
