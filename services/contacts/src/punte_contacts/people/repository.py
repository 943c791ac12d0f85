"""Every query on people and affiliations."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from punte_contracts.contacts import SearchOrder
from punte_platform.search import Tiers, is_postgresql, text_tiers
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.organizations.models import ContactPoint
from punte_contacts.organizations.repository import (
    TextMatch,
    count_records,
    has_contact,
    json_list_contains,
    search_records,
)
from punte_contacts.people.models import Affiliation, ConsentRecord, Person
from punte_contacts.search_words import vocabulary


async def get(session: AsyncSession, person_id: UUID) -> Person | None:
    """One person by id."""
    return await session.get(Person, person_id)


async def get_many(session: AsyncSession, ids: Sequence[UUID]) -> list[Person]:
    """The people with these ids, in one query."""
    if not ids:
        return []
    return list(await session.scalars(select(Person).where(Person.id.in_(ids))))


async def existing_ids(session: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    """Which of these ids are people."""
    if not ids:
        return set()
    return set(await session.scalars(select(Person.id).where(Person.id.in_(ids))))


async def merged_into(session: AsyncSession, person_id: UUID) -> list[UUID]:
    """The people merged into this one."""
    return list(await session.scalars(select(Person.id).where(Person.merged_into_id == person_id)))


def _conditions(
    session: AsyncSession, *, match: TextMatch, tag: str | None, owner_id: UUID | None
) -> tuple[list[ColumnElement[bool]], Tiers]:
    """The filters of a search (merged people left out), and its text's match tiers."""
    exact: list[ColumnElement[bool]] = []
    contact = has_contact(ContactPoint.person_id, Person.id, match)
    if contact is not None:
        exact.append(contact)
    tiers = text_tiers(vocabulary, session, Person.search_key, exact, match.key)
    conditions: list[ColumnElement[bool]] = [Person.merged_into_id.is_(None)]
    if tag:
        conditions.append(json_list_contains(session, Person.tags, tag))
    if owner_id is not None:
        conditions.append(Person.owner_id == owner_id)
    return conditions, tiers


async def search(
    session: AsyncSession,
    *,
    match: TextMatch,
    tag: str | None,
    owner_id: UUID | None,
    order: SearchOrder | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[tuple[Person, int]]:
    """People matching, with their rank, in `order` (see `sort_key`), after the row whose
    sort key is `after`."""
    conditions, tiers = _conditions(session, match=match, tag=tag, owner_id=owner_id)
    return await search_records(session, Person, conditions, tiers, order, after, limit)


async def count_matching(
    session: AsyncSession, *, match: TextMatch, tag: str | None, owner_id: UUID | None
) -> int:
    """How many people a search lists."""
    found = _conditions(session, match=match, tag=tag, owner_id=owner_id)
    return await count_records(session, Person, *found)


async def people_named(session: AsyncSession, keys: Sequence[str]) -> set[UUID]:
    """The unmerged people whose name key is one of `keys`."""
    query = select(Person.id).where(Person.search_key.in_(keys), Person.merged_into_id.is_(None))
    return set(await session.scalars(query.limit(200)))


async def people_with_similar_names(
    session: AsyncSession,
    *,
    given: str,
    family: str,
    given_prefix: str,
    min_similarity: float,
    limit: int,
) -> dict[UUID, float]:
    """Unmerged people with the same family name and a given name starting alike (1.0),
    and on PostgreSQL those whose whole name is trigram-similar (the similarity)."""
    live = Person.merged_into_id.is_(None)
    alike = or_(
        Person.search_key.like(f"{given_prefix}% {family}"),
        Person.search_key.like(f"{family} {given_prefix}%"),
    )
    found: dict[UUID, float] = dict.fromkeys(
        await session.scalars(select(Person.id).where(alike, live).limit(limit)), 1.0
    )
    if is_postgresql(session):
        key = f"{given} {family}"
        similarity = func.similarity(Person.search_key, key)
        rows = await session.execute(
            select(Person.id, similarity)
            # `%` (similarity over pg_trgm.similarity_threshold) is what the GIN index serves.
            .where(Person.search_key.op("%")(key), similarity >= min_similarity, live)
            .order_by(similarity.desc())
            .limit(limit)
        )
        for person_id, score in rows:
            found[person_id] = max(found.get(person_id, 0.0), float(score))
    return found


async def get_affiliation(session: AsyncSession, affiliation_id: UUID) -> Affiliation | None:
    """One affiliation by id."""
    return await session.get(Affiliation, affiliation_id)


async def clear_primary(session: AsyncSession, person_id: UUID) -> None:
    """Make a person's current affiliations non-primary."""
    await session.execute(
        update(Affiliation)
        .where(Affiliation.person_id == person_id, Affiliation.is_primary.is_(True))
        .values(is_primary=False)
        .execution_options(synchronize_session="fetch")
    )


async def list_affiliations(
    session: AsyncSession,
    *,
    person_id: UUID | None,
    organization_id: UUID | None,
    include_ended: bool,
) -> list[Affiliation]:
    """A person's or an organisation's affiliations: current first, then newest first."""
    query = select(Affiliation)
    if person_id is not None:
        query = query.where(Affiliation.person_id == person_id)
    if organization_id is not None:
        query = query.where(Affiliation.organization_id == organization_id)
    if not include_ended:
        query = query.where(Affiliation.end_date.is_(None))
    query = query.order_by(
        Affiliation.end_date.is_not(None),
        Affiliation.start_date.desc(),
        Affiliation.id.desc(),
    ).limit(1000)
    return list(await session.scalars(query))


async def list_affiliations_many(
    session: AsyncSession,
    *,
    person_ids: Sequence[UUID],
    organization_ids: Sequence[UUID],
    include_ended: bool,
) -> dict[UUID, list[Affiliation]]:
    """The affiliations of many people or many organisations in one query, by owner, each
    list in `list_affiliations` order."""
    by_person = bool(person_ids)
    owner = Affiliation.person_id if by_person else Affiliation.organization_id
    query = select(Affiliation).where(owner.in_(person_ids if by_person else organization_ids))
    if not include_ended:
        query = query.where(Affiliation.end_date.is_(None))
    query = query.order_by(
        owner,
        Affiliation.end_date.is_not(None),
        Affiliation.start_date.desc(),
        Affiliation.id.desc(),
    )
    grouped: dict[UUID, list[Affiliation]] = {}
    for affiliation in await session.scalars(query):
        key = affiliation.person_id if by_person else affiliation.organization_id
        grouped.setdefault(key, []).append(affiliation)
    return grouped


async def consent_history(session: AsyncSession, person_id: UUID) -> list[ConsentRecord]:
    """Every consent record of a person, newest first (by when it was given or withdrawn)."""
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.person_id == person_id)
        .order_by(
            ConsentRecord.at.desc(), ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc()
        )
    )
    return list(await session.scalars(query))
