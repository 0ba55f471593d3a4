"""/start and /settings: consent, red-flag screen, routine, side, days, time and zone.

Each answer is saved to the draft in the database before the next question is asked."""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from functools import cache
from html import escape
from typing import Any

from telegram.error import TelegramError
from timezonefinder import TimezoneFinder

from bot import buttons as b
from bot import keyboards, pictures, texts
from bot.routing import Ctx
from bot.session_plans import plan_of
from bot.timefmt import clock_text, local_text
from routines import schedule
from routines.model import FLOOR_POSITIONS, Routine
from routines.plan import PainSide, works_off_floor
from routines.safety import Reason
from routines.schedule import PlanReason, PlanStatus
from routines.timeinput import describe_zone, parse_time_of_day, resolve_zone, zone_label
from storage.models import CheckIn, Plan, User
from storage.queries import plans as plan_q
from storage.queries import users as user_q

log = logging.getLogger(__name__)

# The question that follows each answer during onboarding; /settings asks just one.
NEXT: dict[str, str | None] = {
    "routine": "side",
    "floor": "side",
    "side": "days",
    "days": "time",
    "time": "zone",
    "tz": None,
}
# Spread the recommended number of days over the week, with rest days in between.
SPREAD = {
    1: [2],
    2: [1, 4],
    3: [0, 2, 4],
    4: [0, 2, 4, 6],
    5: [0, 1, 2, 3, 4],
    6: [0, 1, 2, 3, 4, 5],
}


async def start(ctx: Ctx) -> None:
    async with ctx.tx() as s:
        user = await user_q.get_or_create_user(
            s, user_id=ctx.user_id, chat_id=ctx.chat_id, first_name=ctx.first_name
        )
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if user.consented_at is None:
            await ctx.send(texts.welcome(ctx.first_name), keyboards.consent())
            user_q.set_dialog(user, dialog="onb:consent", draft={})
            return
        if plan is not None and plan.status != PlanStatus.STOPPED and user.red_flag_at is None:
            await ctx.send(summary_text(ctx, plan), keyboards.summary())
            return
        await _ask(ctx, user, "screen", {"mode": "onboard"})


async def on_consent(ctx: Ctx, pressed: b.Consent) -> None:
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        if user is None or user.consented_at is not None:
            return await ctx.answer(texts.STALE_BUTTON)
        user.consented_at = ctx.rt.clock.now()
        await ctx.answer()
        await _ask(ctx, user, "screen", {"mode": "onboard"})


async def on_list(ctx: Ctx, pressed: b.RoutineList) -> None:
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:routine")
        if user is not None:
            await ctx.answer()
            await ctx.show(texts.CHOOSE_ROUTINE, keyboards.routine_list(_starts(ctx)))


async def on_preview(ctx: Ctx, pressed: b.RoutinePreview) -> None:
    routine = _routine(ctx, pressed.routine_id)
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:routine")
        if user is None or routine is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        text, markup = preview_text(ctx, routine), keyboards.routine_preview(routine.id)
        picture = pictures.for_preview(routine.id)
        if picture is None or not pictures.fits_caption(text):
            return await ctx.show(text, markup)
        # The routine's pictures in one image, under the list, which stays to pick another.
        await ctx.after_commit(lambda: _send_preview(ctx, picture, text, markup))


async def on_routine(ctx: Ctx, pressed: b.RoutineChoice) -> None:
    routine = _routine(ctx, pressed.routine_id)
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:routine")
        if user is None or routine is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        if routine.not_for_question is None:
            return await _answered(ctx, s, user, "routine", routine.id)
        user_q.set_dialog(user, dialog="onb:fit", draft=user_q.read_draft(user))
        await ctx.show(escape(routine.not_for_question), keyboards.routine_fit(routine.id))


async def on_routine_fit(ctx: Ctx, pressed: b.RoutineFit) -> None:
    """The answer to the routine's "not for you if" question."""
    routine = _routine(ctx, pressed.routine_id)
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:fit")
        if user is None or routine is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        if pressed.fits:
            return await _answered(ctx, s, user, "routine", routine.id)
        user_q.set_dialog(user, dialog="onb:routine", draft=user_q.read_draft(user))
        others = [(r, m) for r, m in _starts(ctx) if r.id != routine.id]
        await ctx.show(texts.NOT_FOR_YOU, keyboards.routine_list(others))


async def on_floor(ctx: Ctx, pressed: b.FloorChoice) -> None:
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:floor")
        if user is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        draft = user_q.read_draft(user)
        routine = _routine(ctx, str(draft.get("routine", "")))
        if pressed.floor or routine is None or works_off_floor(routine):
            return await _answered(ctx, s, user, "floor", pressed.floor)
        # Mostly floor work: another routine, chosen off the floor, suits them better.
        draft["floor"] = False
        user_q.set_dialog(user, dialog="onb:routine", draft=draft)
        others = [(r, m) for r, m in _starts(ctx) if works_off_floor(r)]
        await ctx.show(texts.FLOOR_NOT_HERE, keyboards.routine_list(others))


async def on_side(ctx: Ctx, pressed: b.SideChoice) -> None:
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:side")
        if user is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        if pressed.side is PainSide.BOTH:
            # Both legs may be a tier-1 sign: asked before it is taken (routines/safety.py).
            return await _ask(ctx, user, "bothlegs", user_q.read_draft(user))
        await side_chosen(ctx, s, user, pressed.side)


async def side_chosen(ctx: Ctx, s: Any, user: User, side: PainSide) -> None:
    await _answered(ctx, s, user, "side", side.value)


async def on_pre_screen(ctx: Ctx, pressed: b.PreScreen) -> None:
    """Before the first session (row pre_screen): any yes, and the plan waits for an all-clear."""
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:health")
        if user is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        decision = Reason.PRE_SCREEN if pressed.yes else Reason.OK
        s.add(
            CheckIn(
                user_id=user.id,
                phase="prescreen",
                reason=decision.value,
                created_at=ctx.rt.clock.now(),
            )
        )
        draft = {**user_q.read_draft(user), "prescreen": pressed.yes}
        if pressed.yes:
            await ctx.show(texts.PRE_SCREEN_WAIT)
        await _ask(ctx, user, "routine", draft, fresh=pressed.yes)


async def on_day(ctx: Ctx, pressed: b.DayToggle) -> None:
    day = pressed.day
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:days")
        if user is None or day > 6:
            return await ctx.answer(texts.STALE_BUTTON)
        draft = user_q.read_draft(user)
        chosen = set(draft.get("days", []))
        chosen ^= {day}
        draft["days"] = sorted(chosen)
        user_q.set_dialog(user, dialog="onb:days", draft=draft)
        await ctx.answer()
        await ctx.show(_days_text(ctx, draft), keyboards.days(draft["days"]))


async def on_days_done(ctx: Ctx, pressed: b.DaysDone) -> None:
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:days")
        if user is None:
            return await ctx.answer(texts.STALE_BUTTON)
        days = user_q.read_draft(user).get("days", [])
        if not days:
            return await ctx.answer(texts.NEED_A_DAY, alert=True)
        await ctx.answer()
        await _answered(ctx, s, user, "days", days)


async def on_time_button(ctx: Ctx, pressed: b.TimeChoice) -> None:
    hhmm = pressed.hhmm
    value = parse_time_of_day(f"{hhmm[:2]}:{hhmm[2:]}")
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:time")
        if user is None or value is None:
            return await ctx.answer(texts.STALE_BUTTON)
        await ctx.answer()
        await _answered(ctx, s, user, "time", f"{value:%H:%M}")


async def on_time_text(ctx: Ctx, text: str, _args: list[str]) -> None:
    value = parse_time_of_day(text)
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:time")
        if user is None:
            return
        if value is None:
            await ctx.send(texts.BAD_TIME, keyboards.times())
            return
        await _answered(ctx, s, user, "time", _hhmm(value))


async def on_zone_text(ctx: Ctx, text: str, _args: list[str]) -> None:
    await _zone_found(ctx, resolve_zone(text), texts.BAD_ZONE)


async def on_location(ctx: Ctx, latitude: float, longitude: float) -> None:
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        asking = user is not None and user.dialog == "onb:zone"
    if not asking:
        await ctx.send(texts.LOCATION_NOT_NEEDED)
        return
    name = await asyncio.to_thread(_zone_at, latitude, longitude)
    await _zone_found(ctx, name, texts.NO_ZONE_AT_LOCATION)


async def _zone_found(ctx: Ctx, name: str | None, hint: str) -> None:
    async with ctx.tx() as s:
        user = await _user_in(ctx, s, "onb:zone")
        if user is None:
            return
        if name is None:
            await ctx.send(hint, keyboards.location_request())
            return
        local_now = clock_text(ctx.rt.clock.now(), name)
        zone_name = escape(describe_zone(name))
        await ctx.send(texts.ZONE_SET.format(zone=zone_name, local=local_now), keyboards.remove())
        await _answered(ctx, s, user, "tz", name)


async def on_change(ctx: Ctx, pressed: b.ChangeSomething) -> None:
    await ctx.answer()
    await ctx.show(texts.SETTINGS_MENU, keyboards.settings_menu())


async def on_setting(ctx: Ctx, pressed: b.SettingChoice) -> None:
    item = pressed.item.value
    async with ctx.tx() as s:
        user = await user_q.get_user(s, user_id=ctx.user_id)
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
        if user is None or plan is None:
            return await ctx.answer(texts.NO_PLAN if plan is None else texts.STALE_BUTTON)
        await ctx.answer()
        await _ask(ctx, user, item, {"mode": "settings", **_plan_draft(plan)})


async def after_screen(ctx: Ctx, user: User) -> None:
    """The screen found no red flag: on to the check before the first session."""
    draft = user_q.read_draft(user)
    draft.pop("tier", None)
    await _ask(ctx, user, "health", {"mode": "onboard", **draft})


async def settings_command(ctx: Ctx) -> None:
    async with ctx.tx() as s:
        plan = await plan_q.get_plan(s, user_id=ctx.user_id)
    if plan is None:
        await ctx.send(texts.NO_PLAN)
        return
    await ctx.send(
        summary_text(ctx, plan) + "\n\n" + texts.SETTINGS_MENU, keyboards.settings_menu()
    )


async def _answered(ctx: Ctx, s: Any, user: User, key: str, value: object) -> None:
    draft = user_q.read_draft(user)
    draft[key] = value
    following = None if draft.get("mode") == "settings" else NEXT[key]
    if key == "routine" and following and "floor" not in draft and _on_floor(ctx, str(value)):
        following = "floor"
    if following is None:
        await _finish(ctx, s, user, draft)
    else:
        await _ask(ctx, user, following, draft)


async def _ask(
    ctx: Ctx, user: User, step: str, draft: dict[str, Any], *, fresh: bool = False
) -> None:
    """Ask the step's question, in place of the last one unless `fresh`."""
    if step == "days" and "days" not in draft:
        draft["days"] = _default_days(ctx, str(draft.get("routine", "")))
    user_q.set_dialog(user, dialog=f"onb:{step}", draft=draft)
    if step == "zone":
        # A reply keyboard (the location button) only comes with a new message.
        return await ctx.send(texts.CHOOSE_ZONE, keyboards.location_request())
    text, markup = _question(ctx, step, draft)
    await (ctx.send if fresh else ctx.show)(text, markup)


def _question(ctx: Ctx, step: str, draft: dict[str, Any]) -> tuple[str, Any]:
    questions: dict[str, tuple[str, Any]] = {
        "screen": (texts.RED_FLAG_QUESTION, keyboards.red_flags(b.Origin.ONBOARDING)),
        "health": (texts.PRE_SCREEN_QUESTION, keyboards.pre_screen()),
        "side": (texts.CHOOSE_SIDE, keyboards.sides()),
        "bothlegs": (texts.BOTH_LEGS_QUESTION, keyboards.both_legs()),
        "floor": (texts.FLOOR_QUESTION, keyboards.floor()),
        "time": (texts.CHOOSE_TIME, keyboards.times()),
    }
    if step == "routine":
        return texts.CHOOSE_ROUTINE, keyboards.routine_list(_starts(ctx))
    if step == "days":
        return _days_text(ctx, draft), keyboards.days(draft["days"])
    return questions[step]


async def _finish(ctx: Ctx, s: Any, user: User, draft: dict[str, Any]) -> None:
    now = ctx.rt.clock.now()
    previous = await plan_q.get_plan(s, user_id=user.id)
    plan = await plan_q.save_plan(
        s,
        user_id=user.id,
        routine_id=draft["routine"],
        side=draft["side"],
        floor=bool(draft.get("floor", True)),
        days=schedule.format_days(draft["days"]),
        time_local=draft["time"],
        tz=draft["tz"],
        at=now,
    )
    if user.red_flag_at is not None:
        plan_q.set_status(plan, status=PlanStatus.PAUSED, reason=PlanReason.RED_FLAG, at=now)
    elif draft.get("prescreen"):
        plan_q.set_status(plan, status=PlanStatus.PAUSED, reason=PlanReason.PRE_SCREEN, at=now)
    elif previous is None or previous.status == PlanStatus.STOPPED:
        plan_q.set_status(plan, status=PlanStatus.ACTIVE, reason=None, at=now)
    if previous is not None and previous.routine_id != plan.routine_id:
        await plan_q.change_level(s, plan=plan, level=1, reason="routine_changed", at=now)
    plan_q.schedule_next(plan, now=now)
    user_q.set_dialog(user, dialog=None, draft={})
    await ctx.show(summary_text(ctx, plan), keyboards.summary())


def summary_text(ctx: Ctx, plan: Plan) -> str:
    routine = ctx.rt.catalog.get(plan.routine_id)
    session = plan_of(ctx.rt, plan.routine_id, plan.level, plan.side, plan.floor)
    days = ", ".join(texts.WEEKDAYS[d] for d in schedule.parse_days(plan.days))
    text = texts.SUMMARY.format(
        routine=escape(routine.title),
        minutes=session.minutes,
        level=plan.level,
        top=routine.top_level,
        side=texts.SIDES.get(plan.side, plan.side),
        days=days,
        time=plan.time_local,
        zone=escape(zone_label(plan.tz)),
        next=local_text(plan.next_due_at, plan.tz) if plan.next_due_at else texts.NO_NEXT,
    )
    if plan.status == PlanStatus.PAUSED or plan.paused_until:
        until = local_text(plan.paused_until, plan.tz) if plan.paused_until else None
        text += texts.SUMMARY_PAUSED.format(until=texts.until_text(until))
    return text


def preview_text(ctx: Ctx, routine: Routine) -> str:
    first = plan_of(ctx.rt, routine.id, 1, PainSide.BOTH, True)
    top = plan_of(ctx.rt, routine.id, routine.top_level, PainSide.BOTH, True)
    names = list(dict.fromkeys(step.name for step in top.steps))
    lines = [
        f"<b>{escape(routine.title)}</b>",
        texts.routine_facts(routine, first.minutes, top.minutes),
        "",
        escape(routine.summary),
        "",
        *(f"{i}. {escape(name)}" for i, name in enumerate(names, 1)),
    ]
    return "\n".join(lines)


async def _send_preview(ctx: Ctx, picture: str, text: str, markup: Any) -> None:
    try:
        await pictures.send(ctx.rt, ctx.context.bot, ctx.chat_id, picture, text, markup)
    except TelegramError as exc:
        # Without its picture the preview still says what the routine is.
        log.warning("the preview picture %s could not be sent: %s", picture, exc)
        await ctx.context.bot.send_message(ctx.chat_id, text, reply_markup=markup)


def _starts(ctx: Ctx) -> list[tuple[Routine, int]]:
    """Each routine with the minutes of its first level, where everyone starts."""
    rt = ctx.rt
    return [(r, plan_of(rt, r.id, 1, PainSide.BOTH, True).minutes) for r in rt.catalog]


def _days_text(ctx: Ctx, draft: dict[str, Any]) -> str:
    routine = _routine(ctx, str(draft.get("routine", "")))
    cadence = escape(routine.cadence_text) if routine else "a few days"
    return texts.CHOOSE_DAYS.format(cadence=cadence)


def _default_days(ctx: Ctx, routine_id: str) -> list[int]:
    routine = _routine(ctx, routine_id)
    count = routine.cadence_min if routine and routine.cadence_min else 3
    return SPREAD.get(count, SPREAD[3])


def _plan_draft(plan: Plan) -> dict[str, Any]:
    return {
        "routine": plan.routine_id,
        "side": plan.side,
        "floor": plan.floor,
        "days": schedule.parse_days(plan.days),
        "time": plan.time_local,
        "tz": plan.tz,
    }


def _on_floor(ctx: Ctx, routine_id: str) -> bool:
    """Whether the routine has floor work, so that the floor question matters."""
    routine = _routine(ctx, routine_id)
    return routine is not None and any(p in FLOOR_POSITIONS for p in routine.positions)


def _routine(ctx: Ctx, routine_id: str) -> Routine | None:
    try:
        return ctx.rt.catalog.get(routine_id)
    except KeyError:
        return None


async def _user_in(ctx: Ctx, s: Any, dialog_name: str) -> User | None:
    """The person, if this question is the one open; otherwise the button is stale."""
    user = await user_q.get_user(s, user_id=ctx.user_id)
    if user is None or user.dialog != dialog_name:
        await ctx.answer(texts.STALE_BUTTON)
        return None
    return user


def _hhmm(value: time) -> str:
    return f"{value:%H:%M}"


@cache
def _finder() -> TimezoneFinder:
    return TimezoneFinder()


def _zone_at(latitude: float, longitude: float) -> str | None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return _finder().timezone_at(lng=longitude, lat=latitude)
