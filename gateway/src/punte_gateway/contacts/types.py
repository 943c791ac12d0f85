"""GraphQL types of the contacts domain, built from the contacts service's contracts."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from punte_contracts.paging import Page as ContractPage
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts import loaders
from punte_gateway.contacts.paging import list_page, service_page
from punte_gateway.graphql import derive
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.ids import global_id
from punte_gateway.graphql.loaders import ServiceNode
from punte_gateway.graphql.pagination import CountedConnection, Page, PageRequest

READ = Permission.CONTACTS_READ

# The contracts' enums, as GraphQL enums of the same names (values in UPPER_CASE).
for _enum in (
    c.OrganizationKind,
    c.OrganizationSource,
    c.OrganizationStatus,
    c.SizeBand,
    c.InteractionKind,
    c.ConsentPurpose,
    c.ConsentChannel,
    c.LegalBasis,
    c.DuplicateReason,
    c.SortField,
    c.SortDirection,
):
    strawberry.enum(_enum)


# ---- value types ------------------------------------------------------------------------------


@derive.object_type(c.Address, description="A postal address; country is ISO 3166-1 alpha-2.")
class Address(derive.FromContract):
    pass


@derive.object_type(c.CaenCode, description="A CAEN activity code and its revision (rev2 or rev3).")
class CaenCode(derive.FromContract):
    pass


@derive.object_type(c.FollowUp, description="A task following an interaction.")
class FollowUp(derive.FromContract):
    pass


def _global_id_of(type_name: str) -> Callable[[UUID | None], strawberry.ID | None]:
    """The converter of a contract's UUID to the global id of a `type_name`."""

    def convert(value: UUID | None) -> strawberry.ID | None:
        return global_id(type_name, value) if value is not None else None

    return convert


@derive.object_type(
    c.Consent,
    description="A consent record; the newest per purpose and channel is in force.",
    omit={"person_id"},
    convert={"id": _global_id_of("Consent")},
)
class Consent(derive.FromContract):
    id: strawberry.ID


# ---- nodes ------------------------------------------------------------------------------------

_VERSION = "Pass as expectedVersion to change it"


@derive.object_type(
    c.Organization,
    name="Organization",
    description="A company, association, authority, ...",
    descriptions={
        "cui": "Fiscal code, digits only (no RO)",
        "phones": "E.164",
        "owner_id": "The staff user in charge",
        "version": _VERSION,
        "merged_into_id": "Global id of the organisation this one was merged into",
    },
    convert={"id": str, "merged_into_id": _global_id_of("Organization")},
)
class OrganizationNode(ServiceNode, relay.Node):
    id: relay.NodeID[str]
    merged_into_id: strawberry.ID | None
    read_by = c.GetOrganizations
    read_permission = READ

    @strawberry.field(
        description="Affiliations here, current ones first (ended ones unless excluded)."
    )
    async def affiliations(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        include_ended: bool = True,
    ) -> "AffiliationConnection":
        loader = loaders.affiliations_of_organizations(info.context)
        return await _affiliation_connection(loader, self.id, first, after, include_ended)

    @strawberry.field(description="People affiliated here (currently, unless includeEnded).")
    async def people(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        include_ended: bool = False,
    ) -> "PersonConnection":
        items = await _affiliations(
            loaders.affiliations_of_organizations(info.context), UUID(self.id), include_ended
        )
        person_ids = list(dict.fromkeys(a.person_id for a in items))
        page = list_page(person_ids, PageRequest.of(first, after))
        found = await loaders.people(info.context).load_many(page.rows)
        edges = [
            relay.Edge(node=PersonNode.of(p), cursor=cursor)
            for p, cursor in zip(found, page.cursors, strict=True)
            if p is not None
        ]
        connection = PersonConnection(edges=edges, page_info=page.page_info())
        connection._count = _constant(len(person_ids))
        return connection

    @strawberry.field(description="Interactions with this organisation, newest first.")
    async def timeline(
        self, info: Info[GraphQLContext, None], first: int | None = None, after: str | None = None
    ) -> "InteractionConnection":
        return await _timeline(
            info.context,
            PageRequest.of(first, after),
            loaders.timelines_of_organizations(info.context),
            organization=self.id,
        )


@derive.object_type(
    c.Person,
    name="Person",
    description="A contact person (no CNP: it is not collected).",
    descriptions={
        "phones": "E.164",
        "preferred_language": "ISO 639-1, e.g. ro",
        "version": _VERSION,
        "merged_into_id": "Global id of the person this one was merged into",
    },
    convert={"id": str, "merged_into_id": _global_id_of("Person")},
)
class PersonNode(ServiceNode, relay.Node):
    id: relay.NodeID[str]
    merged_into_id: strawberry.ID | None
    read_by = c.GetPeople
    read_permission = READ

    @strawberry.field(description="Roles at organisations, current ones first.")
    async def affiliations(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        include_ended: bool = True,
    ) -> "AffiliationConnection":
        loader = loaders.affiliations_of_people(info.context)
        return await _affiliation_connection(loader, self.id, first, after, include_ended)

    @strawberry.field(
        description="Consents in force per purpose and channel, or the whole history, newest first."
    )
    async def consents(
        self, info: Info[GraphQLContext, None], history: bool = False
    ) -> list[Consent]:
        reply = await info.context.client.call(
            c.ListConsents(person_id=UUID(self.id), history=history)
        )
        return [Consent.of(item) for item in reply.items]

    @strawberry.field(description="Interactions this person took part in, newest first.")
    async def timeline(
        self, info: Info[GraphQLContext, None], first: int | None = None, after: str | None = None
    ) -> "InteractionConnection":
        return await _timeline(
            info.context,
            PageRequest.of(first, after),
            loaders.timelines_of_people(info.context),
            person=self.id,
        )


async def _affiliations(loader: Any, owner: UUID, include_ended: bool) -> list[c.Affiliation]:
    items: list[c.Affiliation] = await loader.load(owner)
    return [a for a in items if include_ended or a.end_date is None]


async def _affiliation_connection(
    loader: Any, owner: str, first: int | None, after: str | None, include_ended: bool
) -> "AffiliationConnection":
    """A page of a person's or an organisation's affiliations, with their number."""
    items = await _affiliations(loader, UUID(owner), include_ended)
    return AffiliationConnection.of(list_page(items, PageRequest.of(first, after)), len(items))


# ---- affiliations and interactions (no get_many endpoint: not nodes) ---------------------------


@derive.object_type(
    c.Affiliation,
    description="A person's role at an organisation over a period.",
    descriptions={"id": "Global id, for endAffiliation"},
    convert={"id": _global_id_of("Affiliation")},
)
class Affiliation(derive.FromContract):
    id: strawberry.ID
    end_date: date | None
    person_id: strawberry.Private[UUID]
    organization_id: strawberry.Private[UUID]

    @strawberry.field(description="Whether the affiliation has not ended")
    def current(self) -> bool:
        return self.end_date is None

    @strawberry.field
    async def organization(self, info: Info[GraphQLContext, None]) -> OrganizationNode | None:
        org = await loaders.organizations(info.context).load(self.organization_id)
        return OrganizationNode.of(org) if org is not None else None

    @strawberry.field
    async def person(self, info: Info[GraphQLContext, None]) -> PersonNode | None:
        person = await loaders.people(info.context).load(self.person_id)
        return PersonNode.of(person) if person is not None else None


@derive.object_type(
    c.Interaction,
    description="A meeting, call, e-mail, visit, note or event attendance.",
    descriptions={"id": "Global id, for completeFollowUp", "author": "Actor who logged it"},
    convert={"id": _global_id_of("Interaction")},
)
class Interaction(derive.FromContract):
    id: strawberry.ID
    person_ids: strawberry.Private[list[UUID]]
    organization_ids: strawberry.Private[list[UUID]]

    @strawberry.field(description="People who took part")
    async def people(self, info: Info[GraphQLContext, None]) -> list[PersonNode]:
        found = await loaders.people(info.context).load_many(self.person_ids)
        return [PersonNode.of(p) for p in found if p is not None]

    @strawberry.field(description="Organisations that took part")
    async def organizations(self, info: Info[GraphQLContext, None]) -> list[OrganizationNode]:
        found = await loaders.organizations(info.context).load_many(self.organization_ids)
        return [OrganizationNode.of(o) for o in found if o is not None]


async def _timeline(
    context: GraphQLContext,
    page: PageRequest,
    first_pages: DataLoader[loaders.TimelineKey, c.OwnerInteractionPage],
    *,
    organization: str | None = None,
    person: str | None = None,
) -> "InteractionConnection":
    owner = UUID(organization or person)

    async def fetch(after: str | None, first: int) -> ContractPage[c.Interaction]:
        if after is None:
            # The first page comes batched with the other owners' of this level.
            return await first_pages.load((owner, first))
        return await context.client.call(
            c.ListInteractionsFor(
                organization_id=UUID(organization) if organization else None,
                person_id=UUID(person) if person else None,
                first=first,
                after=after,
            )
        )

    result = await service_page(fetch, page, c.TIMELINE_ORDER)
    return InteractionConnection(
        edges=[
            InteractionEdge(node=Interaction.of(i), cursor=cursor)
            for i, cursor in zip(result.rows, result.cursors, strict=True)
        ],
        page_info=result.page_info(),
    )


# ---- connections ------------------------------------------------------------------------------


def _constant(value: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return value

    return count


@strawberry.type(description="A page of organisations; totalCount costs a count when selected.")
class OrganizationConnection(CountedConnection[OrganizationNode]):
    """Named for its node, as Relay clients expect."""


@strawberry.type(description="A page of people; totalCount costs a count when selected.")
class PersonConnection(CountedConnection[PersonNode]):
    """Named for its node, as Relay clients expect."""


@strawberry.type
class AffiliationEdge:
    cursor: str
    node: Affiliation


@strawberry.type(description="A page of affiliations.")
class AffiliationConnection:
    page_info: relay.PageInfo
    edges: list[AffiliationEdge]
    total_count: int = strawberry.field(description="How many there are, over all pages")

    @classmethod
    def of(cls, page: Page[c.Affiliation], total: int) -> "AffiliationConnection":
        return cls(
            page_info=page.page_info(),
            edges=[
                AffiliationEdge(node=Affiliation.of(a), cursor=cursor)
                for a, cursor in zip(page.rows, page.cursors, strict=True)
            ],
            total_count=total,
        )


@strawberry.type
class InteractionEdge:
    cursor: str
    node: Interaction


@strawberry.type(description="A page of a timeline, newest first (no total count).")
class InteractionConnection:
    page_info: relay.PageInfo
    edges: list[InteractionEdge]


@strawberry.type(description="A possible duplicate organisation, why, and how sure.")
class OrganizationDuplicate:
    organization: OrganizationNode
    reasons: list[c.DuplicateReason]
    score: float = strawberry.field(description="0 to 1; 1.0 for a shared CUI")


@strawberry.type(description="A possible duplicate person, why, and how sure.")
class PersonDuplicate:
    person: PersonNode
    reasons: list[c.DuplicateReason]
    score: float = strawberry.field(description="0 to 1; 0.9 for a shared e-mail")
