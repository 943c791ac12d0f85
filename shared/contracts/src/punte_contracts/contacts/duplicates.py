"""Duplicate suggestions for organisations and people."""

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from punte_contracts.contacts.common import (
    MAX_LIST,
    READ_PERMISSION,
    EmailText,
    PhoneText,
    SearchText,
)
from punte_contracts.contacts.organizations import Organization
from punte_contracts.contacts.people import Person
from punte_contracts.rpc import Contract, Request


class DuplicateReason(StrEnum):
    """Why two organisations (or two people) may be one."""

    SAME_CUI = "same_cui"
    SAME_EMAIL = "same_email"
    SAME_PHONE = "same_phone"
    SAME_NAME = "same_name"  # people: the same given and family name, diacritics aside
    SIMILAR_NAME = "similar_name"


class OrganizationDuplicate(Contract):
    """A possible duplicate, why, and how sure (1.0 for a shared CUI)."""

    organization: Organization
    reasons: list[DuplicateReason]
    score: float = Field(ge=0, le=1)


class OrganizationDuplicates(Contract):
    """Possible duplicates, most likely first (merged organisations are left out)."""

    items: list[OrganizationDuplicate]


class SuggestOrganizationDuplicates(Request[OrganizationDuplicates]):
    """Organisations that may be the same as a stored one (`organization_id`) or as a draft
    about to be created (name, CUI, e-mails, phones). Suggestions, never blocks: invalid draft
    identifiers are ignored here (create reports them)."""

    request_subject = "punte.contacts.organization.duplicate_suggestions"
    request_permission = READ_PERMISSION
    request_read_only = True

    organization_id: UUID | None = None
    legal_name: SearchText | None = None
    cui: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_LIST)
    phones: list[PhoneText] = Field(default_factory=list, max_length=MAX_LIST)
    limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _one_subject(self) -> "SuggestOrganizationDuplicates":
        draft = self.legal_name or self.cui or self.emails or self.phones
        if (self.organization_id is None) == (not draft):
            raise ValueError("give an organization_id or a draft, not both")
        return self


class PersonDuplicate(Contract):
    """A possible duplicate person, why, and how sure (0.9 for a shared e-mail)."""

    person: Person
    reasons: list[DuplicateReason]
    score: float = Field(ge=0, le=1)


class PersonDuplicates(Contract):
    """Possible duplicates, most likely first (merged people are left out)."""

    items: list[PersonDuplicate]


class SuggestPersonDuplicates(Request[PersonDuplicates]):
    """People who may be the same as a stored one (`person_id`) or as a draft about to be
    created (names, e-mails, phones): the same or a similar given+family name (diacritics,
    case and order aside), or a shared e-mail or phone. Suggestions, never blocks."""

    request_subject = "punte.contacts.person.duplicate_suggestions"
    request_permission = READ_PERMISSION
    request_read_only = True

    person_id: UUID | None = None
    given_name: SearchText | None = None
    family_name: SearchText | None = None
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_LIST)
    phones: list[PhoneText] = Field(default_factory=list, max_length=MAX_LIST)
    limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _one_subject(self) -> "SuggestPersonDuplicates":
        draft = self.given_name or self.family_name or self.emails or self.phones
        if (self.person_id is None) == (not draft):
            raise ValueError("give a person_id or a draft, not both")
        return self
