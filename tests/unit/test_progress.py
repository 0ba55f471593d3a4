import pytest
from hypothesis import given
from hypothesis import strategies as st

from routines.progress import LevelEvent, apply, should_offer_up, transition
from routines.safety import Action, Decision, LevelMove, Reason

TOP = 3

OFFER = Decision(Action.CONTINUE, LevelMove.OFFER_UP, Reason.GOOD_STREAK)
DOWN = Decision(Action.SPARE_NERVE, LevelMove.DOWN, Reason.NEW_TINGLING)
STAY = Decision(Action.CONTINUE, LevelMove.NONE, Reason.OK)


@pytest.mark.parametrize(
    ("level", "change", "accepted", "expected"),
    [
        pytest.param(2, LevelMove.DOWN, False, 1, id="down"),
        pytest.param(3, LevelMove.DOWN, True, 2, id="down ignores accepted"),
        pytest.param(1, LevelMove.DOWN, False, 1, id="never below 1"),
        pytest.param(2, LevelMove.NONE, False, 2, id="none"),
        pytest.param(2, LevelMove.NONE, True, 2, id="none ignores accepted"),
        pytest.param(2, LevelMove.OFFER_UP, True, 3, id="accepted offer"),
        pytest.param(2, LevelMove.OFFER_UP, False, 2, id="declined offer"),
        pytest.param(3, LevelMove.OFFER_UP, True, 3, id="never above top"),
        pytest.param(5, LevelMove.NONE, False, 3, id="stored level above a shorter routine"),
        pytest.param(5, LevelMove.DOWN, False, 3, id="down from above the top"),
        pytest.param(0, LevelMove.NONE, False, 1, id="stored level below 1"),
    ],
)
def test_apply(level: int, change: LevelMove, accepted: bool, expected: int) -> None:
    assert apply(level, change, top_level=TOP, accepted=accepted) == expected


def test_a_routine_needs_at_least_one_level() -> None:
    with pytest.raises(ValueError, match="top_level"):
        apply(1, LevelMove.NONE, top_level=0)


@given(
    st.integers(-2, 8),
    st.sampled_from(LevelMove),
    st.integers(1, 6),
    st.booleans(),
)
def test_apply_stays_in_range_and_moves_one_step_at_most(
    level: int, change: LevelMove, top: int, accepted: bool
) -> None:
    after = apply(level, change, top_level=top, accepted=accepted)
    assert 1 <= after <= top
    if 1 <= level <= top:
        assert abs(after - level) <= 1
        if change is not LevelMove.OFFER_UP or not accepted:
            assert after <= level


@pytest.mark.parametrize(
    ("decision", "level", "expected"),
    [
        pytest.param(OFFER, 2, True, id="offer below the top"),
        pytest.param(OFFER, TOP, False, id="nothing above the top"),
        pytest.param(DOWN, 2, False, id="down"),
        pytest.param(STAY, 1, False, id="none"),
    ],
)
def test_should_offer_up(decision: Decision, level: int, expected: bool) -> None:
    assert should_offer_up(decision, level, TOP) is expected


def test_transition_records_before_after_and_reason() -> None:
    event = transition(DOWN, level=2, top_level=TOP)
    assert event == LevelEvent(before=2, after=1, reason=Reason.NEW_TINGLING)
    assert event.changed


def test_transition_up_only_when_accepted() -> None:
    assert transition(OFFER, level=1, top_level=TOP, accepted=True).after == 2
    declined = transition(OFFER, level=1, top_level=TOP)
    assert declined == LevelEvent(before=1, after=1, reason=Reason.GOOD_STREAK)
    assert not declined.changed


def test_down_at_the_bottom_is_recorded_but_changes_nothing() -> None:
    event = transition(DOWN, level=1, top_level=TOP)
    assert (event.before, event.after, event.changed) == (1, 1, False)
