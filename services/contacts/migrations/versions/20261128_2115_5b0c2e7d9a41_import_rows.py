"""import rows in their own table

Revision ID: 5b0c2e7d9a41
Revises: 1ef09ed89612
Create Date: 2026-11-28 21:15:00.000000+00:00
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5b0c2e7d9a41"
down_revision: str | None = "1ef09ed89612"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ACTION = sa.Enum(
    "create",
    "update",
    "unchanged",
    "skip",
    name="import_action",
    native_enum=False,
    create_constraint=True,
    length=30,
)

_job = sa.table("import_job", sa.column("id", sa.Uuid()), sa.column("rows", JSON_DOCUMENT))
_row = sa.table(
    "import_row",
    sa.column("job_id", sa.Uuid()),
    sa.column("line", sa.Integer()),
    sa.column("cells", JSON_DOCUMENT),
    sa.column("errors", JSON_DOCUMENT),
    sa.column("action", sa.String()),
    sa.column("target_id", sa.Uuid()),
    sa.column("plan_errors", JSON_DOCUMENT),
)


def upgrade() -> None:
    op.create_table(
        "import_row",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cells", JSON_DOCUMENT, nullable=False),
        sa.Column("errors", JSON_DOCUMENT, nullable=False),
        sa.Column("action", ACTION, nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("plan_errors", JSON_DOCUMENT, nullable=False),
        sa.Column("cleaned", JSON_DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_row_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "line", name=op.f("pk_import_row")),
    )
    # Move the rows of existing jobs out of the job's JSON document. Columns are dropped and
    # added in place (SQLite 3.35+ can): a batch copy would drop the old import_job table,
    # and with foreign keys on that deletes every row result (and moved row) of every job.
    bind = op.get_bind()
    for job_id, rows in bind.execute(sa.select(_job.c.id, _job.c.rows)).all():
        values = [_row_values(job_id, row) for row in rows or []]
        if values:
            bind.execute(_row.insert(), values)
    op.drop_column("import_job", "rows")


def downgrade() -> None:
    op.add_column("import_job", sa.Column("rows", JSON_DOCUMENT, nullable=True))
    bind = op.get_bind()
    documents: dict[Any, list[dict[str, Any]]] = {}
    query = sa.select(_row).order_by(_row.c.job_id, _row.c.line)
    for row in bind.execute(query).mappings():
        documents.setdefault(row["job_id"], []).append(
            {
                "line": row["line"],
                "cells": row["cells"],
                "errors": row["errors"],
                "plan": {
                    "line": row["line"],
                    "action": row["action"],
                    "target_id": str(row["target_id"]) if row["target_id"] else None,
                    "errors": row["plan_errors"],
                },
            }
        )
    for job_id in bind.execute(sa.select(_job.c.id)).scalars().all():
        bind.execute(
            _job.update().where(_job.c.id == job_id).values(rows=documents.get(job_id, []))
        )
    if bind.dialect.name != "sqlite":
        # SQLite cannot tighten a column in place; there it stays nullable (always filled).
        op.alter_column("import_job", "rows", existing_type=JSON_DOCUMENT, nullable=False)
    op.drop_table("import_row")


def _row_values(job_id: Any, row: dict[str, Any]) -> dict[str, Any]:
    plan = row.get("plan") or {}
    return {
        "job_id": job_id,
        "line": row["line"],
        "cells": row.get("cells") or {},
        "errors": row.get("errors") or [],
        "action": plan.get("action", "skip"),
        "target_id": UUID(plan["target_id"]) if plan.get("target_id") else None,
        "plan_errors": plan.get("errors") or [],
    }
