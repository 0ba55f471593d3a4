"""The Application factory."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import buttons as b
from bot import comeback, guards, ops, pictures, texts, webhook
from bot.clock import Clock
from bot.context import CONTEXT_TYPES, App, BotContext
from bot.datafile import CHECK_SECONDS, DataFile
from bot.handlers import (
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
from bot.routing import ButtonTable, Ctx, CtxHandler, Routes, describe, with_ctx
from bot.runtime import Runtime
from bot.session_engine import beat, keep_alive, leave
from bot.settings import Settings
from routines.model import default_catalog
from storage.engine import Database
from storage.migrate import upgrade
from storage.sqlite_inline import lock_timeout

log = logging.getLogger(__name__)

PRUNE_SECONDS = 3600.0
# Periodic work that overran its interval is not started twice, nor caught up.
ONE_AT_A_TIME = {"max_instances": 1, "coalesce": True}

# Every command, button kind and dialog the bot answers, and who answers it.
COMMANDS: dict[str, CtxHandler] = {
    "start": general.on_start,
    "help": general.on_help,
    "settings": plan_commands.on_settings,
    "pause": plan_commands.on_pause,
    "resume": plan_commands.on_resume,
    "stop": plan_commands.on_stop,
    "delete": plan_commands.on_delete,
    "now": session_flow.on_now,
    "redflags": safety_checks.on_redflags,
    "flareup": safety_checks.on_flareup,
    "learn": general.on_learn,
    "progress": progress.on_progress,
    "history": progress.on_history,
    "export": progress.on_export,
    "stats": progress.on_stats,
}
ROUTES = Routes(
    buttons=(
        ButtonTable()
        .on(b.Consent, onboarding.on_consent)
        .on(b.RedFlags, safety_checks.on_answer)
        .on(b.PreScreen, onboarding.on_pre_screen)
        .on(b.BothLegs, safety_checks.on_both_legs)
        .on(b.Weakness, session_flow.on_weakness)
        .on(b.FlareUp, safety_checks.on_flareup_button)
        .on(b.RoutineList, onboarding.on_list)
        .on(b.RoutinePreview, onboarding.on_preview)
        .on(b.RoutineChoice, onboarding.on_routine)
        .on(b.RoutineFit, onboarding.on_routine_fit)
        .on(b.LearnCard, general.on_learn_card)
        .on(b.FloorChoice, onboarding.on_floor)
        .on(b.SideChoice, onboarding.on_side)
        .on(b.DayToggle, onboarding.on_day)
        .on(b.DaysDone, onboarding.on_days_done)
        .on(b.TimeChoice, onboarding.on_time_button)
        .on(b.ChangeSomething, onboarding.on_change)
        .on(b.SettingChoice, onboarding.on_setting)
        .on(b.PauseFor, plan_commands.on_pause_choice)
        .on(b.Cleared, plan_commands.on_cleared)
        .on(b.DeleteConfirm, plan_commands.on_delete_choice)
        .on(b.StartNow, session_flow.on_now_button)
        .on(b.Snooze, reminders.on_snooze)
        .on(b.SkipToday, reminders.on_skip_today)
        .on(b.RedFlagCheck, reminders.on_redflag_check)
        .on(b.Control, session_flow.on_control)
        .on(b.ResumeOffer, session_flow.on_resume_offer)
        .on(b.Pain, checkins.on_pain_button)
        .on(b.TinglingAnswer, checkins.on_tingling)
        .on(b.SharpPain, checkins.on_sharp)
        .on(b.NerveCheck, checkins.on_quick)
        .on(b.LevelUp, level_offers.on_offer_up)
        .on(b.NextDayAnswer, level_offers.on_next_day)
    ),
    dialogs={
        "onb:time": onboarding.on_time_text,
        "onb:zone": onboarding.on_zone_text,
        "ci:pain": checkins.on_pain_text,
        "ci:tingle": checkins.on_tingle_text,
        "ci:quick": checkins.on_text_in_session,
    },
    # The red-flag screen answers anyone who has it, known or not: its advice must arrive.
    anyone=frozenset({b.RedFlags, b.LearnCard, b.FlareUp}),
)


def build_application(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None
) -> App:
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=UTC))
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(64)
    )
    if settings.rate_limit_per_second > 0:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.rate_limit_per_second, max_retries=5)  # type: ignore[arg-type]
        )
    app: App = builder.build()  # type: ignore[assignment]
    app.bot_data.rt = Runtime(
        settings=settings,
        db=db or Database(settings.database_url),
        catalog=default_catalog(),
        clock=clock or Clock(),
        metrics=Metrics(),
        routes=ROUTES,
    )
    app.bot_data.rt.jobs = app.job_queue
    _add_handlers(app)
    return app


def _add_handlers(app: App) -> None:
    # One handler runs per group, so each of these gets a group of its own, in this order.
    app.add_handler(TypeHandler(Update, guards.database_intact), group=-4)
    app.add_handler(TypeHandler(Update, guards.one_to_one), group=-3)
    app.add_handler(TypeHandler(Update, _count_update), group=-2)
    app.add_handler(TypeHandler(Update, comeback.welcome_back), group=-1)
    # A coach is one-to-one: in groups the bot stays silent rather than answer everyone.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    for name, handler in COMMANDS.items():
        app.add_handler(CommandHandler(name, with_ctx(handler), filters=private))
    app.add_handler(CallbackQueryHandler(with_ctx(general.on_button)))
    edited = filters.ChatType.PRIVATE & filters.UpdateType.EDITED
    messages = (
        (edited, general.on_edited),
        (private & filters.COMMAND, general.on_unknown_command),
        (private & filters.LOCATION, general.on_location),
        (private & filters.TEXT, general.on_text),
        (private, general.on_other),
    )
    for only, handler in messages:
        app.add_handler(MessageHandler(only, with_ctx(handler)))
    app.add_handler(TypeHandler(Update, _time_update), group=1)
    app.add_error_handler(_on_error)


async def _count_update(update: Update, context: BotContext) -> None:
    rt: Runtime = context.rt
    rt.metrics.inc("updates_handled")
    rt.extras.setdefault("started", {})[update.update_id] = time.perf_counter()
    user = update.effective_user
    log.info("update %s from user %s", update.update_id, user.id if user else None)


async def _time_update(update: Update, context: BotContext) -> None:
    rt: Runtime = context.rt
    started = rt.extras.setdefault("started", {}).pop(update.update_id, None)
    if started is not None:
        rt.metrics.observe_latency(time.perf_counter() - started)


async def _on_error(update: object, context: BotContext) -> None:
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
        context.rt.metrics.inc("handler_errors")
    if isinstance(update, Update) and (ctx := Ctx.of(update, context)):
        try:
            if busy and update.callback_query:
                await ctx.answer(texts.BUSY)
            else:
                await ctx.answer()
                await ctx.send(texts.BUSY if busy else texts.ERROR)
        except TelegramError:
            log.warning("could not tell user %s about the error", ctx.user_id)


async def _post_init(app: App) -> None:
    rt: Runtime = app.bot_data.rt
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
    await pictures.load(rt)
    await session_flow.recover(app)
    from bot.morning_checks import start_morning_checks
    from bot.reminder_sender import start_reminder_sender

    start_reminder_sender(app)
    start_morning_checks(app)
    # Start-up objects (imports, catalog) live as long as the process: keeping them out of
    # the garbage collector's full passes removes its 40 ms pauses mid-session.
    gc.freeze()
    _add_upkeep(app)


def _add_upkeep(app: App) -> None:
    """The instance's periodic work, each job at most once at a time (the reminder sender has its
    own, in bot/reminder_sender.py)."""
    rt: Runtime = app.bot_data.rt
    jobs: tuple[tuple[Callable[[BotContext], Coroutine[Any, Any, object]], float], ...] = (
        (lambda c: keep_alive(c.rt, c.bot), rt.settings.heartbeat_seconds),
        (lambda c: ops.data_file_intact(c.app), CHECK_SECONDS),
        (lambda c: webhook.prune_processed(c.rt), PRUNE_SECONDS),
        (lambda c: comeback.refresh(c.rt), comeback.REFRESH_SECONDS),
    )
    for job, seconds in jobs:
        rt.job_queue.run_repeating(job, interval=seconds, job_kwargs=ONE_AT_A_TIME)


async def _post_stop(app: App) -> None:
    await leave(app.bot_data.rt)


async def _post_shutdown(app: App) -> None:
    rt: Runtime = app.bot_data.rt
    if rt.ops_listener is not None:
        await rt.ops_listener.cleanup()
    await rt.db.dispose()
