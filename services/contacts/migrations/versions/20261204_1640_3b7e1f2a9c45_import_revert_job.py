"""import revert in the background: status reverting, the revert's job id

Revision ID: 3b7e1f2a9c45
Revises: dceaef0afcc4
Create Date: 2026-12-04 16:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7e1f2a9c45"
down_revision: str | None = "dceaef0afcc4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_import_job_import_status"
OLD = "status IN ('validating', 'validated', 'applying', 'applied', 'reverted')"
NEW = "status IN ('validating', 'validated', 'applying', 'applied', 'reverting', 'reverted')"


def upgrade() -> None:
    op.add_column("import_job", sa.Column("revert_job_id", sa.Uuid(), nullable=True))
    _replace_check(OLD, NEW)


def downgrade() -> None:
    # A revert under way cannot be told by the old states: it counts as still applied.
    op.execute("UPDATE import_job SET status = 'applied' WHERE status = 'reverting'")
    _replace_check(NEW, OLD)
    op.drop_column("import_job", "revert_job_id")


def _replace_check(old: str, new: str) -> None:
    """Swap the status CHECK of `import_job` for one with another list of states (as the
    migration that added `validating` does: on SQLite, the table's SQL edited in place)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE import_job DROP CONSTRAINT {CONSTRAINT}")
        op.execute(f"ALTER TABLE import_job ADD CONSTRAINT {CONSTRAINT} CHECK ({new})")
        return
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
