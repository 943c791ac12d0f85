"""Local access tokens (HS256 JWTs), refresh token secrets, and bearer token authentication."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.oidc import authenticate_oidc_token, roles_of
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.settings import GatewaySettings
from punte_gateway.users import repository
from punte_gateway.users.models import User

ISSUER = "punte"
AUDIENCE = "punte-gateway"
ALGORITHM = "HS256"
ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


@dataclass(frozen=True)
class IssuedToken:
    """A token and when it stops being accepted."""

    token: str
    expires_at: datetime


def signing_key(settings: GatewaySettings) -> bytes:
    """The key access tokens are signed with, derived so no other use of secret_key shares it."""
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, b"punte access token signing key v1", hashlib.sha256).digest()


def user_principal(user: User) -> Principal:
    """The principal of a local user, with the roles the database holds now."""
    return Principal(
        kind=PrincipalKind.USER,
        id=user.id,
        name=user.username,
        roles=roles_of(user.roles),
        department=user.department,
    )


def issue_access_token(
    settings: GatewaySettings, user: User, session_id: UUID, now: datetime | None = None
) -> IssuedToken:
    """A short-lived access token for a user's session (`sid` = the refresh token family)."""
    issued = (now or utcnow()).replace(microsecond=0)
    expires = issued + timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user.id),
        "iat": issued,
        "exp": expires,
        "jti": str(new_id()),
        "typ": ACCESS_TYPE,
        "sid": str(session_id),
        "name": user.username,
        "roles": sorted(user.roles),
        "department": user.department,
    }
    token = jwt.encode(claims, signing_key(settings), algorithm=ALGORITHM)
    return IssuedToken(token=token, expires_at=expires)


def new_refresh_secret() -> str:
    """A fresh refresh token secret (256 random bits)."""
    return secrets.token_urlsafe(32)


def hash_refresh_secret(secret: str) -> str:
    """What is stored of a refresh token: SHA-256, enough for a 256-bit random secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def authenticate_access_token(
    runtime: ServiceRuntime, settings: GatewaySettings, token: str
) -> Principal:
    """The principal of a bearer token: ours, or the city's OIDC provider's when configured."""
    try:
        # Only routes the token: each path below verifies everything with pinned algorithms.
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthenticationError("malformed token") from None
    issuer = unverified.get("iss") if isinstance(unverified, dict) else None
    if issuer == ISSUER:
        return await _authenticate_local(runtime, settings, token)
    if settings.oidc_issuer and issuer == settings.oidc_issuer:
        return await authenticate_oidc_token(settings, token)
    raise AuthenticationError("token from an unknown issuer")


def decode_local(settings: GatewaySettings, token: str) -> dict[str, Any]:
    """Verify one of our access tokens: signature (HS256 only), issuer, audience, expiry, type."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key(settings),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("token expired") from None
    except jwt.InvalidAudienceError:
        raise AuthenticationError("token for another audience") from None
    except jwt.PyJWTError:
        raise AuthenticationError("invalid token") from None
    if claims.get("typ") != ACCESS_TYPE:
        raise AuthenticationError("not an access token")
    return claims


async def _authenticate_local(
    runtime: ServiceRuntime, settings: GatewaySettings, token: str
) -> Principal:
    claims = decode_local(settings, token)
    try:
        user_id = UUID(str(claims["sub"]))
        session_id = UUID(str(claims.get("sid")))
    except ValueError:
        raise AuthenticationError("invalid token") from None
    now = utcnow()
    # Read fresh on every request: deactivation, role changes and logout apply at once.
    async with runtime.uow.transaction(read_only=True) as session:
        user = await repository.get_user(session, user_id)
        live = await repository.session_is_live(session, session_id, now)
    if user is None or not user.active:
        raise AuthenticationError("account disabled")
    if not live:
        raise AuthenticationError("session ended")
    return user_principal(user)
