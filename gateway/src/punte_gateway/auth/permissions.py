"""Roles, permissions and which role holds which: the one table every check reads."""

from enum import StrEnum


class Role(StrEnum):
    """A staff role; a user may hold several."""

    ADMIN = "admin"
    BUSINESS_LIAISON = "business_liaison"
    PRESS_OFFICE = "press_office"
    CULTURE = "culture"
    TOURISM = "tourism"
    REGISTRY = "registry"
    VIEWER = "viewer"


class Permission(StrEnum):
    """Something a caller may do; API key scopes are permissions too."""

    CONTACTS_READ = "contacts:read"
    CONTACTS_WRITE = "contacts:write"
    CONTACTS_IMPORT = "contacts:import"
    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    PARTNERSHIPS_READ = "partnerships:read"
    PARTNERSHIPS_WRITE = "partnerships:write"
    MEDIA_READ = "media:read"
    MEDIA_WRITE = "media:write"
    CORRESPONDENCE_READ = "correspondence:read"
    CORRESPONDENCE_WRITE = "correspondence:write"
    INFORMATION_REQUESTS_READ = "information_requests:read"
    INFORMATION_REQUESTS_WRITE = "information_requests:write"
    WEBHOOKS_MANAGE = "webhooks:manage"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    AUDIT_READ = "audit:read"
    # Read or import any staged file, not only one's own (punte_platform READ_ANY_FILE_PERMISSION).
    FILES_READ_ANY = "files:read_any"


P = Permission
_READ_ALL = frozenset(
    {
        P.CONTACTS_READ,
        P.EVENTS_READ,
        P.PARTNERSHIPS_READ,
        P.MEDIA_READ,
        P.CORRESPONDENCE_READ,
        P.INFORMATION_REQUESTS_READ,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.BUSINESS_LIAISON: _READ_ALL
    | {P.CONTACTS_WRITE, P.CONTACTS_IMPORT, P.EVENTS_WRITE, P.PARTNERSHIPS_WRITE},
    Role.PRESS_OFFICE: _READ_ALL | {P.CONTACTS_WRITE, P.MEDIA_WRITE, P.EVENTS_WRITE},
    Role.CULTURE: _READ_ALL | {P.CONTACTS_WRITE, P.EVENTS_WRITE, P.PARTNERSHIPS_WRITE},
    Role.TOURISM: _READ_ALL | {P.CONTACTS_WRITE, P.EVENTS_WRITE, P.PARTNERSHIPS_WRITE},
    Role.REGISTRY: _READ_ALL
    | {P.CONTACTS_WRITE, P.CORRESPONDENCE_WRITE, P.INFORMATION_REQUESTS_WRITE},
    Role.VIEWER: _READ_ALL,
}

# What an integration key may be granted: never user, key or audit administration, nor
# others' files.
API_KEY_SCOPES: frozenset[Permission] = frozenset(Permission) - {
    P.USERS_MANAGE,
    P.API_KEYS_MANAGE,
    P.AUDIT_READ,
    P.FILES_READ_ANY,
}


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    """The union of the roles' permissions."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
