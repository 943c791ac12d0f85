"""Recording audit entries; personal data is minimised before it is stored."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from punte_platform.context import current_context
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.audit.models import AuditEntry
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
        request_id=current_context().request_id,
        source="gateway",
    )
    session.add(entry)
    return entry
