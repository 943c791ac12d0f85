"""Every model of the service, imported so the metadata is complete (Alembic, tests)."""

from punte_contacts.imports.models import ImportJob, ImportRow, ImportRowResult
from punte_contacts.interactions.models import (
    Interaction,
    InteractionOrganization,
    InteractionPerson,
)
from punte_contacts.merges.models import MergeRecord
from punte_contacts.models import Base, messaging_tables, metadata
from punte_contacts.organizations.models import ContactPoint, Organization, SearchWord
from punte_contacts.people.models import Affiliation, ConsentRecord, Person

__all__ = [
    "Affiliation",
    "Base",
    "ConsentRecord",
    "ContactPoint",
    "ImportJob",
    "ImportRow",
    "ImportRowResult",
    "Interaction",
    "InteractionOrganization",
    "InteractionPerson",
    "MergeRecord",
    "Organization",
    "Person",
    "SearchWord",
    "messaging_tables",
    "metadata",
]
