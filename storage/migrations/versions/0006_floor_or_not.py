"""whether the person can get down on the floor, per plan and per session

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Everyone so far did the floor steps, so existing rows start true.
    op.add_column("plan", sa.Column("floor", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column(
        "exercise_session",
        sa.Column("floor", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("exercise_session", "floor")
    op.drop_column("plan", "floor")
