"""login throttling replaces the account lockout

Revision ID: nolock000001
Revises: b5a0aa2653a8
Create Date: 2026-12-04 18:30:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import punte_platform.db


revision: str = 'nolock000001'
down_revision: str | None = 'b5a0aa2653a8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('locked_until')


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(
            sa.Column('locked_until', punte_platform.db.UTCDateTime(timezone=True), nullable=True)
        )
