"""Every query on organisations and contact points."""

import json
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from punte_contracts.contacts import (
    OrganizationKind,
    OrganizationStatus,
    SearchOrder,
    SortDirection,
    SortField,
)
from punte_platform.ids import new_id
from punte_platform.paging import SortKey
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from punte_contacts import search_words
from punte_contacts.organizations.models import ContactPoint, Organization

EMAIL = "email"
MIN_FUZZY_LENGTH = 4
PHONE = "phone"


async def get(session: AsyncSession, organization_id: UUID) -> Organization | None:
    """One organisation by id."""
    return await session.get(Organization, organization_id)


async def get_many(session: AsyncSession, ids: Sequence[UUID]) -> list[Organization]:
    """The organisations with these ids, in one query."""
    if not ids:
        return []
    rows = await session.scalars(select(Organization).where(Organization.id.in_(ids)))
    return list(rows)


async def existing_ids(session: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    """Which of these ids are organisations."""
    if not ids:
        return set()
    return set(await session.scalars(select(Organization.id).where(Organization.id.in_(ids))))


async def find_by_cui(session: AsyncSession, cui: str) -> Organization | None:
    """The organisation holding a CUI, if any."""
    return await session.scalar(select(Organization).where(Organization.cui == cui))


async def count(session: AsyncSession) -> int:
    """How many organisations there are."""
    return int(await session.scalar(select(func.count()).select_from(Organization)) or 0)


async def replace_contact_points(
    session: AsyncSession,
    *,
    emails: Sequence[str],
    phones: Sequence[str],
    organization_id: UUID | None = None,
    person_id: UUID | None = None,
) -> None:
    """Make an organisation's or a person's lookup rows mirror its e-mails and phones."""
    owner = (
        ContactPoint.organization_id == organization_id
        if organization_id is not None
        else ContactPoint.person_id == person_id
    )
    await session.execute(delete(ContactPoint).where(owner))
    for kind, values in ((EMAIL, emails), (PHONE, phones)):
        for value in values:
            session.add(
                ContactPoint(
                    id=new_id(),
                    kind=kind,
                    value=contact_key(kind, value),
                    organization_id=organization_id,
                    person_id=person_id,
                )
            )


def contact_key(kind: str, value: str) -> str:
    """The lookup form of an e-mail (lowercased) or a phone (E.164 as is)."""
    return value.casefold() if kind == EMAIL else value


def json_list_contains(
    session: AsyncSession, column: InstrumentedAttribute[list[str]], value: str
) -> ColumnElement[bool]:
    """`value` is an element of a JSON list column (JSONB `@>` or SQLite `json_each`)."""
    if is_postgresql(session):
        return type_coerce(column, JSONB).contains([value])
    elements = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(elements).where(elements.c.value == value))


def has_caen_code(session: AsyncSession, code: str) -> ColumnElement[bool]:
    """The organisation lists this CAEN code (any revision)."""
    if is_postgresql(session):
        return type_coerce(Organization.caen_codes, JSONB).contains([{"code": code}])
    elements = func.json_each(Organization.caen_codes).table_valued("value")
    return exists(
        select(literal(1))
        .select_from(elements)
        .where(func.json_extract(elements.c.value, "$.code") == code)
    )


@dataclass(frozen=True)
class TextMatch:
    """What a search text means: a name key, and maybe an exact CUI, e-mail or phone."""

    key: str
    cui: str | None = None
    email: str | None = None
    phone: str | None = None


def has_contact(
    owner: InstrumentedAttribute[UUID | None],
    entity_id: InstrumentedAttribute[UUID],
    match: TextMatch,
) -> ColumnElement[bool] | None:
    """The condition "the entity has this exact e-mail or phone", if the text is one."""
    conditions: list[ColumnElement[bool]] = []
    if match.email:
        conditions.append(
            and_(ContactPoint.kind == EMAIL, ContactPoint.value == contact_key(EMAIL, match.email))
        )
    if match.phone:
        conditions.append(and_(ContactPoint.kind == PHONE, ContactPoint.value == match.phone))
    if not conditions:
        return None
    return select(ContactPoint.id).where(owner == entity_id, or_(*conditions)).exists()


def name_prefix(key_column: InstrumentedAttribute[str], key: str) -> ColumnElement[bool]:
    """The key starts with `key`. Keys are ASCII letters, digits and spaces, so the range
    [key, key with its last character + 1) holds exactly the prefixed keys in byte order
    (SQLite's BINARY, PostgreSQL's C and C.UTF-8 collations); it lets the (search_key, id)
    B-tree serve the prefix, which LIKE does not on SQLite nor outside PostgreSQL's "C"."""
    last = key[-1]
    if last in "zZ9" or not last.isascii() or not last.isalnum():
        return key_column.like(f"{key}%")
    # No LIKE beside the range: the planner would multiply the two selectivities, think
    # the prefix rare and sort every match instead of reading the index in order.
    return and_(key_column >= key, key_column < key[:-1] + chr(ord(last) + 1))


# Builds the condition of the typo tier (None: no word has a similar one), when needed.
FuzzyTier = Callable[[], Awaitable[ColumnElement[bool] | None]]


@dataclass(frozen=True)
class Tiers:
    """A search text's match conditions, best first (a row's rank is the first it meets):
    0 exact identifiers or a name prefix, 1 names holding every word of the text (any order,
    anywhere), 2 (built on demand) names holding, for every word, it or a known word similar
    to it (typos). No tiers without a text: everything matches, rank 0."""

    eager: list[ColumnElement[bool]]
    fuzzy: FuzzyTier | None = None

    async def all(self) -> list[ColumnElement[bool]]:
        """Every tier, the typo one built."""
        built = await self.fuzzy() if self.fuzzy is not None else None
        return [*self.eager, built] if built is not None else list(self.eager)

    async def matched(self) -> list[ColumnElement[bool]]:
        """The WHERE condition "matches any tier" (none without a text)."""
        tiers = await self.all()
        return [or_(*tiers)] if tiers else []


def text_tiers(
    session: AsyncSession,
    key_column: InstrumentedAttribute[str],
    exact: list[ColumnElement[bool]],
    key: str,
) -> Tiers:
    """The match tiers of a search text (see `Tiers`)."""
    if not key and not exact:
        return Tiers([])
    words = key.split()
    eager = [
        or_(name_prefix(key_column, key), *exact) if key else or_(*exact),
        and_(*(key_column.like(f"%{word}%") for word in words)) if words else false(),
    ]
    if len(key) < MIN_FUZZY_LENGTH:
        return Tiers(eager)

    async def fuzzy() -> ColumnElement[bool] | None:
        conditions = []
        corrected = False
        for word in words:
            short = len(word) < search_words.MIN_WORD
            similar = [] if short else await search_words.similar_words(session, word)
            corrected = corrected or bool(similar)
            conditions.append(or_(*(key_column.like(f"%{w}%") for w in [word, *similar])))
        return and_(*conditions) if corrected else None

    return Tiers(eager, fuzzy)


async def tiered_search(
    session: AsyncSession,
    entity: Any,
    *,
    conditions: Sequence[ColumnElement[bool]],
    tiers: Tiers,
    order: SearchOrder | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[tuple[Any, int]]:
    """Rows of `entity` (Organization or Person) meeting `conditions` and any of `tiers`,
    with their rank, in `order` (`sort_key`), after the row whose sort key is `after`.

    In relevance order each tier is its own query, ordered by (search key, id) and limited,
    asked only while the page is not full: a query the (search_key, id) B-tree or the
    trigram index serves, instead of ranking every match to keep the first few."""
    if order is not None or not tiers.eager:
        matched = await tiers.matched()
        key = sort_key(order, literal(0), entity)
        if order is None:  # no text: everything at rank 0, by name
            key = SortKey(key.columns[1:])
            after = after[1:] if after is not None else None
        query = select(entity).where(*conditions, *matched)
        if after is not None:
            query = query.where(key.after(after))
        result = await session.scalars(query.order_by(*key.order_by()).limit(limit))
        return [(row, 0) for row in result]
    rows: list[tuple[Any, int]] = []
    by_name = SortKey([entity.search_key, entity.id])
    start = int(after[0]) if after is not None else 0
    ranked = list(tiers.eager)
    for rank in range(start, len(tiers.eager) + 1):
        if rank == len(ranked):
            # The typo tier costs vocabulary lookups: only when the better ones fall short.
            fuzzy = await tiers.fuzzy() if tiers.fuzzy is not None else None
            if fuzzy is None:
                break
            ranked.append(fuzzy)
        filters = list(conditions)
        if after is not None and rank == start:
            filters.append(by_name.after(after[1:]))
        match = and_(ranked[rank], *(not_(tier) for tier in ranked[:rank]))
        wanted = limit - len(rows)
        if rank == 0 or not is_postgresql(session):
            # A name prefix is a range of the name index; SQLite has no other index to use.
            query = select(entity).where(*filters, match).order_by(*by_name.order_by())
            found = list(await session.scalars(query.limit(wanted)))
        else:
            found = await _words_anywhere(session, entity, filters, match, wanted)
        rows += [(row, rank) for row in found]
        if len(rows) >= limit:
            break
    return rows


# Under this many matches (the planner's estimate), the trigram index finds them all and a
# sort orders them; over it, reading the name index in order fills a page sooner.
FEW_MATCHES = 2000


async def _words_anywhere(
    session: AsyncSession,
    entity: Any,
    filters: Sequence[ColumnElement[bool]],
    match: ColumnElement[bool],
    limit: int,
) -> list[Any]:
    """The first `limit` rows meeting `filters` and `match` (words anywhere in the name), by
    (search key, id), on PostgreSQL.

    Common matches (every "timisoara") fill a page soonest by reading the name index in
    order. Rare ones, or ones bunched late in name order (a family name, in keys that start
    with the given name), would have that read scan most of the table, where the trigram
    index finds them all at once. The planner estimates the match count well but plans the
    ordered read whenever the LIMIT is small, as it assumes matches spread evenly; so its
    estimate is asked first and the plan chosen here."""
    by_name = SortKey([entity.search_key, entity.id])
    where = [*filters, match]
    if await _estimated_rows(session, select(entity.id).where(*where)) >= FEW_MATCHES:
        query = select(entity).where(*where).order_by(*by_name.order_by()).limit(limit)
        return list(await session.scalars(query))
    # MATERIALIZED: plan the match alone, through the trigram index; sort only what it finds.
    found = (
        select(entity.id, entity.search_key)
        .where(*where)
        .cte("few_matches")
        .prefix_with("MATERIALIZED")
    )
    first = select(found.c.id, found.c.search_key).order_by(found.c.search_key, found.c.id)
    return await _rows_of(session, entity, first.limit(limit))


async def _estimated_rows(session: AsyncSession, query: Select[Any]) -> float:
    """The planner's estimate of the rows `query` returns (EXPLAIN without running it)."""
    try:
        # Literal values (quoted by SQLAlchemy): EXPLAIN takes no parameters through here.
        sql = query.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    except CompileError:
        return math.inf  # a value with no literal form: read in name order
    connection = await session.connection()
    plan: Any = (await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


async def _rows_of(session: AsyncSession, entity: Any, keys: Select[Any]) -> list[Any]:
    """The rows whose (id, search key) `keys` selects, in its order."""
    chosen = keys.subquery("chosen")
    query = (
        select(entity)
        .join(chosen, entity.id == chosen.c.id)
        .order_by(chosen.c.search_key, chosen.c.id)
    )
    return list(await session.scalars(query))


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def sort_key(order: SearchOrder | None, rank: ColumnElement[int], entity: Any) -> SortKey:
    """The sort key of a search of `entity` (Organization or Person): (rank, search key, id)
    by default, else (the chosen column, id) in the chosen direction."""
    if order is None:
        return SortKey([rank, entity.search_key, entity.id])
    column = {
        SortField.NAME: entity.search_key,
        SortField.CREATED_AT: entity.created_at,
        SortField.UPDATED_AT: entity.updated_at,
    }[order.field]
    return SortKey([column, entity.id], descending=order.direction is SortDirection.DESC)


def _conditions(
    session: AsyncSession,
    *,
    match: TextMatch,
    kind: OrganizationKind | None,
    tag: str | None,
    locality_key: str | None,
    county_key: str | None,
    status: OrganizationStatus | None,
    caen_code: str | None,
    owner_id: UUID | None,
    department: str | None,
) -> tuple[list[ColumnElement[bool]], Tiers]:
    """The filters of a search, and its text's match tiers."""
    exact: list[ColumnElement[bool]] = []
    if match.cui:
        exact.append(Organization.cui == match.cui)
    contact = has_contact(ContactPoint.organization_id, Organization.id, match)
    if contact is not None:
        exact.append(contact)
    tiers = text_tiers(session, Organization.search_key, exact, match.key)
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(Organization.kind == kind)
    if status is not None:
        conditions.append(Organization.status == status)
    if locality_key:
        conditions.append(Organization.locality_key == locality_key)
    if county_key:
        conditions.append(Organization.county_key == county_key)
    if tag:
        conditions.append(json_list_contains(session, Organization.tags, tag))
    if caen_code:
        conditions.append(has_caen_code(session, caen_code))
    if owner_id is not None:
        conditions.append(Organization.owner_id == owner_id)
    if department:
        conditions.append(Organization.department == department)
    return conditions, tiers


async def search(
    session: AsyncSession,
    *,
    order: SearchOrder | None = None,
    after: Sequence[Any] | None,
    limit: int,
    **filters: Any,
) -> list[tuple[Organization, int]]:
    """Organisations matching `filters` (see `_conditions`) with their rank, in `order`
    (`sort_key`), after the row whose sort key is `after` (see `tiered_search`)."""
    conditions, tiers = _conditions(session, **filters)
    return await tiered_search(
        session,
        Organization,
        conditions=conditions,
        tiers=tiers,
        order=order,
        after=after,
        limit=limit,
    )


async def count_matching(session: AsyncSession, **filters: Any) -> int:
    """How many organisations match `filters` (see `_conditions`)."""
    conditions, tiers = _conditions(session, **filters)
    matched = await tiers.matched()
    query = select(func.count()).select_from(Organization).where(*conditions, *matched)
    return int(await session.scalar(query) or 0)
