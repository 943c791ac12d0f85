"""DataLoaders over service endpoints: one request per service per level of a query; the
nodes a service holds, read through them."""

from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from graphql import GraphQLError
from punte_contracts.rpc import GetMany
from pydantic import BaseModel
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import FromContract
from punte_gateway.graphql.ids import parse_uuid
from punte_gateway.graphql.permissions import require_permission

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


class ServiceNode(FromContract):
    """Mixed into a node a service holds (`class EventNode(ServiceNode, relay.Node)`), with
    the `GetMany` contract that reads it and the permission to: `node(id:)` and `nodes(ids:)`
    read the ones asked for through the request's loader, one request per level."""

    read_by: ClassVar[type[GetMany[Any]]]
    read_permission: ClassVar[Permission]

    @classmethod
    def type_name(cls) -> str:
        """The node's GraphQL type name, which its global ids carry."""
        name: str = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        return name

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[GraphQLContext, Any], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Nodes by id, in the order asked; null (or NOT_FOUND if required) if absent."""
        await require_permission(info, cls.read_permission)
        wanted = [parse_uuid(node_id) for node_id in node_ids]
        loader = service_loader(info.context, cls.read_by)
        found = await loader.load_many([i for i in wanted if i is not None])
        by_id = {item.id: item for item in found if item is not None}
        nodes = [cls.of(by_id[i]) if i is not None and i in by_id else None for i in wanted]
        if required and any(node is None for node in nodes):
            raise GraphQLError("not found", extensions={"code": "NOT_FOUND"})
        return nodes
