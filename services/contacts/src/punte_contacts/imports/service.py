"""Imports of organisations and people from CSV or XLSX: the job as callers see it.

An import is read (`reading`), planned as a dry run (`planning`), applied in the background
(`applying`) and perhaps reverted as a job (`reverting`); what differs between
organisations and people is each kind's strategy (`kinds`). None of them commits."""

from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.errors import FieldError
from punte_platform.errors import ServiceError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import repository
from punte_contacts.imports.models import ImportJob

# Rows a background step checks or applies in one transaction.
CHUNK = 2000


async def to_contract(session: AsyncSession, job: ImportJob) -> c.ImportJob:
    """The job as callers see it: counts, progress and up to `IMPORT_REPORTED_ROWS` rows."""
    reports: list[c.ImportRowReport]
    if job.status in {c.ImportStatus.VALIDATING, c.ImportStatus.APPLYING}:
        # The rows are reported once all are done: a progress poll (several a second from a
        # UI or the benchmark) then costs no thousand-row report (~40 ms, on the core the
        # chunks need).
        total, reports = 0, []
    elif job.status is c.ImportStatus.VALIDATED:
        total = job.total_rows
        reports = [
            c.ImportRowReport(
                line=row.line,
                action=row.action,
                target_id=row.target_id,
                errors=[FieldError.model_validate(e) for e in row.plan_errors],
            )
            for row in await repository.reported_rows(session, job.id)
        ]
    else:
        total = job.rows_done
        reports = [
            c.ImportRowReport(
                line=result.line,
                action=result.action,
                target_id=result.target_id,
                errors=[FieldError.model_validate(e) for e in result.errors],
            )
            for result in await repository.reported_results(session, job.id)
        ]
    reported = len(reports)
    progress = job.rows_done / job.total_rows if job.total_rows else 1.0
    if job.status is c.ImportStatus.VALIDATED:
        progress = 0.0
    return c.ImportJob(
        id=job.id,
        kind=job.kind,
        mode=job.mode,
        filename=job.filename,
        status=job.status,
        total_rows=job.total_rows,
        rows_done=job.rows_done,
        progress=progress,
        error_rows=job.error_rows,
        planned=c.ImportCounts.model_validate(job.planned),
        done=c.ImportCounts.model_validate(job.done),
        rows=reports,
        rows_truncated=total > reported,
        created_at=job.created_at,
        applied_at=job.applied_at,
        reverted_at=job.reverted_at,
        revert_job_id=job.revert_job_id,
    )


async def find(session: AsyncSession, job_id: UUID, *, lock: bool = False) -> ImportJob:
    job = await repository.get(session, job_id, lock=lock)
    if job is None:
        raise ServiceError.not_found("import", job_id)
    return job


async def get(session: AsyncSession, body: c.GetImport) -> c.ImportJob:
    """An import's state and progress."""
    return await to_contract(session, await find(session, body.id))
