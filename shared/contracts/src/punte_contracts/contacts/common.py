"""Shared pieces of the contacts contracts: subjects, permissions, bounds and field types."""

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import StringConstraints

from punte_contracts.rpc import Contract

SERVICE = "contacts"

# Request subjects, one per endpoint.
ORGANIZATION_CREATE = "punte.contacts.organization.create"
ORGANIZATION_UPDATE = "punte.contacts.organization.update"
ORGANIZATION_ARCHIVE = "punte.contacts.organization.archive"
ORGANIZATION_GET_MANY = "punte.contacts.organization.get_many"
ORGANIZATION_SEARCH = "punte.contacts.organization.search"
ORGANIZATION_DUPLICATES = "punte.contacts.organization.duplicate_suggestions"
ORGANIZATION_COUNT = "punte.contacts.organization.count"
PERSON_CREATE = "punte.contacts.person.create"
PERSON_UPDATE = "punte.contacts.person.update"
PERSON_GET_MANY = "punte.contacts.person.get_many"
PERSON_SEARCH = "punte.contacts.person.search"
PERSON_COUNT = "punte.contacts.person.count"
PERSON_DUPLICATES = "punte.contacts.person.duplicate_suggestions"
PERSON_ERASE = "punte.contacts.person.erase"
PERSON_EXPORT = "punte.contacts.person.export_data"
AFFILIATION_ADD = "punte.contacts.affiliation.add"
AFFILIATION_END = "punte.contacts.affiliation.end"
AFFILIATION_LIST = "punte.contacts.affiliation.list"
AFFILIATION_LIST_MANY = "punte.contacts.affiliation.list_many"
CONSENT_SET = "punte.contacts.consent.set"
CONSENT_LIST = "punte.contacts.consent.list"
INTERACTION_LOG = "punte.contacts.interaction.log"
INTERACTION_LIST_FOR = "punte.contacts.interaction.list_for"
INTERACTION_LIST_FOR_MANY = "punte.contacts.interaction.list_for_many"
INTERACTION_COMPLETE_FOLLOW_UP = "punte.contacts.interaction.complete_follow_up"
ORGANIZATION_MERGE = "punte.contacts.organization.merge"
PERSON_MERGE = "punte.contacts.person.merge"
MERGE_UNDO = "punte.contacts.merge.undo"
ORGANIZATION_EXPORT = "punte.contacts.organization.export"
# A list export; PERSON_EXPORT is one person's data-subject export.
PERSON_EXPORT_FILE = "punte.contacts.person.export"
IMPORT_START = "punte.contacts.import.start"
IMPORT_APPLY = "punte.contacts.import.apply"
IMPORT_GET = "punte.contacts.import.get"
IMPORT_REVERT = "punte.contacts.import.revert"

WRITE_PERMISSION = "contacts:write"
READ_PERMISSION = "contacts:read"
IMPORT_PERMISSION = "contacts:import"  # imports need this or contacts:write

MAX_NAME = 300
MAX_SHORT_TEXT = 200
MAX_NOTES = 20_000
MAX_LIST = 50
MAX_PAGE = 100

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SHORT_TEXT)]
OptionalShortText = ShortText | None
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES)]
EmailText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Cursor = Annotated[str, StringConstraints(max_length=1000)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SHORT_TEXT)]


class CaenCode(Contract):
    """A CAEN activity code with its revision (Rev.2 and Rev.3 share shapes, not meanings)."""

    code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    revision: Literal["rev2", "rev3"]


class Address(Contract):
    """A postal address; the country is an ISO 3166-1 alpha-2 code."""

    street: OptionalShortText = None
    locality: OptionalShortText = None
    county: OptionalShortText = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = (
        None
    )
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RO"


def _given_and_cleared(model: Contract, clear: Sequence[str]) -> None:
    both = sorted(name for name in clear if getattr(model, name) is not None)
    if both:
        raise ValueError(f"given and cleared at once: {', '.join(both)}")
