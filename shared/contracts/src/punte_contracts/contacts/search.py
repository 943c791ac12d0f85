"""Search and counting of organisations and people, and their pages."""

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from punte_contracts.contacts.common import (
    MAX_PAGE,
    READ_PERMISSION,
    Cursor,
    OptionalShortText,
    SearchText,
    Tag,
)
from punte_contracts.contacts.organizations import (
    Organization,
    OrganizationKind,
    OrganizationStatus,
)
from punte_contracts.contacts.people import Person
from punte_contracts.paging import Page
from punte_contracts.rpc import Contract, Request


class SortField(StrEnum):
    """What a search sorts by when told (otherwise: relevance with a text, else name)."""

    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


class SortDirection(StrEnum):
    """Ascending or descending."""

    ASC = "asc"
    DESC = "desc"


class SearchOrder(Contract):
    """An explicit order; ties are broken by id in the same direction. A cursor only works
    with the order it was given under (another is `validation_failed` at `["after"]`)."""

    field: SortField
    direction: SortDirection = SortDirection.ASC


RELEVANCE = "relevance"


def order_name(order: SearchOrder | None) -> str:
    """The name a search's cursors carry for its order (`relevance` without one)."""
    return RELEVANCE if order is None else f"{order.field.value}:{order.direction.value}"


class SearchCount(Contract):
    """How many records match a filter, over all pages."""

    total: int


class OrganizationFilter(Contract):
    """Which organisations a search, a count or an export covers (see `SearchOrganizations`)."""

    query: SearchText = ""
    kind: OrganizationKind | None = None
    tag: Tag | None = None
    locality: OptionalShortText = None
    county: OptionalShortText = None
    status: OrganizationStatus | None = None
    caen_code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    owner_id: UUID | None = None
    department: OptionalShortText = None
    order_by: SearchOrder | None = None


class OrganizationPage(Page[Organization]):
    """One page of organisations (see `Page`)."""


class SearchOrganizations(OrganizationFilter, Request[OrganizationPage]):
    """Search organisations, case- and diacritic-insensitive on names. Without `order_by`,
    in rank order: exact CUI, e-mail or phone and name prefixes first, then names holding
    every word of the text, then (PostgreSQL only) names merely similar to it (typos); within
    a rank by name. With `order_by`, the same matches in that order. Filters combine with
    AND; an empty query lists everything in name order. Cursor pages."""

    request_subject = "punte.contacts.organization.search"
    request_permission = READ_PERMISSION
    request_read_only = True

    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class PersonFilter(Contract):
    """Which people a search, a count or an export covers."""

    query: SearchText = ""
    tag: Tag | None = None
    owner_id: UUID | None = None
    order_by: SearchOrder | None = None


class PersonPage(Page[Person]):
    """One page of people (see `Page`)."""


class SearchPeople(PersonFilter, Request[PersonPage]):
    """Search people by name (as for organisations, `order_by` too), exact on e-mail and
    phone; filters."""

    request_subject = "punte.contacts.person.search"
    request_permission = READ_PERMISSION
    request_read_only = True

    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class CountOrganizations(OrganizationFilter, Request[SearchCount]):
    """How many organisations a search lists, over all pages."""

    request_subject = "punte.contacts.organization.count"
    request_permission = READ_PERMISSION
    request_read_only = True


class CountPeople(PersonFilter, Request[SearchCount]):
    """How many people a search lists, over all pages."""

    request_subject = "punte.contacts.person.count"
    request_permission = READ_PERMISSION
    request_read_only = True
