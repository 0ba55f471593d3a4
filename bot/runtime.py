"""What every handler needs (as `context.rt`): settings, database, catalog, clock, timers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.settings import Settings
from routines.model import Catalog
from storage.engine import Database

if TYPE_CHECKING:
    from aiohttp import web
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from telegram.ext import JobQueue

    from bot.context import BotContext
    from bot.datafile import DataFile
    from bot.metrics import Metrics
    from bot.routing import Routes


@dataclass
class Runtime:
    settings: Settings
    db: Database
    catalog: Catalog
    clock: Clock
    metrics: Metrics
    # Which handler answers which button and dialog: the table in bot/app.py.
    routes: Routes
    # PTB's JobQueue of this instance: hold timers and periodic work (memory job store).
    jobs: JobQueue[BotContext] | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # The SQLite file being written, watched so that its loss stops the bot (bot/datafile.py).
    data_file: DataFile | None = None
    # The health and metrics listener (bot/ops.py), when it runs.
    ops_listener: web.AppRunner | None = None
    # People whose plan is blocked (they blocked the bot), refreshed by bot/comeback.py.
    blocked: set[int] = field(default_factory=set)
    # Telegram's file_id of each step picture this bot has uploaded (bot/pictures.py).
    picture_ids: dict[str, str] = field(default_factory=dict)
    # Names this process in the database: sessions record which instance runs their timer.
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def job_queue(self) -> JobQueue[BotContext]:
        assert self.jobs is not None, "build_application sets the job queue"
        return self.jobs

    @property
    def scheduler(self) -> AsyncIOScheduler:
        return self.job_queue.scheduler
