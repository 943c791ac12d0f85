"""Cursor connections: keyset pagination with opaque cursors and a capped page size."""

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

# relay.Connection resolves its type parameter through this very TypeVar.
from strawberry.relay.types import NodeType as NodeT

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

RowT = TypeVar("RowT")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for a row's sort key."""
    raw = json.dumps([v if isinstance(v, int | float | None) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """The sort key inside a cursor; a malformed cursor is the caller's error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise GraphQLError("invalid cursor", extensions={"code": "BAD_CURSOR"}) from None
    if not isinstance(values, list) or len(values) != width:
        raise GraphQLError("invalid cursor", extensions={"code": "BAD_CURSOR"})
    return values


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


def _after(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """Rows strictly after `values` in the (columns...) order, portable to SQLite."""
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    key: Sequence[Any],
    key_of: Callable[[Any], Sequence[Any]],
    page: PageRequest,
    coerce: Callable[[list[Any]], Sequence[Any]] = lambda v: v,
    descending: bool = False,
) -> Page[Any]:
    """Run `statement` for one page, ordered by `key` (unique), after/before the cursors."""
    if page.after is not None:
        values = coerce(decode_cursor(page.after, len(key)))
        statement = statement.where(_after(key, values, descending))
    if page.before is not None:
        values = coerce(decode_cursor(page.before, len(key)))
        statement = statement.where(_after(key, values, not descending))
    reverse = page.backwards
    order = [(c.asc() if descending == reverse else c.desc()) for c in key]
    rows = list((await session.scalars(statement.order_by(*order).limit(page.size + 1))).all())
    more = len(rows) > page.size
    rows = rows[: page.size]
    if reverse:
        rows.reverse()
    cursors = [encode_cursor(key_of(row)) for row in rows]
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
    ) -> "CountedConnection[NodeT]":
        """Build the connection of a page."""
        edges = [
            relay.Edge(node=to_node(row), cursor=cursor)
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ]
        connection = cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )
        connection._count = count
        return connection
