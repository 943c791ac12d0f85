"""Root queries of the contacts domain: lookups by id, searches, duplicate suggestions."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from punte_platform.errors import ServiceError
from pydantic import ValidationError
from strawberry import relay
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts import loaders
from punte_gateway.contacts.paging import service_page
from punte_gateway.contacts.types import (
    OrganizationConnection,
    OrganizationDuplicate,
    OrganizationNode,
    PersonConnection,
    PersonDuplicate,
    PersonNode,
)
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.ids import uuid_or_none
from punte_gateway.graphql.pagination import PageRequest
from punte_gateway.graphql.permissions import require

READ = Permission.CONTACTS_READ


@strawberry.input(description="Filters on organisations; all given ones must hold.")
class OrganizationFilter:
    kind: c.OrganizationKind | None = None
    tag: str | None = None
    locality: str | None = None
    county: str | None = None
    status: c.OrganizationStatus | None = None
    caen_code: str | None = strawberry.field(default=None, description="Four digits")
    owner_id: UUID | None = None
    department: str | None = None


@strawberry.input(description="Filters on people; all given ones must hold.")
class PersonFilter:
    tag: str | None = None
    owner_id: UUID | None = None


@strawberry.input(
    description=(
        "An explicit order; ties go by id in the same direction. Without one: best matches "
        "first when searching, else by name. A cursor only works with the order it came from."
    )
)
class SearchOrderInput:
    field: c.SortField
    direction: c.SortDirection = c.SortDirection.ASC


@strawberry.input(description="An organisation about to be created, to look for duplicates of.")
class OrganizationDraftInput:
    legal_name: str | None = None
    cui: str | None = None
    emails: list[str] = strawberry.field(default_factory=list)
    phones: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="A person about to be created, to look for duplicates of.")
class PersonDraftInput:
    given_name: str | None = None
    family_name: str | None = None
    emails: list[str] = strawberry.field(default_factory=list)
    phones: list[str] = strawberry.field(default_factory=list)


def _bad_input(error: ValidationError) -> ServiceError:
    return ServiceError.from_validation_error(error)


def _order(order_by: SearchOrderInput | None) -> c.SearchOrder | None:
    if order_by is None:
        return None
    return c.SearchOrder(field=order_by.field, direction=order_by.direction)


def _counter(
    context: GraphQLContext, body: c.CountOrganizations | c.CountPeople
) -> Callable[[], Awaitable[int]]:
    """A count of a search's matches, asked for only if `totalCount` is selected."""

    async def count() -> int:
        reply = await context.client.call(body)
        return reply.total

    return count


@strawberry.type
class ContactsQuery:
    @strawberry.field(
        permission_classes=[require(READ)], description="An organisation by its id, or null."
    )
    async def organization(
        self, info: Info[GraphQLContext, None], id: relay.GlobalID
    ) -> OrganizationNode | None:
        organization_id = uuid_or_none(id, "Organization")
        if organization_id is None:
            return None
        found = await loaders.organizations(info.context).load(organization_id)
        return OrganizationNode.of(found) if found is not None else None

    @strawberry.field(
        permission_classes=[require(READ)],
        description=(
            "Organisations matching a search (case- and diacritic-insensitive on names, exact "
            "on CUI, e-mail and phone) and filters, best matches first, then by name "
            "(or in orderBy); everything in name order without a search. Pages forwards."
        ),
    )
    async def organizations(
        self,
        info: Info[GraphQLContext, None],
        filter: OrganizationFilter | None = None,
        search: str | None = None,
        order_by: SearchOrderInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OrganizationConnection:
        context = info.context
        page = PageRequest.of(first, after)
        criteria = filter or OrganizationFilter()
        try:
            matching = c.CountOrganizations(
                query=search or "",
                kind=criteria.kind,
                tag=criteria.tag,
                locality=criteria.locality,
                county=criteria.county,
                status=criteria.status,
                caen_code=criteria.caen_code,
                owner_id=criteria.owner_id,
                department=criteria.department,
                order_by=_order(order_by),
            )
        except ValidationError as error:
            raise _bad_input(error) from None

        async def fetch(token: str | None, size: int) -> c.OrganizationPage:
            body = c.SearchOrganizations(**dict(matching), first=size, after=token)
            return await context.client.call(body)

        result = await service_page(fetch, page, c.order_name(matching.order_by))
        # Deeper levels (an affiliation's organisation) find these without asking again.
        loaders.organizations(context).prime_many({o.id: o for o in result.rows})
        return OrganizationConnection.from_page(
            result, OrganizationNode.of, _counter(context, matching)
        )

    @strawberry.field(permission_classes=[require(READ)], description="A person by id, or null.")
    async def person(
        self, info: Info[GraphQLContext, None], id: relay.GlobalID
    ) -> PersonNode | None:
        person_id = uuid_or_none(id, "Person")
        if person_id is None:
            return None
        found = await loaders.people(info.context).load(person_id)
        return PersonNode.of(found) if found is not None else None

    @strawberry.field(
        permission_classes=[require(READ)],
        description=(
            "People matching a search (names as for organisations, exact on e-mail and phone) "
            "and filters, best matches first (or in orderBy). Pages forwards."
        ),
    )
    async def people(
        self,
        info: Info[GraphQLContext, None],
        filter: PersonFilter | None = None,
        search: str | None = None,
        order_by: SearchOrderInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> PersonConnection:
        context = info.context
        page = PageRequest.of(first, after)
        criteria = filter or PersonFilter()
        try:
            matching = c.CountPeople(
                query=search or "",
                tag=criteria.tag,
                owner_id=criteria.owner_id,
                order_by=_order(order_by),
            )
        except ValidationError as error:
            raise _bad_input(error) from None

        async def fetch(token: str | None, size: int) -> c.PersonPage:
            body = c.SearchPeople(**dict(matching), first=size, after=token)
            return await context.client.call(body)

        result = await service_page(fetch, page, c.order_name(matching.order_by))
        loaders.people(context).prime_many({p.id: p for p in result.rows})
        return PersonConnection.from_page(result, PersonNode.of, _counter(context, matching))

    @strawberry.field(
        permission_classes=[require(READ)],
        description=(
            "Organisations that may be the same as a stored one (organizationId) or as a draft, "
            "most likely first. Give one of the two. (People: personDuplicateSuggestions.)"
        ),
    )
    async def duplicate_suggestions(
        self,
        info: Info[GraphQLContext, None],
        organization_id: relay.GlobalID | None = None,
        draft: OrganizationDraftInput | None = None,
        limit: int = 10,
    ) -> list[OrganizationDuplicate]:
        return await _organization_duplicates(info.context, organization_id, draft, limit)

    @strawberry.field(
        permission_classes=[require(READ)],
        description=(
            "People who may be the same as a stored one (personId) or as a draft: the same or a "
            "similar name, a shared e-mail or phone; most likely first. Give one of the two."
        ),
    )
    async def person_duplicate_suggestions(
        self,
        info: Info[GraphQLContext, None],
        person_id: relay.GlobalID | None = None,
        draft: PersonDraftInput | None = None,
        limit: int = 10,
    ) -> list[PersonDuplicate]:
        return await _person_duplicates(info.context, person_id, draft, limit)


async def _organization_duplicates(
    context: GraphQLContext,
    organization_id: relay.GlobalID | None,
    draft: OrganizationDraftInput | None,
    limit: int,
) -> list[OrganizationDuplicate]:
    stored: UUID | None = None
    if organization_id is not None:
        stored = uuid_or_none(organization_id, "Organization")
        if stored is None:
            return []
    values: dict[str, Any] = {"organization_id": stored, "limit": limit}
    if draft is not None:
        values.update(
            legal_name=draft.legal_name,
            cui=draft.cui,
            emails=list(draft.emails),
            phones=list(draft.phones),
        )
    try:
        body = c.SuggestOrganizationDuplicates.model_validate(values)
    except ValidationError as error:
        raise _bad_input(error) from None
    reply = await context.client.call(body)
    return [
        OrganizationDuplicate(
            organization=OrganizationNode.of(d.organization), reasons=list(d.reasons), score=d.score
        )
        for d in reply.items
    ]


async def _person_duplicates(
    context: GraphQLContext,
    person_id: relay.GlobalID | None,
    draft: PersonDraftInput | None,
    limit: int,
) -> list[PersonDuplicate]:
    stored: UUID | None = None
    if person_id is not None:
        stored = uuid_or_none(person_id, "Person")
        if stored is None:
            return []
    values: dict[str, Any] = {"person_id": stored, "limit": limit}
    if draft is not None:
        values.update(
            given_name=draft.given_name,
            family_name=draft.family_name,
            emails=list(draft.emails),
            phones=list(draft.phones),
        )
    try:
        body = c.SuggestPersonDuplicates.model_validate(values)
    except ValidationError as error:
        raise _bad_input(error) from None
    reply = await context.client.call(body)
    return [
        PersonDuplicate(person=PersonNode.of(d.person), reasons=list(d.reasons), score=d.score)
        for d in reply.items
    ]
