"""The authenticated caller of one request: a staff user or an integration's API key."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from punte_gateway.auth.permissions import Permission, Role, permissions_of


class PrincipalKind(StrEnum):
    """What kind of caller."""

    USER = "user"
    API_KEY = "apikey"


@dataclass(frozen=True)
class Principal:
    """Who is calling, with the permissions their roles or scopes grant."""

    kind: PrincipalKind
    id: UUID
    name: str
    roles: frozenset[Role] = frozenset()
    scopes: frozenset[Permission] = frozenset()
    department: str | None = None

    @property
    def actor(self) -> str:
        """The actor string that travels with requests and messages (`user:<id>`)."""
        return f"{self.kind.value}:{self.id}"

    @property
    def permissions(self) -> frozenset[Permission]:
        """What this caller may do: a user's roles, or a key's scopes."""
        if self.kind is PrincipalKind.API_KEY:
            return self.scopes
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        """Whether this caller holds a permission."""
        return permission in self.permissions
