import pytest
from hypothesis import given
from hypothesis import strategies as st

from routines.progress import apply
from routines.safety import (
    SEVERE_PAIN,
    Action,
    Answer,
    Decision,
    LevelMove,
    NextDay,
    Phase,
    Reason,
    SessionRecord,
    Tingling,
    decide,
)

LEVEL = 2


def record(
    *,
    level: int = LEVEL,
    before: int | None = 3,
    after: int | None = 3,
    tingling: bool = False,
    next_day: NextDay | None = NextDay.SAME,
    completed: bool = True,
) -> SessionRecord:
    return SessionRecord(
        level=level,
        pain_before=before,
        pain_after=after,
        new_tingling=tingling,
        next_day=next_day,
        completed=completed,
    )


GOOD = (record(), record())

CONTINUE_OK = (Action.CONTINUE, LevelMove.NONE, Reason.OK)
MILD = (Action.CONTINUE, LevelMove.DOWN, Reason.PAIN_RISE_MILD)
NO_OFFER = CONTINUE_OK

# id, check-in, pain before the session, earlier sessions, expected decision
TABLE = [
    # A red flag wins over everything.
    ("red flag before", Answer(Phase.BEFORE, pain=2, red_flag=True), None, GOOD,
     (Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)),
    ("red flag over severe pain and tingling",
     Answer(Phase.DURING, pain=10, tingling=Tingling.WORSE, red_flag=True), 2, (),
     (Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)),
    ("red flag the next day", Answer(Phase.NEXT_DAY, next_day=NextDay.BETTER, red_flag=True),
     3, (), (Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)),
    # Severe pain: 8 and above, in any phase; the level drops only if the session ran.
    ("severe before", Answer(Phase.BEFORE, pain=8, tingling=Tingling.NONE), None, (),
     (Action.PAUSE_PLAN, LevelMove.NONE, Reason.SEVERE_PAIN)),
    ("just below severe before", Answer(Phase.BEFORE, pain=7, tingling=Tingling.NONE), None,
     (), CONTINUE_OK),
    ("severe during without a sharp rise", Answer(Phase.DURING, pain=8), 7, (),
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.SEVERE_PAIN)),
    ("severe after", Answer(Phase.AFTER, pain=10), 9, GOOD,
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.SEVERE_PAIN)),
    ("severe during with unknown baseline", Answer(Phase.DURING, pain=9), None, (),
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.SEVERE_PAIN)),
    ("severe the next day", Answer(Phase.NEXT_DAY, pain=8, next_day=NextDay.WORSE), 3, (),
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.SEVERE_PAIN)),
    # Sharp rise: 3 or more over the pain before the session, during or after it.
    ("sharp rise during, edge", Answer(Phase.DURING, pain=5), 2, (),
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.PAIN_RISE_SHARP)),
    ("sharp rise after", Answer(Phase.AFTER, pain=7), 1, GOOD,
     (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.PAIN_RISE_SHARP)),
    ("sharp rise over new tingling", Answer(Phase.DURING, pain=6, tingling=Tingling.WORSE),
     3, (), (Action.PAUSE_PLAN, LevelMove.DOWN, Reason.PAIN_RISE_SHARP)),
    # New or worse tingling: stop (the session before it starts, the step during it), down.
    ("new tingling before", Answer(Phase.BEFORE, pain=3, tingling=Tingling.WORSE), None, (),
     (Action.STOP_SESSION, LevelMove.DOWN, Reason.NEW_TINGLING)),
    ("new tingling during", Answer(Phase.DURING, tingling=Tingling.WORSE), 3, (),
     (Action.STOP_STEP, LevelMove.DOWN, Reason.NEW_TINGLING)),
    ("new tingling over a mild rise", Answer(Phase.DURING, pain=5, tingling=Tingling.WORSE),
     3, (), (Action.STOP_STEP, LevelMove.DOWN, Reason.NEW_TINGLING)),
    ("new tingling told after the session", Answer(Phase.AFTER, pain=3,
     tingling=Tingling.WORSE), 3, GOOD,
     (Action.CONTINUE, LevelMove.DOWN, Reason.NEW_TINGLING)),
    ("usual tingling during", Answer(Phase.DURING, pain=3, tingling=Tingling.USUAL), 3, (),
     CONTINUE_OK),
    ("no tingling during", Answer(Phase.DURING, tingling=Tingling.NONE), 3, (), CONTINUE_OK),
    # Mild rise: 1 or 2; the session goes on, the next one is a level lower.
    ("rise of 2 during, edge", Answer(Phase.DURING, pain=4), 2, (), MILD),
    ("rise of 1 during, edge", Answer(Phase.DURING, pain=3), 2, (), MILD),
    ("rise of 1 after", Answer(Phase.AFTER, pain=1), 0, GOOD, MILD),
    ("rise of 2 after, above 5", Answer(Phase.AFTER, pain=7), 5, GOOD, MILD),
    ("no change during", Answer(Phase.DURING, pain=2), 2, (), CONTINUE_OK),
    ("pain eased during", Answer(Phase.DURING, pain=1), 5, (), CONTINUE_OK),
    ("no baseline, no rise", Answer(Phase.DURING, pain=6), None, (), CONTINUE_OK),
    ("no rise is measured before the session", Answer(Phase.BEFORE, pain=6), 1, (),
     CONTINUE_OK),
    ("no rise is measured the next day", Answer(Phase.NEXT_DAY, pain=7,
     next_day=NextDay.SAME), 1, (), CONTINUE_OK),
    # Next day.
    ("next day worse", Answer(Phase.NEXT_DAY, next_day=NextDay.WORSE), 3, GOOD,
     (Action.CONTINUE, LevelMove.DOWN, Reason.NEXT_DAY_WORSE)),
    ("next day same", Answer(Phase.NEXT_DAY, next_day=NextDay.SAME), 3, (), CONTINUE_OK),
    ("next day better", Answer(Phase.NEXT_DAY, next_day=NextDay.BETTER), 3, (), CONTINUE_OK),
    ("next day unanswered", Answer(Phase.NEXT_DAY), 3, (), CONTINUE_OK),
    # A level up is offered after the third good session in a row at this level.
    ("good streak", Answer(Phase.AFTER, pain=3), 3, GOOD,
     (Action.CONTINUE, LevelMove.OFFER_UP, Reason.GOOD_STREAK)),
    ("good streak, pain eased, at 5", Answer(Phase.AFTER, pain=5), 7, GOOD,
     (Action.CONTINUE, LevelMove.OFFER_UP, Reason.GOOD_STREAK)),
    ("good streak, older bad session", Answer(Phase.AFTER, pain=2), 2,
     (record(tingling=True), *GOOD),
     (Action.CONTINUE, LevelMove.OFFER_UP, Reason.GOOD_STREAK)),
    ("only two good sessions", Answer(Phase.AFTER, pain=3), 3, (record(),), NO_OFFER),
    ("first session", Answer(Phase.AFTER, pain=3), 3, (), NO_OFFER),
    ("streak only after the session", Answer(Phase.DURING, pain=3), 3, GOOD, NO_OFFER),
    ("earlier session at another level", Answer(Phase.AFTER, pain=3), 3,
     (record(level=LEVEL - 1), record()), NO_OFFER),
    ("earlier session with new tingling", Answer(Phase.AFTER, pain=3), 3,
     (record(), record(tingling=True)), NO_OFFER),
    ("earlier session worse next day", Answer(Phase.AFTER, pain=3), 3,
     (record(next_day=NextDay.WORSE), record()), NO_OFFER),
    ("earlier session with a rise", Answer(Phase.AFTER, pain=3), 3,
     (record(), record(before=2, after=3)), NO_OFFER),
    ("earlier session not completed", Answer(Phase.AFTER, pain=3), 3,
     (record(), record(completed=False)), NO_OFFER),
    ("earlier session without pain after", Answer(Phase.AFTER, pain=3), 3,
     (record(), record(after=None)), NO_OFFER),
    ("earlier session above 5", Answer(Phase.AFTER, pain=3), 3,
     (record(before=6, after=6), record()), NO_OFFER),
    ("this session above 5", Answer(Phase.AFTER, pain=6), 6, GOOD, NO_OFFER),
    ("this session without pain", Answer(Phase.AFTER), 3, GOOD, NO_OFFER),
    ("this session without baseline", Answer(Phase.AFTER, pain=3), None, GOOD, NO_OFFER),
]  # fmt: skip


@pytest.mark.parametrize(
    ("checkin", "baseline", "history", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in TABLE],
)
def test_decision_table(
    checkin: Answer,
    baseline: int | None,
    history: tuple[SessionRecord, ...],
    expected: tuple[Action, LevelMove, Reason],
) -> None:
    assert decide(checkin, baseline_pain=baseline, history=history, level=LEVEL) == Decision(
        *expected
    )


def test_a_worse_answer_earlier_in_the_session_rules_out_an_offer() -> None:
    checkin = Answer(Phase.AFTER, pain=3)
    offered = decide(checkin, baseline_pain=3, history=GOOD, level=LEVEL)
    withheld = decide(checkin, baseline_pain=3, history=GOOD, level=LEVEL, worse_earlier=True)
    assert offered.level_change is LevelMove.OFFER_UP
    assert withheld == Decision(Action.CONTINUE, LevelMove.NONE, Reason.OK)


def test_reason_codes_are_plain_strings() -> None:
    decision = decide(Answer(Phase.BEFORE, red_flag=True), baseline_pain=None, history=(), level=1)
    assert decision.reason == "red_flag"
    assert decision.action == "urgent_care"


@pytest.mark.parametrize("pain", [-1, 11, 100])
def test_invalid_pain_is_refused_everywhere(pain: int) -> None:
    with pytest.raises(ValueError, match="pain"):
        Answer(Phase.DURING, pain=pain)
    with pytest.raises(ValueError, match="pain"):
        record(before=pain)
    with pytest.raises(ValueError, match="pain"):
        record(after=pain)
    with pytest.raises(ValueError, match="pain"):
        decide(Answer(Phase.DURING, pain=3), baseline_pain=pain, history=(), level=1)


@pytest.mark.parametrize("pain", [0, 10])
def test_the_ends_of_the_scale_are_valid(pain: int) -> None:
    assert Answer(Phase.BEFORE, pain=pain).pain == pain


def test_level_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        decide(Answer(Phase.AFTER, pain=3), baseline_pain=3, history=(), level=0)


pains = st.none() | st.integers(0, 10)
checkins = st.builds(
    Answer,
    phase=st.sampled_from(Phase),
    pain=pains,
    tingling=st.none() | st.sampled_from(Tingling),
    next_day=st.none() | st.sampled_from(NextDay),
    red_flag=st.booleans(),
)
levels = st.integers(1, 4)
records = st.builds(
    SessionRecord,
    level=levels,
    pain_before=pains,
    pain_after=pains,
    new_tingling=st.booleans(),
    next_day=st.none() | st.sampled_from(NextDay),
    completed=st.booleans(),
)
histories = st.lists(records, max_size=5)


def rose(pain: int | None, baseline: int | None) -> bool:
    return pain is not None and baseline is not None and pain > baseline


def worse_now(checkin: Answer, baseline: int | None) -> bool:
    return (
        checkin.tingling is Tingling.WORSE
        or checkin.next_day is NextDay.WORSE
        or (checkin.phase in (Phase.DURING, Phase.AFTER) and rose(checkin.pain, baseline))
    )


def worse_record(session: SessionRecord) -> bool:
    return (
        session.new_tingling
        or session.next_day is NextDay.WORSE
        or rose(session.pain_after, session.pain_before)
    )


@given(checkins, pains, histories, levels, st.booleans())
def test_a_red_flag_always_wins(
    checkin: Answer,
    baseline: int | None,
    history: list[SessionRecord],
    level: int,
    worse_earlier: bool,
) -> None:
    flagged = Answer(checkin.phase, checkin.pain, checkin.tingling, checkin.next_day, True)
    decision = decide(
        flagged, baseline_pain=baseline, history=history, level=level, worse_earlier=worse_earlier
    )
    assert decision == Decision(Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)


@given(checkins, pains, histories, levels, st.booleans())
def test_no_level_up_after_a_worse_answer(
    checkin: Answer,
    baseline: int | None,
    history: list[SessionRecord],
    level: int,
    worse_earlier: bool,
) -> None:
    decision = decide(
        checkin, baseline_pain=baseline, history=history, level=level, worse_earlier=worse_earlier
    )
    worse = (
        worse_now(checkin, baseline)
        or worse_earlier
        or any(worse_record(session) for session in history[-2:])
    )
    if worse:
        assert decision.level_change is not LevelMove.OFFER_UP
        assert apply(level, decision.level_change, top_level=5, accepted=True) <= level
    if worse_now(checkin, baseline) and not checkin.red_flag:
        assert decision.level_change is LevelMove.DOWN or checkin.phase is Phase.BEFORE


@given(checkins, pains, histories, levels)
def test_an_offer_comes_only_after_a_session_that_goes_on(
    checkin: Answer, baseline: int | None, history: list[SessionRecord], level: int
) -> None:
    decision = decide(checkin, baseline_pain=baseline, history=history, level=level)
    if decision.level_change is LevelMove.OFFER_UP:
        assert checkin.phase is Phase.AFTER
        assert decision.action is Action.CONTINUE
        assert len(history) >= 2


@given(checkins, pains, histories, levels)
def test_severe_pain_always_pauses_the_plan(
    checkin: Answer, baseline: int | None, history: list[SessionRecord], level: int
) -> None:
    decision = decide(checkin, baseline_pain=baseline, history=history, level=level)
    severe = checkin.pain is not None and checkin.pain >= SEVERE_PAIN
    if severe and not checkin.red_flag:
        assert decision.action is Action.PAUSE_PLAN


@given(st.integers().filter(lambda pain: not 0 <= pain <= 10))
def test_any_pain_off_the_scale_raises(pain: int) -> None:
    with pytest.raises(ValueError):
        Answer(Phase.AFTER, pain=pain)
