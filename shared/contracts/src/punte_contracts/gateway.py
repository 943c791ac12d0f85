"""Domain messages of the gateway (security events for admins; no attempted names)."""

from typing import ClassVar, Literal
from uuid import UUID

from punte_contracts.envelope import DomainMessage

SERVICE = "gateway"


class LoginThrottled(DomainMessage):
    """Failed logins for one username or from one address used up their free attempts:
    further attempts now wait growing delays. Admins are alerted; the account stays open."""

    message_service: ClassVar[str] = SERVICE
    message_entity: ClassVar[str] = "login"
    message_verb: ClassVar[str] = "throttled"

    scope: Literal["username", "address"]
    failures: int
    # The account the attempted name belongs to, when one does.
    user_id: UUID | None
    client_address: str
