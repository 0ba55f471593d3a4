"""The texts of a running session: step cards, countdowns, check-in questions, summaries."""

from __future__ import annotations

from html import escape

from bot import texts
from routines.plan import PlannedStep
from routines.session import Clock


def amount(step: PlannedStep) -> str:
    rounds = texts.CARD_ROUND.format(rep=step.rep, reps=step.reps) if step.reps > 1 else ""
    if step.count is not None:
        return texts.CARD_COUNT.format(count=step.count, rounds=rounds)
    return texts.CARD_HOLD.format(seconds=step.hold_seconds, rounds=rounds)


def lead_in(previous: PlannedStep | None, step: PlannedStep, *, skipped: bool = False) -> str:
    if previous is None:
        return texts.LETS_BEGIN
    done = texts.STEP_SKIPPED if skipped else texts.STEP_DONE
    following = texts.NEXT_STEP.format(name=escape(step.name))
    if step.side and previous.side and step.side != previous.side:
        following = texts.SWITCH_SIDE.format(side=texts.SIDE_WORDS[step.side]) + " " + following
    return f"{done} {following}"


def card(step: PlannedStep, total: int, status: str, lead: str = "") -> str:
    lines = [lead, ""] if lead else []
    lines.append(texts.CARD_TITLE.format(number=step.number, total=total, name=escape(step.name)))
    if step.side:
        lines.append(texts.CARD_SIDE.format(side=texts.SIDE_WORDS[step.side]))
    lines += ["", escape(step.cue)]
    if step.caution:
        lines.append(f"⚠️ {escape(step.caution)}")
    lines += ["", f"<b>{amount(step)}</b>", status]
    return "\n".join(lines)


def get_ready(step: PlannedStep, ready: float) -> str:
    template = texts.GET_READY_COUNT if step.count is not None else texts.GET_READY_HOLD
    return template.format(seconds=round(ready))


def remaining(seconds: float) -> str:
    left = max(0, round(seconds))
    return (texts.NEARLY_THERE if left <= 10 else texts.SECONDS_LEFT).format(seconds=left)


def paused(seconds: float) -> str:
    return texts.PAUSED_WITH.format(seconds=max(0, round(seconds)))


def clock(step: PlannedStep, kind: Clock, seconds: float) -> str:
    if kind is Clock.GET_READY:
        return get_ready(step, seconds)
    return paused(seconds) if kind is Clock.PAUSED else remaining(seconds)
