"""Every model of the service, imported so the metadata is complete (Alembic, tests)."""

from punte_contacts.imports.models import ImportJob, ImportRowResult
from punte_contacts.interactions.models import (
    Interaction,
    InteractionOrganization,
    InteractionPerson,
)
from punte_contacts.merges.models import MergeRecord
from punte_contacts.models import Base, messaging_tables, metadata
from punte_contacts.organizations.models import ContactPoint, Organization
from punte_contacts.people.models import Affiliation, ConsentRecord, Person

__all__ = [
    "Affiliation",
    "Base",
    "ConsentRecord",
    "ContactPoint",
    "ImportJob",
    "ImportRowResult",
    "Interaction",
    "InteractionOrganization",
    "InteractionPerson",
    "MergeRecord",
    "Organization",
    "Person",
    "messaging_tables",
    "metadata",
]
