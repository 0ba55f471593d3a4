"""Moving between a routine's levels (1 is the gentlest) after a safety decision."""

from dataclasses import dataclass

from routines.safety import Decision, LevelMove, Reason

BOTTOM_LEVEL = 1


@dataclass(frozen=True)
class LevelEvent:
    """What a decision did to the level, as the bot records it and tells the person."""

    before: int
    after: int
    reason: Reason

    @property
    def changed(self) -> bool:
        return self.before != self.after


def apply(level: int, change: LevelMove, *, top_level: int, accepted: bool = False) -> int:
    """The level after `change`, kept within 1..top_level.

    A level up happens only when the person accepted the offer; stepping down from the
    bottom level stays there (level 1 has no nerve-tension steps left to remove).
    """
    if top_level < BOTTOM_LEVEL:
        raise ValueError(f"top_level must be at least {BOTTOM_LEVEL}, got {top_level}")
    if change is LevelMove.DOWN:
        level -= 1
    elif change is LevelMove.OFFER_UP and accepted:
        level += 1
    # Clamping also repairs a stored level that a shorter routine no longer has.
    return min(max(level, BOTTOM_LEVEL), top_level)


def should_offer_up(decision: Decision, level: int, top_level: int) -> bool:
    """Whether to ask the person about a level up: only if there is a level above."""
    return decision.level_change is LevelMove.OFFER_UP and level < top_level


def transition(
    decision: Decision, *, level: int, top_level: int, accepted: bool = False
) -> LevelEvent:
    """The level before and after `decision`, with its reason, for the record."""
    after = apply(level, decision.level_change, top_level=top_level, accepted=accepted)
    return LevelEvent(before=level, after=after, reason=decision.reason)
