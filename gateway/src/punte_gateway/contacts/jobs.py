"""Background jobs of the contacts service (exports, import reverts): the `job` query, and
the job as the export and revert mutations answer it."""

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.jobs import FINISHED_JOB_STATUSES, Job, JobStatus
from punte_platform.errors import ServiceError
from strawberry.types import Info

from punte_gateway.contacts.imports import ImportRowReport
from punte_gateway.files.links import sign
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.permissions import IsAuthenticated
from punte_gateway.settings import GatewaySettings

strawberry.enum(JobStatus, name="JobStatus")


@strawberry.type(description="A generated file, downloadable for a short while.")
class ExportedFile:
    filename: str
    media_type: str
    size: int = strawberry.field(description="Bytes")
    rows: int
    download_url: str = strawberry.field(
        description="A gateway path, signed: GET it (no credentials needed) until expiresAt"
    )
    expires_at: datetime

    @classmethod
    def of(cls, settings: GatewaySettings, exported: c.ExportFile) -> "ExportedFile":
        link = sign(settings, exported.file.id)
        return cls(
            filename=exported.file.filename,
            media_type=exported.file.media_type,
            size=exported.file.size,
            rows=exported.rows,
            download_url=link.url,
            expires_at=datetime.fromtimestamp(link.expires, UTC),
        )


@strawberry.type(description="What an import's revert did.")
class ImportRevertResult:
    deleted: int = strawberry.field(description="Records the import created, deleted")
    restored: int = strawberry.field(description="Records it updated, put back")
    conflicts: list[ImportRowReport] = strawberry.field(
        description="Rows whose records changed since (or are linked now): left alone"
    )


@strawberry.type(name="Job", description="A background job: an export, an import's revert.")
class JobType:
    id: strawberry.ID
    kind: str = strawberry.field(
        description=", ".join(sorted(c.EXPORT_JOBS | {c.IMPORT_REVERT_JOB}))
    )
    status: JobStatus
    done: int = strawberry.field(description="Units done (rows)")
    total: int | None = strawberry.field(description="Units in all, when known")
    progress: float | None = strawberry.field(description="0 to 1, when the total is known")
    error: str | None = strawberry.field(description="Why it failed")
    created_at: datetime
    finished_at: datetime | None
    file: ExportedFile | None = strawberry.field(
        description="An export's file, with a signed link, once it succeeded"
    )
    revert: ImportRevertResult | None = strawberry.field(
        description="What an import's revert did, once it succeeded"
    )

    @classmethod
    def of(cls, settings: GatewaySettings, job: Job) -> "JobType":
        succeeded = job.status is JobStatus.SUCCEEDED and job.result is not None
        file = revert = None
        if succeeded and job.kind in c.EXPORT_JOBS:
            file = ExportedFile.of(settings, c.ExportFile.model_validate(job.result))
        if succeeded and job.kind == c.IMPORT_REVERT_JOB:
            report = c.ImportRevertReport.model_validate(job.result)
            revert = ImportRevertResult(
                deleted=report.deleted,
                restored=report.restored,
                conflicts=[ImportRowReport.of(r, report.kind) for r in report.conflicts],
            )
        if job.status is JobStatus.SUCCEEDED:
            progress: float | None = 1.0
        else:
            progress = min(job.done / job.total, 1.0) if job.total else None
        return cls(
            id=strawberry.ID(str(job.id)),
            kind=job.kind,
            status=job.status,
            done=job.done,
            total=job.total,
            progress=progress,
            error=job.error,
            created_at=job.created_at,
            finished_at=job.finished_at,
            file=file,
            revert=revert,
        )


async def settled(context: GraphQLContext, job: Job, *, wait_seconds: float) -> Job:
    """The job once finished, or as it is after `wait_seconds` (a short export then
    answers with its file at once; a long one with the job to follow)."""
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while job.status not in FINISHED_JOB_STATUSES and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        job = await context.client.call(c.GetContactsJob(id=job.id))
    return job


@strawberry.type
class JobQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=(
            "A background job of contacts (an export, an import's revert) with its progress, "
            "or null; reading one takes contacts:read."
        ),
    )
    async def job(self, info: Info[GraphQLContext, None], id: strawberry.ID) -> JobType | None:
        try:
            job_id = UUID(str(id))
        except ValueError:
            return None
        try:
            job = await info.context.client.call(c.GetContactsJob(id=job_id))
        except ServiceError as error:
            if error.code is ErrorCode.NOT_FOUND:
                return None
            raise
        return JobType.of(info.context.settings, job)
