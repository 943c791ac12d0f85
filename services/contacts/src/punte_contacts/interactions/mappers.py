"""Interaction rows to their contract shape."""

from uuid import UUID

from punte_contracts import contacts as c

from punte_contacts.interactions.models import Interaction


def to_contract(interaction: Interaction) -> c.Interaction:
    """The read model of an interaction row (participants loaded with it)."""
    follow_up = None
    if interaction.follow_up_done is not None:
        follow_up = c.FollowUp(
            assignee_id=interaction.follow_up_assignee_id,
            due_date=interaction.follow_up_due_date,
            done=interaction.follow_up_done,
        )
    return c.Interaction(
        id=interaction.id,
        kind=interaction.kind,
        occurred_at=interaction.occurred_at,
        subject=interaction.subject,
        summary=interaction.summary,
        author=interaction.author,
        person_ids=[p.person_id for p in interaction.people],
        organization_ids=[o.organization_id for o in interaction.organizations],
        event_ids=[UUID(i) for i in interaction.event_ids],
        project_ids=[UUID(i) for i in interaction.project_ids],
        follow_up=follow_up,
        created_at=interaction.created_at,
    )
