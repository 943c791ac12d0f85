"""The migration that moved import rows into their own table keeps existing jobs' rows."""

import json
from uuid import UUID

from alembic import command
from punte_contacts.app import definition
from punte_platform.db import create_engine
from punte_platform.ids import new_id
from punte_platform.migrations import alembic_config
from sqlalchemy import Connection, text

BEFORE = "1ef09ed89612"
AFTER = "5b0c2e7d9a41"


def migrate(connection: Connection, direction: str, revision: str) -> None:
    migrations = definition().migrations
    assert migrations is not None
    config = alembic_config(migrations)
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


def a_job_document(target: UUID) -> list[dict[str, object]]:
    return [
        {
            "line": 2,
            "cells": {"legal_name": "Țesătoria Bănățeană SRL", "cui": "18547290"},
            "errors": [],
            "plan": {"line": 2, "action": "update", "target_id": str(target), "errors": []},
        },
        {
            "line": 4,
            "cells": {"legal_name": "Beta"},
            "errors": [{"path": ["cui"], "message": "invalid"}],
            "plan": {
                "line": 4,
                "action": "skip",
                "target_id": None,
                "errors": [{"path": ["cui"], "message": "invalid"}],
            },
        },
    ]


async def test_rows_move_to_their_table_and_back(database_url: str) -> None:
    engine = create_engine(database_url)
    job_id, target = new_id(), new_id()

    def uid(value: UUID) -> object:
        return value.hex if engine.dialect.name == "sqlite" else value

    document = a_job_document(target)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "upgrade", BEFORE)
            await connection.execute(
                text(
                    "INSERT INTO import_job (id, kind, mode, filename, status, rows, total_rows, "
                    "rows_done, next_chunk, error_rows, planned, done, created_by, created_at) "
                    "VALUES (:id, 'organizations', 'upsert', 'f.csv', 'validated', :rows, 2, 0, "
                    "0, 1, :counts, :counts, NULL, CURRENT_TIMESTAMP)"
                ),
                {
                    "id": uid(job_id),
                    "rows": json.dumps(document),
                    "counts": json.dumps({"create": 0, "update": 1, "unchanged": 0, "skip": 1}),
                },
            )
            await connection.execute(
                text(
                    "INSERT INTO import_row_result (id, job_id, line, action, target_id, errors) "
                    "VALUES (:id, :job, 2, 'update', NULL, '[]')"
                ),
                {"id": uid(new_id()), "job": uid(job_id)},
            )
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "upgrade", AFTER)
            rows = (
                await connection.execute(
                    text(
                        "SELECT line, cells, errors, action, target_id, plan_errors, cleaned "
                        "FROM import_row ORDER BY line"
                    )
                )
            ).all()
            # Applied jobs keep what their rows did (no table copy cascaded them away).
            kept = await connection.scalar(text("SELECT count(*) FROM import_row_result"))
        assert kept == 1
        assert [(row.line, row.action) for row in rows] == [(2, "update"), (4, "skip")]
        cells = rows[0].cells if isinstance(rows[0].cells, dict) else json.loads(rows[0].cells)
        assert cells["legal_name"] == "Țesătoria Bănățeană SRL"
        assert UUID(str(rows[0].target_id)) == target
        assert rows[1].target_id is None
        assert rows[0].cleaned is None  # old jobs' rows are checked again when applied
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "downgrade", BEFORE)
            back = (await connection.execute(text("SELECT rows FROM import_job"))).scalar_one()
        assert (back if isinstance(back, list) else json.loads(back)) == document
    finally:
        await engine.dispose()
