"""drop unused message id columns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:36:53.848336
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


import storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: batch mode would copy
    # app_user and drop the old table, and with foreign keys on, dropping it cascades.
    op.drop_column('app_user', 'dialog_message_id')
    op.drop_column('exercise_session', 'message_id')


def downgrade() -> None:
    op.add_column('exercise_session', sa.Column('message_id', sa.INTEGER(), nullable=True))
    op.add_column('app_user', sa.Column('dialog_message_id', sa.INTEGER(), nullable=True))
