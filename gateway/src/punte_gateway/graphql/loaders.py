"""DataLoaders over service endpoints: one request per service per level of a query."""

from typing import Any, TypeVar
from uuid import UUID

from punte_contracts.rpc import GetMany
from pydantic import BaseModel
from strawberry.dataloader import DataLoader

from punte_gateway.graphql.context import GraphQLContext

ItemT = TypeVar("ItemT", bound=BaseModel)


def service_loader(
    context: GraphQLContext, contract: type[GetMany[ItemT]]
) -> DataLoader[UUID, ItemT | None]:
    """This request's loader for a service's `get_many` endpoint (created on first use)."""

    async def load(ids: list[UUID]) -> list[ItemT | None]:
        return await context.client.load_many(contract, ids)

    def make() -> DataLoader[UUID, Any]:
        return DataLoader(load_fn=load, max_batch_size=1000)

    return context.loader(contract.request_subject, make)
