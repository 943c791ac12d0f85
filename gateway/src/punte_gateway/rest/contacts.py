"""`/api/v1/contacts`: imports (scope contacts:import) and exports (contacts:read) for API keys."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from punte_contracts import contacts as c
from punte_contracts.jobs import Job, JobStatus
from punte_contracts.rpc import Contract
from punte_contracts.rpc import Request as ContractRequest
from punte_platform.context import call_context
from punte_platform.errors import ServiceError
from punte_platform.messaging.rpc import ServiceClient
from pydantic import BaseModel, ValidationError

from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.files.links import sign
from punte_gateway.files.router import runtime_of, stage_upload
from punte_gateway.graphql.context import acting_as
from punte_gateway.rest.models import IsoInstant, camel_model
from punte_gateway.rest.router import PREFIX, ApiError, ApiRoute, Caller, require_scope

ReplyT = TypeVar("ReplyT", bound=BaseModel)

IMPORTS_PATH = f"{PREFIX}/contacts/imports"
# A write retried with the same key answers as the first did, acting once.
IDEMPOTENCY_HEADER = "Idempotency-Key"

router = APIRouter(prefix=f"{PREFIX}/contacts", route_class=ApiRoute)

Importer = Annotated[Principal, Depends(require_scope(Permission.CONTACTS_IMPORT))]
Reader = Annotated[Principal, Depends(require_scope(Permission.CONTACTS_READ))]


class JobAnswer(Job):
    """A background job; a succeeded export's also holds a signed link to its file."""

    download_url: str | None = None
    expires_at: IsoInstant | None = None


def _client(request: Request) -> ServiceClient:
    runtime, _ = runtime_of(request)
    if runtime.client is None:
        raise ApiError(503, "unavailable", "the gateway is not connected to the services")
    return runtime.client


def _mapping(text: str | None) -> dict[str, str]:
    """The column mapping: a JSON object {"header": "field"}, absent for none."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise ApiError(400, "validation_failed", "mapping: not JSON") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiError(
            400, "validation_failed", 'mapping: a JSON object of header to field, {"CUI": "cui"}'
        )
    return value


def _build(model: type[Contract], **values: Any) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ServiceError.from_validation_error(error) from None


async def _call(request: Request, caller: Principal, body: ContractRequest[ReplyT]) -> ReplyT:
    """Ask the contacts service on the key's behalf (it checks the scope again), with the
    request's `Idempotency-Key` (a write retried with the same key answers as the first)."""
    client = _client(request)
    async with acting_as(caller) as context:
        key = request.headers.get(IDEMPOTENCY_HEADER) or None
        with call_context(replace(context, idempotency_key=key)):
            return await client.call(body)


@router.post("/imports", status_code=201, response_model=camel_model(c.ImportJob))
async def start_import(
    request: Request,
    caller: Importer,
    kind: c.ImportKind,
    filename: Annotated[str, Query(min_length=1, max_length=200)],
    mode: c.ImportMode = c.ImportMode.UPSERT,
    mapping: Annotated[str | None, Query(description="JSON object: header -> field")] = None,
    mapping_header: Annotated[str | None, Header(alias="X-Punte-Mapping")] = None,
) -> c.ImportJob:
    """Upload the file (raw body) and get the dry run; nothing is written but the job."""
    columns = _mapping(mapping if mapping is not None else mapping_header)
    staged = await stage_upload(request, caller, filename)
    body = _build(
        c.StartImport,
        kind=kind,
        mode=mode,
        filename=filename,
        staged_file_id=staged.id,
        mapping=columns,
    )
    return await _call(request, caller, body)


@router.get("/imports/{job_id}", response_model=camel_model(c.ImportJob))
async def get_import(request: Request, caller: Importer, job_id: UUID) -> c.ImportJob:
    """An import's state, progress and row reports."""
    body = c.GetImport(id=job_id)
    return await _call(request, caller, body)


@router.post("/imports/{job_id}/apply", status_code=202, response_model=camel_model(c.ImportJob))
async def apply_import(request: Request, caller: Importer, job_id: UUID) -> c.ImportJob:
    """Apply a checked import in the background; poll the job for progress."""
    body = c.ApplyImport(id=job_id)
    return await _call(request, caller, body)


@router.post("/imports/{job_id}/revert", status_code=202, response_model=camel_model(c.ImportJob))
async def revert_import(request: Request, caller: Importer, job_id: UUID) -> c.ImportJob:
    """Start undoing an applied import: the import, now `reverting`, whose `revertJobId`
    names the job to follow (`GET /jobs/{id}`; its result says what was undone)."""
    body = c.RevertImport(id=job_id)
    return await _call(request, caller, body)


@router.post("/organizations/export", status_code=202, response_model=camel_model(JobAnswer))
async def export_organizations(
    request: Request,
    caller: Reader,
    format: c.ExportFormat = c.ExportFormat.CSV,
    search: str = "",
    kind: c.OrganizationKind | None = None,
    tag: str | None = None,
    locality: str | None = None,
    county: str | None = None,
    status: c.OrganizationStatus | None = None,
    caen_code: Annotated[str | None, Query(alias="caenCode")] = None,
    owner_id: Annotated[UUID | None, Query(alias="ownerId")] = None,
    department: str | None = None,
) -> JobAnswer:
    """Start exporting the organisations a search would list, as a CSV or XLSX file: the
    job, to follow with `GET /jobs/{id}` (its `downloadUrl` once done)."""
    body = _build(
        c.ExportOrganizations,
        format=format,
        query=search,
        kind=kind,
        tag=tag,
        locality=locality,
        county=county,
        status=status,
        caen_code=caen_code,
        owner_id=owner_id,
        department=department,
    )
    return _job_answer(request, await _call(request, caller, body))


@router.post("/people/export", status_code=202, response_model=camel_model(JobAnswer))
async def export_people(
    request: Request,
    caller: Reader,
    format: c.ExportFormat = c.ExportFormat.CSV,
    search: str = "",
    tag: str | None = None,
    owner_id: Annotated[UUID | None, Query(alias="ownerId")] = None,
) -> JobAnswer:
    """Start exporting the people a search would list (as organisations are): the job."""
    body = _build(c.ExportPeople, format=format, query=search, tag=tag, owner_id=owner_id)
    return _job_answer(request, await _call(request, caller, body))


@router.get("/jobs/{job_id}", response_model=camel_model(JobAnswer))
async def get_job(request: Request, caller: Caller, job_id: UUID) -> JobAnswer:
    """A background job (an export, an import's revert) with its progress; a succeeded
    export's also holds a signed `downloadUrl` (no credentials needed) and `expiresAt`."""
    return _job_answer(request, await _call(request, caller, c.GetContactsJob(id=job_id)))


def _job_answer(request: Request, job: Job) -> JobAnswer:
    """The job, with a signed link to an export's file once it succeeded."""
    answer = JobAnswer.model_validate(job.model_dump())
    if job.status is JobStatus.SUCCEEDED and job.kind in c.EXPORT_JOBS and job.result:
        exported = c.ExportFile.model_validate(job.result)
        _, settings = runtime_of(request)
        link = sign(settings, exported.file.id)
        expires_at = datetime.fromtimestamp(link.expires, UTC)
        answer = answer.model_copy(update={"download_url": link.url, "expires_at": expires_at})
    return answer
