"""the file_id of each step picture once uploaded, so it is sent by id after that

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "picture_file",
        sa.Column("name", sa.String(length=128), primary_key=True),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("picture_file")
