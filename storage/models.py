"""The tables. Every piece of dialog state is a row, so any instance can answer any update."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _user_fk() -> Column[int]:
    return Column(
        BigInteger, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    consented_at: datetime | None = Field(default=None, sa_column=_ts())
    # A red flag answered "yes" blocks reminders until the person says a professional cleared them.
    red_flag_at: datetime | None = Field(default=None, sa_column=_ts())
    screened_at: datetime | None = Field(default=None, sa_column=_ts())
    # When the six-weekly "see a GP" message went: it is sent once.
    gp_advised_at: datetime | None = Field(default=None, sa_column=_ts())
    # The open question, e.g. "onb:time" or "ci:before_pain"; None when nothing is asked.
    dialog: str | None = Field(default=None, max_length=64)
    # The onboarding/settings draft as JSON text, so a restart resumes at the same question.
    draft: str = Field(default="{}")


class Plan(SQLModel, table=True):
    __tablename__ = "plan"
    __table_args__ = (
        Index("ix_plan_due_active", "status", "next_due_at"),
        # The claim also looks for due snoozes; without this it scans every active plan.
        Index("ix_plan_snooze_active", "status", "snooze_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    routine_id: str = Field(max_length=64)
    level: int = Field(default=1, ge=1)
    side: str = Field(max_length=8)  # left | right | both
    # False: the person cannot get down on the floor, so floor steps give way to alternatives.
    floor: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    days: str = Field(max_length=16)  # "0,2,4": Monday is 0
    time_local: str = Field(max_length=5)  # "07:30" in the person's zone
    tz: str = Field(max_length=64)
    status: str = Field(default="active", max_length=16)  # active | paused | stopped | blocked
    status_reason: str | None = Field(default=None, max_length=64)
    paused_until: datetime | None = Field(default=None, sa_column=_ts())
    next_due_at: datetime | None = Field(default=None, sa_column=_ts())
    # A snooze adds one occurrence without moving the regular schedule.
    snooze_due_at: datetime | None = Field(default=None, sa_column=_ts())
    # Set while a reminder sender owns this plan's due occurrence; expires if it dies.
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    offer_up_pending: bool = Field(default=False)
    redflag_checked_at: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class ExerciseSession(SQLModel, table=True):
    __tablename__ = "exercise_session"
    __table_args__ = (Index("ix_session_user_started", "user_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    plan_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("plan.id", ondelete="SET NULL"), nullable=True),
    )
    routine_id: str = Field(max_length=64)
    level: int
    side: str = Field(max_length=8)
    floor: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # before_pain | before_tingle | holding | paused | during | after | done | stopped
    state: str = Field(default="before_pain", max_length=16, index=True)
    step_index: int = Field(default=0)  # 0-based into the plan built by routines.plan
    total_steps: int
    # Bumped on every change; a timer job or a button that carries an older version is stale.
    version: int = Field(default=0)
    hold_ends_at: datetime | None = Field(default=None, sa_column=_ts())
    remaining_seconds: float | None = Field(default=None)
    pain_before: int | None = Field(default=None)
    # Set by new tingling or numbness: the rest of this session leaves out nerve-tension steps.
    nerve_off: bool = Field(default=False)
    pain_after: int | None = Field(default=None)
    stop_reason: str | None = Field(default=None, max_length=32)
    # The instance that runs this session's timer; when it is gone, another one takes over.
    owner: str | None = Field(default=None, max_length=36, index=True)
    # Set when the bot paused the session, not the person, so that it can say why.
    pause_reason: str | None = Field(default=None, max_length=16)
    local_date: str = Field(max_length=10)  # the person's calendar date when it started
    started_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_ts())


class Instance(SQLModel, table=True):
    """A running bot process. One whose heartbeat has stopped is gone, or its row is."""

    __tablename__ = "instance"

    id: str = Field(primary_key=True, max_length=36)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    heartbeat_at: datetime = Field(sa_column=_ts(nullable=False))


class SessionStep(SQLModel, table=True):
    __tablename__ = "session_step"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("exercise_session.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    number: int  # 1-based, as the person saw it
    step_id: str = Field(max_length=64)
    side: str | None = Field(default=None, max_length=8)
    status: str = Field(max_length=16)  # done | skipped | stopped
    seconds: float = Field(default=0.0)
    ended_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class CheckIn(SQLModel, table=True):
    __tablename__ = "checkin"
    __table_args__ = (Index("ix_checkin_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    session_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("exercise_session.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
    )
    phase: str = Field(max_length=16)  # screen | before | during | after | next_day | redflags
    pain: int | None = Field(default=None, ge=0, le=10)
    tingling: str | None = Field(default=None, max_length=8)
    next_day: str | None = Field(default=None, max_length=8)
    red_flag: bool = Field(default=False)
    action: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    level_before: int | None = Field(default=None)
    level_after: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_user_fk())
    plan_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    level_before: int
    level_after: int
    reason: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class DeliveryStatus(StrEnum):
    """What became of one reminder occurrence."""

    CLAIMED = "claimed"  # being sent; a lease hands it on if the sender dies
    SENT = "sent"
    MISSED = "missed"  # not sent at a silly hour, long after it was due
    SKIPPED = "skipped"  # the person skipped today
    FAILED = "failed"
    BLOCKED = "blocked"  # the person blocked the bot
    SUPPRESSED = "suppressed"  # they had already stretched that day
    UNCONFIRMED = "unconfirmed"  # sent twice without an answer; never a third time
    # Outcomes of one attempt, never stored: the row stays claimed, or was settled before.
    RETRY = "retry"
    ALREADY_SETTLED = "already_settled"


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The plan plus the person's local date (or a snooze's own key): one reminder per occurrence.
    occurrence_key: str = Field(max_length=64, unique=True)
    due_at: datetime = Field(sa_column=_ts(nullable=False))
    status: str = Field(max_length=16)  # a DeliveryStatus
    attempts: int = Field(default=0)
    message_id: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_ts())


class MorningStatus(StrEnum):
    """What became of one next-morning check."""

    DUE = "due"
    CLAIMED = "claimed"  # being sent; a lease hands it on if the sender dies
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the plan was no longer active, or a newer session came first
    UNCONFIRMED = "unconfirmed"  # a send may have arrived before a crash; never a second


class MorningCheck(SQLModel, table=True):
    """The question the morning after a session; one per session, sent at most once."""

    __tablename__ = "morning_check"
    __table_args__ = (Index("ix_morning_due", "status", "due_at"),)

    session_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("exercise_session.id", ondelete="CASCADE"), primary_key=True
        )
    )
    user_id: int = Field(sa_column=_user_fk())
    due_at: datetime = Field(sa_column=_ts(nullable=False))
    status: str = Field(default=MorningStatus.DUE.value, max_length=16)
    # Sends that may have reached Telegram, counted before each goes out.
    attempts: int = Field(default=0)
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    message_id: int | None = Field(default=None)
    sent_at: datetime | None = Field(default=None, sa_column=_ts())


class PictureFile(SQLModel, table=True):
    """Telegram's file_id of a step picture this bot uploaded, so it is uploaded only once."""

    __tablename__ = "picture_file"

    name: str = Field(primary_key=True, max_length=128)
    file_id: str = Field(max_length=256)
    uploaded_at: datetime = Field(sa_column=_ts(nullable=False))


class ProcessedUpdate(SQLModel, table=True):
    """Telegram retries a webhook update it got no answer for; each id is handled once."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False, index=True))
