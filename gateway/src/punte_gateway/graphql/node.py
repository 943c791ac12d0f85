"""`node(id:)` and a bounded `nodes(ids:)`: any object by its Relay global id."""

import inspect
from collections import defaultdict
from typing import Any

from graphql import GraphQLError
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import Info

from punte_gateway.graphql.pagination import MAX_PAGE_SIZE


async def resolve_nodes_by_ids(
    info: Info[Any, Any], ids: list[relay.GlobalID]
) -> list[relay.Node | None]:
    """Objects by global id, one batched lookup per type, in the order asked, null if unseen."""
    if len(ids) > MAX_PAGE_SIZE:
        raise GraphQLError(
            f"at most {MAX_PAGE_SIZE} ids per request", extensions={"code": "PAGE_TOO_LARGE"}
        )
    types = [_node_type(info, global_id) for global_id in ids]
    wanted: dict[type[relay.Node], list[str]] = defaultdict(list)
    for global_id, node_type in zip(ids, types, strict=True):
        if node_type is not None:
            wanted[node_type].append(global_id.node_id)
    found: dict[tuple[type[relay.Node], str], relay.Node | None] = {}
    for node_type, node_ids in wanted.items():
        unique = list(dict.fromkeys(node_ids))
        result: Any = node_type.resolve_nodes(info=info, node_ids=unique, required=False)
        if inspect.isawaitable(result):
            result = await result
        for node_id, node in zip(unique, list(result), strict=True):
            found[(node_type, node_id)] = node
    return [
        found[(node_type, g.node_id)] if node_type is not None else None
        for g, node_type in zip(ids, types, strict=True)
    ]


def _node_type(info: Info[Any, Any], global_id: relay.GlobalID) -> type[relay.Node] | None:
    """The node type a global id names; None when it names no type, or one that is no node."""
    try:
        return global_id.resolve_type(info)
    except GlobalIDValueError:
        return None


async def resolve_node_by_id(info: Info[Any, Any], id: relay.GlobalID) -> relay.Node | None:
    """One object by global id, or null when it does not exist or is not visible."""
    return (await resolve_nodes_by_ids(info, [id]))[0]
