"""This request's DataLoaders over the contacts service.

Every loader here costs one request per level of a query, whatever the number of items:
organisations and people through `get_many`, affiliations through `affiliation.list_many`,
and the first page of timelines through `interaction.list_for_many`.
"""

import asyncio
from collections.abc import Sequence
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.contacts import MAX_PAGE
from strawberry.dataloader import DataLoader

from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.loaders import service_loader

# (owner id, page size): a timeline's first page.
TimelineKey = tuple[UUID, int]


def organizations(context: GraphQLContext) -> DataLoader[UUID, c.Organization | None]:
    """Organisations by id, batched into one `organization.get_many`."""
    return service_loader(context, c.GetOrganizations)


def people(context: GraphQLContext) -> DataLoader[UUID, c.Person | None]:
    """People by id, batched into one `person.get_many`."""
    return service_loader(context, c.GetPeople)


def _affiliations(
    context: GraphQLContext, *, of_people: bool
) -> DataLoader[UUID, list[c.Affiliation]]:
    async def load(owner_ids: Sequence[UUID]) -> list[list[c.Affiliation]]:
        ids = list(owner_ids)
        body = (
            c.ListAffiliationsMany(person_ids=ids)
            if of_people
            else c.ListAffiliationsMany(organization_ids=ids)
        )
        reply = await context.client.call(body)
        lists = {entry.owner_id: entry.items for entry in reply.lists}
        return [lists.get(i, []) for i in ids]

    name = "people" if of_people else "organizations"
    return context.loader(
        f"contacts:affiliations-of-{name}",
        # The endpoint takes up to MAX_PAGE ids: a bigger level costs a request per MAX_PAGE.
        lambda: DataLoader(load_fn=load, max_batch_size=MAX_PAGE),
    )


def affiliations_of_people(context: GraphQLContext) -> DataLoader[UUID, list[c.Affiliation]]:
    """Each person's affiliations, ended ones included (filter in the resolver)."""
    return _affiliations(context, of_people=True)


def affiliations_of_organizations(
    context: GraphQLContext,
) -> DataLoader[UUID, list[c.Affiliation]]:
    """Each organisation's affiliations, ended ones included (filter in the resolver)."""
    return _affiliations(context, of_people=False)


def _timelines(
    context: GraphQLContext, *, of_people: bool
) -> DataLoader[TimelineKey, c.OwnerInteractionPage]:
    async def load(keys: Sequence[TimelineKey]) -> list[c.OwnerInteractionPage]:
        # One request per page size asked in the level (normally one size).
        sizes = sorted({size for _, size in keys})

        async def fetch(size: int) -> dict[TimelineKey, c.OwnerInteractionPage]:
            ids = list(dict.fromkeys(owner for owner, wanted in keys if wanted == size))
            body = (
                c.ListInteractionsForMany(person_ids=ids, first=size)
                if of_people
                else c.ListInteractionsForMany(organization_ids=ids, first=size)
            )
            reply = await context.client.call(body)
            return {(page.owner_id, size): page for page in reply.pages}

        found: dict[TimelineKey, c.OwnerInteractionPage] = {}
        for pages in await asyncio.gather(*(fetch(size) for size in sizes)):
            found.update(pages)
        return [found.get(key, c.OwnerInteractionPage(owner_id=key[0], items=[])) for key in keys]

    name = "people" if of_people else "organizations"
    return context.loader(
        f"contacts:timelines-of-{name}", lambda: DataLoader(load_fn=load, max_batch_size=MAX_PAGE)
    )


def timelines_of_people(
    context: GraphQLContext,
) -> DataLoader[TimelineKey, c.OwnerInteractionPage]:
    """The first page of each person's timeline, by (person id, page size)."""
    return _timelines(context, of_people=True)


def timelines_of_organizations(
    context: GraphQLContext,
) -> DataLoader[TimelineKey, c.OwnerInteractionPage]:
    """The first page of each organisation's timeline, by (organisation id, page size)."""
    return _timelines(context, of_people=False)
