"""Recording audit entries; personal data is minimised before it is stored."""

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from punte_contracts.envelope import CloudEvent
from punte_platform.context import current_context
from punte_platform.db import UnitOfWork, utcnow
from punte_platform.ids import new_id
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.audit import repository
from punte_gateway.audit.models import AuditEntry
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal

# Field names whose values are never written to the audit log, only that they changed.
REDACTED_FIELDS = frozenset(
    {"password", "password_hash", "secret", "token", "access_token", "refresh_token", "key_hash"}
)
REDACTED = "[redacted]"


def minimise(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    """Old and new values per field, secrets replaced by a marker."""
    out: dict[str, dict[str, Any]] = {}
    for field_name, (old, new) in changes.items():
        if field_name in REDACTED_FIELDS:
            out[field_name] = {"old": REDACTED, "new": REDACTED}
        else:
            out[field_name] = {"old": _jsonable(old), "new": _jsonable(new)}
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


async def record(
    session: AsyncSession,
    *,
    action: str,
    principal: Principal | None,
    outcome: str = "ok",
    target_ids: Sequence[UUID | str] = (),
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    detail: str = "",
    actor: str | None = None,
) -> AuditEntry:
    """Add an entry to the session's transaction (the boundary commits it with the change)."""
    entry = AuditEntry(
        id=new_id(),
        occurred_at=utcnow(),
        actor=principal.actor if principal else actor,
        actor_name=principal.name if principal else None,
        action=action,
        outcome=outcome,
        target_ids=[str(t) for t in target_ids],
        changes=minimise(changes or {}),
        detail=detail[:2000],
        # Request ids may come from callers' headers: bounded to the column.
        request_id=(current_context().request_id or "")[:64] or None,
        source="gateway",
    )
    session.add(entry)
    return entry


async def record_refusal(
    uow: UnitOfWork, principal: Principal | None, operation: str, *permissions: Permission
) -> None:
    """A call refused for want of a permission, audited in its own transaction (the call
    changes nothing)."""
    async with uow.transaction() as session:
        await record(
            session,
            action=f"refused:{operation}",
            principal=principal,
            outcome="forbidden",
            detail=f"missing {' or '.join(p.value for p in permissions)}",
        )


def source_service(event: CloudEvent) -> str:
    """The publishing service's name, from a CloudEvent source such as `punte/contacts`."""
    return event.source.rsplit("/", 1)[-1][:30] or "unknown"


async def record_message(session: AsyncSession, event: CloudEvent) -> AuditEntry | None:
    """Record a service's domain message once, whoever caused it; None if already recorded."""
    # The body stays with the service that owns it: the log keeps who, what, when and which
    # record, not the personal data a body may carry.
    # The consumer's inbox makes redeliveries no-ops; this check also covers messages
    # redelivered after the inbox forgot them (and the unique message_id backs it up).
    if await repository.has_message(session, event.id):
        return None
    occurred_at = event.time if event.time.tzinfo else event.time.replace(tzinfo=UTC)
    entry = AuditEntry(
        id=new_id(),
        occurred_at=occurred_at,
        actor=event.actor[:100] if event.actor else None,
        actor_name=None,
        action=event.type[:100],
        outcome="ok",
        target_ids=[event.subject] if event.subject else [],
        changes={},
        detail="",
        request_id=event.requestid[:64] if event.requestid else None,
        source=source_service(event),
        message_id=event.id,
    )
    session.add(entry)
    return entry
