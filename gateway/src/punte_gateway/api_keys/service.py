"""Rules of API keys: issuing, rotating, revoking, and authenticating a presented key."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from punte_contracts.errors import ErrorCode, FieldError
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from punte_gateway.api_keys import repository
from punte_gateway.api_keys.models import ApiKey
from punte_gateway.audit.service import record
from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.permissions import API_KEY_SCOPES, Permission
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.settings import GatewaySettings

# A recognisable start, so leaked keys are easy to spot (secret scanners, logs, reviews).
API_KEY_PREFIX = "punte_sk_"
MAX_LIFETIME = timedelta(days=365)
MAX_TEXT = 200
PUBLIC_PART_BYTES = 8
SECRET_BYTES = 32
_PUBLIC_PART = re.compile(rf"[0-9a-f]{{{PUBLIC_PART_BYTES * 2}}}")
_MAX_SECRET_CHARS = 100
# Derives the hashing key from the deployment's secret, so the same secret signing tokens
# elsewhere never doubles as this HMAC key.
_HASH_KEY_LABEL = b"punte api key hash v1"
_CEDILLA = str.maketrans(
    {"\u015e": "\u0218", "\u015f": "\u0219", "\u0162": "\u021a", "\u0163": "\u021b"}
)


class ApiKeyStatus(StrEnum):
    """Whether a key works now."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its secret, which exists only in this answer."""

    key: ApiKey
    secret: str


def display_prefix(key: ApiKey) -> str:
    """The start of the key's secret, enough to recognise it and nothing more."""
    return f"{API_KEY_PREFIX}{key.prefix}"


def status_of(key: ApiKey, now: datetime | None = None) -> ApiKeyStatus:
    """Revoked wins over expired: revocation is the deliberate act."""
    if key.revoked_at is not None:
        return ApiKeyStatus.REVOKED
    if key.expires_at <= (now or utcnow()):
        return ApiKeyStatus.EXPIRED
    return ApiKeyStatus.ACTIVE


def hash_secret(settings: GatewaySettings, token: str) -> str:
    """The keyed hash (HMAC-SHA256) of a whole key, as stored."""
    secret_key = settings.secret_key.get_secret_value().encode()
    hash_key = hmac.new(secret_key, _HASH_KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(hash_key, token.encode(), hashlib.sha256).hexdigest()


def parse_token(token: str) -> str | None:
    """The public part of a well-formed key, None when the key cannot be one of ours."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    public, separator, secret = token.removeprefix(API_KEY_PREFIX).partition("_")
    if not separator or not _PUBLIC_PART.fullmatch(public):
        return None
    if not secret or len(secret) > _MAX_SECRET_CHARS:
        return None
    return public


def _new_token() -> tuple[str, str]:
    public = secrets.token_hex(PUBLIC_PART_BYTES)
    return public, f"{API_KEY_PREFIX}{public}_{secrets.token_urlsafe(SECRET_BYTES)}"


def _text(value: str) -> str:
    """NFC with comma-below ș/ț, as all Romanian text is stored."""
    return unicodedata.normalize("NFC", value).translate(_CEDILLA).strip()


def _check_text(path: str, value: str, errors: list[FieldError]) -> str:
    cleaned = _text(value)
    if not cleaned:
        errors.append(FieldError(path=[path], message=f"{path} must not be empty"))
    elif len(cleaned) > MAX_TEXT:
        errors.append(FieldError(path=[path], message=f"{path} is longer than {MAX_TEXT}"))
    return cleaned


def _check_scopes(scopes: Sequence[str], errors: list[FieldError]) -> list[str]:
    granted: set[str] = set()
    grantable = {p.value for p in API_KEY_SCOPES}
    known = {p.value for p in Permission}
    for index, scope in enumerate(scopes):
        if scope in grantable:
            granted.add(scope)
        elif scope in known:
            errors.append(
                FieldError(
                    path=["scopes", index],
                    message=f"{scope} cannot be granted to an API key",
                    type="forbidden_scope",
                )
            )
        else:
            errors.append(
                FieldError(
                    path=["scopes", index], message=f"unknown scope {scope!r}", type="unknown_scope"
                )
            )
    return sorted(granted)


def _check_expiry(expires_at: datetime, now: datetime, errors: list[FieldError]) -> None:
    path: list[str | int] = ["expiresAt"]
    if expires_at.tzinfo is None:
        errors.append(FieldError(path=path, message="expiresAt must carry a UTC offset"))
    elif expires_at <= now:
        errors.append(FieldError(path=path, message="expiresAt must be in the future"))
    elif expires_at > now + MAX_LIFETIME:
        errors.append(
            FieldError(path=path, message=f"a key lives at most {MAX_LIFETIME.days} days")
        )


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ServiceError.of(ErrorCode.VALIDATION_FAILED, "the key is invalid", errors)


async def create(
    session: AsyncSession,
    settings: GatewaySettings,
    principal: Principal,
    *,
    name: str,
    owner: str,
    scopes: Sequence[str],
    expires_at: datetime,
) -> IssuedKey:
    """Issue a key; the secret is returned here once and only its keyed hash is kept."""
    now = utcnow()
    errors: list[FieldError] = []
    name = _check_text("name", name, errors)
    owner = _check_text("owner", owner, errors)
    granted = _check_scopes(scopes, errors)
    _check_expiry(expires_at, now, errors)
    _raise_if(errors)
    issued = await _issue(
        session,
        settings,
        principal,
        name=name,
        owner=owner,
        scopes=granted,
        expires_at=expires_at,
        now=now,
    )
    key = issued.key
    await record(
        session,
        action="api_key.created",
        principal=principal,
        target_ids=[key.id],
        changes={
            "name": (None, key.name),
            "owner": (None, key.owner),
            "scopes": (None, key.scopes),
            "expires_at": (None, key.expires_at.isoformat()),
            "prefix": (None, display_prefix(key)),
        },
    )
    return issued


async def _issue(
    session: AsyncSession,
    settings: GatewaySettings,
    principal: Principal,
    *,
    name: str,
    owner: str,
    scopes: list[str],
    expires_at: datetime,
    now: datetime,
    rotated_from: UUID | None = None,
) -> IssuedKey:
    public, token = _new_token()
    key = ApiKey(
        id=new_id(),
        name=name,
        owner=owner,
        scopes=scopes,
        prefix=public,
        key_hash=hash_secret(settings, token),
        created_by=principal.actor,
        created_at=now,
        expires_at=expires_at,
        rotated_from=rotated_from,
    )
    session.add(key)
    await session.flush()
    return IssuedKey(key=key, secret=token)


async def _current(session: AsyncSession, key_id: UUID, expected_version: int | None) -> ApiKey:
    """The key to change, refusing unknown ids, stale versions and revoked keys."""
    key = await repository.get(session, key_id)
    if key is None:
        raise ServiceError.not_found("API key", key_id)
    if expected_version is not None and expected_version != key.version:
        raise ServiceError.conflict(
            f"the key is at version {key.version}, not {expected_version}",
            version=str(key.version),
        )
    if key.revoked_at is not None:
        raise ServiceError.conflict("the key is already revoked")
    return key


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError:
        # Another admin changed the key between our read and our write.
        raise ServiceError.conflict("the key was changed concurrently") from None


async def rotate(
    session: AsyncSession,
    settings: GatewaySettings,
    principal: Principal,
    key_id: UUID,
    *,
    expected_version: int | None,
    expires_at: datetime | None = None,
) -> tuple[IssuedKey, ApiKey]:
    """Replace a key's secret: a new key with the same grants, the old one revoked at once."""
    now = utcnow()
    old = await _current(session, key_id, expected_version)
    expiry = expires_at or old.expires_at
    errors: list[FieldError] = []
    _check_expiry(expiry, now, errors)
    _raise_if(errors)
    old.revoked_at = now
    await _flush(session)
    issued = await _issue(
        session,
        settings,
        principal,
        name=old.name,
        owner=old.owner,
        # Scopes no longer grantable (policy changed since) are dropped, not carried over.
        scopes=[s for s in old.scopes if s in {p.value for p in API_KEY_SCOPES}],
        expires_at=expiry,
        now=now,
        rotated_from=old.id,
    )
    new = issued.key
    await record(
        session,
        action="api_key.rotated",
        principal=principal,
        target_ids=[old.id, new.id],
        changes={
            "revoked_at": (None, now.isoformat()),
            "prefix": (display_prefix(old), display_prefix(new)),
            "expires_at": (old.expires_at.isoformat(), new.expires_at.isoformat()),
        },
    )
    return issued, old


async def revoke(
    session: AsyncSession, principal: Principal, key_id: UUID, *, expected_version: int | None
) -> ApiKey:
    """Stop a key from working, for good."""
    now = utcnow()
    key = await _current(session, key_id, expected_version)
    key.revoked_at = now
    await _flush(session)
    await record(
        session,
        action="api_key.revoked",
        principal=principal,
        target_ids=[key.id],
        changes={"revoked_at": (None, now.isoformat())},
    )
    return key


def principal_of(key: ApiKey) -> Principal:
    """The caller a key stands for; only scopes still grantable to keys count."""
    known = {p.value: p for p in API_KEY_SCOPES}
    return Principal(
        kind=PrincipalKind.API_KEY,
        id=key.id,
        name=key.name,
        scopes=frozenset(known[s] for s in key.scopes if s in known),
    )


def _refusal(key: ApiKey | None, presented: str) -> str | None:
    """Why a presented key is refused; expiry and revocation only tell a holder of the secret."""
    if key is None:
        # Compare anyway, so an unknown key costs the same as a wrong secret.
        hmac.compare_digest(presented, "0" * len(presented))
        return "invalid API key"
    if not hmac.compare_digest(presented, key.key_hash):
        return "invalid API key"
    if key.revoked_at is not None:
        return "API key revoked"
    if key.expires_at <= utcnow():
        return "API key expired"
    return None


async def authenticate_api_key(
    runtime: ServiceRuntime, settings: GatewaySettings, token: str, *, operation: str = ""
) -> Principal:
    """The key's principal; each use is noted (last use, an audit entry) in one short write."""
    public = parse_token(token)
    if public is None:
        raise AuthenticationError("invalid API key")
    presented = hash_secret(settings, token)
    async with runtime.uow.transaction() as session:
        key = await repository.by_prefix(session, public)
        refusal = _refusal(key, presented)
        if key is not None and refusal is None:
            principal = principal_of(key)
            await repository.mark_used(session, key.id, utcnow())
            await record(
                session,
                action="api_key.used",
                principal=principal,
                target_ids=[key.id],
                detail=operation,
            )
            return principal
        if key is not None:
            # A refused use of a real key is worth knowing; unknown keys are noise, not kept.
            await record(
                session,
                action="api_key.refused",
                principal=None,
                actor=f"{PrincipalKind.API_KEY.value}:{key.id}",
                outcome="unauthenticated",
                target_ids=[key.id],
                detail=f"{refusal}; {operation}" if operation else str(refusal),
            )
    raise AuthenticationError(refusal or "invalid API key")
