"""The Application factory."""

from __future__ import annotations

import gc
import logging
import time
from datetime import UTC

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import comeback, guards, ops, texts, webhook
from bot.clock import Clock
from bot.datafile import CHECK_SECONDS, DataFile
from bot.handlers import (  # noqa: F401  (importing registers their buttons)
    checkins,
    general,
    level_offers,
    onboarding,
    plan_commands,
    progress,
    reminders,
    safety_checks,
    session_flow,
)
from bot.metrics import Metrics
from bot.routing import Ctx, describe
from bot.runtime import KEY, Runtime
from bot.session_engine import beat, keep_alive, leave
from bot.settings import Settings
from routines.model import default_catalog
from storage.engine import Database
from storage.migrate import upgrade
from storage.sqlite_inline import lock_timeout

log = logging.getLogger(__name__)

PRUNE_SECONDS = 3600.0


def build_application(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None
) -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=UTC))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(64)
    )
    if settings.rate_limit_per_second > 0:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.rate_limit_per_second, max_retries=5)  # type: ignore[arg-type]
        )
    app = builder.build()
    app.bot_data[KEY] = Runtime(
        settings=settings,
        db=db or Database(settings.database_url),
        catalog=default_catalog(),
        clock=clock or Clock(),
        metrics=Metrics(),
    )
    app.bot_data[KEY].scheduler = app.job_queue.scheduler  # type: ignore[union-attr]
    _add_handlers(app)
    return app


def _add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    # One handler runs per group, so each of these gets a group of its own, in this order.
    app.add_handler(TypeHandler(Update, guards.database_intact), group=-4)
    app.add_handler(TypeHandler(Update, guards.one_to_one), group=-3)
    app.add_handler(TypeHandler(Update, _count_update), group=-2)
    app.add_handler(TypeHandler(Update, comeback.welcome_back), group=-1)
    commands = {
        "start": general.on_start,
        "help": general.on_help,
        "settings": plan_commands.on_settings,
        "pause": plan_commands.on_pause,
        "resume": plan_commands.on_resume,
        "stop": plan_commands.on_stop,
        "delete": plan_commands.on_delete,
        "now": session_flow.on_now,
        "redflags": safety_checks.on_redflags,
        **progress.COMMANDS,
    }
    # A coach is one-to-one: in groups the bot stays silent rather than answer everyone.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    app.add_handler(CallbackQueryHandler(general.on_button))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED, general.on_edited)
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, general.on_unknown_command))
    app.add_handler(MessageHandler(private & filters.LOCATION, general.on_location))
    app.add_handler(MessageHandler(private & filters.TEXT, general.on_text))
    app.add_handler(MessageHandler(private, general.on_other))
    app.add_handler(TypeHandler(Update, _time_update), group=1)
    app.add_error_handler(_on_error)


async def _count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt: Runtime = context.bot_data[KEY]
    rt.metrics.inc("updates_handled")
    rt.extras.setdefault("started", {})[update.update_id] = time.perf_counter()
    user = update.effective_user
    log.info("update %s from user %s", update.update_id, user.id if user else None)


async def _time_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt: Runtime = context.bot_data[KEY]
    started = rt.extras.setdefault("started", {}).pop(update.update_id, None)
    if started is not None:
        rt.metrics.observe_latency(time.perf_counter() - started)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    details = describe(update) if isinstance(update, Update) else {}
    # Another process kept the database locked: nothing was done, and a retry will work.
    busy = lock_timeout(context.error)
    if busy is not None:
        log.warning(
            "update %s from user %s: %s", details.get("update_id"), details.get("user_id"), busy
        )
    else:
        log.error(
            "handler failed for update %s from user %s",
            details.get("update_id"),
            details.get("user_id"),
            exc_info=context.error,
        )
        context.bot_data[KEY].metrics.inc("handler_errors")
    if isinstance(update, Update) and (ctx := Ctx.of(update, context)):
        try:
            if busy and update.callback_query:
                await ctx.answer(texts.BUSY)
            else:
                await ctx.answer()
                await ctx.send(texts.BUSY if busy else texts.ERROR)
        except TelegramError:
            log.warning("could not tell user %s about the error", ctx.user_id)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    rt: Runtime = app.bot_data[KEY]
    rt.settings.ensure_data_dir()
    await upgrade(rt.db.engine)
    rt.data_file = DataFile.of(rt.settings.database_url)
    await comeback.refresh(rt)
    rt.ops_listener = await ops.start(app)
    try:
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in texts.COMMANDS])
    except TelegramError as exc:
        log.warning("setMyCommands failed, carrying on: %s", exc)
    await beat(rt)
    await session_flow.recover(app)
    from bot.dispatcher import start_dispatcher

    start_dispatcher(app)
    # Start-up objects (imports, catalog) live as long as the process: keeping them out of
    # the garbage collector's full passes removes its 40 ms pauses mid-session.
    gc.freeze()
    _add_upkeep(app)


def _add_upkeep(app: Application) -> None:  # type: ignore[type-arg]
    """The instance's periodic work, each job at most once at a time (the dispatcher has its
    own tick, in bot/dispatcher.py)."""
    rt: Runtime = app.bot_data[KEY]
    jobs = (
        (keep_alive, rt.settings.heartbeat_seconds, [rt, app.bot]),
        (ops.data_file_intact, CHECK_SECONDS, [app]),
        (webhook.prune_processed, PRUNE_SECONDS, [rt]),
        (comeback.refresh, comeback.REFRESH_SECONDS, [rt]),
    )
    for job, seconds, args in jobs:
        rt.scheduler.add_job(
            job, "interval", seconds=seconds, args=args, max_instances=1, coalesce=True
        )


async def _post_stop(app: Application) -> None:  # type: ignore[type-arg]
    await leave(app.bot_data[KEY])


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    rt: Runtime = app.bot_data[KEY]
    if rt.ops_listener is not None:
        await rt.ops_listener.cleanup()
    await rt.db.dispose()
