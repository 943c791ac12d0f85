"""Affiliations: a person's roles at organisations."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field, model_validator

from punte_contracts.contacts.common import (
    MAX_PAGE,
    READ_PERMISSION,
    WRITE_PERMISSION,
    OptionalShortText,
)
from punte_contracts.rpc import Contract, ReadModel, Request


class Affiliation(ReadModel):
    """A person's role at an organisation over a period; ended ones stay as history."""

    id: UUID
    person_id: UUID
    organization_id: UUID
    role: str | None
    department: str | None
    start_date: date | None
    end_date: date | None
    is_primary: bool
    created_at: datetime


class AddAffiliation(Request[Affiliation]):
    """Link a person to an organisation; a primary one makes the person's others non-primary."""

    request_subject = "punte.contacts.affiliation.add"
    request_permission = WRITE_PERMISSION

    person_id: UUID
    organization_id: UUID
    role: OptionalShortText = None
    department: OptionalShortText = None
    start_date: date | None = None
    is_primary: bool = False


class EndAffiliation(Request[Affiliation]):
    """End an affiliation (it stays as history)."""

    request_subject = "punte.contacts.affiliation.end"
    request_permission = WRITE_PERMISSION

    id: UUID
    end_date: date


class AffiliationList(Contract):
    """Affiliations, current ones first, then by start date, newest first."""

    items: list[Affiliation]


class ListAffiliations(Request[AffiliationList]):
    """A person's or an organisation's affiliations (exactly one of the two ids)."""

    request_subject = "punte.contacts.affiliation.list"
    request_permission = READ_PERMISSION
    request_read_only = True

    person_id: UUID | None = None
    organization_id: UUID | None = None
    include_ended: bool = True

    @model_validator(mode="after")
    def _exactly_one_owner(self) -> "ListAffiliations":
        if (self.person_id is None) == (self.organization_id is None):
            raise ValueError("give exactly one of person_id and organization_id")
        return self


class OwnerAffiliations(Contract):
    """One person's or organisation's affiliations, ordered as in `AffiliationList`."""

    owner_id: UUID
    items: list[Affiliation]


class AffiliationLists(Contract):
    """One entry per id asked, in the order asked (an unknown id has no affiliations)."""

    lists: list[OwnerAffiliations]


class ListAffiliationsMany(Request[AffiliationLists]):
    """The affiliations of many people or of many organisations (exactly one list) at once."""

    request_subject = "punte.contacts.affiliation.list_many"
    request_permission = READ_PERMISSION
    request_read_only = True

    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    include_ended: bool = True

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "ListAffiliationsMany":
        if bool(self.person_ids) == bool(self.organization_ids):
            raise ValueError("give person_ids or organization_ids, not both")
        return self
