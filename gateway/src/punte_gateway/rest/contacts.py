"""`/api/v1/contacts`: imports (scope contacts:import) and exports (contacts:read) for API keys."""

import json
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from punte_contracts import contacts as c
from punte_contracts.rpc import Contract
from punte_contracts.rpc import Request as ContractRequest
from punte_platform.errors import ServiceError
from punte_platform.messaging.rpc import ServiceClient
from pydantic import BaseModel, ValidationError

from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.files.links import content_disposition
from punte_gateway.files.router import media_type_of, read_capped, runtime_of
from punte_gateway.graphql.context import acting_as
from punte_gateway.rest.models import SPREADSHEET_RESPONSE, camel_model
from punte_gateway.rest.router import PREFIX, ApiError, ApiRoute, require_scope

ReplyT = TypeVar("ReplyT", bound=BaseModel)

IMPORTS_PATH = f"{PREFIX}/contacts/imports"

router = APIRouter(prefix=f"{PREFIX}/contacts", route_class=ApiRoute)

Importer = Annotated[Principal, Depends(require_scope(Permission.CONTACTS_IMPORT))]
Reader = Annotated[Principal, Depends(require_scope(Permission.CONTACTS_READ))]


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
    """Ask the contacts service on the key's behalf (it checks the scope again)."""
    client = _client(request)
    async with acting_as(caller):
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
    runtime, _ = runtime_of(request)
    columns = _mapping(mapping if mapping is not None else mapping_header)
    data = await read_capped(request, runtime.files.max_bytes)
    staged = await runtime.files.put(data, filename=filename, media_type=media_type_of(request))
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


@router.post("/imports/{job_id}/revert", response_model=camel_model(c.ImportRevertReport))
async def revert_import(request: Request, caller: Importer, job_id: UUID) -> c.ImportRevertReport:
    """Undo an applied import: deleted, restored, and rows left alone as conflicts."""
    body = c.RevertImport(id=job_id)
    return await _call(request, caller, body)


@router.get("/organizations/export", response_class=Response, responses=SPREADSHEET_RESPONSE)
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
) -> Response:
    """The organisations a search would list, as a CSV or XLSX file."""
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
    return await _download(request, caller, body)


@router.get("/people/export", response_class=Response, responses=SPREADSHEET_RESPONSE)
async def export_people(
    request: Request,
    caller: Reader,
    format: c.ExportFormat = c.ExportFormat.CSV,
    search: str = "",
    tag: str | None = None,
    owner_id: Annotated[UUID | None, Query(alias="ownerId")] = None,
) -> Response:
    """The people a search would list, as a CSV or XLSX file."""
    body = _build(c.ExportPeople, format=format, query=search, tag=tag, owner_id=owner_id)
    return await _download(request, caller, body)


async def _download(
    request: Request, caller: Principal, body: c.ExportOrganizations | c.ExportPeople
) -> Response:
    """Ask for an export and answer with the staged file itself."""
    exported = await _call(request, caller, body)
    runtime, _ = runtime_of(request)
    staged, data = await runtime.files.get(exported.file.id)
    return Response(
        content=data,
        media_type=staged.media_type,
        headers={
            "Content-Disposition": content_disposition(staged.filename),
            "X-Punte-Rows": str(exported.rows),
            "Cache-Control": "private, no-store",
        },
    )
