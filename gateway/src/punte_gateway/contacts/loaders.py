"""This request's DataLoaders over the contacts service.

Organisations and people load through `get_many`: one request per level of a query, whatever
the number of items. Affiliations have no batched endpoint yet (`affiliation.list` takes one
person or one organisation), so their loaders gather one request per key, all sent at once in
the same tick: N concurrent requests, never N sequential round trips, and a key asked twice in
a query costs one request.
"""

import asyncio
from uuid import UUID

from punte_contracts import contacts as c
from strawberry.dataloader import DataLoader

from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.loaders import service_loader


def organizations(context: GraphQLContext) -> DataLoader[UUID, c.Organization | None]:
    """Organisations by id, batched into one `organization.get_many`."""
    return service_loader(context, c.ORGANIZATION_GET_MANY, c.Organization)


def people(context: GraphQLContext) -> DataLoader[UUID, c.Person | None]:
    """People by id, batched into one `person.get_many`."""
    return service_loader(context, c.PERSON_GET_MANY, c.Person)


def affiliations_of_people(context: GraphQLContext) -> DataLoader[UUID, list[c.Affiliation]]:
    """Each person's affiliations, ended ones included (filter in the resolver)."""

    async def load(person_ids: list[UUID]) -> list[list[c.Affiliation]]:
        replies = await asyncio.gather(
            *(
                context.client.request(
                    c.AFFILIATION_LIST, c.ListAffiliations(person_id=i), c.AffiliationList
                )
                for i in person_ids
            )
        )
        return [reply.items for reply in replies]

    return context.loader(
        "contacts:affiliations-of-people", lambda: DataLoader(load_fn=load, max_batch_size=100)
    )


def affiliations_of_organizations(
    context: GraphQLContext,
) -> DataLoader[UUID, list[c.Affiliation]]:
    """Each organisation's affiliations, ended ones included (filter in the resolver)."""

    async def load(organization_ids: list[UUID]) -> list[list[c.Affiliation]]:
        replies = await asyncio.gather(
            *(
                context.client.request(
                    c.AFFILIATION_LIST, c.ListAffiliations(organization_id=i), c.AffiliationList
                )
                for i in organization_ids
            )
        )
        return [reply.items for reply in replies]

    return context.loader(
        "contacts:affiliations-of-organizations",
        lambda: DataLoader(load_fn=load, max_batch_size=100),
    )
