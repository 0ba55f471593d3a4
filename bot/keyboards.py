"""Inline keyboards. Labels come from bot.texts; data from the typed buttons of bot.buttons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import unescape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import buttons as b
from bot import texts
from routines.model import Routine
from routines.plan import PainSide
from routines.safety import Flag, NextDay, Tingling
from routines.session import NerveChoice

Row = list[InlineKeyboardButton]


def _b(label: str, button: b.Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(unescape(label), callback_data=button.pack())


def _markup(rows: Iterable[Row]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def consent() -> InlineKeyboardMarkup:
    return _markup([[_b(texts.CONSENT_BUTTON, b.Consent())]])


def red_flags(origin: b.Origin, tier: Flag = Flag.EMERGENCY) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.RED_FLAG_NO, b.RedFlags(origin, tier, yes=False))],
            [_b(texts.RED_FLAG_YES, b.RedFlags(origin, tier, yes=True))],
        ]
    )


def pre_screen() -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.RED_FLAG_NO, b.PreScreen(yes=False))],
            [_b(texts.RED_FLAG_YES, b.PreScreen(yes=True))],
        ]
    )


def both_legs() -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.BOTH_LEGS_USUAL, b.BothLegs(new=False))],
            [_b(texts.BOTH_LEGS_NEW, b.BothLegs(new=True))],
        ]
    )


def weakness() -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                _b(texts.WEAKNESS_NO, b.Weakness(yes=False)),
                _b(texts.WEAKNESS_YES, b.Weakness(yes=True)),
            ]
        ]
    )


def flare_up() -> InlineKeyboardMarkup:
    return _markup([[_b(texts.FLARE_BUTTON, b.FlareUp())]])


def routine_list(routines: list[tuple[Routine, int]]) -> InlineKeyboardMarkup:
    """Each routine with the minutes of the level a person starts at."""
    return _markup(
        [_b(texts.ROUTINE_BUTTON.format(title=r.title, minutes=m), b.RoutinePreview(r.id))]
        for r, m in routines
    )


def routine_preview(routine_id: str) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.CHOOSE_THIS, b.RoutineChoice(routine_id))],
            [_b(texts.BACK_TO_LIST, b.RoutineList())],
        ]
    )


def learn(index: int) -> InlineKeyboardMarkup:
    """Previous and next, wrapping round, so the card is edited in place."""
    total = len(texts.LEARN_CARDS)
    return _markup(
        [
            [
                _b(texts.LEARN_PREVIOUS, b.LearnCard((index - 1) % total)),
                _b(texts.LEARN_NEXT, b.LearnCard((index + 1) % total)),
            ]
        ]
    )


def floor() -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.FLOOR_YES, b.FloorChoice(floor=True))],
            [_b(texts.FLOOR_NO, b.FloorChoice(floor=False))],
        ]
    )


def routine_fit(routine_id: str) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.FITS_NO, b.RoutineFit(routine_id, fits=True))],
            [_b(texts.FITS_YES, b.RoutineFit(routine_id, fits=False))],
        ]
    )


def sides() -> InlineKeyboardMarkup:
    buttons = [_b(texts.SIDES[side], b.SideChoice(side)) for side in PainSide]
    return _markup([buttons[:2], buttons[2:]])


def days(selected: Sequence[int]) -> InlineKeyboardMarkup:
    buttons = [
        _b(f"{'✅' if i in selected else '▫'} {name}", b.DayToggle(i))
        for i, name in enumerate(texts.WEEKDAYS)
    ]
    return _markup([buttons[:4], buttons[4:], [_b(texts.DAYS_DONE, b.DaysDone())]])


TIME_CHOICES = ("07:00", "08:00", "09:00", "12:30", "18:00", "19:00", "20:00", "21:00")


def times() -> InlineKeyboardMarkup:
    buttons = [_b(t, b.TimeChoice(t.replace(":", ""))) for t in TIME_CHOICES]
    return _markup([buttons[:4], buttons[4:]])


def location_request() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.SHARE_LOCATION, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def remove() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def summary() -> InlineKeyboardMarkup:
    return _markup(
        [[_b(texts.START_NOW, b.StartNow())], [_b(texts.CHANGE_SOMETHING, b.ChangeSomething())]]
    )


def settings_menu() -> InlineKeyboardMarkup:
    buttons = [_b(texts.SETTINGS_ITEMS[item], b.SettingChoice(item)) for item in b.Setting]
    return _markup([buttons[:3], buttons[3:]])


def pause_choices() -> InlineKeyboardMarkup:
    return _markup([[_b(label, b.PauseFor(days))] for days, label in texts.PAUSE_CHOICES.items()])


def cleared() -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.CLEARED_YES, b.Cleared(yes=True))],
            [_b(texts.CLEARED_NOT_YET, b.Cleared(yes=False))],
        ]
    )


def delete_confirm() -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.DELETE_YES, b.DeleteConfirm(yes=True))],
            [_b(texts.DELETE_NO, b.DeleteConfirm(yes=False))],
        ]
    )


def controls(
    session_id: int, index: int, *, paused: bool, nerve_check: bool = False, done: bool = False
) -> InlineKeyboardMarkup:
    """A step card's buttons; `done` adds a Done for a set of reps finished early."""
    toggle = (
        _b(texts.RESUME, b.Control(session_id, index, b.Command.RESUME))
        if paused
        else _b(texts.PAUSE, b.Control(session_id, index, b.Command.PAUSE))
    )
    return _markup(
        [
            [_b(texts.DONE, b.Control(session_id, index, b.Command.DONE))] if done else [],
            [toggle, _b(texts.SKIP, b.Control(session_id, index, b.Command.SKIP))],
            [
                _b(texts.STOP, b.Control(session_id, index, b.Command.STOP)),
                _b(texts.HURTS, b.Control(session_id, index, b.Command.HURT)),
            ],
            [_b(texts.NEW_TINGLING, b.NerveCheck(session_id, NerveChoice.TINGLE))]
            if nerve_check
            else [],
        ]
    )


def pain(session_id: int, moment: b.Moment) -> InlineKeyboardMarkup:
    """0 to 10; during a step, also the answer for sharp, shooting or spreading pain."""
    buttons = [_b(str(n), b.Pain(session_id, moment, n)) for n in range(11)]
    during = moment is b.Moment.DURING
    extra = [_b(texts.SHARP_PAIN, b.SharpPain(session_id))] if during else []
    return _markup([buttons[:6], buttons[6:], extra])


def tingling(session_id: int, moment: b.Moment) -> InlineKeyboardMarkup:
    return _markup(
        [[_b(texts.TINGLING_CHOICES[t], b.TinglingAnswer(session_id, moment, t)) for t in Tingling]]
    )


def during_quick(session_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.DURING_FINE, b.NerveCheck(session_id, NerveChoice.FINE))],
            [
                _b(texts.DURING_PAIN, b.NerveCheck(session_id, NerveChoice.PAIN)),
                _b(texts.DURING_TINGLE, b.NerveCheck(session_id, NerveChoice.TINGLE)),
            ],
        ]
    )


def offer_up(session_id: int, level: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                _b(texts.STEP_UP.format(level=level), b.LevelUp(session_id, accept=True)),
                _b(texts.STAY_LEVEL, b.LevelUp(session_id, accept=False)),
            ]
        ]
    )


def session_open(session_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                _b(texts.RESUME_SESSION, b.ResumeOffer(session_id, resume=True)),
                _b(texts.END_SESSION, b.ResumeOffer(session_id, resume=False)),
            ]
        ]
    )


def next_day(session_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [[_b(texts.NEXT_DAY_CHOICES[a], b.NextDayAnswer(session_id, a)) for a in NextDay]]
    )


def reminder(delivery_id: int, *, redflag_due: bool) -> InlineKeyboardMarkup:
    rows: list[Row] = [
        [_b(texts.REMINDER_START, b.StartNow())],
        [
            _b(texts.REMINDER_SNOOZE, b.Snooze(delivery_id)),
            _b(texts.REMINDER_SKIP, b.SkipToday(delivery_id)),
        ],
    ]
    if redflag_due:
        rows.append([_b(texts.REDFLAG_CHECK, b.RedFlagCheck())])
    return _markup(rows)
