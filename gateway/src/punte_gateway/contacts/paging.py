"""Connections over a service's pages (search, timelines) and over lists held in memory.

A service page gives every item its own keyset cursor (`punte_contracts.paging`), so an
edge's cursor is the item's: a client may resume after any edge with one service request.
The gateway reads only a cursor's order, to refuse one from another order as `BAD_CURSOR`
before asking the service.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from graphql import GraphQLError
from punte_contracts.paging import (
    CursorError,
    check_order,
    decode_cursor,
    encode_cursor,
)
from punte_contracts.paging import Page as ContractPage

from punte_gateway.graphql.pagination import Page, PageRequest, bad_cursor

ItemT = TypeVar("ItemT")

# The order of a list held whole in memory: by position.
LIST_ORDER = "position"


def _forwards(page: PageRequest) -> None:
    if page.backwards or page.before is not None:
        raise GraphQLError(
            "this list pages forwards only: use first and after", extensions={"code": "BAD_PAGE"}
        )


async def service_page(
    fetch: Callable[[str | None, int], Awaitable[ContractPage[ItemT]]],
    page: PageRequest,
    order: str,
) -> Page[ItemT]:
    """`page.size` items after `page.after`, in one request `fetch(after, first)` to the
    service; the cursors belong to `order` (the list's order, as the service names it)."""
    _forwards(page)
    if page.after is not None:
        try:
            check_order(page.after, order)
        except CursorError as error:
            raise bad_cursor(error) from None
    if page.size == 0:
        return Page([], [], False, page.after is not None)
    reply = await fetch(page.after, page.size)
    return Page(reply.items, reply.cursors, reply.next_cursor is not None, page.after is not None)


def list_page(items: Sequence[ItemT], page: PageRequest) -> Page[ItemT]:
    """A page of a list held whole in memory (a person's affiliations are few)."""
    _forwards(page)
    start = 0
    if page.after is not None:
        try:
            start = decode_cursor(page.after, LIST_ORDER, [int])[0] + 1
        except CursorError as error:
            raise bad_cursor(error) from None
    chosen = list(items[start : start + page.size])
    return Page(
        rows=chosen,
        cursors=[encode_cursor(LIST_ORDER, [start + i]) for i in range(len(chosen))],
        has_next_page=start + page.size < len(items),
        has_previous_page=start > 0,
    )
