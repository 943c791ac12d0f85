"""Every query on organisations and contact points."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from punte_contracts.contacts import OrganizationKind, OrganizationStatus
from punte_platform.ids import new_id
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    false,
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


def ranked_text_match(
    key_column: InstrumentedAttribute[str],
    exact: list[ColumnElement[bool]],
    key: str,
    *,
    fuzzy: bool = False,
) -> tuple[ColumnElement[bool], ColumnElement[int]]:
    """The match condition and its rank: 0 for exact or name-prefix matches, 1 for names
    holding every word of the text (any order, anywhere), 2 for names only similar to the
    text (trigram word similarity, PostgreSQL only: `fuzzy`)."""
    if not key and not exact:
        return literal(True), literal(0)
    words = [key_column.like(f"%{word}%") for word in key.split()]
    contains = and_(*words) if words else false()
    prefix = key_column.like(f"{key}%") if key else false()
    conditions = [contains, *exact]
    if fuzzy and len(key) >= MIN_FUZZY_LENGTH:
        # `name %> text`: word similarity above pg_trgm.word_similarity_threshold (0.6);
        # served by the GIN trigram index on the search key.
        conditions.append(key_column.op("%>")(key))
    rank = case((or_(prefix, *exact), 0), (contains, 1), else_=2)
    return or_(*conditions), rank


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def after_condition(
    rank: ColumnElement[int],
    key_column: InstrumentedAttribute[str],
    id_column: InstrumentedAttribute[UUID],
    after: tuple[int, str, UUID],
) -> ColumnElement[bool]:
    """Rows after (rank, key, id) in the search order."""
    r, k, i = after
    return or_(
        rank > r,
        and_(rank == r, key_column > k),
        and_(rank == r, key_column == k, id_column > i),
    )


async def search(
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
    after: tuple[int, str, UUID] | None,
    limit: int,
) -> list[tuple[Organization, int]]:
    """Organisations matching, ordered by (rank, search key, id), after a cursor position."""
    exact: list[ColumnElement[bool]] = []
    if match.cui:
        exact.append(Organization.cui == match.cui)
    contact = has_contact(ContactPoint.organization_id, Organization.id, match)
    if contact is not None:
        exact.append(contact)
    matched, rank = ranked_text_match(
        Organization.search_key, exact, match.key, fuzzy=is_postgresql(session)
    )
    query = select(Organization, rank.label("rank")).where(matched)
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if status is not None:
        query = query.where(Organization.status == status)
    if locality_key:
        query = query.where(Organization.locality_key == locality_key)
    if county_key:
        query = query.where(Organization.county_key == county_key)
    if tag:
        query = query.where(json_list_contains(session, Organization.tags, tag))
    if caen_code:
        query = query.where(has_caen_code(session, caen_code))
    if owner_id is not None:
        query = query.where(Organization.owner_id == owner_id)
    if department:
        query = query.where(Organization.department == department)
    if after is not None:
        query = query.where(after_condition(rank, Organization.search_key, Organization.id, after))
    query = query.order_by(rank, Organization.search_key, Organization.id).limit(limit)
    rows = await session.execute(query)
    return [(row[0], int(row[1])) for row in rows]
