"""Cursor connections over a service's own cursor pages (search, timelines).

The services page forwards with an opaque `after` token and give one `next_cursor` per page,
not one per item. Each edge's cursor here is (the service token its page started from, its
index in that page), so a client may resume after any edge; resuming costs the skipped items
of that one service page, never a scan. A list with several orders adds the order's name
(`scope`) to its cursors, so a cursor from another order is refused even on the first page,
where the service token is still empty.
"""

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import GraphQLError
from punte_contracts.contacts import MAX_PAGE

from punte_gateway.graphql.pagination import PageRequest

ItemT = TypeVar("ItemT")

# fetch(after, first) -> (items, next_cursor)
Fetch = Callable[[str | None, int], Awaitable[tuple[list[ItemT], str | None]]]


@dataclass(frozen=True)
class ServicePage(Generic[ItemT]):
    """One page of items, their cursors, and whether more lie either side."""

    items: list[ItemT]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def encode(token: str | None, index: int, scope: str | None = None) -> str:
    """The cursor of the item at `index` of the service page that starts after `token`."""
    value: list[Any] = [token, index] if scope is None else [token, index, scope]
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, scope: str | None = None) -> tuple[str | None, int]:
    """The (token, index) inside a cursor given under `scope`; a malformed one, or one from
    another scope, is the caller's error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
        token, index, *rest = value
        valid = (token is None or isinstance(token, str)) and isinstance(index, int)
    except (ValueError, TypeError):
        valid = False
    if not valid or index < 0 or len(rest) > 1:
        raise GraphQLError("invalid cursor", extensions={"code": "BAD_CURSOR"})
    if (rest[0] if rest else None) != scope:
        raise GraphQLError(
            "invalid cursor: this cursor belongs to another order: start again from the first page",
            extensions={"code": "BAD_CURSOR"},
        )
    return token, index


async def service_page(
    fetch: Fetch[ItemT], page: PageRequest, scope: str | None = None
) -> ServicePage[ItemT]:
    """`page.size` items after `page.after`, fetched in as few service requests as it takes;
    the cursors carry `scope` (the list's order, when it has several)."""
    if page.backwards or page.before is not None:
        raise GraphQLError(
            "this list pages forwards only: use first and after", extensions={"code": "BAD_PAGE"}
        )
    token: str | None = None
    skip = 0
    if page.after is not None:
        token, index = decode(page.after, scope)
        skip = index + 1
    items: list[ItemT] = []
    cursors: list[str] = []
    has_next = False
    if page.size == 0:
        return ServicePage(items, cursors, False, page.after is not None)
    while True:
        wanted = min(MAX_PAGE, skip + page.size - len(items) + 1)
        found, next_cursor = await fetch(token, wanted)
        for index, item in enumerate(found[skip:], start=skip):
            if len(items) == page.size:
                has_next = True
                break
            items.append(item)
            cursors.append(encode(token, index, scope))
        if has_next:
            break
        if next_cursor is None:
            break
        if len(items) == page.size:
            has_next = True
            break
        token, skip = next_cursor, 0
    return ServicePage(items, cursors, has_next, page.after is not None)
