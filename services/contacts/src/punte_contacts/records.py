"""What organisations and people share, written once: how a search text is read, a result's
sort key and cursor, the columns a new record starts with, and the lookup by id, search,
count and export listing of either kind and their endpoints (`Listing`, one per kind in its
service)."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.paging import Page, encode_cursor
from punte_contracts.rpc import GetMany, GetManyReply, Request
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext
from punte_platform.paging import read_after
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import exports
from punte_contacts import identifiers as ids
from punte_contacts.organizations.models import Organization
from punte_contacts.organizations.repository import TextMatch
from punte_contacts.people.models import Person
from punte_contacts.text import normalize_text, search_key

RowT = TypeVar("RowT", Organization, Person)
ReadT = TypeVar("ReadT", c.Organization, c.Person)
PageT = TypeVar("PageT", bound=Page[Any])


def text_match(query: str) -> TextMatch:
    """Read a search text as a name key, and as an exact CUI, e-mail or phone if it is one."""
    text = normalize_text(query).strip()
    email = phone = None
    if "@" in text:
        try:
            email = ids.normalize_email(text)
        except ValueError:
            email = None
    elif sum(ch.isdigit() for ch in text) >= 6:
        try:
            phone = ids.normalize_phone(text)
        except ValueError:
            phone = None
    return TextMatch(
        key=search_key(text),
        cui=ids.looks_like_cui(text) if text else None,
        email=email,
        phone=phone,
    )


_SORT_ATTRIBUTES = {
    c.SortField.NAME: "search_key",
    c.SortField.CREATED_AT: "created_at",
    c.SortField.UPDATED_AT: "updated_at",
}


def sort_values(order: c.SearchOrder | None, row: Organization | Person, rank: int) -> list[Any]:
    """A row's sort key under `order` (see `organizations.repository.sort_key`)."""
    if order is None:
        return [rank, row.search_key, row.id]
    return [getattr(row, _SORT_ATTRIBUTES[order.field]), row.id]


def cursor_of(order: c.SearchOrder | None, row: Organization | Person, rank: int) -> str:
    """The cursor of `row`: its sort key under `order`, named by the order."""
    return encode_cursor(c.order_name(order), sort_values(order, row, rank))


def read_cursor(order: c.SearchOrder | None, cursor: str) -> list[Any]:
    """The sort key in a cursor given under `order`; a cursor from another order (or not
    ours at all) is `validation_failed` at `["after"]`."""
    if order is None:
        types: list[type] = [int, str, UUID]
    else:
        types = [str if order.field is c.SortField.NAME else datetime, UUID]
    return read_after(cursor, c.order_name(order), types)


def new_rows(cleaned: Sequence[dict[str, Any]], **columns: Any) -> list[dict[str, Any]]:
    """The rows of new records of cleaned values (every field): the columns a new record of
    either kind starts with, and `columns` (the kind's own)."""
    now = utcnow()
    first = {"version": 1, "created_at": now, "updated_at": now, "merged_into_id": None}
    return [{**values, **first, **columns, "id": new_id()} for values in cleaned]


class Ordered(Protocol):
    """A filter with its order: what a search, a count or an export reads."""

    @property
    def order_by(self) -> c.SearchOrder | None: ...


class Paged(Ordered, Protocol):
    """A search: a filter, its order and a page."""

    @property
    def first(self) -> int: ...

    @property
    def after(self) -> str | None: ...


@dataclass(frozen=True)
class Listing(Generic[RowT, ReadT]):
    """How one kind of record is read by id, searched, counted and listed for an export."""

    read: type[ReadT]
    get_rows: Callable[[AsyncSession, Sequence[UUID]], Awaitable[list[RowT]]]
    find: Callable[..., Awaitable[list[tuple[RowT, int]]]]  # the repository's search
    count_matching: Callable[..., Awaitable[int]]
    filters: Callable[[Any], dict[str, Any]]  # the kind's filter as the repository takes it
    noun: str

    async def get_many(
        self, session: AsyncSession, ids_: list[UUID]
    ) -> tuple[list[ReadT], list[UUID]]:
        """The records found, and the ids that matched nothing."""
        found = [self.read.model_validate(row) for row in await self.get_rows(session, ids_)]
        known = {item.id for item in found}
        return found, [i for i in dict.fromkeys(ids_) if i not in known]

    async def search(self, session: AsyncSession, body: Paged, page: type[PageT]) -> PageT:
        """One page of the matching records, a cursor each."""
        after = read_cursor(body.order_by, body.after) if body.after else None
        rows = await self.find(
            session, **self.filters(body), order=body.order_by, after=after, limit=body.first + 1
        )
        return page.of(
            rows,
            body.first,
            lambda row: self.read.model_validate(row[0]),
            lambda row: cursor_of(body.order_by, *row),
        )

    async def count(self, session: AsyncSession, body: Ordered) -> c.SearchCount:
        """How many records a search with these filters lists."""
        return c.SearchCount(total=await self.count_matching(session, **self.filters(body)))

    def serve(
        self,
        registry: EndpointRegistry,
        get: type[GetMany[ReadT]],
        search: type[Request[PageT]],
        count: type[Request[c.SearchCount]],
    ) -> None:
        """Register the endpoints of the lookup by id, the search and the count."""

        async def get_many(ctx: HandlerContext, body: GetMany[ReadT]) -> GetManyReply[ReadT]:
            items, missing = await self.get_many(ctx.session, body.ids)
            return get.reply_model()(items=items, missing=missing)

        async def search_page(ctx: HandlerContext, body: Any) -> PageT:
            return await self.search(ctx.session, body, search.reply_model())

        async def count_matching(ctx: HandlerContext, body: Any) -> c.SearchCount:
            return await self.count(ctx.session, body)

        registry.handles(get)(get_many)
        registry.handles(search)(search_page)
        registry.handles(count)(count_matching)

    async def every(self, session: AsyncSession, body: Ordered) -> list[RowT]:
        """Every record a search lists, in its order (for an export; bounded there)."""
        arguments = self.filters(body)
        order = body.order_by

        async def search(after: list[Any] | None, limit: int) -> list[tuple[RowT, int]]:
            return await self.find(session, **arguments, order=order, after=after, limit=limit)

        return await exports.matching(
            search, lambda row, rank: sort_values(order, row, rank), noun=self.noun
        )
