"""import dry run in the background: status validating, natural key of import rows

Revision ID: 9e3a6b1c5d27
Revises: c4d7e2a91b63
Create Date: 2026-11-28 22:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e3a6b1c5d27"
down_revision: str | None = "c4d7e2a91b63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_import_job_import_status"
OLD = "status IN ('validated', 'applying', 'applied', 'reverted')"
NEW = "status IN ('validating', 'validated', 'applying', 'applied', 'reverted')"


def upgrade() -> None:
    op.add_column("import_row", sa.Column("natural_key", sa.String(length=320), nullable=True))
    op.create_index(
        "ix_import_row_job_id_natural_key",
        "import_row",
        ["job_id", "natural_key"],
        unique=False,
        postgresql_where=sa.text("natural_key IS NOT NULL"),
        sqlite_where=sa.text("natural_key IS NOT NULL"),
    )
    _replace_check(OLD, NEW)


def downgrade() -> None:
    # A dry run still in progress has nothing applied: it goes, as the old states cannot say it.
    op.execute("DELETE FROM import_job WHERE status = 'validating'")
    _replace_check(NEW, OLD)
    op.drop_index("ix_import_row_job_id_natural_key", table_name="import_row")
    op.drop_column("import_row", "natural_key")


def _replace_check(old: str, new: str) -> None:
    """Swap the status CHECK of `import_job` for one with another list of states."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE import_job DROP CONSTRAINT {CONSTRAINT}")
        op.execute(f"ALTER TABLE import_job ADD CONSTRAINT {CONSTRAINT} CHECK ({new})")
        return
    # SQLite cannot alter a CHECK; a batch copy would drop import_job, and with foreign keys
    # on (they cannot be turned off inside the migration's transaction) that cascades to
    # every row and row result of every job. Widening or narrowing the list of allowed
    # values changes no stored data, so the table's SQL is edited in place (the procedure
    # SQLite documents for such changes), then the schema version bumped so it is re-read.
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar_one())
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    updated = bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
            "WHERE type = 'table' AND name = 'import_job' AND instr(sql, :old) > 0"
        ),
        {"old": f"CHECK ({old})", "new": f"CHECK ({new})"},
    ).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version={version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    if updated != 1:
        raise RuntimeError(f"import_job has no CHECK ({old})")
