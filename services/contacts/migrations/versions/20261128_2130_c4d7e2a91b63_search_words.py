"""search words: the vocabulary typo-tolerant search looks mistyped words up in

Revision ID: c4d7e2a91b63
Revises: 5b0c2e7d9a41
Create Date: 2026-11-28 21:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d7e2a91b63"
down_revision: str | None = "5b0c2e7d9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_word",
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_word")),
    )
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_word_word_trgm",
            ["word"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        )
    if op.get_bind().dialect.name == "postgresql":
        # The words of the names already stored (4 to 100 letters, as search_words keeps).
        op.execute(
            """
            INSERT INTO search_word (word)
            SELECT DISTINCT word FROM (
                SELECT regexp_split_to_table(search_key, ' ') AS word FROM organization
                UNION ALL
                SELECT regexp_split_to_table(search_key, ' ') FROM person
            ) AS words
            WHERE length(word) BETWEEN 4 AND 100
            ON CONFLICT DO NOTHING
            """
        )
    else:
        # The same on SQLite, which has no splitting function: a recursive split.
        op.execute(
            """
            INSERT OR IGNORE INTO search_word (word)
            WITH RECURSIVE words(word, rest) AS (
                SELECT '', search_key || ' ' FROM organization
                UNION ALL
                SELECT '', search_key || ' ' FROM person
                UNION ALL
                SELECT substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
                FROM words WHERE rest <> ''
            )
            SELECT DISTINCT word FROM words WHERE length(word) BETWEEN 4 AND 100
            """
        )


def downgrade() -> None:
    with op.batch_alter_table("search_word", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_search_word_word_trgm",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        )
    op.drop_table("search_word")
