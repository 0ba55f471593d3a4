"""`python -m bot` as a real process: the one-line hint, a real /start, and no token in logs."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from bot.settings import WEBHOOK_SECRET_MISSING
from devtools.standin import StandIn
from tests.support.processes import bot_env
from tests.support.standin import TOKEN


async def _start_bot(standin: StandIn, folder: Path, *, token: str) -> asyncio.subprocess.Process:
    """`python -m bot` against the stand-in, at DEBUG, its output on one pipe."""
    env = bot_env(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=standin.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{folder}/data/bot.db",
        LOG_LEVEL="DEBUG",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


def _run_bot(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` that is expected to stop at once, with what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=folder,
        env=bot_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_token_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = _run_bot(tmp_path)
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert (
        "TELEGRAM_BOT_TOKEN" in lines[0]
        and "@BotFather" in lines[0]
        and "make playground" in lines[0]
    )


def test_malformed_setting_names_what_to_fix(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, ADMIN_IDS="alice")
    assert result.returncode == 2
    assert (result.stdout + result.stderr).strip().startswith("ADMIN_IDS is invalid")


async def test_real_process_answers_start_and_never_logs_the_token(
    standin: StandIn, tmp_path: Path
) -> None:
    process = await _start_bot(standin, tmp_path, token=TOKEN)
    try:
        ann = standin.user(4242, first_name="Ann")
        await ann.send("/start")
        await ann.wait_for("not medical advice", timeout=30)
        await ann.press("I understand and agree")
        await ann.wait_for("safety check")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    log = output.decode()
    assert "DEBUG" in log and "getUpdates" in log  # DEBUG really was on
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Traceback" not in log
    assert (tmp_path / "data" / "bot.db").exists()


def test_webhook_mode_without_a_secret_does_not_start(tmp_path: Path) -> None:
    result = _run_bot(
        tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_URL="https://coach.example.org/telegram"
    )
    assert result.returncode == 2
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert lines == [WEBHOOK_SECRET_MISSING]


async def test_a_rejected_token_is_named_by_its_last_four_characters_only(
    standin: StandIn, tmp_path: Path
) -> None:
    wrong = "999999:AAWrongSecretThatMustNotLeak_x7Qz"
    standin.tokens = {TOKEN}
    process = await _start_bot(standin, tmp_path, token=wrong)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 2
    assert "AAWrongSecretThatMustNotLeak" not in text
    assert text.strip().splitlines()[-1] == (
        "Telegram rejected the token (…:x7Qz) — check TELEGRAM_BOT_TOKEN"
    )
    assert "Traceback" not in text
