"""Settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./data/stretchcoach.db"
WEBHOOK_SECRET_MISSING = (
    "WEBHOOK_SECRET is required in webhook mode (WEBHOOK_URL is set): choose a long random "
    "string of letters, digits, _ and -, and put WEBHOOK_SECRET=<it> in .env."
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = Field(min_length=1)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    database_url: str = DEFAULT_SQLITE_URL
    log_level: str = "INFO"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # Sessions: how often the countdown edits the step message, and the pause between steps.
    countdown_edit_seconds: float = Field(default=30.0, ge=10.0)
    get_ready_seconds: float = Field(default=5.0, ge=0.0, le=60.0)
    # The pause when the next card needs another position: lying down, turning over, getting up.
    position_change_seconds: float = Field(default=20.0, ge=0.0, le=60.0)
    # Multiplies every hold; tests and benchmarks shrink it so a routine takes milliseconds.
    timer_scale: float = Field(default=1.0, gt=0.0, le=1.0)
    # How often an instance says it is alive; after 3 missed beats another takes its sessions.
    heartbeat_seconds: float = Field(default=5.0, gt=0.0)

    # Reminders.
    dispatch_interval_seconds: float = Field(default=5.0, gt=0.0)
    dispatch_batch_size: int = Field(default=200, ge=1, le=5000)
    reminder_grace_seconds: int = Field(default=7200, ge=60)
    delivery_lease_seconds: int = Field(default=120, ge=5)
    # 0 turns the limiter off, for a self-hosted Bot API server or a benchmark stand-in.
    rate_limit_per_second: float = Field(default=30.0, ge=0.0)

    # The next-morning check: at the person's reminder time if that is in the morning,
    # otherwise at this local time.
    next_morning_time: time = time(9, 0)

    # Webhook mode: on when WEBHOOK_URL is set.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: str | None = None

    # /healthz and /metrics, on a listener of their own: counts of red flags and pain pauses
    # are not for the public webhook port. 0 turns the listener off.
    metrics_listen: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(
                int(part) for part in value.replace(";", ",").split(",") if part.strip()
            )
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret_charset(cls, value: str | None) -> str | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not value.replace("_", "").replace("-", "").isalnum():
            raise ValueError("use only letters, digits, '_' and '-'")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        # Without it anyone who finds the address can post updates in any person's name.
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(WEBHOOK_SECRET_MISSING)
        return self

    def ensure_data_dir(self) -> None:
        """Create the folder of a file-based SQLite database so the default needs no setup."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url.removeprefix(prefix).split("?", 1)[0]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line that says what to set."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if not first["loc"]:  # a rule across settings says in full what to set
        return str(first["ctx"]["error"]) if "ctx" in first else first["msg"]
    name = str(first["loc"][0]).upper()
    if name == "TELEGRAM_BOT_TOKEN":
        return (
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram "
            "(/newbot), then put TELEGRAM_BOT_TOKEN=<token> in .env "
            "(or try it without a token: make playground)."
        )
    return f"{name} is invalid ({first['msg']}). Fix it in .env or the environment."
