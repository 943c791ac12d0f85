"""Turning an `Authorization: Bearer ...` header into a principal."""

from fastapi import Request
from punte_platform.runtime import ServiceRuntime

from punte_gateway.api_keys.service import API_KEY_PREFIX, authenticate_api_key
from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.principal import Principal
from punte_gateway.auth.tokens import authenticate_access_token
from punte_gateway.settings import GatewaySettings


async def authenticate(
    request: Request, runtime: ServiceRuntime, settings: GatewaySettings
) -> Principal | None:
    """The caller, None when no credentials came; raises when credentials are bad."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("the Authorization header must be `Bearer <token>`")
    if token.startswith(API_KEY_PREFIX):
        operation = f"{request.method} {request.url.path}"
        return await authenticate_api_key(runtime, settings, token, operation=operation)
    return await authenticate_access_token(runtime, settings, token)
