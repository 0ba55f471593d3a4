"""The duty-of-care rules: one table, and what a check-in answer means under it.

`RULES` holds every rule, in order of precedence: the answer that triggers it, what
happens, what the person is told, and the published guidance it rests on. `decide` applies
the rules a check-in answer can trigger; the others (the screens, the next-morning check,
lifting a pause) are carried out where their question is asked, and name their row by its
`Reason`. docs/safety.md is written from this table (`python -m routines safety`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import mean

from routines.schedule import PlanReason

# The 0-10 numeric rating scale the bot's pain keyboard offers.
PAIN_MIN = 0
PAIN_MAX = 10

# The pain traffic light (Provide physiotherapy): up to GREEN_MAX carry on; up to
# AMBER_MAX acceptable if it settles by the next morning; above it, too much for that
# exercise; from SEVERE_PAIN, stop and get advice.
GREEN_MAX = 3
AMBER_MAX = 5
SEVERE_PAIN = 8

# Sessions in a row, at the current level and ending with this one, that must be free of
# any rise, new tingling or next-day flare before a level up is offered.
GOOD_STREAK = 3

# Setbacks at the gentlest level within this window call for a professional review.
SETBACK_WINDOW = timedelta(weeks=2)
SETBACKS_FOR_REVIEW = 2

# NHS, Sciatica: see a GP if it is not getting better after a few weeks of treating it at
# home; the message comes once this long after the first session...
NO_IMPROVEMENT_AFTER = timedelta(weeks=6)
# ...when the pain before sessions in the latest fortnight is not at least this much lower
# than in the first fortnight.
TREND_WINDOW = timedelta(weeks=2)
IMPROVEMENT = 1.0

# The pre-session question about new weakness comes at most this often; a red-flag screen
# asks about it too, so one within this time counts.
WEAKNESS_EVERY = timedelta(weeks=1)
# The red-flag screen comes round again with a reminder after this long.
SCREEN_EVERY = timedelta(weeks=4)


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


class Flag(StrEnum):
    """A red flag's tier."""

    EMERGENCY = "emergency"  # A&E or 999 now
    URGENT = "urgent"  # an urgent GP appointment or 111, today


class Action(StrEnum):
    CONTINUE = "continue"
    STOP_STEP = "stop_step"  # the step stops; the next one waits, to be done gentler or not
    SPARE_NERVE = "spare_nerve"  # the step stops, and nerve stretches are left out today
    STOP_SESSION = "stop_session"
    PAUSE_PLAN = "pause_plan"  # stops the session too; lifted only after the screen again
    SEE_GP = "see_gp"  # pauses the plan until the person has been seen
    URGENT_CARE = "urgent_care"  # pauses everything


# Actions that pause the plan, so that only the lifting rule may start it again.
PAUSING = frozenset({Action.PAUSE_PLAN, Action.SEE_GP, Action.URGENT_CARE})


class LevelMove(StrEnum):
    DOWN = "down"
    NONE = "none"
    OFFER_UP = "offer_up"  # the person may accept or decline


class Reason(StrEnum):
    """A row of the table: the rule a decision, a pause or a message comes from."""

    RED_FLAG = "red_flag"
    BOTH_LEGS = "both_legs"
    RED_FLAG_URGENT = "red_flag_urgent"
    NEW_WEAKNESS = "new_weakness"
    SEVERE_PAIN = "severe_pain"
    SHARP_PAIN = "sharp_pain"
    NO_PROGRESS = "no_progress"
    NEXT_DAY_WORSE_AGAIN = "next_day_worse_again"
    NEW_TINGLING = "new_tingling"
    PAIN_HIGH_DURING = "pain_high_during"
    PAIN_HIGH_AFTER = "pain_high_after"
    NEXT_DAY_WORSE = "next_day_worse"
    NO_IMPROVEMENT = "no_improvement"
    AMBER = "amber"
    GOOD_STREAK = "good_streak"
    OK = "ok"
    PRE_SCREEN = "pre_screen"
    SCREEN = "screen"
    MORNING_CHECK = "morning_check"
    LIFT = "lift"


@dataclass(frozen=True)
class Rule:
    reason: Reason
    rule: str
    trigger: str
    outcome: str
    told: str
    source: str


NHS_SCIATICA = "NHS, Sciatica (nhs.uk/conditions/sciatica)"
NHS_BACK = "NHS, Back pain (nhs.uk/conditions/back-pain)"
NHS_CES = "NHS, Cauda equina syndrome (nhs.uk/conditions/cauda-equina-syndrome)"
TRAFFIC_LIGHT = "Provide physiotherapy, Pain traffic light (providephysiotherapy.org.uk)"
GSTT = "Guy's and St Thomas' NHS Foundation Trust, Exercise and pain: hurt does not mean harm"
NICE_NG59 = "NICE NG59, Low back pain and sciatica in over 16s"
SEEDS = "the routines' articles: stop on new numbness or tingling and back off"

RULES: tuple[Rule, ...] = (
    Rule(
        Reason.RED_FLAG,
        "Red flag, tier 1",
        "Yes to a sign on the emergency list: sciatica in both legs; severe or worsening "
        "numbness or weakness in both legs; numbness or pins and needles around the genitals "
        "or back passage; new trouble peeing or controlling it; not noticing or controlling "
        "bowel movements; chest pain with back pain; back pain after a serious accident",
        "Any session ends; the plan is paused; no reminders",
        "Go to A&E or call 999 now; do not do the stretches",
        f"{NHS_SCIATICA}; {NHS_CES}; {NHS_BACK}",
    ),
    Rule(
        Reason.BOTH_LEGS,
        "Both legs, new or worse",
        "The painful side is 'both legs' (at set-up or in /settings) and that is new or "
        "getting worse",
        "As tier 1",
        "As tier 1",
        NHS_SCIATICA,
    ),
    Rule(
        Reason.RED_FLAG_URGENT,
        "Red flag, tier 2",
        "Yes to a sign on the urgent list: fever or a high temperature; unexplained weight "
        "loss; a lump, swelling or change in the shape of the back; pain worse at night or "
        "not eased by rest; pain worse when coughing, sneezing or pooing; new or different "
        "back pain with a history of cancer; osteoporosis or long-term steroids with new "
        "pain after a minor fall; new weakness in one leg or a foot that catches when walking",
        "The plan is paused until the person says they have been seen",
        "Ask for an urgent GP appointment or call 111 today",
        f"{NHS_SCIATICA}; {NHS_BACK}; {NICE_NG59}",
    ),
    Rule(
        Reason.NEW_WEAKNESS,
        "New weakness, asked weekly",
        "Yes to the weekly question before a session: new weakness in the leg or foot, or a "
        "foot that catches when walking",
        "As tier 2; the session does not start",
        "As tier 2",
        NHS_SCIATICA,
    ),
    Rule(
        Reason.SEVERE_PAIN,
        "Severe pain",
        f"Pain of {SEVERE_PAIN}/10 or more, at any check-in",
        "The session stops; the plan is paused",
        "Stop for today and keep gently moving; see a GP or call 111 if it has not settled "
        "within 24 to 48 hours",
        f"{TRAFFIC_LIGHT}; {NHS_SCIATICA}",
    ),
    Rule(
        Reason.SHARP_PAIN,
        "Sharp, shooting or spreading pain",
        "'Sharp, shooting or spreading' chosen after 'It hurts'",
        "As severe pain",
        "As severe pain",
        f"{TRAFFIC_LIGHT}; {NHS_SCIATICA}",
    ),
    Rule(
        Reason.NO_PROGRESS,
        "Setbacks at the gentlest level",
        f"A setback (new tingling, pain above {AMBER_MAX} after, a worse next morning) at "
        f"level 1, with another at level 1 in the {SETBACK_WINDOW.days} days before",
        "The plan is paused until the person says a professional has reviewed it",
        "The gentlest level is not settling things: see a GP or physiotherapist for a review",
        NICE_NG59,
    ),
    Rule(
        Reason.NEXT_DAY_WORSE_AGAIN,
        "Worse two mornings running",
        "'Worse' at the next-morning check, after 'worse' at the one before",
        "The plan is paused until the person says they have been seen",
        "See a GP or physiotherapist before going on; the flare-up plan is offered",
        f"{TRAFFIC_LIGHT}: worse pain that lasts for days after exercise needs a professional",
    ),
    Rule(
        Reason.NEW_TINGLING,
        "New or worse tingling or numbness",
        "'New or worse' tingling or numbness, before or during a session",
        "Before: the session stops. During: the step stops and nerve stretches are left out "
        "today. The next session is one level gentler; the red-flag screen follows",
        "The nerve is irritated, so we back off; then the safety check",
        SEEDS,
    ),
    Rule(
        Reason.PAIN_HIGH_DURING,
        "Red zone during a step",
        f"Pain of {AMBER_MAX + 1} or {SEVERE_PAIN - 1} during a step",
        "That step stops; the next one waits, paused, to be done more gently or not at all",
        "Stopped that one; do the next one more gently, or end here",
        TRAFFIC_LIGHT,
    ),
    Rule(
        Reason.PAIN_HIGH_AFTER,
        "Red zone after the session",
        f"Pain of {AMBER_MAX + 1} or {SEVERE_PAIN - 1} after the session",
        "The next session is one level gentler",
        "Next time one level gentler; the flare-up plan is offered",
        TRAFFIC_LIGHT,
    ),
    Rule(
        Reason.NEXT_DAY_WORSE,
        "Worse the next morning",
        "'Worse' at the next-morning check",
        "The next session is one level gentler",
        "Next time one level gentler, with the flare-up plan",
        TRAFFIC_LIGHT,
    ),
    Rule(
        Reason.NO_IMPROVEMENT,
        "No better after six weeks",
        f"{NO_IMPROVEMENT_AFTER.days // 7} weeks after the first session, the pain before "
        f"sessions in the latest fortnight is not {IMPROVEMENT:g} point lower than in the first",
        "One message, once; the plan carries on",
        "It is worth seeing a GP about it",
        NHS_SCIATICA,
    ),
    Rule(
        Reason.AMBER,
        "Amber zone",
        f"Pain of {GREEN_MAX + 1} or {AMBER_MAX} during or after a session, whatever the rise",
        "Carry on; no level up today; the next-morning check decides",
        "That is acceptable if it settles by tomorrow morning; ease off a little",
        f"{TRAFFIC_LIGHT}; {GSTT}",
    ),
    Rule(
        Reason.GOOD_STREAK,
        "Step up",
        f"The {GOOD_STREAK}rd good session in a row at this level: completed, pain after at "
        f"{GREEN_MAX} or below and no higher than before, no new tingling, no worse morning",
        "A level up is offered; the person may decline",
        "Would you like to step up?",
        "the routines' articles: progress slowly",
    ),
    Rule(
        Reason.OK,
        "Green zone",
        f"Pain of {GREEN_MAX} or below, or any pain before a session below {SEVERE_PAIN}",
        "Carry on",
        "Nothing extra",
        f"{TRAFFIC_LIGHT}; {GSTT}",
    ),
    Rule(
        Reason.PRE_SCREEN,
        "Before the first session",
        "Yes to any of: pregnant; spinal surgery or a fracture in the last year; "
        "osteoporosis; a history of cancer; under 16",
        "The plan is set up but waits until the person says a professional has cleared them",
        "Check with a GP or physiotherapist before starting",
        f"{NICE_NG59}; {NHS_BACK}",
    ),
    Rule(
        Reason.SCREEN,
        "When the screen is asked",
        f"At set-up, every {SCREEN_EVERY.days // 7} weeks with a reminder, on /redflags, "
        "and after new tingling or numbness is reported",
        "Both tiers are asked; a yes takes its tier's row",
        "'Since your sciatica started, and not normal for you'",
        NHS_SCIATICA,
    ),
    Rule(
        Reason.MORNING_CHECK,
        "The next-morning check",
        "The morning after a session: at the reminder time if that is a morning, else "
        "NEXT_MORNING_TIME (09:00)",
        "Sent once, claimed like a reminder; its answer is decided by the rows above",
        "Compared with before yesterday's session, how are your back and leg?",
        TRAFFIC_LIGHT,
    ),
    Rule(
        Reason.LIFT,
        "Lifting a safety pause",
        "/resume, and 'yes, I've been seen or cleared', on any pause above",
        "The red-flag screen is asked again; with no flag, the plan restarts at level 1 and "
        "the next-morning check follows its first session",
        "Welcome back; we start again gently",
        NICE_NG59,
    ),
)
RULE = {rule.reason: rule for rule in RULES}
# The pause each pausing row puts the plan in; each asks its own question before lifting.
PLAN_PAUSE = {
    Reason.RED_FLAG: PlanReason.RED_FLAG,
    Reason.BOTH_LEGS: PlanReason.RED_FLAG,
    Reason.RED_FLAG_URGENT: PlanReason.SEE_GP,
    Reason.NEW_WEAKNESS: PlanReason.SEE_GP,
    Reason.SEVERE_PAIN: PlanReason.SEVERE_PAIN,
    Reason.SHARP_PAIN: PlanReason.SEVERE_PAIN,
    Reason.NO_PROGRESS: PlanReason.NO_PROGRESS,
    Reason.NEXT_DAY_WORSE_AGAIN: PlanReason.FLARE_UP,
    Reason.PRE_SCREEN: PlanReason.PRE_SCREEN,
}


def _check_pain(pain: int | None) -> None:
    if pain is not None and not PAIN_MIN <= pain <= PAIN_MAX:
        raise ValueError(f"pain must be within {PAIN_MIN}..{PAIN_MAX}, got {pain}")


@dataclass(frozen=True)
class Answer:
    phase: Phase
    pain: int | None = None
    tingling: Tingling | None = None
    next_day: NextDay | None = None
    flag: Flag | None = None
    sharp: bool = False  # sharp, shooting or spreading pain

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
        pain that neither rose nor left the green zone."""
        return (
            self.completed
            and not self.new_tingling
            and self.next_day is not NextDay.WORSE
            and _settled(self.pain_after, baseline=self.pain_before)
        )


@dataclass(frozen=True)
class Known:
    """What the rules read besides the answer.

    `baseline_pain`: the pain before the current session. `history`: earlier sessions, most
    recent last, without the current one. `worse_earlier`: an earlier check-in of this
    session was a setback (acted on then; it only rules out a level up now).
    `gentlest_setbacks`: earlier sessions within SETBACK_WINDOW with a setback at level 1.
    `no_improvement`: the six-week trend says so, and the person has not been told yet."""

    baseline_pain: int | None = None
    history: Sequence[SessionRecord] = ()
    level: int = 1
    worse_earlier: bool = False
    gentlest_setbacks: int = 0
    no_improvement: bool = False

    def __post_init__(self) -> None:
        _check_pain(self.baseline_pain)
        if self.level < 1:
            raise ValueError(f"level must be at least 1, got {self.level}")


@dataclass(frozen=True)
class Decision:
    action: Action
    level_change: LevelMove
    reason: Reason

    @property
    def setback(self) -> bool:
        return self.level_change is LevelMove.DOWN or self.action in PAUSING


def decide(answer: Answer, known: Known | None = None) -> Decision:
    """The decision for one check-in answer, by the first row of the table it triggers."""
    known = known or Known()
    return (
        _red_flag(answer)
        or _severe(answer)
        or _setback(answer, known)
        or _notice(answer, known)
        or _progress(answer, known)
    )


def _red_flag(answer: Answer) -> Decision | None:
    if answer.flag is Flag.EMERGENCY:
        return Decision(Action.URGENT_CARE, LevelMove.NONE, Reason.RED_FLAG)
    if answer.flag is Flag.URGENT:
        return Decision(Action.SEE_GP, LevelMove.NONE, Reason.RED_FLAG_URGENT)
    return None


def _severe(answer: Answer) -> Decision | None:
    # Lifting the pause restarts at level 1, so the level itself is left as it is.
    if answer.pain is not None and answer.pain >= SEVERE_PAIN:
        return Decision(Action.PAUSE_PLAN, LevelMove.NONE, Reason.SEVERE_PAIN)
    if answer.sharp:
        return Decision(Action.PAUSE_PLAN, LevelMove.NONE, Reason.SHARP_PAIN)
    return None


def _setback(answer: Answer, known: Known) -> Decision | None:
    decision = _worse(answer, known)
    if decision is None or decision.level_change is not LevelMove.DOWN:
        return decision
    if known.level == 1 and known.gentlest_setbacks + 1 >= SETBACKS_FOR_REVIEW:
        return Decision(Action.PAUSE_PLAN, LevelMove.NONE, Reason.NO_PROGRESS)
    return decision


def _worse(answer: Answer, known: Known) -> Decision | None:
    phase = answer.phase
    if answer.tingling is Tingling.WORSE:
        return Decision(_tingling_action(phase), LevelMove.DOWN, Reason.NEW_TINGLING)
    red = answer.pain is not None and answer.pain > AMBER_MAX
    if red and phase is Phase.DURING:
        # The after check-in decides the level, so a step that was too much is not counted
        # twice.
        return Decision(Action.STOP_STEP, LevelMove.NONE, Reason.PAIN_HIGH_DURING)
    if red and phase is Phase.AFTER:
        return Decision(Action.CONTINUE, LevelMove.DOWN, Reason.PAIN_HIGH_AFTER)
    if answer.next_day is NextDay.WORSE:
        last = known.history[-1] if known.history else None
        if last is not None and last.next_day is NextDay.WORSE:
            return Decision(Action.PAUSE_PLAN, LevelMove.NONE, Reason.NEXT_DAY_WORSE_AGAIN)
        return Decision(Action.CONTINUE, LevelMove.DOWN, Reason.NEXT_DAY_WORSE)
    return None


def _tingling_action(phase: Phase) -> Action:
    if phase is Phase.BEFORE:
        return Action.STOP_SESSION
    if phase is Phase.DURING:
        return Action.SPARE_NERVE
    return Action.CONTINUE


def _notice(answer: Answer, known: Known) -> Decision | None:
    if answer.phase is Phase.BEFORE and known.no_improvement:
        return Decision(Action.CONTINUE, LevelMove.NONE, Reason.NO_IMPROVEMENT)
    amber = answer.pain is not None and answer.pain > GREEN_MAX
    if amber and answer.phase in (Phase.DURING, Phase.AFTER):
        return Decision(Action.CONTINUE, LevelMove.NONE, Reason.AMBER)
    return None


def _progress(answer: Answer, known: Known) -> Decision:
    streak = (
        answer.phase is Phase.AFTER
        and not known.worse_earlier
        and _settled(answer.pain, baseline=known.baseline_pain)
        and _earlier_sessions_good(known.history, known.level)
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


def _settled(pain: int | None, *, baseline: int | None) -> bool:
    # Good for progress only when both numbers are known: green, and no higher than before.
    if pain is None or baseline is None:
        return False
    return pain <= baseline and pain <= GREEN_MAX


def no_improvement(pains_before: Sequence[tuple[datetime, int]], now: datetime) -> bool:
    """The six-week rule over (started at, pain before) of every session: the first ones at
    least NO_IMPROVEMENT_AFTER ago, and the latest fortnight no better than the first."""
    if not pains_before:
        return False
    first = min(at for at, _ in pains_before)
    if now - first < NO_IMPROVEMENT_AFTER:
        return False
    early = [pain for at, pain in pains_before if at < first + TREND_WINDOW]
    late = [pain for at, pain in pains_before if at >= now - TREND_WINDOW]
    return bool(late) and mean(late) > mean(early) - IMPROVEMENT


def weakness_due(last_asked: datetime | None, now: datetime) -> bool:
    """Whether the pre-session check asks about new weakness this time."""
    return last_asked is None or now - last_asked >= WEAKNESS_EVERY


def screen_due(last_screened: datetime, now: datetime) -> bool:
    return last_screened + SCREEN_EVERY <= now
