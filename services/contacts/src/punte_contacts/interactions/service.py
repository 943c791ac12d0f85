"""Rules for interactions: participants must exist; the timeline is keyset-paged."""

from datetime import datetime
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.paging import encode_cursor
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from punte_platform.paging import read_after
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.interactions import repository
from punte_contacts.interactions.models import (
    Interaction,
    InteractionOrganization,
    InteractionPerson,
)
from punte_contacts.organizations import repository as organizations
from punte_contacts.people import repository as people
from punte_contacts.text import normalize_text


async def log(
    session: AsyncSession, outbox: Outbox, body: c.LogInteraction, *, author: str | None
) -> c.Interaction:
    """Record an interaction by `author` (the calling actor) and queue `InteractionLogged`."""
    person_ids = list(dict.fromkeys(body.person_ids))
    organization_ids = list(dict.fromkeys(body.organization_ids))
    known_people = await people.existing_ids(session, person_ids)
    for person_id in person_ids:
        if person_id not in known_people:
            raise ServiceError.not_found("person", person_id)
    known_orgs = await organizations.existing_ids(session, organization_ids)
    for organization_id in organization_ids:
        if organization_id not in known_orgs:
            raise ServiceError.not_found("organization", organization_id)
    follow_up = body.follow_up
    interaction = Interaction(
        id=new_id(),
        kind=body.kind,
        occurred_at=body.occurred_at,
        subject=normalize_text(body.subject),
        summary=normalize_text(body.summary),
        author=author,
        event_ids=[str(i) for i in dict.fromkeys(body.event_ids)],
        project_ids=[str(i) for i in dict.fromkeys(body.project_ids)],
        follow_up_assignee_id=follow_up.assignee_id if follow_up else None,
        follow_up_due_date=follow_up.due_date if follow_up else None,
        follow_up_done=follow_up.done if follow_up else None,
        created_at=utcnow(),
        people=[InteractionPerson(person_id=pid, position=n) for n, pid in enumerate(person_ids)],
        organizations=[
            InteractionOrganization(organization_id=oid, position=n)
            for n, oid in enumerate(organization_ids)
        ],
    )
    session.add(interaction)
    await session.flush()
    result = c.Interaction.model_validate(interaction)
    await outbox.add(
        session,
        c.InteractionLogged(
            interaction_id=result.id,
            kind=result.kind,
            occurred_at=result.occurred_at,
            person_ids=result.person_ids,
            organization_ids=result.organization_ids,
            event_ids=result.event_ids,
            project_ids=result.project_ids,
        ),
        key=str(result.id),
    )
    return result


async def complete_follow_up(
    session: AsyncSession, outbox: Outbox, body: c.CompleteFollowUp
) -> c.Interaction:
    """Mark the follow-up done and queue `FollowUpCompleted` (once)."""
    interaction = await repository.get(session, body.id)
    if interaction is None:
        raise ServiceError.not_found("interaction", body.id)
    if interaction.follow_up_done is None:
        raise ServiceError.conflict(f"interaction {body.id} has no follow-up")
    if not interaction.follow_up_done:
        interaction.follow_up_done = True
        await session.flush()
        await outbox.add(
            session,
            c.FollowUpCompleted(
                interaction_id=interaction.id, assignee_id=interaction.follow_up_assignee_id
            ),
            key=str(interaction.id),
        )
    return c.Interaction.model_validate(interaction)


async def list_for(session: AsyncSession, body: c.ListInteractionsFor) -> c.InteractionPage:
    """One page of an organisation's or a person's timeline, newest first."""
    if body.organization_id is not None:
        if not await organizations.existing_ids(session, [body.organization_id]):
            raise ServiceError.not_found("organization", body.organization_id)
    elif body.person_id is not None and not await people.existing_ids(session, [body.person_id]):
        raise ServiceError.not_found("person", body.person_id)
    after = None
    if body.after:
        occurred_at, last_id = read_after(body.after, c.TIMELINE_ORDER, [datetime, UUID])
        after = (occurred_at, last_id)
    rows = await repository.timeline(
        session,
        organization_id=body.organization_id,
        person_id=body.person_id,
        after=after,
        limit=body.first + 1,
    )
    return c.InteractionPage.of(rows, body.first, c.Interaction.model_validate, _cursor)


def _cursor(row: Interaction) -> str:
    return encode_cursor(c.TIMELINE_ORDER, [row.occurred_at, row.id])


async def list_for_many(
    session: AsyncSession, body: c.ListInteractionsForMany
) -> c.InteractionPages:
    """The first timeline page of each of many organisations or people (an unknown id has an
    empty one); each `next_cursor` continues through `list_for`."""
    grouped = await repository.timelines(
        session,
        organization_ids=body.organization_ids,
        person_ids=body.person_ids,
        limit=body.first + 1,
    )
    pages = []
    for owner_id in dict.fromkeys(body.organization_ids or body.person_ids):
        rows = grouped.get(owner_id, [])
        page = c.OwnerInteractionPage.of(
            rows, body.first, c.Interaction.model_validate, _cursor, owner_id=owner_id
        )
        pages.append(page)
    return c.InteractionPages(pages=pages)
