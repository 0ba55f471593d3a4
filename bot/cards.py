"""The texts of a running session: step cards, countdowns, check-in questions, summaries."""

from __future__ import annotations

from html import escape

from bot import texts
from routines.plan import SessionStep

SIDE_WORDS = {"left": "left side", "right": "right side"}


def amount(step: SessionStep) -> str:
    if step.count is not None:
        rounds = f" (round {step.rep} of {step.reps})" if step.reps > 1 else ""
        return f"Count slowly to {step.count}{rounds}"
    rounds = f" (round {step.rep} of {step.reps})" if step.reps > 1 else ""
    return f"Hold {step.hold_seconds} s{rounds}"


def lead_in(previous: SessionStep | None, step: SessionStep, *, skipped: bool = False) -> str:
    if previous is None:
        return texts.LETS_BEGIN
    done = texts.STEP_SKIPPED if skipped else texts.STEP_DONE
    following = texts.NEXT_STEP.format(name=escape(step.name))
    if step.side and previous.side and step.side != previous.side:
        following = texts.SWITCH_SIDE.format(side=SIDE_WORDS[step.side]) + " " + following
    return f"{done} {following}"


def card(step: SessionStep, total: int, status: str, lead: str = "") -> str:
    lines = [lead, ""] if lead else []
    lines.append(f"<b>Step {step.number} of {total} · {escape(step.name)}</b>")
    if step.side:
        lines.append(f"Side: <b>{SIDE_WORDS[step.side]}</b>")
    lines += ["", escape(step.cue)]
    if step.caution:
        lines.append(f"⚠️ {escape(step.caution)}")
    lines += ["", f"<b>{amount(step)}</b>", status]
    return "\n".join(lines)


def get_ready(step: SessionStep, ready: float) -> str:
    verb = "count" if step.count is not None else "hold"
    return f"⏳ Get into position — the {verb} starts in {round(ready)} s."


def remaining(seconds: float) -> str:
    left = max(0, round(seconds))
    return f"⏳ {left} s left — nearly there." if left <= 10 else f"⏳ {left} s left."


def paused(seconds: float) -> str:
    return f"⏸ Paused with {max(0, round(seconds))} s left. Tap Resume when you're ready."
