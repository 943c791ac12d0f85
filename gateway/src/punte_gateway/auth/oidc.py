"""Access tokens of the city's OpenID Connect provider (production option).

A token is accepted when its signature verifies against a key of the provider's JWKS with one
of `oidc_algorithms` (never `none`, never an HMAC algorithm: those would let anyone holding
the public key sign), and its `iss`, `aud` and `exp` are right.

ID tokens are refused: they prove a login to the client that asked for it and are not meant
as credentials for an API. A token counts as an ID token when any of these holds:

- its `typ` claim is `ID` (how Keycloak marks ID tokens; its access tokens say `Bearer`);
- its `token_use` claim is `id` (Amazon Cognito);
- it carries `at_hash` or `c_hash`, which OpenID Connect Core defines for ID tokens only;
- it carries `nonce` (OpenID Connect Core: ID tokens only) and nothing marks it as an access
  token: RFC 9068's `at+jwt` header `typ`, a `Bearer` `typ` claim or `token_use: access`
  (Keycloak before 25 also put `nonce` into access tokens).
"""

import asyncio
import uuid
from typing import Any

import jwt

from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.permissions import Role
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.settings import GatewaySettings

# Tolerated clock difference between the provider and us.
LEEWAY_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 5.0
JWKS_CACHE_SECONDS = 300
ACCESS_TOKEN_HEADER_TYPES = frozenset({"at+jwt", "application/at+jwt"})

_clients: dict[str, jwt.PyJWKClient] = {}


def roles_of(names: Any) -> frozenset[Role]:
    """The known roles among names (a list or a space-separated string); others grant nothing."""
    if isinstance(names, str):
        names = names.split()
    if not isinstance(names, list | tuple | set | frozenset):
        return frozenset()
    known = {role.value: role for role in Role}
    return frozenset(known[n] for n in names if isinstance(n, str) and n in known)


def allowed_algorithms(settings: GatewaySettings) -> list[str]:
    """The configured algorithms minus any that must never verify a provider's token."""
    return [
        a
        for a in settings.oidc_algorithms
        if a.strip() and a.lower() != "none" and not a.upper().startswith("HS")
    ]


def jwks_client(url: str) -> jwt.PyJWKClient:
    """One key set client per URL: keys are cached; an unknown `kid` refetches, rate-limited."""
    client = _clients.get(url)
    if client is None:
        client = jwt.PyJWKClient(
            url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS
        )
        _clients[url] = client
    return client


def is_id_token(header: dict[str, Any], claims: dict[str, Any]) -> bool:
    """Whether a verified token is an ID token (the rule in this module's docstring)."""
    typ_claim = str(claims.get("typ", "")).lower()
    token_use = str(claims.get("token_use", "")).lower()
    if typ_claim == "id" or token_use == "id":  # noqa: S105 (a claim value, not a secret)
        return True
    if "at_hash" in claims or "c_hash" in claims:
        return True
    if "nonce" in claims:
        marked_access = (
            str(header.get("typ", "")).lower() in ACCESS_TOKEN_HEADER_TYPES
            or typ_claim == "bearer"
            or token_use == "access"  # noqa: S105 (a claim value, not a secret)
        )
        return not marked_access
    return False


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def principal_id(issuer: str, subject: str) -> uuid.UUID:
    """A stable id for a provider's user, so their actions are attributable across logins."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}#{subject}")


async def authenticate_oidc_token(settings: GatewaySettings, token: str) -> Principal:
    """The principal of a provider's access token; raises AuthenticationError otherwise."""
    algorithms = allowed_algorithms(settings)
    configured = settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url
    if not configured or not algorithms:
        raise AuthenticationError("OpenID Connect is not configured")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthenticationError("malformed token") from None
    if header.get("alg") not in algorithms:
        raise AuthenticationError("token signed with a refused algorithm")
    try:
        # PyJWKClient fetches with blocking urllib: keep that off the event loop.
        key = await asyncio.to_thread(
            jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt, token
        )
    except jwt.PyJWKClientConnectionError:
        raise AuthenticationError("the identity provider's keys are unavailable") from None
    except jwt.PyJWTError:
        raise AuthenticationError("invalid token") from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("token expired") from None
    except jwt.InvalidAudienceError:
        raise AuthenticationError("token for another audience") from None
    except jwt.InvalidIssuerError:
        raise AuthenticationError("token from another issuer") from None
    except jwt.PyJWTError:
        raise AuthenticationError("invalid token") from None
    if is_id_token(header, claims):
        raise AuthenticationError("ID tokens are not accepted: send an access token")
    subject = str(claims["sub"])
    name = claim_at(claims, settings.oidc_username_claim)
    department = claim_at(claims, settings.oidc_department_claim)
    return Principal(
        kind=PrincipalKind.USER,
        id=principal_id(settings.oidc_issuer, subject),
        name=str(name) if isinstance(name, str) and name else subject,
        roles=roles_of(claim_at(claims, settings.oidc_roles_claim)),
        department=department if isinstance(department, str) and department else None,
    )
