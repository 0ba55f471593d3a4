"""Inline keyboards. Labels come from bot.texts; data from bot.callbacks."""

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

from bot import texts
from bot.callbacks import pack
from routines.model import Catalog

Row = list[InlineKeyboardButton]


def _b(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(unescape(label), callback_data=pack(action, *args))


def _markup(rows: Iterable[Row]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


def consent() -> InlineKeyboardMarkup:
    return _markup([[_b(texts.CONSENT_BUTTON, "ok")]])


def red_flags(origin: str) -> InlineKeyboardMarkup:
    return _markup(
        [[_b(texts.RED_FLAG_NO, "rf", origin, "n")], [_b(texts.RED_FLAG_YES, "rf", origin, "y")]]
    )


def routine_list(catalog: Catalog) -> InlineKeyboardMarkup:
    return _markup([_b(f"{r.title} · {r.minutes(r.top_level)} min", "rp", r.id)] for r in catalog)


def routine_preview(routine_id: str) -> InlineKeyboardMarkup:
    return _markup([[_b(texts.CHOOSE_THIS, "rc", routine_id)], [_b(texts.BACK_TO_LIST, "rl")]])


def sides() -> InlineKeyboardMarkup:
    return _markup([[_b(label, "sd", key) for key, label in texts.SIDES.items()]])


def days(selected: Sequence[int]) -> InlineKeyboardMarkup:
    buttons = [
        _b(f"{'✅' if i in selected else '▫'} {name}", "dy", i)
        for i, name in enumerate(texts.WEEKDAYS)
    ]
    return _markup([buttons[:4], buttons[4:], [_b(texts.DAYS_DONE, "dd")]])


TIME_CHOICES = ("07:00", "08:00", "09:00", "12:30", "18:00", "19:00", "20:00", "21:00")


def times() -> InlineKeyboardMarkup:
    buttons = [_b(t, "tm", t.replace(":", "")) for t in TIME_CHOICES]
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
    return _markup([[_b(texts.START_NOW, "now")], [_b(texts.CHANGE_SOMETHING, "chg")]])


def settings_menu() -> InlineKeyboardMarkup:
    buttons = [_b(label, "set", key) for key, label in texts.SETTINGS_ITEMS.items()]
    return _markup([buttons[:3], buttons[3:]])


def pause_choices() -> InlineKeyboardMarkup:
    return _markup([[_b(label, "pz", days)] for days, label in texts.PAUSE_CHOICES.items()])


def cleared() -> InlineKeyboardMarkup:
    return _markup([[_b(texts.CLEARED_YES, "clr", "y")], [_b(texts.CLEARED_NOT_YET, "clr", "n")]])


def delete_confirm() -> InlineKeyboardMarkup:
    return _markup([[_b(texts.DELETE_YES, "del", "y")], [_b(texts.DELETE_NO, "del", "n")]])


def controls(
    session_id: int, index: int, *, paused: bool, nerve_check: bool = False
) -> InlineKeyboardMarkup:
    toggle = (
        _b(texts.RESUME, "sc", session_id, index, "r")
        if paused
        else _b(texts.PAUSE, "sc", session_id, index, "p")
    )
    return _markup(
        [
            [toggle, _b(texts.SKIP, "sc", session_id, index, "k")],
            [
                _b(texts.STOP, "sc", session_id, index, "s"),
                _b(texts.HURTS, "sc", session_id, index, "h"),
            ],
            [_b(texts.NEW_TINGLING, "dq", session_id, "tingle")] if nerve_check else [],
        ]
    )


def pain(session_id: int, phase: str) -> InlineKeyboardMarkup:
    buttons = [_b(str(n), "p", session_id, phase, n) for n in range(11)]
    return _markup([buttons[:6], buttons[6:]])


def tingling(session_id: int, phase: str) -> InlineKeyboardMarkup:
    return _markup(
        [[_b(label, "t", session_id, phase, key) for key, label in texts.TINGLING_CHOICES.items()]]
    )


def during_quick(session_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [_b(texts.DURING_FINE, "dq", session_id, "ok")],
            [
                _b(texts.DURING_PAIN, "dq", session_id, "pain"),
                _b(texts.DURING_TINGLE, "dq", session_id, "tingle"),
            ],
        ]
    )


def offer_up(session_id: int, level: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                _b(texts.STEP_UP.format(level=level), "up", session_id, "y"),
                _b(texts.STAY_LEVEL, "up", session_id, "n"),
            ]
        ]
    )


def session_open(session_id: int) -> InlineKeyboardMarkup:
    return _markup(
        [
            [
                _b(texts.RESUME_SESSION, "rs", session_id, "y"),
                _b(texts.END_SESSION, "rs", session_id, "n"),
            ]
        ]
    )


def next_day(session_id: int) -> list[Row]:
    return [[_b(label, "nd", session_id, key) for key, label in texts.NEXT_DAY_CHOICES.items()]]


def reminder(
    delivery_id: int, *, next_day_session: int | None, redflag_due: bool
) -> InlineKeyboardMarkup:
    rows: list[Row] = [
        [_b(texts.REMINDER_START, "now")],
        [_b(texts.REMINDER_SNOOZE, "sn", delivery_id), _b(texts.REMINDER_SKIP, "sk", delivery_id)],
    ]
    if next_day_session is not None:
        rows += next_day(next_day_session)
    if redflag_due:
        rows.append([_b(texts.REDFLAG_CHECK, "rq")])
    return _markup(rows)
