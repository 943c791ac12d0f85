"""Cursor connections: keyset pagination with opaque cursors and a capped page size."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import strawberry
from graphql import GraphQLError
from punte_contracts.paging import CursorError, decode_cursor, encode_cursor
from punte_platform.paging import SortKey
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

# relay.Connection resolves its type parameter through this very TypeVar.
from strawberry.relay.types import NodeType as NodeT

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class PageRequest:
    """`first`/`after` or `last`/`before`, validated and capped."""

    size: int
    after: str | None = None
    before: str | None = None
    backwards: bool = False

    @classmethod
    def of(
        cls,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> "PageRequest":
        """Validate the four Relay arguments."""
        if first is not None and last is not None:
            raise GraphQLError("pass first or last, not both", extensions={"code": "BAD_PAGE"})
        size = last if last is not None else first
        if size is None:
            size = DEFAULT_PAGE_SIZE
        if size < 0 or size > MAX_PAGE_SIZE:
            raise GraphQLError(
                f"page size must be between 0 and {MAX_PAGE_SIZE}",
                extensions={"code": "PAGE_TOO_LARGE"},
            )
        return cls(size=size, after=after, before=before, backwards=last is not None)


@dataclass(frozen=True)
class Page(Generic[RowT]):
    """One page of rows with their cursors and whether more lie either side."""

    rows: list[RowT]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool

    def page_info(self) -> relay.PageInfo:
        """The page's Relay page info."""
        return relay.PageInfo(
            has_next_page=self.has_next_page,
            has_previous_page=self.has_previous_page,
            start_cursor=self.cursors[0] if self.cursors else None,
            end_cursor=self.cursors[-1] if self.cursors else None,
        )


def bad_cursor(error: CursorError) -> GraphQLError:
    """The GraphQL error of a cursor this list did not give."""
    return GraphQLError(f"invalid cursor: {error}", extensions={"code": "BAD_CURSOR"})


def _order_of(key: Sequence[Any], descending: bool) -> str:
    """The order's name in a list's cursors: its columns (so one list's cursor is refused by
    another) and direction."""
    return ",".join(str(column) for column in key) + (":desc" if descending else ":asc")


def _read(cursor: str, order: str, types: Sequence[type]) -> list[Any]:
    try:
        return decode_cursor(cursor, order, types)
    except CursorError as error:
        raise bad_cursor(error) from None


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    key: Sequence[Any],
    types: Sequence[type],
    key_of: Callable[[Any], Sequence[Any]],
    page: PageRequest,
    descending: bool = False,
) -> Page[Any]:
    """Run `statement` for one page, ordered by `key` (unique; its values of `types`),
    after/before the cursors."""
    order = _order_of(key, descending)
    sort = SortKey(key, descending)
    if page.after is not None:
        statement = statement.where(sort.after(_read(page.after, order, types)))
    if page.before is not None:
        statement = statement.where(sort.after(_read(page.before, order, types), reverse=True))
    reverse = page.backwards
    query = statement.order_by(*sort.order_by(reverse=reverse)).limit(page.size + 1)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > page.size
    rows = rows[: page.size]
    if reverse:
        rows.reverse()
    cursors = [encode_cursor(order, key_of(row)) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next_page=more if not reverse else page.before is not None,
        has_previous_page=more if reverse else page.after is not None,
    )


@strawberry.type(description="A page of results with Relay cursors.")
class CountedConnection(relay.Connection[NodeT]):
    """A connection whose `totalCount` is computed only when a query selects it."""

    _count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="How many items match, over all pages.")
    async def total_count(self) -> int:
        if self._count is None:
            return len(self.edges)
        return await self._count()

    @classmethod
    def from_page(
        cls,
        page: Page[Any],
        to_node: Callable[[Any], NodeT],
        count: Callable[[], Awaitable[int]] | None = None,
    ) -> Self:
        """Build the connection of a page."""
        edges = [
            relay.Edge(node=to_node(row), cursor=cursor)
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ]
        connection = cls(edges=edges, page_info=page.page_info())
        connection._count = count
        return connection
