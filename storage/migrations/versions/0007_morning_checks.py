"""the next-morning check, claimed like a reminder; the six-weekly GP message, sent once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("gp_advised_at", UTCDateTime(), nullable=True))
    op.create_table(
        "morning_check",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("exercise_session.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_morning_check_user_id", "morning_check", ["user_id"])
    op.create_index("ix_morning_due", "morning_check", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_morning_due", table_name="morning_check")
    op.drop_index("ix_morning_check_user_id", table_name="morning_check")
    op.drop_table("morning_check")
    op.drop_column("app_user", "gp_advised_at")
