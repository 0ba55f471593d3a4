"""Scripted journeys a person takes through the bot, shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable

from bot import texts
from devtools.standin import BotMessage, ScriptedUser
from devtools.standin.html import parse_html

ROUTINE_TITLES = {
    "seated_hamstring_progression": "Seated hamstring stretch",
    "seated_couch_sciatica": "Couch stretches",
    "gentle_sciatica_set": "Gentle stretches",
    "runner_cooldown_sciatica": "Runner's cool-down",
    "after_run_back_relief": "Back relief after running",
}


async def onboard(
    user: ScriptedUser,
    *,
    routine: str = "seated_hamstring_progression",
    side: str = "Left",
    time: str = "07:00",
    zone: str = "Europe/Berlin",
    health: str = texts.RED_FLAG_NO,
) -> None:
    """From /start to a saved plan, tapping what a person would tap; `health` answers the
    check before the first session."""
    await to_side_question(user, routine=routine, health=health)
    await user.press(side)
    if side == texts.SIDES["both"]:
        await user.wait_for("new, or getting worse")
        await user.press(texts.BOTH_LEGS_USUAL)
    await user.wait_for("Which days")
    await user.press("Done")
    await user.wait_for("What time")
    await user.press(time)
    await user.wait_for("time zone")
    await user.send(zone)
    await user.wait_for("Your plan")


async def to_side_question(
    user: ScriptedUser,
    *,
    routine: str = "seated_hamstring_progression",
    health: str = texts.RED_FLAG_NO,
) -> None:
    """From /start through consent, the safety screens and the routine, to the side."""
    await choose_routine(user, routine, health=health)
    # Some routines ask first whether they suit the person, or whether the floor is fine.
    for _ in range(3):
        message = await user.wait_for(
            lambda m: (
                has_button(texts.FITS_NO)(m)
                or has_button(texts.FLOOR_YES)(m)
                or "Where is your pain" in m.display_text
            )
        )
        if has_button(texts.FITS_NO)(message):
            await user.press(texts.FITS_NO)
        elif has_button(texts.FLOOR_YES)(message):
            await user.press(texts.FLOOR_YES)
        else:
            return
    raise AssertionError("the side question never came")


async def choose_routine(
    user: ScriptedUser, routine: str, *, health: str = texts.RED_FLAG_NO
) -> None:
    """From /start through consent and the safety screens to tapping "Choose this routine"."""
    await to_routine_list(user, health=health)
    await pick_routine(user, routine)


async def to_routine_list(user: ScriptedUser, *, health: str = texts.RED_FLAG_NO) -> None:
    """From /start through consent and the safety screens to the list of routines."""
    await user.send("/start")
    await user.wait_for("not medical advice")
    await user.press("I understand and agree")
    await pass_screen(user)
    await user.wait_for("before your first session")
    await user.press(health)
    await user.wait_for("Choose a routine")


async def pass_screen(user: ScriptedUser) -> None:
    """Both lists of the red-flag screen, answered no."""
    await user.wait_for("safety check")
    await user.press(texts.RED_FLAG_NO)
    await user.wait_for("And any of these")
    await user.press(texts.RED_FLAG_NO)


async def pick_routine(user: ScriptedUser, routine: str) -> None:
    """From the list of routines: look at one and choose it."""
    await user.press(ROUTINE_TITLES[routine])
    await user.wait_for(has_button("Choose this routine"))
    await user.press("Choose this routine")


def has_button(label: str) -> Callable[[BotMessage], bool]:
    return lambda message: any(label in button["text"] for button in message.buttons)


async def run_session(
    user: ScriptedUser, *, pain_before: int = 2, pain_after: int = 2, start: str = "/now"
) -> BotMessage:
    """Start a session and let it run hands-free, answering only the questions it asks."""
    if start.startswith("/"):
        await user.send(start)
    else:
        await user.press(start)
    await past_the_pre_session_checks(user)
    await user.press(str(pain_before))
    await user.wait_for("tingling or numbness")
    await user.press("None")
    while True:
        message = await user.wait_for(
            lambda m: any(
                key in m.display_text
                for key in ("pulls on the nerve", "last stretch", "Session finished")
            ),
            timeout=20,
        )
        if "Session finished" in message.display_text:
            return message
        if "pulls on the nerve" in message.display_text:
            await user.press("All fine, carry on", message_id=message.message_id)
        else:
            await user.press(str(pain_after), message_id=message.message_id)


async def past_the_pre_session_checks(user: ScriptedUser) -> None:
    """After /now: yesterday's next-morning check and the weekly question, when they are
    asked first, answered as a person who is fine; then the pain question."""
    prompts = ("Before we start", "Weekly check", "Good morning")
    while True:
        first = await user.wait_for(lambda m: any(p in m.display_text for p in prompts))
        if "Weekly check" in first.display_text:
            await user.press(texts.WEAKNESS_NO, message_id=first.message_id)
        elif "Good morning" in first.display_text:
            await user.press(texts.NEXT_DAY_CHOICES["same"], message_id=first.message_id)
        else:
            return


def shown(text: str) -> str:
    """A text from bot/texts.py as the person sees it: Telegram's HTML taken out."""
    return parse_html(text).text
