"""merge the users and api keys branches

Revision ID: merge0000001
Revises: users0000001, apikeys00001
Create Date: 2026-11-28 19:10:00+00:00
"""
from collections.abc import Sequence

revision: str = 'merge0000001'
down_revision: str | Sequence[str] | None = ('users0000001', 'apikeys00001')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
