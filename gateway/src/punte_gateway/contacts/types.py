"""GraphQL types of the contacts domain, built from the contacts service's contracts."""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLError
from punte_contracts import contacts as c
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts import loaders
from punte_gateway.contacts.paging import ServicePage, decode, encode, service_page
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.ids import global_id, parse_uuid
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import require_permission

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


async def _load_nodes(
    info: Info[GraphQLContext, Any], node_ids: Iterable[str], required: bool, loader: Any
) -> list[Any]:
    await require_permission(info, READ)
    wanted = [parse_uuid(node_id) for node_id in node_ids]
    found = await loader.load_many([i for i in wanted if i is not None])
    by_id = {item.id: item for item in found if item is not None}
    items = [by_id.get(i) if i is not None else None for i in wanted]
    if required and any(item is None for item in items):
        raise GraphQLError("not found", extensions={"code": "NOT_FOUND"})
    return items


def _list_page(items: Sequence[Any], page: PageRequest) -> ServicePage[Any]:
    """A page of a list held whole in memory (a person's affiliations are few)."""
    if page.backwards or page.before is not None:
        raise GraphQLError(
            "this list pages forwards only: use first and after", extensions={"code": "BAD_PAGE"}
        )
    start = decode(page.after)[1] + 1 if page.after is not None else 0
    chosen = list(items[start : start + page.size])
    return ServicePage(
        items=chosen,
        cursors=[encode(None, start + i) for i in range(len(chosen))],
        has_next_page=start + page.size < len(items),
        has_previous_page=start > 0,
    )


def _page_info(page: ServicePage[Any]) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )


# ---- value types ------------------------------------------------------------------------------


@strawberry.type(description="A postal address; country is ISO 3166-1 alpha-2.")
class Address:
    street: str | None
    locality: str | None
    county: str | None
    postal_code: str | None
    country: str

    @classmethod
    def of(cls, address: c.Address) -> "Address":
        return cls(
            street=address.street,
            locality=address.locality,
            county=address.county,
            postal_code=address.postal_code,
            country=address.country,
        )


@strawberry.type(description="A CAEN activity code and its revision (rev2 or rev3).")
class CaenCode:
    code: str
    revision: str


@strawberry.type(description="A task following an interaction.")
class FollowUp:
    assignee_id: UUID | None
    due_date: date | None
    done: bool


@strawberry.type(description="A consent record; the newest per purpose and channel is in force.")
class Consent:
    id: strawberry.ID
    purpose: c.ConsentPurpose
    channel: c.ConsentChannel
    granted: bool
    basis: c.LegalBasis
    at: datetime
    source: str
    recorded_by: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, consent: c.Consent) -> "Consent":
        return cls(
            id=global_id("Consent", consent.id),
            purpose=consent.purpose,
            channel=consent.channel,
            granted=consent.granted,
            basis=consent.basis,
            at=consent.at,
            source=consent.source,
            recorded_by=consent.recorded_by,
            recorded_at=consent.recorded_at,
        )


# ---- nodes ------------------------------------------------------------------------------------


@strawberry.type(name="Organization", description="A company, association, authority, ...")
class OrganizationNode(relay.Node):
    id: relay.NodeID[str]
    kind: c.OrganizationKind
    legal_name: str
    short_name: str | None
    cui: str | None = strawberry.field(description="Fiscal code, digits only (no RO)")
    trade_register: str | None
    caen_codes: list[CaenCode]
    address: Address
    website: str | None
    emails: list[str]
    phones: list[str] = strawberry.field(description="E.164")
    sectors: list[str]
    size_band: c.SizeBand | None
    tags: list[str]
    owner_id: UUID | None = strawberry.field(description="The staff user in charge")
    department: str | None
    source: c.OrganizationSource
    status: c.OrganizationStatus
    notes: str
    version: int = strawberry.field(description="Pass as expectedVersion to change it")
    created_at: datetime
    updated_at: datetime
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="Global id of the organisation this one was merged into"
    )

    @classmethod
    def of(cls, org: c.Organization) -> "OrganizationNode":
        return cls(
            id=str(org.id),
            kind=org.kind,
            legal_name=org.legal_name,
            short_name=org.short_name,
            cui=org.cui,
            trade_register=org.trade_register,
            caen_codes=[CaenCode(code=x.code, revision=x.revision) for x in org.caen_codes],
            address=Address.of(org.address),
            website=org.website,
            emails=list(org.emails),
            phones=list(org.phones),
            sectors=list(org.sectors),
            size_band=org.size_band,
            tags=list(org.tags),
            owner_id=org.owner_id,
            department=org.department,
            source=org.source,
            status=org.status,
            notes=org.notes,
            version=org.version,
            created_at=org.created_at,
            updated_at=org.updated_at,
            merged_into_id=(
                global_id("Organization", org.merged_into_id) if org.merged_into_id else None
            ),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["OrganizationNode | None"]:
        """Organisations by id in one `get_many`."""
        found = await _load_nodes(info, node_ids, required, loaders.organizations(info.context))
        return [cls.of(o) if o is not None else None for o in found]

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
        items = await _affiliations(
            loaders.affiliations_of_organizations(info.context), UUID(self.id), include_ended
        )
        return AffiliationConnection.of(_list_page(items, PageRequest.of(first, after)), len(items))

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
        page = _list_page(person_ids, PageRequest.of(first, after))
        found = await loaders.people(info.context).load_many(page.items)
        edges = [
            relay.Edge(node=PersonNode.of(p), cursor=cursor)
            for p, cursor in zip(found, page.cursors, strict=True)
            if p is not None
        ]
        connection = PersonConnection(edges=edges, page_info=_page_info(page))
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


@strawberry.type(name="Person", description="A contact person (no CNP: it is not collected).")
class PersonNode(relay.Node):
    id: relay.NodeID[str]
    honorific: str | None
    given_name: str
    family_name: str
    job_title: str | None
    emails: list[str]
    phones: list[str] = strawberry.field(description="E.164")
    preferred_language: str = strawberry.field(description="ISO 639-1, e.g. ro")
    tags: list[str]
    owner_id: UUID | None
    notes: str
    version: int = strawberry.field(description="Pass as expectedVersion to change it")
    created_at: datetime
    updated_at: datetime
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="Global id of the person this one was merged into"
    )

    @classmethod
    def of(cls, person: c.Person) -> "PersonNode":
        return cls(
            id=str(person.id),
            honorific=person.honorific,
            given_name=person.given_name,
            family_name=person.family_name,
            job_title=person.job_title,
            emails=list(person.emails),
            phones=list(person.phones),
            preferred_language=person.preferred_language,
            tags=list(person.tags),
            owner_id=person.owner_id,
            notes=person.notes,
            version=person.version,
            created_at=person.created_at,
            updated_at=person.updated_at,
            merged_into_id=(
                global_id("Person", person.merged_into_id) if person.merged_into_id else None
            ),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["PersonNode | None"]:
        """People by id in one `get_many`."""
        found = await _load_nodes(info, node_ids, required, loaders.people(info.context))
        return [cls.of(p) if p is not None else None for p in found]

    @strawberry.field(description="Roles at organisations, current ones first.")
    async def affiliations(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        include_ended: bool = True,
    ) -> "AffiliationConnection":
        items = await _affiliations(
            loaders.affiliations_of_people(info.context), UUID(self.id), include_ended
        )
        return AffiliationConnection.of(_list_page(items, PageRequest.of(first, after)), len(items))

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


# ---- affiliations and interactions (no get_many endpoint: not nodes) ---------------------------


@strawberry.type(description="A person's role at an organisation over a period.")
class Affiliation:
    id: strawberry.ID = strawberry.field(description="Global id, for endAffiliation")
    role: str | None
    department: str | None
    start_date: date | None
    end_date: date | None
    is_primary: bool
    created_at: datetime
    person_id: strawberry.Private[UUID]
    organization_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, affiliation: c.Affiliation) -> "Affiliation":
        return cls(
            id=global_id("Affiliation", affiliation.id),
            role=affiliation.role,
            department=affiliation.department,
            start_date=affiliation.start_date,
            end_date=affiliation.end_date,
            is_primary=affiliation.is_primary,
            created_at=affiliation.created_at,
            person_id=affiliation.person_id,
            organization_id=affiliation.organization_id,
        )

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


@strawberry.type(description="A meeting, call, e-mail, visit, note or event attendance.")
class Interaction:
    id: strawberry.ID = strawberry.field(description="Global id, for completeFollowUp")
    kind: c.InteractionKind
    occurred_at: datetime
    subject: str
    summary: str
    author: str | None = strawberry.field(description="Actor who logged it")
    event_ids: list[UUID]
    project_ids: list[UUID]
    follow_up: FollowUp | None
    created_at: datetime
    person_ids: strawberry.Private[list[UUID]]
    organization_ids: strawberry.Private[list[UUID]]

    @classmethod
    def of(cls, interaction: c.Interaction) -> "Interaction":
        follow_up = interaction.follow_up
        return cls(
            id=global_id("Interaction", interaction.id),
            kind=interaction.kind,
            occurred_at=interaction.occurred_at,
            subject=interaction.subject,
            summary=interaction.summary,
            author=interaction.author,
            event_ids=list(interaction.event_ids),
            project_ids=list(interaction.project_ids),
            follow_up=(
                FollowUp(
                    assignee_id=follow_up.assignee_id,
                    due_date=follow_up.due_date,
                    done=follow_up.done,
                )
                if follow_up
                else None
            ),
            created_at=interaction.created_at,
            person_ids=list(interaction.person_ids),
            organization_ids=list(interaction.organization_ids),
        )

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

    async def fetch(after: str | None, first: int) -> tuple[list[c.Interaction], str | None]:
        if after is None:
            # The first page comes batched with the other owners' of this level.
            batched = await first_pages.load((owner, first))
            return batched.items, batched.next_cursor
        reply = await context.client.call(
            c.ListInteractionsFor(
                organization_id=UUID(organization) if organization else None,
                person_id=UUID(person) if person else None,
                first=first,
                after=after,
            )
        )
        return reply.items, reply.next_cursor

    result = await service_page(fetch, page)
    return InteractionConnection(
        edges=[
            InteractionEdge(node=Interaction.of(i), cursor=cursor)
            for i, cursor in zip(result.items, result.cursors, strict=True)
        ],
        page_info=_page_info(result),
    )


# ---- connections ------------------------------------------------------------------------------


def _constant(value: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return value

    return count


@strawberry.type(description="A page of organisations; totalCount costs a count when selected.")
class OrganizationConnection(CountedConnection[OrganizationNode]):
    """Named for its node, as Relay clients expect."""

    @classmethod
    def of_page(
        cls, page: ServicePage[c.Organization], count: Callable[[], Awaitable[int]]
    ) -> "OrganizationConnection":
        connection = cls(
            edges=[
                relay.Edge(node=OrganizationNode.of(o), cursor=cursor)
                for o, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=_page_info(page),
        )
        connection._count = count
        return connection


@strawberry.type(description="A page of people; totalCount costs a count when selected.")
class PersonConnection(CountedConnection[PersonNode]):
    """Named for its node, as Relay clients expect."""

    @classmethod
    def of_page(
        cls, page: ServicePage[c.Person], count: Callable[[], Awaitable[int]]
    ) -> "PersonConnection":
        connection = cls(
            edges=[
                relay.Edge(node=PersonNode.of(p), cursor=cursor)
                for p, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=_page_info(page),
        )
        connection._count = count
        return connection


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
    def of(cls, page: ServicePage[c.Affiliation], total: int) -> "AffiliationConnection":
        return cls(
            page_info=_page_info(page),
            edges=[
                AffiliationEdge(node=Affiliation.of(a), cursor=cursor)
                for a, cursor in zip(page.items, page.cursors, strict=True)
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
