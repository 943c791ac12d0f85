"""Every query on organisations and contact points."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from uuid import UUID

from punte_contracts.contacts import (
    OrganizationKind,
    OrganizationStatus,
    SearchOrder,
    SortDirection,
    SortField,
)
from punte_platform.db import insert_many
from punte_platform.ids import new_id
from punte_platform.paging import SortKey
from punte_platform.search import Tiers, is_postgresql, text_tiers, tiered_search
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from punte_contacts.organizations.models import ContactPoint, Organization
from punte_contacts.people.models import Person
from punte_contacts.search_words import vocabulary

RecordT = TypeVar("RecordT", Organization, Person)

EMAIL = "email"
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


async def add_new(
    session: AsyncSession,
    model: type[Organization | Person],
    owner_column: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    """Insert new organisations or people (every column but the search key given), their
    search words and contact points, a batch a statement: no ORM objects, so no flush."""
    await vocabulary.add_rows(session, model, rows)
    await insert_many(session, cast(Table, model.__table__), rows)
    points = [
        {
            "id": new_id(),
            "kind": kind,
            "value": contact_key(kind, value),
            "organization_id": None,
            "person_id": None,
            owner_column: row["id"],
        }
        for row in rows
        for kind, values in ((EMAIL, row["emails"]), (PHONE, row["phones"]))
        for value in values
    ]
    await insert_many(session, cast(Table, ContactPoint.__table__), points)


async def contact_holders(
    session: AsyncSession, owner_column: str, points: Sequence[tuple[str, str]]
) -> list[tuple[UUID, str]]:
    """(owner id, kind) of the organisations or people (`owner_column`) holding any of these
    (kind, lookup value) points."""
    if not points:
        return []
    owner = getattr(ContactPoint, owner_column)
    rows = await session.execute(
        select(owner, ContactPoint.kind).where(
            owner.is_not(None),
            or_(*(and_(ContactPoint.kind == k, ContactPoint.value == v) for k, v in points)),
        )
    )
    return [(owner_id, kind) for owner_id, kind in rows if owner_id is not None]


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
    tiers = text_tiers(vocabulary, session, Organization.search_key, exact, match.key)
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
    return await search_records(session, Organization, conditions, tiers, order, after, limit)


async def search_records(
    session: AsyncSession,
    model: type[RecordT],
    conditions: list[ColumnElement[bool]],
    tiers: Tiers,
    order: SearchOrder | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[tuple[RecordT, int]]:
    """Organisations or people meeting `conditions` and a tier, with their rank, in `order`
    (`sort_key`), after the row whose sort key is `after` (see `tiered_search`)."""
    return await tiered_search(
        session,
        model,
        key_column=model.search_key,
        id_column=model.id,
        conditions=conditions,
        tiers=tiers,
        order_key=sort_key(order, literal(0), model) if order is not None else None,
        after=after,
        limit=limit,
    )


async def count_matching(session: AsyncSession, **filters: Any) -> int:
    """How many organisations match `filters` (see `_conditions`)."""
    return await count_records(session, Organization, *_conditions(session, **filters))


async def count_records(
    session: AsyncSession,
    model: type[Organization | Person],
    conditions: list[ColumnElement[bool]],
    tiers: Tiers,
) -> int:
    """How many organisations or people meet `conditions` and a tier."""
    matched = await tiers.matched()
    query = select(func.count()).select_from(model).where(*conditions, *matched)
    return int(await session.scalar(query) or 0)
