"""`POST /uploads` stages a file for an import; `GET /downloads/{id}` serves a signed link."""

# Both sit outside /graphql (a file is no JSON) and outside /api/v1 (staff use them too).
# Uploads authenticate as GraphQL does: a staff bearer token or an API key. Downloads need
# no credentials: the signed, short-lived link is the permission (browsers follow it).

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from punte_contracts.files import StagedFile
from punte_platform.errors import ServiceError
from punte_platform.messaging.files import REFUSAL_DETAIL, Quota, Refusal
from punte_platform.runtime import ServiceRuntime

from punte_gateway.audit.service import record_refusal
from punte_gateway.auth.authenticate import authenticate
from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.files.links import DOWNLOADS_PATH, LinkRefused, content_disposition, verify
from punte_gateway.ratelimit import check_request
from punte_gateway.rest.models import camel_model
from punte_gateway.rest.router import ApiError, ApiRoute
from punte_gateway.settings import GatewaySettings

UPLOADS_PATH = "/uploads"
# Paths that read their body as a stream under their own cap (the staged file limit), not
# the general request body limit.
STREAMED_PATHS = (UPLOADS_PATH,)
IMPORTERS = (Permission.CONTACTS_IMPORT, Permission.CONTACTS_WRITE)

router = APIRouter(route_class=ApiRoute)


def runtime_of(request: Request) -> tuple[ServiceRuntime, GatewaySettings]:
    """The gateway's runtime and settings."""
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    return runtime, settings


# What each refusal of the file store answers. 507 (Insufficient Storage) says the request
# may succeed later, once staged files are used or expire.
_REFUSAL_STATUS = {
    Refusal.TOO_LARGE: (413, "payload_too_large"),
    Refusal.QUOTA_EXCEEDED: (507, "quota_exceeded"),
    Refusal.STORE_FULL: (507, "storage_full"),
}


def quota_of(caller: Principal, settings: GatewaySettings) -> Quota:
    """How much the caller may keep staged: per API key, else per user."""
    if caller.kind is PrincipalKind.API_KEY:
        return Quota(settings.files_quota_per_api_key_bytes, settings.files_quota_per_api_key_files)
    return Quota(settings.files_quota_per_user_bytes, settings.files_quota_per_user_files)


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body as it arrives; an empty one is refused."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        yield chunk
    if seen == 0:
        raise ApiError(400, "validation_failed", "the request body (the file) is empty")


async def stage_upload(request: Request, caller: Principal, filename: str) -> StagedFile:
    """Stream the request body into the file store as the caller's file, under its quota."""
    runtime, settings = runtime_of(request)
    files = runtime.files
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > files.max_bytes:
        status, code = _REFUSAL_STATUS[Refusal.TOO_LARGE]
        raise ApiError(
            status, code, f"the file is larger than the {files.max_bytes} bytes accepted"
        )
    try:
        # Counted while streaming too: Content-Length may be absent (chunked) or understated.
        return await files.put_stream(
            _body(request),
            filename=filename,
            media_type=media_type_of(request),
            owner=caller.actor,
            quota=quota_of(caller, settings),
        )
    except ServiceError as error:
        refusal = error.body.details.get(REFUSAL_DETAIL)
        if refusal not in _REFUSAL_STATUS:
            raise
        status, code = _REFUSAL_STATUS[Refusal(refusal)]
        raise ApiError(status, code, error.body.message) from None


def media_type_of(request: Request) -> str:
    """The Content-Type without parameters, or the generic binary type."""
    return (
        request.headers.get("content-type", "").split(";")[0].strip() or "application/octet-stream"
    )


def limit_rate(request: Request, principal: Principal | None, settings: GatewaySettings) -> None:
    """Count the call against its caller's (or address's) allowance; 429 when spent."""
    wait = check_request(request, principal, settings)
    if wait is not None:
        raise ApiError(
            429, "rate_limited", f"too many requests; retry in {wait}s", {"Retry-After": str(wait)}
        )


async def staff_or_key_caller(request: Request) -> Principal:
    """The caller, authenticated as for GraphQL (bearer token or API key), rate limited."""
    runtime, settings = runtime_of(request)
    principal: Principal | None = None
    failure = "authentication required"
    try:
        principal = await authenticate(request, runtime, settings)
    except AuthenticationError as error:
        failure = f"authentication failed: {error}"
    limit_rate(request, principal, settings)
    if principal is None:
        raise ApiError(401, "unauthenticated", failure, {"WWW-Authenticate": "Bearer"})
    return principal


async def refuse(request: Request, caller: Principal, *permissions: Permission) -> ApiError:
    """Audit a refusal; the 403 to raise."""
    runtime, _ = runtime_of(request)
    operation = f"{request.method} {request.url.path}"
    await record_refusal(runtime.uow, caller, operation, *permissions)
    names = " or ".join(p.value for p in permissions)
    return ApiError(403, "forbidden", f"requires the {names} permission")


async def importer(
    request: Request, caller: Annotated[Principal, Depends(staff_or_key_caller)]
) -> Principal:
    """A caller allowed to import (contacts:import or contacts:write)."""
    if any(caller.can(p) for p in IMPORTERS):
        return caller
    raise await refuse(request, caller, *IMPORTERS)


@router.post(UPLOADS_PATH, status_code=201, response_model=camel_model(StagedFile))
async def upload(
    request: Request,
    caller: Annotated[Principal, Depends(importer)],
    filename: Annotated[str, Query(min_length=1, max_length=255)],
) -> StagedFile:
    """Stage the raw body as the caller's file; its description (the id goes to
    startImport, which only its uploader, or an admin, may start)."""
    return await stage_upload(request, caller, filename)


@router.get(DOWNLOADS_PATH + "/{file_id}")
async def download(
    request: Request,
    file_id: str,
    expires: str | None = None,
    signature: str | None = None,
) -> Response:
    """The staged file a signed, unexpired link names, as an attachment."""
    runtime, settings = runtime_of(request)
    # No caller to count against: links are limited per client address, as anonymous calls.
    limit_rate(request, None, settings)
    try:
        verify(settings, file_id, expires, signature)
    except LinkRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    # The signed link is the permission: whoever holds it may fetch, not only the owner.
    staged, data = await runtime.files.get(file_id, check_owner=False)
    return Response(
        content=data,
        media_type=staged.media_type,
        headers={
            "Content-Disposition": content_disposition(staged.filename),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
