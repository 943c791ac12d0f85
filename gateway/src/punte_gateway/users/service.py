"""Rules of staff accounts and sessions: validation, login throttling, refresh rotation, audit."""

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Literal
from uuid import UUID

from punte_contracts.errors import ErrorCode, FieldError
from punte_contracts.gateway import LoginThrottled
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.audit.service import record
from punte_gateway.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from punte_gateway.auth.permissions import Role
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.auth.throttle import Burst, LoginThrottle, ThrottleScope
from punte_gateway.auth.tokens import (
    hash_refresh_secret,
    issue_access_token,
    new_refresh_secret,
    user_principal,
)
from punte_gateway.settings import GatewaySettings
from punte_gateway.users import repository
from punte_gateway.users.models import RefreshToken, User

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
DEPARTMENT_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_DISPLAY_NAME = 200
MAX_EMAIL = 320

INVALID_CREDENTIALS = "invalid_credentials"
INVALID_TOKEN = "invalid_token"  # noqa: S105 (an error code)
# One message whether the username exists or not, so logins cannot probe for accounts.
INVALID_CREDENTIALS_MESSAGE = "invalid username or password"
INVALID_TOKEN_MESSAGE = "the refresh token is invalid, expired or revoked"  # noqa: S105

_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})


class Keep(Enum):
    """Marks an optional change as absent (distinct from setting None)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class NewUser:
    """What an admin (or the CLI, or the demo data) gives to create a user."""

    username: str
    display_name: str
    password: str
    roles: Sequence[str] = ()
    email: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class UserChanges:
    """Fields an update sets; KEEP leaves a field as it is."""

    display_name: str | Literal[Keep.KEEP] = KEEP
    email: str | Literal[Keep.KEEP] | None = KEEP
    roles: Sequence[str] | Literal[Keep.KEEP] = KEEP
    department: str | Literal[Keep.KEEP] | None = KEEP
    active: bool | Literal[Keep.KEEP] = KEEP


@dataclass(frozen=True)
class SessionTokens:
    """What a login or refresh hands out."""

    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(frozen=True)
class AuthFailure:
    """A refused login, refresh or logout, returned (not raised) so its audit entry commits."""

    code: str
    message: str
    field: str | None = None


# Text rules -------------------------------------------------------------------------------


def romanian_text(value: str) -> str:
    """NFC, comma-below ș/ț instead of the cedilla forms, outer whitespace removed."""
    return unicodedata.normalize("NFC", value).translate(_CEDILLA_TO_COMMA).strip()


def normalise_username(value: str) -> str:
    """Usernames are compared and stored lowercase."""
    return unicodedata.normalize("NFC", value).strip().lower()


def fold(value: str) -> str:
    """Lowercase without diacritics, so "timisoara" finds "Timișoara"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_key_of(user: User) -> str:
    """The text `users(search:)` matches against."""
    return fold(" ".join(p for p in (user.username, user.display_name, user.email) if p))[:600]


def _invalid(fields: list[FieldError]) -> ServiceError:
    return ServiceError.of(ErrorCode.VALIDATION_FAILED, "the user is invalid", fields)


def _check_display_name(value: str, errors: list[FieldError]) -> str:
    name = romanian_text(value)
    if not name or len(name) > MAX_DISPLAY_NAME:
        errors.append(
            FieldError(
                path=["display_name"],
                message=f"the display name must have 1 to {MAX_DISPLAY_NAME} characters",
            )
        )
    return name


def _check_email(value: str | None, errors: list[FieldError]) -> str | None:
    if value is None or not value.strip():
        return None
    email = unicodedata.normalize("NFC", value).strip()
    if len(email) > MAX_EMAIL or not EMAIL_PATTERN.fullmatch(email):
        errors.append(FieldError(path=["email"], message="not an email address"))
    return email


def _check_roles(values: Sequence[str], errors: list[FieldError]) -> list[str]:
    known = {role.value for role in Role}
    roles: list[str] = []
    for index, value in enumerate(values):
        if value not in known:
            errors.append(
                FieldError(
                    path=["roles", index],
                    message=f"unknown role {value!r}; roles are {', '.join(sorted(known))}",
                )
            )
        elif value not in roles:
            roles.append(value)
    return sorted(roles)


def _check_department(value: str | None, errors: list[FieldError]) -> str | None:
    if value is None or not value.strip():
        return None
    department = value.strip()
    if not DEPARTMENT_PATTERN.fullmatch(department):
        errors.append(
            FieldError(
                path=["department"],
                message="a department is a lowercase code such as relatii-comunitare",
            )
        )
    return department


def _check_password(value: str, errors: list[FieldError]) -> None:
    problem = password_problem(value)
    if problem:
        errors.append(FieldError(path=["password"], message=problem))


# Accounts ---------------------------------------------------------------------------------


async def create_user(
    session: AsyncSession,
    new: NewUser,
    *,
    principal: Principal | None,
    actor: str | None = None,
    password_rules: bool = True,
) -> User:
    """Create a user after checking every field; raises ServiceError (validation, conflict).

    Only the development demo data turns `password_rules` off (its password is too short).
    """
    errors: list[FieldError] = []
    username = normalise_username(new.username)
    if not USERNAME_PATTERN.fullmatch(username):
        errors.append(
            FieldError(
                path=["username"],
                message="2 to 64 characters: lowercase letters, digits and . _ @ -",
            )
        )
    display_name = _check_display_name(new.display_name, errors)
    email = _check_email(new.email, errors)
    roles = _check_roles(new.roles, errors)
    department = _check_department(new.department, errors)
    if password_rules:
        _check_password(new.password, errors)
    if errors:
        raise _invalid(errors)
    if await repository.find_by_username(session, username) is not None:
        raise _username_taken(username)
    now = utcnow()
    user = User(
        id=new_id(),
        username=username,
        display_name=display_name,
        email=email,
        roles=roles,
        department=department,
        password_hash=await hash_password(new.password),
        active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    user.search_key = search_key_of(user)
    repository.add_user(session, user)
    try:
        await session.flush()
    except IntegrityError:
        # Another transaction took the username between our check and our insert.
        raise _username_taken(username) from None
    await record(
        session,
        action="user.created",
        principal=principal,
        actor=actor,
        target_ids=[user.id],
        changes={
            "username": (None, username),
            "display_name": (None, display_name),
            "email": (None, email),
            "roles": (None, roles),
            "department": (None, department),
            "password": (None, "set"),
        },
    )
    return user


def _username_taken(username: str) -> ServiceError:
    return ServiceError.of(
        ErrorCode.CONFLICT,
        f"the username {username} is taken",
        [FieldError(path=["username"], message=f"the username {username} is taken")],
    )


async def _load_for_update(session: AsyncSession, user_id: UUID) -> User:
    user = await repository.get_user(session, user_id, for_update=True)
    if user is None:
        raise ServiceError.not_found("user", user_id)
    return user


def _is_active_admin(user: User) -> bool:
    return user.active and Role.ADMIN.value in user.roles


async def update_user(
    session: AsyncSession,
    user_id: UUID,
    changes: UserChanges,
    *,
    expected_version: int | None,
    principal: Principal | None,
) -> User:
    """Apply an admin's changes; a stale expected_version is a conflict and changes nothing."""
    user = await _load_for_update(session, user_id)
    if expected_version is not None and expected_version != user.version:
        raise ServiceError.conflict(
            f"the user was changed meanwhile: version {user.version}, expected {expected_version}",
            version=str(user.version),
        )
    errors: list[FieldError] = []
    wanted: dict[str, Any] = {}
    if changes.display_name is not KEEP:
        wanted["display_name"] = _check_display_name(changes.display_name, errors)
    if changes.email is not KEEP:
        wanted["email"] = _check_email(changes.email, errors)
    if changes.roles is not KEEP:
        wanted["roles"] = _check_roles(changes.roles, errors)
    if changes.department is not KEEP:
        wanted["department"] = _check_department(changes.department, errors)
    if changes.active is not KEEP:
        wanted["active"] = changes.active
    if errors:
        raise _invalid(errors)
    diff = {k: (getattr(user, k), v) for k, v in wanted.items() if getattr(user, k) != v}
    if not diff:
        return user
    was_admin = _is_active_admin(user)
    for name, (_old, new) in diff.items():
        setattr(user, name, new)
    if was_admin and not _is_active_admin(user):
        await _keep_an_admin(session, user)
    user.search_key = search_key_of(user)
    user.updated_at = utcnow()
    user.version += 1
    detail = ""
    if diff.get("active", (True, True))[1] is False:
        revoked = await repository.revoke_user_sessions(session, user.id, user.updated_at)
        detail = f"deactivated; {revoked} sessions revoked"
    await record(
        session,
        action="user.updated",
        principal=principal,
        target_ids=[user.id],
        changes=diff,
        detail=detail,
    )
    return user


async def _keep_an_admin(session: AsyncSession, user: User) -> None:
    others = [i for i in await repository.active_admin_ids(session) if i != user.id]
    if not others:
        raise ServiceError.conflict("the last active admin cannot lose the admin role")


async def set_password(
    session: AsyncSession, user_id: UUID, password: str, *, principal: Principal | None
) -> User:
    """Set a user's password and end their sessions everywhere."""
    errors: list[FieldError] = []
    _check_password(password, errors)
    if errors:
        raise _invalid(errors)
    user = await _load_for_update(session, user_id)
    now = utcnow()
    user.password_hash = await hash_password(password)
    user.failed_logins = 0
    user.updated_at = now
    user.version += 1
    revoked = await repository.revoke_user_sessions(session, user.id, now)
    await record(
        session,
        action="user.password_set",
        principal=principal,
        target_ids=[user.id],
        changes={"password": ("set", "set")},
        detail=f"{revoked} sessions revoked",
    )
    return user


# Sessions ---------------------------------------------------------------------------------


async def login(
    session: AsyncSession,
    runtime: ServiceRuntime,
    username: str,
    password: str,
    *,
    address: str,
    throttle: LoginThrottle,
) -> SessionTokens | AuthFailure:
    """Check a password unless its name or address must wait; open a session on success.

    Unknown names, waiting names or addresses, wrong passwords and inactive accounts all get
    the one answer after one password hash's time, so none can be told apart.
    """
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    name = normalise_username(username)
    user = (
        await repository.find_by_username(session, name, for_update=True)
        if USERNAME_PATTERN.fullmatch(name)
        else None
    )
    targets = [user.id] if user else []
    failure = AuthFailure(INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE)
    waiting = throttle.wait(name, address)
    if waiting > 0:
        await verify_password(None, password)
        await record(
            session,
            action="auth.login",
            principal=None,
            outcome="throttled",
            target_ids=targets,
            detail=f"too many failed logins; the next is checked in {math.ceil(waiting)}s",
        )
        return failure
    # Counted before the (slow) check, so parallel guesses see each other; a success undoes it.
    for burst in throttle.attempted(name, address):
        await _alert(session, runtime, burst, user, address)
    if user is None:
        await verify_password(None, password)
        # The attempted name is not kept: people type passwords into the username field.
        await record(
            session, action="auth.login", principal=None, outcome="failed", detail="unknown user"
        )
        return failure
    if not await verify_password(user.password_hash, password):
        user.failed_logins += 1
        await record(
            session,
            action="auth.login",
            principal=None,
            outcome="failed",
            target_ids=targets,
            detail=f"wrong password ({user.failed_logins} in a row)",
        )
        return failure
    if not user.active:
        await record(
            session,
            action="auth.login",
            principal=None,
            outcome="failed",
            target_ids=targets,
            detail="account inactive",
        )
        return failure
    throttle.succeeded(name, address)
    user.failed_logins = 0
    now = runtime.clock.now()
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    tokens, _ = _open_session(session, settings, user, new_id(), now)
    await record(session, action="auth.login", principal=user_principal(user), target_ids=[user.id])
    return tokens


async def _alert(
    session: AsyncSession, runtime: ServiceRuntime, burst: Burst, user: User | None, address: str
) -> None:
    """Tell admins a name or an address ran out of free logins: an audit entry and a message."""
    user_id = user.id if user and burst.scope is ThrottleScope.USERNAME else None
    await record(
        session,
        action="auth.login_throttled",
        principal=None,
        outcome="throttled",
        target_ids=[user_id] if user_id else [],
        detail=f"{burst.failures} failed logins for one {burst.scope} (last from {address})",
    )
    message = LoginThrottled(
        scope=burst.scope.value, failures=burst.failures, user_id=user_id, client_address=address
    )
    await runtime.outbox.add(session, message)


def _open_session(
    session: AsyncSession, settings: GatewaySettings, user: User, family_id: UUID, now: datetime
) -> tuple[SessionTokens, RefreshToken]:
    """Stage a refresh token of the family and sign an access token for it."""
    secret = new_refresh_secret()
    row = RefreshToken(
        id=new_id(),
        user_id=user.id,
        token_hash=hash_refresh_secret(secret),
        family_id=family_id,
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    repository.add_refresh_token(session, row)
    access = issue_access_token(settings, user, family_id, now)
    tokens = SessionTokens(
        user=user,
        access_token=access.token,
        access_expires_at=access.expires_at,
        refresh_token=secret,
        refresh_expires_at=row.expires_at,
    )
    return tokens, row


async def refresh(
    session: AsyncSession, settings: GatewaySettings, secret: str
) -> SessionTokens | AuthFailure:
    """Rotate a refresh token; presenting a rotated one again revokes its whole session."""
    now = utcnow()
    failure = AuthFailure(INVALID_TOKEN, INVALID_TOKEN_MESSAGE, "refresh_token")
    token = await repository.find_refresh_token(session, hash_refresh_secret(secret))
    if token is None:
        await record(
            session, action="auth.refresh", principal=None, outcome="failed", detail="unknown token"
        )
        return failure
    user = await repository.get_user(session, token.user_id, for_update=True)
    if token.revoked_at is not None:
        revoked = await repository.revoke_family(session, token.family_id, now)
        # A rotated token coming back means two parties hold the session: end it for both.
        reused = token.replaced_by is not None
        await record(
            session,
            action="auth.refresh",
            principal=None,
            outcome="reuse_detected" if reused else "revoked",
            target_ids=[token.user_id],
            detail=f"session {token.family_id}: {revoked} live tokens revoked",
        )
        return failure
    if token.expires_at <= now or user is None or not user.active:
        token.revoked_at = now
        await record(
            session,
            action="auth.refresh",
            principal=None,
            outcome="failed",
            target_ids=[token.user_id],
            detail="token expired" if token.expires_at <= now else "account inactive",
        )
        return failure
    tokens, successor = _open_session(session, settings, user, token.family_id, now)
    token.revoked_at = now
    token.replaced_by = successor.id
    await record(
        session, action="auth.refresh", principal=user_principal(user), target_ids=[user.id]
    )
    return tokens


async def logout(
    session: AsyncSession, principal: Principal, secret: str, *, all_sessions: bool
) -> int | AuthFailure:
    """End the caller's session of this refresh token, or all their sessions; how many ended."""
    now = utcnow()
    token = await repository.find_refresh_token(session, hash_refresh_secret(secret))
    if token is None or principal.kind is not PrincipalKind.USER or token.user_id != principal.id:
        return AuthFailure(INVALID_TOKEN, "not a refresh token of yours", "refresh_token")
    if all_sessions:
        ended = await repository.revoke_user_sessions(session, principal.id, now)
    else:
        ended = await repository.revoke_family(session, token.family_id, now)
    await record(
        session,
        action="auth.logout",
        principal=principal,
        target_ids=[principal.id],
        detail="all sessions" if all_sessions else f"session {token.family_id}",
    )
    return ended
