"""Who is acting and on behalf of which request: carried in headers across every hop."""

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

ACTOR_HEADER = "Punte-Actor"
REQUEST_ID_HEADER = "Punte-Request-Id"
PERMISSIONS_HEADER = "Punte-Permissions"
DEPARTMENT_HEADER = "Punte-Department"
IDEMPOTENCY_KEY_HEADER = "Punte-Idempotency-Key"
SYSTEM_ACTOR_PREFIX = "system:"


@dataclass(frozen=True)
class CallContext:
    """The actor (`user:<id>`, `apikey:<id>`, `system:<service>`), what the gateway found it
    may do, its department, the request id, and the idempotency key of the one write it is
    about to request (the server that gets it does not pass it on; the trace context travels
    on its own)."""

    actor: str | None = None
    request_id: str | None = None
    permissions: frozenset[str] = frozenset()
    department: str | None = None
    idempotency_key: str | None = None

    def headers(self) -> dict[str, str]:
        """The context as NATS headers."""
        pairs = {
            ACTOR_HEADER: self.actor,
            REQUEST_ID_HEADER: self.request_id,
            PERMISSIONS_HEADER: ",".join(sorted(self.permissions)),
            DEPARTMENT_HEADER: self.department,
            IDEMPOTENCY_KEY_HEADER: self.idempotency_key,
        }
        return {k: v for k, v in pairs.items() if v}

    def may(self, permission: str) -> bool:
        """Whether the caller holds a permission; services' own system actors hold all."""
        if self.actor is not None and self.actor.startswith(SYSTEM_ACTOR_PREFIX):
            return True
        return permission in self.permissions

    def may_any(self, permissions: Iterable[str]) -> bool:
        """Whether the caller holds at least one of these permissions."""
        return any(self.may(permission) for permission in permissions)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None) -> "CallContext":
        """Read the context from incoming headers, with a new request id where none came."""
        headers = headers or {}
        return cls(
            actor=headers.get(ACTOR_HEADER),
            request_id=headers.get(REQUEST_ID_HEADER) or new_request_id(),
            permissions=frozenset(p for p in headers.get(PERMISSIONS_HEADER, "").split(",") if p),
            department=headers.get(DEPARTMENT_HEADER),
            idempotency_key=headers.get(IDEMPOTENCY_KEY_HEADER) or None,
        )


_EMPTY = CallContext()
_current: ContextVar[CallContext] = ContextVar("punte_call_context", default=_EMPTY)


def current_context() -> CallContext:
    """The context of the work running now."""
    return _current.get()


@contextmanager
def call_context(context: CallContext) -> Iterator[CallContext]:
    """Run a block under a context."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def new_request_id() -> str:
    """A short random request id."""
    return secrets.token_hex(8)
