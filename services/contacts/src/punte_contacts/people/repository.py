"""Every query on people and affiliations."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.organizations.models import ContactPoint
from punte_contacts.organizations.repository import (
    TextMatch,
    after_condition,
    has_contact,
    is_postgresql,
    json_list_contains,
    ranked_text_match,
)
from punte_contacts.people.models import Affiliation, ConsentRecord, Person


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


async def search(
    session: AsyncSession,
    *,
    match: TextMatch,
    tag: str | None,
    owner_id: UUID | None,
    after: tuple[int, str, UUID] | None,
    limit: int,
) -> list[tuple[Person, int]]:
    """People matching, ordered by (rank, search key, id), after a cursor position."""
    exact: list[ColumnElement[bool]] = []
    contact = has_contact(ContactPoint.person_id, Person.id, match)
    if contact is not None:
        exact.append(contact)
    matched, rank = ranked_text_match(
        Person.search_key, exact, match.key, fuzzy=is_postgresql(session)
    )
    query = select(Person, rank.label("rank")).where(matched, Person.merged_into_id.is_(None))
    if tag:
        query = query.where(json_list_contains(session, Person.tags, tag))
    if owner_id is not None:
        query = query.where(Person.owner_id == owner_id)
    if after is not None:
        query = query.where(after_condition(rank, Person.search_key, Person.id, after))
    query = query.order_by(rank, Person.search_key, Person.id).limit(limit)
    rows = await session.execute(query)
    return [(row[0], int(row[1])) for row in rows]


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
