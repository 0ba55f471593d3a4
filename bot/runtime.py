"""What every handler needs, kept in bot_data: settings, database, catalog, clock, timers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.settings import Settings
from routines.model import Catalog
from storage.engine import Database

if TYPE_CHECKING:
    from aiohttp import web

    from bot.datafile import DataFile
    from bot.metrics import Metrics

KEY = "runtime"


@dataclass
class Runtime:
    settings: Settings
    db: Database
    catalog: Catalog
    clock: Clock
    metrics: Metrics
    scheduler: Any = None  # the instance's AsyncIOScheduler (memory job store)
    extras: dict[str, Any] = field(default_factory=dict)
    # The SQLite file being written, watched so that its loss stops the bot (bot/datafile.py).
    data_file: DataFile | None = None
    # The health and metrics listener (bot/ops.py), when it runs.
    ops_listener: web.AppRunner | None = None
    # People whose plan is blocked (they blocked the bot), refreshed by bot/comeback.py.
    blocked: set[int] = field(default_factory=set)
    # Names this process in the database: sessions record which instance runs their timer.
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def runtime(context: CallbackContext[Any, Any, Any, Any]) -> Runtime:
    value = context.bot_data[KEY]
    assert isinstance(value, Runtime)
    return value
