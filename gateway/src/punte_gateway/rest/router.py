"""`/api/v1`: integrations' REST endpoints, authenticated by API keys only."""

# Staff use GraphQL with their session tokens; this surface takes `Authorization: Bearer
# punte_sk_...` and nothing else, so a person's session never drives an integration's calls.
# Every answer that is not a success is `{"error": {"code": ..., "message": ...}}`.

import logging
from collections.abc import Awaitable, Callable, Coroutine
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from punte_contracts.errors import ErrorCode
from punte_platform.context import CallContext, call_context, new_request_id
from punte_platform.errors import ServiceError
from punte_platform.runtime import ServiceRuntime

from punte_gateway.api_keys import repository as api_keys
from punte_gateway.api_keys.service import API_KEY_PREFIX, authenticate_api_key, display_prefix
from punte_gateway.audit.service import record_refusal
from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.ratelimit import check_request
from punte_gateway.rest.models import CallingKey, Health, ServiceHealth
from punte_gateway.settings import GatewaySettings
from punte_gateway.system.service import deployment_status

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
REQUEST_ID_HEADER = "x-request-id"


class ApiError(Exception):
    """An expected refusal, answered as a JSON error body with its status."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


# What a service's typed error becomes on this API.
_STATUS_OF: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.FORBIDDEN: 403,
    # A service refused the gateway's signature: its keys are misconfigured, not the caller.
    ErrorCode.UNAUTHENTICATED: 502,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}


def api_error(error: ServiceError) -> ApiError:
    """A service error as a REST refusal; invalid fields are listed in the message."""
    message = error.body.message if error.code is not ErrorCode.INTERNAL else "internal error"
    if error.body.fields:
        message = "; ".join(
            f"{'.'.join(str(p) for p in f.path)}: {f.message}" for f in error.body.fields
        )
    return ApiError(_STATUS_OF[error.code], error.code.value, message)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape of this API."""
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


class ApiRoute(APIRoute):
    """Turns every failure of a route, its dependencies included, into the JSON error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            base = CallContext(
                request_id=(request.headers.get(REQUEST_ID_HEADER) or new_request_id())[:64]
            )
            try:
                with call_context(base):
                    return await handler(request)
            except ApiError as error:
                return error_response(error.status, error.code, error.message, error.headers)
            except ServiceError as error:
                refusal = api_error(error)
                return error_response(refusal.status, refusal.code, refusal.message)
            except RequestValidationError as error:
                fields = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
                )
                return error_response(422, "validation_failed", fields or "invalid request")
            except HTTPException as error:
                return error_response(error.status_code, "http_error", str(error.detail))
            except Exception:
                # The log keeps the stack trace; the caller gets none of it.
                log.exception("REST %s %s failed", request.method, request.url.path)
                return error_response(500, "internal", "internal error")

        return guarded


router = APIRouter(prefix=PREFIX, route_class=ApiRoute)


def _runtime(request: Request) -> tuple[ServiceRuntime, GatewaySettings]:
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    return runtime, settings


def _operation(request: Request) -> str:
    return f"{request.method} {request.url.path}"


async def api_key_caller(request: Request) -> Principal:
    """The calling key, counted against its rate limit (unknown callers: their address's)."""
    runtime, settings = _runtime(request)
    principal: Principal | None = None
    failure = f"an API key is required: Authorization: Bearer {API_KEY_PREFIX}..."
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(API_KEY_PREFIX):
        try:
            principal = await authenticate_api_key(
                runtime, settings, token, operation=_operation(request)
            )
        except AuthenticationError as error:
            failure = str(error)
    elif scheme:
        failure = f"this API takes API keys only: Authorization: Bearer {API_KEY_PREFIX}..."
    wait = check_request(request, principal, settings)
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests; retry in {wait}s",
            {"Retry-After": str(wait)},
        )
    if principal is None:
        raise ApiError(401, "unauthenticated", failure, {"WWW-Authenticate": "Bearer"})
    return principal


Caller = Annotated[Principal, Depends(api_key_caller)]


@cache
def require_scope(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting keys holding `permission` (403 and an audit entry otherwise)."""

    async def scoped(request: Request, caller: Caller) -> Principal:
        if caller.can(permission):
            return caller
        runtime, _ = _runtime(request)
        await record_refusal(runtime.uow, caller, _operation(request), permission)
        raise ApiError(403, "forbidden", f"the API key lacks the {permission.value} scope")

    return scoped


@router.get("/me", response_model=CallingKey)
async def me(request: Request, caller: Caller) -> CallingKey:
    """Which key is calling, what it may do and until when."""
    runtime, _ = _runtime(request)
    async with runtime.uow.transaction() as session:
        key = await api_keys.get(session, caller.id)
    if key is None:
        raise ApiError(401, "unauthenticated", "API key revoked")
    return CallingKey(
        id=key.id,
        name=key.name,
        owner=key.owner,
        prefix=display_prefix(key),
        scopes=sorted(p.value for p in caller.scopes),
        expires_at=key.expires_at,
    )


@router.get("/health", response_model=Health)
async def health(request: Request, caller: Caller) -> Health:
    """Every service's status, asked over NATS, and the gateway's own."""
    runtime, settings = _runtime(request)
    statuses = await deployment_status(runtime, settings.health_timeout)
    return Health(
        status="ok" if all(s.status == "ok" for s in statuses) else "degraded",
        services=[ServiceHealth.model_validate(s, from_attributes=True) for s in statuses],
    )


@router.api_route(
    "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def unknown(path: str) -> Response:
    """Anything else under /api/v1: a JSON 404, not the framework's default."""
    raise ApiError(404, "not_found", f"no endpoint {PREFIX}/{path}")
