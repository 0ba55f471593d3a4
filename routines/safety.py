"""What a check-in answer means for the session, the plan and the level.

All the rules are in `decide`, in order of precedence; all the numbers are the constants
below. The bot records the decision and explains its reason code in plain words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# The 0-10 numeric rating scale the bot's pain keyboard offers.
PAIN_MIN = 0
PAIN_MAX = 10

# Pain this high at any check-in stops everything and sends the person to a professional.
# The seeds: "You should feel a nice, gentle stretch without pain. If you have pain, stop!"
# Sciatica often hurts before anyone stretches, so the absolute line is issue 7's 8/10
# rather than any pain; a lower pain the routine provoked is caught by the rises below.
SEVERE_PAIN = 8

# A rise this large over the pain before the session (during or after it) is treated like
# severe pain: the seeds' "if you have pain, stop!" applied to pain the routine provoked.
SHARP_RISE = 3

# Any smaller rise (1 or 2) lets the session go on but makes the next one gentler: the
# pain-monitoring model tolerates some pain during exercise but asks to reduce the load
# when it goes up.
MILD_RISE = 1

# The pain-monitoring model: pain up to about 5/10 during and after exercise is
# acceptable if it settles by the next morning. Above it, no level up is offered, even
# when the pain did not rise.
ACCEPTABLE_PAIN = 5

# Sessions in a row, at the current level and ending with this one, that must be free of
# any rise, new tingling or next-day flare before a level up is offered (issue 7).
GOOD_STREAK = 3


class Phase(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"
    NEXT_DAY = "next_day"


class Tingling(StrEnum):
    NONE = "none"
    USUAL = "usual"
    WORSE = "worse"  # new, or worse than usual


class NextDay(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class Action(StrEnum):
    CONTINUE = "continue"
    STOP_STEP = "stop_step"
    STOP_SESSION = "stop_session"
    PAUSE_PLAN = "pause_plan"  # stops the session too; see a professional before resuming
    URGENT_CARE = "urgent_care"  # pauses the plan too


class LevelMove(StrEnum):
    DOWN = "down"
    NONE = "none"
    OFFER_UP = "offer_up"  # the person may accept or decline


class Reason(StrEnum):
    RED_FLAG = "red_flag"
    SEVERE_PAIN = "severe_pain"
    PAIN_RISE_SHARP = "pain_rise_sharp"
    NEW_TINGLING = "new_tingling"
    PAIN_RISE_MILD = "pain_rise_mild"
    NEXT_DAY_WORSE = "next_day_worse"
    GOOD_STREAK = "good_streak"
    OK = "ok"


def _check_pain(pain: int | None) -> None:
    if pain is not None and not PAIN_MIN <= pain <= PAIN_MAX:
        raise ValueError(f"pain must be within {PAIN_MIN}..{PAIN_MAX}, got {pain}")


@dataclass(frozen=True)
class Answer:
    phase: Phase
    pain: int | None = None
    tingling: Tingling | None = None
    next_day: NextDay | None = None
    red_flag: bool = False

    def __post_init__(self) -> None:
        _check_pain(self.pain)


@dataclass(frozen=True)
class SessionRecord:
    """A past session, as the history passed to `decide` holds it (most recent last)."""

    level: int
    pain_before: int | None
    pain_after: int | None
    new_tingling: bool
    next_day: NextDay | None
    completed: bool

    def __post_init__(self) -> None:
        _check_pain(self.pain_before)
        _check_pain(self.pain_after)

    @property
    def good(self) -> bool:
        """Counts toward a streak: completed, no new tingling, no next-day flare, and known
        pain that neither rose nor went above the acceptable level."""
        return (
            self.completed
            and not self.new_tingling
            and self.next_day is not NextDay.WORSE
            and _settled(self.pain_after, baseline=self.pain_before)
        )


@dataclass(frozen=True)
class Decision:
    action: Action
    level_change: LevelMove
    reason: Reason


def decide(
    checkin: Answer,
    *,
    baseline_pain: int | None,
    history: Sequence[SessionRecord],
    level: int,
    worse_earlier: bool = False,
) -> Decision:
    """The decision for one check-in.

    `baseline_pain` is the pain reported before the current session. `history` holds the
    earlier sessions, most recent last, without the current one. `worse_earlier` says an
    earlier check-in of the current session already reported a rise or new tingling (it
    was acted on then, so it only rules out a level up now).
    """
    _check_pain(baseline_pain)
    if level < 1:
        raise ValueError(f"level must be at least 1, got {level}")
    return (
        _emergency(checkin, baseline_pain)
        or _setback(checkin, baseline_pain)
        or _progress(checkin, baseline_pain, history, level, worse_earlier)
    )


def _emergency(checkin: Answer, baseline_pain: int | None) -> Decision | None:
    if checkin.red_flag:
        # The NHS red flags (design.md): urgent care, not stretching. Not a question of
        # level, so the level stays as it is for whenever a professional clears them.
        return Decision(Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)
    # Pain the session may have provoked also steps the level down for whenever the plan
    # resumes; pain already there before the session says nothing about the level.
    provoked = LevelMove.NONE if checkin.phase is Phase.BEFORE else LevelMove.DOWN
    if checkin.pain is not None and checkin.pain >= SEVERE_PAIN:
        return Decision(Action.PAUSE_PLAN, provoked, Reason.SEVERE_PAIN)
    if _rise(checkin, baseline_pain) >= SHARP_RISE:
        return Decision(Action.PAUSE_PLAN, provoked, Reason.PAIN_RISE_SHARP)
    return None


def _setback(checkin: Answer, baseline_pain: int | None) -> Decision | None:
    if checkin.tingling is Tingling.WORSE:
        return Decision(_tingling_action(checkin.phase), LevelMove.DOWN, Reason.NEW_TINGLING)
    if _rise(checkin, baseline_pain) >= MILD_RISE:
        return Decision(Action.CONTINUE, LevelMove.DOWN, Reason.PAIN_RISE_MILD)
    if checkin.next_day is NextDay.WORSE:
        # The pain-monitoring model: pain that has not settled by the next morning counts
        # as a rise.
        return Decision(Action.CONTINUE, LevelMove.DOWN, Reason.NEXT_DAY_WORSE)
    return None


def _tingling_action(phase: Phase) -> Action:
    # The seeds: "Watch out for pain, numbness or tingling. If you feel any of those
    # symptoms, STOP! ... you need to back off." Before the session nothing has started,
    # so the whole session stops; during it, the step that provoked it stops.
    if phase is Phase.BEFORE:
        return Action.STOP_SESSION
    if phase is Phase.DURING:
        return Action.STOP_STEP
    return Action.CONTINUE


def _progress(
    checkin: Answer,
    baseline_pain: int | None,
    history: Sequence[SessionRecord],
    level: int,
    worse_earlier: bool,
) -> Decision:
    streak = (
        checkin.phase is Phase.AFTER
        and not worse_earlier
        and _settled(checkin.pain, baseline=baseline_pain)
        and _earlier_sessions_good(history, level)
    )
    if streak:
        return Decision(Action.CONTINUE, LevelMove.OFFER_UP, Reason.GOOD_STREAK)
    return Decision(Action.CONTINUE, LevelMove.NONE, Reason.OK)


def _earlier_sessions_good(history: Sequence[SessionRecord], level: int) -> bool:
    # The current session is one of the streak. Only sessions at the current level count,
    # or accepting an offer would be followed by another offer straight away; a stopped
    # or unknown session breaks the streak, since "in a row" can't be shown across it.
    needed = GOOD_STREAK - 1
    recent = history[max(0, len(history) - needed) :]
    return len(recent) == needed and all(s.level == level and s.good for s in recent)


def _rise(checkin: Answer, baseline_pain: int | None) -> int:
    # A rise is measured against the pain before the session, and only while the session
    # runs or has just ended; without both numbers there is no rise to act on.
    if checkin.phase not in (Phase.DURING, Phase.AFTER):
        return 0
    if checkin.pain is None or baseline_pain is None:
        return 0
    return checkin.pain - baseline_pain


def _settled(pain: int | None, *, baseline: int | None) -> bool:
    # Good for progress only when both numbers are known: no rise, and within what the
    # pain-monitoring model accepts.
    if pain is None or baseline is None:
        return False
    return pain - baseline < MILD_RISE and pain <= ACCEPTABLE_PAIN
