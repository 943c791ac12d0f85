"""Nodes and connections over the gateway's own tables (users, API keys, the audit log)."""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.ids import parse_uuid
from punte_gateway.graphql.pagination import CountedConnection, Page

RowT = TypeVar("RowT")
NodeT = TypeVar("NodeT")
ConnectionT = TypeVar("ConnectionT", bound=CountedConnection[Any])


async def stored_nodes(
    info: Info[GraphQLContext, Any],
    node_ids: Iterable[str],
    required: bool,
    load: Callable[[AsyncSession, list[UUID]], Awaitable[Mapping[UUID, RowT]]],
    view: Callable[[RowT], NodeT],
    what: str,
) -> list[NodeT | None]:
    """Nodes by id in one query, in the order asked; null (or NOT_FOUND if required) if absent."""
    wanted = [parse_uuid(node_id) for node_id in node_ids]
    async with info.context.transaction() as session:
        found = await load(session, [i for i in wanted if i is not None])
    nodes = [view(found[i]) if i is not None and i in found else None for i in wanted]
    if required and any(node is None for node in nodes):
        raise GraphQLError(f"{what} not found", extensions={"code": "NOT_FOUND"})
    return nodes


async def stored_connection(
    info: Info[GraphQLContext, Any],
    connection: type[ConnectionT],
    page: Callable[[AsyncSession], Awaitable[Page[RowT]]],
    count: Callable[[AsyncSession], Awaitable[int]],
    view: Callable[[RowT], Any],
) -> ConnectionT:
    """A page of rows as a connection; its total is counted only when a query selects it."""
    context = info.context
    async with context.transaction() as session:
        rows = await page(session)

    async def total() -> int:
        async with context.transaction() as session:
            return await count(session)

    built = connection.from_page(rows, view, total)
    assert isinstance(built, connection)
    return built


class StoredNode(ABC):
    """Mixed into a node kept in the gateway's own tables (`class UserNode(StoredNode,
    relay.Node)`): `node(id:)` reads the ones asked for in one query."""

    label: ClassVar[str]

    @classmethod
    @abstractmethod
    async def readable(
        cls, info: Info[GraphQLContext, Any], session: AsyncSession, ids: Sequence[UUID]
    ) -> Mapping[UUID, Any]:
        """The rows of these ids the caller may see (refusing it outright, if it sees none)."""

    @classmethod
    @abstractmethod
    def from_model(cls, row: Any) -> Any:
        """The node of a row."""

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[GraphQLContext, Any], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Nodes by id in one query, in the order asked."""
        load = partial(cls.readable, info)
        return await stored_nodes(info, node_ids, required, load, cls.from_model, cls.label)
