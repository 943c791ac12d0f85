"""Every query on interactions."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from punte_contacts.interactions.models import (
    Interaction,
    InteractionOrganization,
    InteractionPerson,
)


async def get(session: AsyncSession, interaction_id: UUID) -> Interaction | None:
    """One interaction with its participants."""
    return await session.scalar(
        select(Interaction)
        .where(Interaction.id == interaction_id)
        .options(selectinload(Interaction.people), selectinload(Interaction.organizations))
    )


async def timeline(
    session: AsyncSession,
    *,
    organization_id: UUID | None,
    person_id: UUID | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Interaction]:
    """Interactions of an organisation or a person, newest first, after a cursor position."""
    query = select(Interaction).options(
        selectinload(Interaction.people), selectinload(Interaction.organizations)
    )
    if organization_id is not None:
        query = query.join(
            InteractionOrganization, InteractionOrganization.interaction_id == Interaction.id
        ).where(InteractionOrganization.organization_id == organization_id)
    if person_id is not None:
        query = query.join(
            InteractionPerson, InteractionPerson.interaction_id == Interaction.id
        ).where(InteractionPerson.person_id == person_id)
    if after is not None:
        occurred_at, last_id = after
        query = query.where(
            or_(
                Interaction.occurred_at < occurred_at,
                and_(Interaction.occurred_at == occurred_at, Interaction.id < last_id),
            )
        )
    query = query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def timelines(
    session: AsyncSession,
    *,
    organization_ids: Sequence[UUID],
    person_ids: Sequence[UUID],
    limit: int,
) -> dict[UUID, list[Interaction]]:
    """The newest `limit` interactions of each of many organisations or people (one of the
    two lists), by owner, newest first: one ranked query, one query for the participants."""
    link = InteractionOrganization if organization_ids else InteractionPerson
    owner = (
        InteractionOrganization.organization_id if organization_ids else InteractionPerson.person_id
    )
    position = (
        func.row_number()
        .over(partition_by=owner, order_by=(Interaction.occurred_at.desc(), Interaction.id.desc()))
        .label("position")
    )
    ranked = (
        select(owner.label("owner_id"), link.interaction_id, position)
        .join(Interaction, Interaction.id == link.interaction_id)
        .where(owner.in_(organization_ids or person_ids))
        .subquery()
    )
    rows = (
        await session.execute(
            select(ranked.c.owner_id, ranked.c.interaction_id)
            .where(ranked.c.position <= limit)
            .order_by(ranked.c.owner_id, ranked.c.position)
        )
    ).all()
    found = {
        i.id: i
        for i in await session.scalars(
            select(Interaction)
            .where(Interaction.id.in_({interaction_id for _, interaction_id in rows}))
            .options(selectinload(Interaction.people), selectinload(Interaction.organizations))
        )
    }
    grouped: dict[UUID, list[Interaction]] = {}
    for owner_id, interaction_id in rows:
        grouped.setdefault(owner_id, []).append(found[interaction_id])
    return grouped


async def for_person(session: AsyncSession, person_id: UUID) -> list[Interaction]:
    """Every interaction a person took part in, newest first, with participants."""
    query = (
        select(Interaction)
        .join(InteractionPerson, InteractionPerson.interaction_id == Interaction.id)
        .where(InteractionPerson.person_id == person_id)
        .options(selectinload(Interaction.people), selectinload(Interaction.organizations))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
    )
    return list(await session.scalars(query))


async def remove_person(session: AsyncSession, person_id: UUID) -> None:
    """Take a person off every interaction's participants."""
    await session.execute(
        delete(InteractionPerson)
        .where(InteractionPerson.person_id == person_id)
        .execution_options(synchronize_session=False)
    )
