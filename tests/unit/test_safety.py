"""The rules table of routines/safety.py: a unit test for every row, and its properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routines.progress import apply
from routines.safety import (
    AMBER_MAX,
    GREEN_MAX,
    PLAN_PAUSE,
    RULE,
    RULES,
    SEVERE_PAIN,
    Action,
    Answer,
    Decision,
    Flag,
    Known,
    LevelMove,
    NextDay,
    Phase,
    Reason,
    SessionRecord,
    Tingling,
    decide,
    no_improvement,
    screen_due,
    weakness_due,
)
from routines.schedule import GRAVEST_FIRST, SAFETY_REASONS, PlanReason, graver, morning_check_at

LEVEL = 2
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


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
A = Action
L = LevelMove

# The rows `decide` carries out: the row, its answer, what else is known, the decision.
DECIDED = [
    (Reason.RED_FLAG, Answer(Phase.BEFORE, flag=Flag.EMERGENCY), Known(),
     (A.URGENT_CARE, L.NONE)),
    (Reason.BOTH_LEGS, Answer(Phase.BEFORE, flag=Flag.EMERGENCY), Known(),
     (A.URGENT_CARE, L.NONE)),
    (Reason.RED_FLAG_URGENT, Answer(Phase.BEFORE, flag=Flag.URGENT), Known(),
     (A.SEE_GP, L.NONE)),
    (Reason.NEW_WEAKNESS, Answer(Phase.BEFORE, flag=Flag.URGENT), Known(),
     (A.SEE_GP, L.NONE)),
    (Reason.SEVERE_PAIN, Answer(Phase.DURING, pain=SEVERE_PAIN), Known(baseline_pain=7),
     (A.PAUSE_PLAN, L.NONE)),
    (Reason.SHARP_PAIN, Answer(Phase.DURING, sharp=True), Known(baseline_pain=2),
     (A.PAUSE_PLAN, L.NONE)),
    (Reason.NO_PROGRESS, Answer(Phase.AFTER, pain=6), Known(baseline_pain=3, level=1,
     gentlest_setbacks=1), (A.PAUSE_PLAN, L.NONE)),
    (Reason.NEXT_DAY_WORSE_AGAIN, Answer(Phase.NEXT_DAY, next_day=NextDay.WORSE),
     Known(history=(record(next_day=NextDay.WORSE),), level=3), (A.PAUSE_PLAN, L.NONE)),
    (Reason.NEW_TINGLING, Answer(Phase.DURING, tingling=Tingling.WORSE),
     Known(baseline_pain=3, level=LEVEL), (A.SPARE_NERVE, L.DOWN)),
    (Reason.PAIN_HIGH_DURING, Answer(Phase.DURING, pain=AMBER_MAX + 1), Known(baseline_pain=5),
     (A.STOP_STEP, L.NONE)),
    (Reason.PAIN_HIGH_AFTER, Answer(Phase.AFTER, pain=SEVERE_PAIN - 1),
     Known(baseline_pain=6, level=LEVEL), (A.CONTINUE, L.DOWN)),
    (Reason.NEXT_DAY_WORSE, Answer(Phase.NEXT_DAY, next_day=NextDay.WORSE),
     Known(history=GOOD, level=LEVEL), (A.CONTINUE, L.DOWN)),
    (Reason.NO_IMPROVEMENT, Answer(Phase.BEFORE, pain=5), Known(no_improvement=True),
     (A.CONTINUE, L.NONE)),
    (Reason.AMBER, Answer(Phase.DURING, pain=GREEN_MAX + 1), Known(baseline_pain=1),
     (A.CONTINUE, L.NONE)),
    (Reason.GOOD_STREAK, Answer(Phase.AFTER, pain=2), Known(baseline_pain=3, history=GOOD,
     level=LEVEL), (A.CONTINUE, L.OFFER_UP)),
    (Reason.OK, Answer(Phase.DURING, pain=GREEN_MAX), Known(baseline_pain=3),
     (A.CONTINUE, L.NONE)),
]  # fmt: skip
# Rows the table gives one reason for two triggers: decided alike, told apart by the caller.
SAME_AS = {Reason.BOTH_LEGS: Reason.RED_FLAG, Reason.NEW_WEAKNESS: Reason.RED_FLAG_URGENT}


@pytest.mark.parametrize(
    ("row", "answer", "known", "expected"), [pytest.param(*r, id=r[0].value) for r in DECIDED]
)
def test_each_decided_row(row: Reason, answer: Answer, known: Known, expected: tuple) -> None:
    decision = decide(answer, known)
    assert decision == Decision(*expected, SAME_AS.get(row, row))


# Edges and precedence between the rows.
EDGES = [
    ("a tier-1 flag over severe pain and tingling",
     Answer(Phase.DURING, pain=10, tingling=Tingling.WORSE, flag=Flag.EMERGENCY), Known(),
     Reason.RED_FLAG),
    ("tier 2 over severe pain", Answer(Phase.BEFORE, pain=9, flag=Flag.URGENT), Known(),
     Reason.RED_FLAG_URGENT),
    ("severe pain before the session", Answer(Phase.BEFORE, pain=8), Known(), Reason.SEVERE_PAIN),
    ("severe pain the next morning", Answer(Phase.NEXT_DAY, pain=8), Known(), Reason.SEVERE_PAIN),
    ("7 before the session is the baseline", Answer(Phase.BEFORE, pain=7), Known(), Reason.OK),
    ("7 during a step is red", Answer(Phase.DURING, pain=7), Known(baseline_pain=7),
     Reason.PAIN_HIGH_DURING),
    ("5 during a step is amber, after a rise of 4", Answer(Phase.DURING, pain=5),
     Known(baseline_pain=1), Reason.AMBER),
    ("3 after a rise of 2 is green", Answer(Phase.DURING, pain=3), Known(baseline_pain=1),
     Reason.OK),
    ("new tingling before the session stops it",
     Answer(Phase.BEFORE, pain=3, tingling=Tingling.WORSE), Known(), Reason.NEW_TINGLING),
    ("new tingling over red pain", Answer(Phase.DURING, pain=6, tingling=Tingling.WORSE),
     Known(baseline_pain=3), Reason.NEW_TINGLING),
    ("a setback at level 2 is no review", Answer(Phase.AFTER, pain=6),
     Known(baseline_pain=3, level=2, gentlest_setbacks=3), Reason.PAIN_HIGH_AFTER),
    ("the first setback at level 1 is no review", Answer(Phase.AFTER, pain=6),
     Known(baseline_pain=3, level=1), Reason.PAIN_HIGH_AFTER),
    ("worse next morning after a better one", Answer(Phase.NEXT_DAY, next_day=NextDay.WORSE),
     Known(history=(record(next_day=NextDay.BETTER),)), Reason.NEXT_DAY_WORSE),
    ("no streak when the pain after is amber", Answer(Phase.AFTER, pain=4),
     Known(baseline_pain=5, history=GOOD, level=LEVEL), Reason.AMBER),
    ("no streak with a rise", Answer(Phase.AFTER, pain=3), Known(baseline_pain=2, history=GOOD,
     level=LEVEL), Reason.OK),
    ("no streak after a worse answer in the session", Answer(Phase.AFTER, pain=2),
     Known(baseline_pain=3, history=GOOD, level=LEVEL, worse_earlier=True), Reason.OK),
    ("no streak at another level", Answer(Phase.AFTER, pain=2),
     Known(baseline_pain=3, history=(record(level=1), record()), level=LEVEL), Reason.OK),
    ("no streak after a worse morning", Answer(Phase.AFTER, pain=2),
     Known(baseline_pain=3, history=(record(next_day=NextDay.WORSE), record()), level=LEVEL),
     Reason.OK),
    ("the six-week message waits for the before question", Answer(Phase.AFTER, pain=2),
     Known(baseline_pain=2, no_improvement=True), Reason.OK),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "known", "reason"), [pytest.param(*r[1:], id=r[0]) for r in EDGES]
)
def test_edges_between_rows(answer: Answer, known: Known, reason: Reason) -> None:
    assert decide(answer, known).reason is reason


def test_every_row_has_its_unit_test_and_one_entry() -> None:
    tested = {row for row, *_ in DECIDED} | set(SCHEDULED_ROWS)
    assert tested == set(Reason)
    assert [rule.reason for rule in RULES] == list(Reason)
    assert all(rule.rule and rule.trigger and rule.outcome and rule.told for rule in RULES)
    assert all(rule.source for rule in RULES)


def test_every_pausing_row_has_a_pause_that_only_its_lifting_rule_lifts() -> None:
    pausing = {row for row, _, _, (action, _) in DECIDED if action in (A.PAUSE_PLAN, A.SEE_GP,
               A.URGENT_CARE)} | {Reason.PRE_SCREEN}  # fmt: skip
    assert set(PLAN_PAUSE) == pausing
    assert set(PLAN_PAUSE.values()) == SAFETY_REASONS


# The rows carried out where their question is asked; each has a pure rule tested here.
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def test_morning_check_at_nine_or_a_morning_reminder_time() -> None:
    nine = time(9)
    at_nine = morning_check_at(
        session_date=date(2026, 12, 3), tz=BERLIN, reminder_time="19:00", default_time=nine
    )
    at_seven = morning_check_at(
        session_date=date(2026, 12, 3), tz=BERLIN, reminder_time="07:30", default_time=nine
    )
    assert at_nine == datetime(2026, 12, 4, 8, tzinfo=UTC)  # 09:00 CET
    assert at_seven == datetime(2026, 12, 4, 6, 30, tzinfo=UTC)


def test_morning_check_across_a_dst_change() -> None:
    # New York springs forward on 2027-03-14: the morning after the 13th is at EDT.
    due = morning_check_at(
        session_date=date(2027, 3, 13), tz=NEW_YORK, reminder_time="20:00", default_time=time(9)
    )
    assert due == datetime(2027, 3, 14, 13, tzinfo=UTC)


@pytest.mark.parametrize(("reminder", "hour"), [("04:59", 9), ("05:00", 5), ("11:59", 11),
                                                ("12:00", 9)])  # fmt: skip
def test_what_counts_as_a_morning(reminder: str, hour: int) -> None:
    due = morning_check_at(
        session_date=date(2026, 6, 1), tz="UTC", reminder_time=reminder, default_time=time(9)
    )
    assert due.hour == hour and due.date() == date(2026, 6, 2)


def test_weakness_asked_weekly() -> None:
    assert weakness_due(None, NOW)
    assert not weakness_due(NOW - timedelta(days=6, hours=23), NOW)
    assert weakness_due(NOW - timedelta(days=7), NOW)


def test_screen_every_four_weeks() -> None:
    assert not screen_due(NOW - timedelta(days=27), NOW)
    assert screen_due(NOW - timedelta(days=28), NOW)


def _pains(*weekly: tuple[int, int]) -> list[tuple[datetime, int]]:
    """(weeks ago, pain before) pairs."""
    return [(NOW - timedelta(weeks=w), pain) for w, pain in weekly]


def test_no_improvement_after_six_weeks() -> None:
    same = _pains((6, 5), (5, 5), (3, 5), (1, 5), (0, 4))
    better = _pains((6, 6), (5, 6), (1, 4), (0, 4))
    assert no_improvement(same, NOW)
    assert not no_improvement(better, NOW)
    assert not no_improvement(_pains((5, 6), (0, 6)), NOW)  # not six weeks yet
    assert not no_improvement(_pains((7, 6), (6, 6)), NOW)  # nothing in the last fortnight
    assert not no_improvement([], NOW)


SCHEDULED_ROWS = {
    Reason.PRE_SCREEN: test_every_pausing_row_has_a_pause_that_only_its_lifting_rule_lifts,
    Reason.SCREEN: test_screen_every_four_weeks,
    Reason.MORNING_CHECK: test_morning_check_at_nine_or_a_morning_reminder_time,
    Reason.LIFT: test_every_pausing_row_has_a_pause_that_only_its_lifting_rule_lifts,
}


@pytest.mark.parametrize("pain", [-1, 11, 100])
def test_invalid_pain_is_refused_everywhere(pain: int) -> None:
    with pytest.raises(ValueError, match="pain"):
        Answer(Phase.DURING, pain=pain)
    with pytest.raises(ValueError, match="pain"):
        record(before=pain)
    with pytest.raises(ValueError, match="pain"):
        Known(baseline_pain=pain)


def test_level_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        Known(level=0)


pains = st.none() | st.integers(0, 10)
answers = st.builds(
    Answer,
    phase=st.sampled_from(Phase),
    pain=pains,
    tingling=st.none() | st.sampled_from(Tingling),
    next_day=st.none() | st.sampled_from(NextDay),
    flag=st.none() | st.sampled_from(Flag),
    sharp=st.booleans(),
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
knowns = st.builds(
    Known,
    baseline_pain=pains,
    history=st.lists(records, max_size=5),
    level=levels,
    worse_earlier=st.booleans(),
    gentlest_setbacks=st.integers(0, 3),
    no_improvement=st.booleans(),
)


@given(answers, knowns)
def test_a_tier_1_flag_always_wins(answer: Answer, known: Known) -> None:
    flagged = Answer(answer.phase, answer.pain, answer.tingling, answer.next_day, Flag.EMERGENCY)
    assert decide(flagged, known) == Decision(A.URGENT_CARE, L.NONE, Reason.RED_FLAG)


def _worse(answer: Answer) -> bool:
    return (
        answer.tingling is Tingling.WORSE
        or answer.next_day is NextDay.WORSE
        or answer.sharp
        or answer.flag is not None
        or (
            answer.pain is not None and answer.pain > GREEN_MAX and answer.phase is not Phase.BEFORE
        )
    )


@given(answers, knowns)
def test_no_answer_after_a_worse_one_offers_a_level_up(answer: Answer, known: Known) -> None:
    worse_before = known.worse_earlier or any(
        s.new_tingling or s.next_day is NextDay.WORSE for s in known.history[-2:]
    )
    decision = decide(answer, known)
    if worse_before or _worse(answer):
        assert decision.level_change is not L.OFFER_UP
        assert apply(known.level, decision.level_change, top_level=5, accepted=True) <= known.level


@given(st.integers(0, AMBER_MAX), st.integers(1, 2), st.sampled_from([Phase.DURING, Phase.AFTER]),
       knowns)  # fmt: skip
def test_a_rise_of_1_or_2_alone_never_changes_the_level(
    baseline: int, rise: int, phase: Phase, known: Known
) -> None:
    pain = baseline + rise
    known = Known(baseline_pain=baseline, history=known.history, level=known.level,
                  gentlest_setbacks=known.gentlest_setbacks)  # fmt: skip
    decision = decide(Answer(phase, pain=pain), known)
    if pain <= AMBER_MAX:
        assert decision.level_change is L.NONE
        assert decision.action is A.CONTINUE  # a rise that stays at 5 or below never pauses


@given(answers, knowns)
def test_severe_or_sharp_pain_always_pauses(answer: Answer, known: Known) -> None:
    decision = decide(answer, known)
    severe = answer.sharp or (answer.pain is not None and answer.pain >= SEVERE_PAIN)
    if severe and answer.flag is None:
        assert decision.action is A.PAUSE_PLAN


@given(answers, knowns)
def test_every_decision_is_a_row_of_the_table(answer: Answer, known: Known) -> None:
    reason = decide(answer, known).reason
    assert reason in RULE and reason not in SAME_AS


def test_a_graver_safety_pause_keeps_its_reason() -> None:
    assert graver(PlanReason.RED_FLAG, "flare_up")
    assert not graver(PlanReason.FLARE_UP, "red_flag")
    assert not graver(PlanReason.SEVERE_PAIN, "see_gp")
    # Over no pause, or a person's own one, any safety pause wins.
    assert graver(PlanReason.PRE_SCREEN, None) and graver(PlanReason.PRE_SCREEN, "user")
    assert set(GRAVEST_FIRST) == SAFETY_REASONS
