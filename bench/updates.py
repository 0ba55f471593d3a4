"""Update handling against a bare echo bot: `python -m bench.updates`.

On one stand-in, in one run, first a bare python-telegram-bot echo bot (an Application with
one MessageHandler that replies with the text), then the real Application. Both get the
same traffic shape, one typed message per person:

- the echo bot: any text, answered with the same text;
- the bot, "pain before": a person with a session waiting for the before check-in types
  their pain ("3"); the bot stores it (session and dialog rows) and replies with the
  tingling question;
- the bot, "pain after": a person at the end of a session types their pain; the bot
  records the check-in and its decision, ends the session and replies with the summary.

People, plans and sessions are inserted straight into the tables. For each kind:

- throughput: a burst of `--burst` updates queued at once, over the time until the last
  reply reached the stand-in. The machine's speed drifts by tens of percent from one
  minute to the next, so echo and bot take turns for `--rounds` rounds and each round's
  ratio is taken against the echo burst just before it; the report gives the median;
- latency: updates paced at `--rate` per second for `--seconds`; from the moment the
  stand-in queues an update to the moment the bot's reply reaches the stand-in.

Both applications process up to 64 updates at once (the bot's `concurrent_updates(64)`),
poll with the same settings, and send without a rate limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import statistics
import sys
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.sessions import (
    TOKEN,
    Background,
    Listeners,
    RssSampler,
    fresh_database,
    machine,
    machine_line,
    percentile,
    running_bot,
)
from bot import keyboards, texts
from bot.buttons import Moment
from bot.handlers import general
from bot.metrics import Metrics, Samples
from bot.routing import Ctx
from devtools.standin import BotMessage, StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from storage.engine import Database
from storage.models import ExerciseSession, Plan, User

CONCURRENCY = 64  # what bot/app.py gives the real Application
WARM_UP = 50
FIRST_USER = 2_000_001
ROUTINE = "seated_hamstring_progression"


@dataclass
class Replies:
    """Reply latency per chat: each person sends one message and gets one reply."""

    sent_at: dict[int, float] = field(default_factory=dict)
    latency: list[float] = field(default_factory=list)
    last_reply: float = 0.0
    waiting: int = 0
    all_in: asyncio.Event = field(default_factory=asyncio.Event)

    def on_message(self, kind: str, message: BotMessage) -> None:
        at = self.sent_at.pop(message.chat_id, None)
        if kind != "sent" or at is None:
            return
        self.last_reply = time.perf_counter()
        self.latency.append(self.last_reply - at)
        self.waiting -= 1
        if self.waiting == 0:
            self.all_in.set()


def _message(standin: StandIn, chat_id: int, text: str) -> None:
    """What a person typing `text` makes Telegram queue; quicker than a ScriptedUser."""
    standin.add_update(
        {
            "message": {
                "message_id": 1,
                "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
                "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
                "date": int(time.time()),
                "text": text,
            }
        }
    )


async def _round(
    standin: StandIn,
    listeners: Listeners,
    chats: list[int],
    text: str,
    *,
    rate: float | None,
    patience: float,
) -> Replies:
    """Send one message per chat (all at once, or paced at `rate`) and wait for the replies."""
    replies = Replies(waiting=len(chats))
    listeners.current = replies.on_message
    began = time.perf_counter()
    for i, chat_id in enumerate(chats):
        if rate:
            await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
        replies.sent_at[chat_id] = time.perf_counter()
        _message(standin, chat_id, text)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(patience):
            await replies.all_in.wait()
    listeners.current = None
    if replies.waiting:
        logging.warning("%d of %d updates got no reply in time", replies.waiting, len(chats))
    return replies


async def burst(
    standin: StandIn, listeners: Listeners, chats: list[int], text: str
) -> dict[str, float]:
    """Queue one message per chat at once; throughput until the last reply came in."""
    began = time.perf_counter()
    replies = await _round(standin, listeners, chats, text, rate=None, patience=90)
    elapsed = (replies.last_reply or time.perf_counter()) - began
    return {
        "throughput": len(replies.latency) / elapsed if elapsed > 0 else float("nan"),
        "replies": len(replies.latency),
    }


async def paced(
    standin: StandIn,
    listeners: Listeners,
    chats: list[int],
    text: str,
    args: argparse.Namespace,
    samples: Samples | None = None,
) -> dict[str, float]:
    """Messages at `--rate` per second: reply latency, and the bot's own handler time."""
    # The burst's last handlers finish just after their replies; their times are not ours.
    await asyncio.sleep(0.5)
    mark = len(samples.latencies) if samples else 0
    replies = await _round(standin, listeners, chats, text, rate=args.rate, patience=60)
    handler = samples.latencies[mark:] if samples else []
    return {
        "handler_p50": percentile(handler, 50),
        "handler_p99": percentile(handler, 99),
        "p50": percentile(replies.latency, 50),
        "p99": percentile(replies.latency, 99),
        "max": max(replies.latency, default=float("nan")),
        "n": len(replies.latency),
    }


@asynccontextmanager
async def echo_bot(standin: StandIn) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(standin.base_url)
        .concurrent_updates(CONCURRENCY)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def seed(db: Database, chat_ids: list[int], *, phase: str) -> None:
    """People whose session waits for a typed pain answer: before it (b) or after it (a)."""
    now = datetime.now(UTC)
    # As many steps as the catalog's session has: another count reads as an older catalog,
    # and the bot would close the session instead of taking the answer.
    steps = len(build_session(default_catalog().get(ROUTINE), 1, PainSide.LEFT).steps)
    async with db.session() as s:
        users = [
            User(id=c, chat_id=c, first_name="Bench", consented_at=now, screened_at=now)
            for c in chat_ids
        ]
        s.add_all(users)
        await s.flush()
        plans = [
            Plan(
                user_id=c,
                routine_id=ROUTINE,
                level=1,
                side="left",
                days="0,2,4",
                time_local="07:00",
                tz="UTC",
                next_due_at=now + timedelta(hours=12),
                redflag_checked_at=now,
            )
            for c in chat_ids
        ]
        s.add_all(plans)
        await s.flush()
        rows = [
            ExerciseSession(
                user_id=c,
                plan_id=plan.id,
                routine_id=ROUTINE,
                level=1,
                side="left",
                state="before_pain" if phase == "b" else "after",
                step_index=0 if phase == "b" else steps,
                total_steps=steps,
                pain_before=None if phase == "b" else 2,
                local_date=now.date().isoformat(),
                started_at=now - timedelta(minutes=0 if phase == "b" else 5),
            )
            for c, plan in zip(chat_ids, plans, strict=True)
        ]
        s.add_all(rows)
        await s.flush()
        for user, row in zip(users, rows, strict=True):
            user.dialog = f"ci:pain:{row.id}:{phase}"


def _forget(standin: StandIn) -> None:
    """Drop the stand-in's record of past calls and chats (nobody writes again), so the
    process heap, and with it the garbage collector's pauses, is alike for every phase."""
    standin.calls.clear()
    standin.chats.clear()


def _paced_n(args: argparse.Namespace) -> int:
    return int(args.rate * args.seconds)


class Chats:
    """Chat ids handed out in order: every message in the run comes from a new person."""

    def __init__(self, ids: Iterable[int]) -> None:
        self._ids = iter(ids)

    def take(self, n: int) -> list[int]:
        return list(itertools.islice(self._ids, n))


async def _echo_round(
    standin: StandIn, listeners: Listeners, people: Chats, args: argparse.Namespace, latency: bool
) -> dict[str, float]:
    async with echo_bot(standin):
        await _round(standin, listeners, people.take(WARM_UP), "3", rate=None, patience=30)
        result = await burst(standin, listeners, people.take(args.burst), "3")
        if latency:
            result |= await paced(standin, listeners, people.take(_paced_n(args)), "3", args)
    _forget(standin)
    return result


async def _bot_round(
    standin: StandIn,
    listeners: Listeners,
    db: Database,
    chats: dict[str, Chats],
    args: argparse.Namespace,
    latency: bool,
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    async with running_bot(standin, db) as app:
        metrics: Metrics = app.bot_data.rt.metrics
        samples = metrics.keep_samples()
        for kind, people in chats.items():
            await _round(standin, listeners, people.take(WARM_UP), "3", rate=None, patience=30)
            results[kind] = await burst(standin, listeners, people.take(args.burst), "3")
            if latency:
                some = people.take(_paced_n(args))
                results[kind] |= await paced(standin, listeners, some, "3", args, samples)
            _forget(standin)
        results["errors"] = {"handler_errors": metrics.count("handler_errors")}
    return results


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    standin = StandIn()
    await standin.start()
    listeners = Listeners(standin)
    result: dict[str, Any] = {"machine": machine(), "args": vars(args), "rounds": []}
    fresh = Chats(itertools.count(FIRST_USER))
    background = Background()
    kinds = {"before": "b", "after": "a"}
    try:
        with background:
            async with fresh_database(args.db) as db:
                per_kind = args.rounds * (WARM_UP + args.burst) + _paced_n(args)
                ids = {kind: fresh.take(per_kind) for kind in kinds}
                for kind, phase in kinds.items():
                    await seed(db, ids[kind], phase=phase)
                chats = {kind: Chats(ids[kind]) for kind in kinds}
                async with RssSampler() as rss:
                    for number in range(args.rounds):
                        last = number == args.rounds - 1
                        echo = await _echo_round(standin, listeners, fresh, args, last)
                        bot = await _bot_round(standin, listeners, db, chats, args, last)
                        result["rounds"].append({"echo": echo, **bot})
                result["peak_rss_mb"] = rss.peak_mb
    finally:
        await standin.stop()
    result["handler_errors"] = sum(r["errors"]["handler_errors"] for r in result["rounds"])
    result["background_cores"] = background.cores
    result["failed_calls"] = len(standin.failed)
    return result


def ratios(result: dict[str, Any], kind: str) -> list[float]:
    """Each round's bot throughput over the echo bot's in the same round."""
    return [r[kind]["throughput"] / r["echo"]["throughput"] for r in result["rounds"]]


KINDS = (("before", "bot: pain before (typed)"), ("after", "bot: pain after (typed)"))
# Throughput against the echo bot, median of the rounds (issue 16's budgets).
BUDGET = {"before": 0.6, "after": 0.5}


def passed(result: dict[str, Any], kind: str) -> tuple[bool, bool]:
    """(throughput budget met, latency budget met) for one kind."""
    last = result["rounds"][-1]
    added = last[kind]["p99"] - last["echo"]["p99"]
    return statistics.median(ratios(result, kind)) >= BUDGET[kind], added < 0.05


def report(result: dict[str, Any]) -> str:
    args, rounds = result["args"], result["rounds"]
    lines = [
        f"== update handling vs a bare PTB echo bot, {args['db']}"
        + (" (bot WITHOUT its database work)" if args["without_database"] else "")
        + f": {args['rounds']} rounds, "
        f"each a burst of {args['burst']} per kind for throughput; then "
        f"{args['rate']:g}/s for {args['seconds']:g} s for latency",
        "throughput, updates/s per round (echo | " + " | ".join(k for k, _ in KINDS) + "):",
    ]
    for number, r in enumerate(rounds, 1):
        lines.append(
            f"  round {number}: {r['echo']['throughput']:.0f} | "
            + " | ".join(
                f"{r[k]['throughput']:.0f} ({r[k]['throughput'] / r['echo']['throughput']:.2f}x)"
                for k, _ in KINDS
            )
        )
    last = rounds[-1]
    echo = last["echo"]
    lines.append(f"latency (last round){'':8}{'p50':>9}{'p99':>9}{'max':>9}{'+p99':>9}")
    lines.append(
        f"{'echo bot':28}{echo['p50'] * 1000:7.1f}ms{echo['p99'] * 1000:7.1f}ms"
        f"{echo['max'] * 1000:7.1f}ms"
    )
    verdicts = []
    for kind, name in KINDS:
        r = last[kind]
        added = r["p99"] - echo["p99"]
        lines.append(
            f"{name:28}{r['p50'] * 1000:7.1f}ms{r['p99'] * 1000:7.1f}ms{r['max'] * 1000:7.1f}ms"
            f"{added * 1000:+7.1f}ms"
        )
        each = ratios(result, kind)
        ok_ratio, ok_latency = passed(result, kind)
        verdicts.append(
            f"  {name}: throughput median {statistics.median(each):.2f}x "
            f"(rounds {min(each):.2f}-{max(each):.2f}) >= {BUDGET[kind]}x "
            f"{'OK' if ok_ratio else 'MISSED'}; "
            f"p99 added {added * 1000:.1f} ms < 50 ms {'OK' if ok_latency else 'MISSED'}"
        )
    lines += ["budgets:", *verdicts]
    lines.append(
        "bot handler time while paced (its metrics.samples.latencies): "
        + "; ".join(
            f"{kind} p50 {last[kind]['handler_p50'] * 1000:.1f} ms, "
            f"p99 {last[kind]['handler_p99'] * 1000:.1f} ms"
            for kind, _ in KINDS
        )
    )
    lines.append(
        f"handler errors {result['handler_errors']}, failed calls {result['failed_calls']}, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    lines.append(
        f"{machine_line(result['machine'])}; "
        f"other processes used {result['background_cores']:.2f} cores meanwhile"
    )
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.updates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--without-database",
        action="store_true",
        help="the bot's typed-text handler replies with the same tingling question, buttons "
        "and all, without touching the database: what everything but the database costs",
    )
    parser.add_argument("--rounds", type=int, default=5, help="echo/bot turns for throughput")
    parser.add_argument("--burst", type=int, default=1000, help="updates queued at once")
    parser.add_argument("--rate", type=float, default=50.0, help="paced updates per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to pace them")
    return parser.parse_args(argv)


async def _same_reply_without_database(ctx: Ctx) -> None:
    await ctx.send(texts.TINGLING_BEFORE, keyboards.tingling(1, Moment.BEFORE))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse(argv)
    if args.without_database:
        # build_application reads the handler from the module when it builds the app.
        general.on_text = _same_reply_without_database
    result = asyncio.run(main_async(args))
    print(report(result))
    return 0 if all(all(passed(result, kind)) for kind, _ in KINDS) else 1


if __name__ == "__main__":
    sys.exit(main())
