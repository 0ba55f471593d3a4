"""The texts of a running session: step cards, countdowns, check-in questions, summaries."""

from __future__ import annotations

from html import escape

from bot import texts
from routines.model import DoseKind
from routines.plan import PlannedStep, Ready
from routines.session import Clock


def amount(step: PlannedStep) -> str:
    """What to do on this card, and how much."""
    rounds = (
        texts.CARD_ROUND.format(round=step.round, rounds=step.rounds) if step.rounds > 1 else ""
    )
    sets = texts.CARD_SET.format(set=step.set, sets=step.sets) if step.sets > 1 else ""
    length = duration(step.seconds)
    match step.kind:
        case DoseKind.TEMPO:
            tempo = ", ".join(
                texts.CARD_TEMPO_MOVE.format(move=escape(m.move), seconds=m.seconds)
                for m in step.tempo
            )
            return texts.CARD_TEMPO.format(times=step.times, set=sets, tempo=tempo, length=length)
        case DoseKind.CYCLES:
            return texts.CARD_CYCLES.format(
                times=step.times, set=sets, length=duration(step.seconds)
            )
        case DoseKind.COUNT:
            return texts.CARD_COUNT.format(count=step.count, rounds=rounds, set=sets)
    return texts.CARD_HOLD.format(seconds=step.hold_seconds, rounds=rounds, set=sets)


def duration(seconds: float) -> str:
    """Roughly how long, as a person says it: to the nearest 10 s, in minutes past one."""
    rounded = int(round(seconds / 10) * 10) if seconds >= 30 else round(seconds)
    minutes, rest = divmod(rounded, 60)
    if not minutes:
        return texts.JUST_SECONDS.format(seconds=rest)
    if not rest:
        return texts.MINUTES.format(minutes=minutes)
    return texts.MINUTES_SECONDS.format(minutes=minutes, seconds=rest)


def lead_in(previous: PlannedStep | None, step: PlannedStep, *, skipped: bool = False) -> str:
    if previous is None:
        return texts.LETS_BEGIN
    done = texts.STEP_SKIPPED if skipped else texts.STEP_DONE
    if (previous.step_id, previous.side) == (step.step_id, step.side):
        return done  # another set or hold of the same: the get-ready line says which
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
    seconds = round(ready)
    match step.ready_for:
        case Ready.POSITION:
            return texts.GET_READY_POSITION.format(
                position=texts.POSITIONS[step.position], seconds=seconds
            )
        case Ready.SET:
            return texts.GET_READY_SET.format(done=step.set - 1, sets=step.sets, seconds=seconds)
        case Ready.REST:
            return texts.GET_READY_REST.format(seconds=seconds)
    return texts.GET_READY.format(seconds=seconds)


def remaining(seconds: float) -> str:
    left = max(0, round(seconds))
    return (texts.NEARLY_THERE if left <= 10 else texts.SECONDS_LEFT).format(seconds=left)


def paused(seconds: float) -> str:
    return texts.PAUSED_WITH.format(seconds=max(0, round(seconds)))


def clock(step: PlannedStep, kind: Clock, seconds: float) -> str:
    if kind is Clock.GET_READY:
        return get_ready(step, seconds)
    return paused(seconds) if kind is Clock.PAUSED else remaining(seconds)
