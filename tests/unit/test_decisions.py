"""What a session's earlier check-ins mean for the next decision (`bot.decisions`)."""

from __future__ import annotations

import pytest

from bot import decisions
from routines.safety import Action, Decision, LevelMove, Reason
from storage.models import CheckIn

DOWN = Decision(Action.CONTINUE, LevelMove.DOWN, Reason.PAIN_HIGH_AFTER)


def _earlier(reason: str, before: int = 2, after: int = 2) -> CheckIn:
    return CheckIn(
        user_id=1,
        session_id=1,
        phase="during",
        action="continue",
        reason=reason,
        level_before=before,
        level_after=after,
    )


@pytest.mark.parametrize("reason", sorted(decisions.WORSE))
def test_a_setback_earlier_in_the_session_counts_as_worse(reason: str) -> None:
    assert decisions.worse_earlier([_earlier("ok"), _earlier(reason)])


def test_good_check_ins_earlier_do_not_count_as_worse() -> None:
    assert not decisions.worse_earlier([_earlier("ok"), _earlier("good_streak")])
    assert not decisions.worse_earlier([])


def test_a_session_steps_the_level_down_only_once() -> None:
    assert decisions._level_after(DOWN, [], level=2, top=3) == 1
    already = [_earlier("new_tingling", before=2, after=1)]
    assert decisions._level_after(DOWN, already, level=1, top=3) == 1
