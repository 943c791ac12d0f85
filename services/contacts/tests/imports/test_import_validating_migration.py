"""The migration allowing `validating` jobs keeps every job's rows and row results, also on
SQLite, where a table copy of `import_job` would cascade them away."""

import pytest
from punte_platform.db import create_engine
from punte_platform.ids import new_id
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from .test_import_rows_migration import migrate

BEFORE = "c4d7e2a91b63"
AFTER = "9e3a6b1c5d27"
JOB = (
    "INSERT INTO import_job (id, kind, mode, filename, status, total_rows, rows_done, "
    "next_chunk, error_rows, planned, done, created_by, created_at) VALUES (:id, "
    "'organizations', 'upsert', 'f.csv', :status, 1, 0, 0, 0, '{}', '{}', NULL, "
    "CURRENT_TIMESTAMP)"
)


async def test_validating_is_allowed_up_and_refused_down_and_rows_stay(database_url: str) -> None:
    engine = create_engine(database_url)

    def uid() -> object:
        value = new_id()
        return value.hex if engine.dialect.name == "sqlite" else value

    applied, validating = uid(), uid()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "upgrade", BEFORE)
            await connection.execute(text(JOB), {"id": applied, "status": "applied"})
            await connection.execute(
                text(
                    "INSERT INTO import_row (job_id, line, cells, errors, action, plan_errors) "
                    "VALUES (:job, 2, '{}', '[]', 'create', '[]')"
                ),
                {"job": applied},
            )
            await connection.execute(
                text(
                    "INSERT INTO import_row_result (id, job_id, line, action, errors) "
                    "VALUES (:id, :job, 2, 'create', '[]')"
                ),
                {"id": uid(), "job": applied},
            )
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text(JOB), {"id": validating, "status": "validating"})
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "upgrade", AFTER)
            await connection.execute(text(JOB), {"id": validating, "status": "validating"})
            await connection.execute(
                text(
                    "INSERT INTO import_row (job_id, line, cells, errors, action, plan_errors, "
                    "natural_key) VALUES (:job, 2, '{}', '[]', 'skip', '[]', '18547290')"
                ),
                {"job": validating},
            )
        async with engine.begin() as connection:
            kept = [
                await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("import_job", "import_row", "import_row_result")
            ]
        assert kept == [2, 2, 1]  # nothing cascaded away
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text(JOB), {"id": uid(), "status": "checking"})
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "downgrade", BEFORE)
            # The dry run in progress goes (the old states cannot say it); the rest stays.
            left = [
                await connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("import_job", "import_row", "import_row_result")
            ]
        assert left == [1, 1, 1]
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text(JOB), {"id": uid(), "status": "validating"})
    finally:
        await engine.dispose()
