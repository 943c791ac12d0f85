"""Every query on interactions."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, delete, or_, select
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
