"""People: the read model and the requests that change one."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from punte_contracts.contacts.common import (
    MAX_LIST,
    MAX_NAME,
    READ_PERMISSION,
    WRITE_PERMISSION,
    EmailText,
    Name,
    Notes,
    OptionalShortText,
    PhoneText,
    Tag,
    _given_and_cleared,
)
from punte_contracts.field_names import names_literal, optional_fields
from punte_contracts.rpc import GetMany, ReadModel, Request


class Person(ReadModel):
    """A person as the service holds it (no CNP: the CRM must not collect it)."""

    id: UUID
    honorific: str | None
    given_name: str
    family_name: str
    job_title: str | None
    emails: list[str]
    phones: list[str]
    preferred_language: str
    tags: list[str]
    owner_id: UUID | None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime
    merged_into_id: UUID | None = None  # set while the person is merged into another


if TYPE_CHECKING:
    PersonClearable = str
else:
    PersonClearable = names_literal(optional_fields(Person))


class GetPeople(GetMany[Person]):
    """People by id, in one query."""

    request_subject = "punte.contacts.person.get_many"
    request_permission = READ_PERMISSION


class CreatePerson(Request[Person]):
    """Create a person."""

    request_subject = "punte.contacts.person.create"
    request_permission = WRITE_PERMISSION

    family_name: Name
    given_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME)] = ""
    honorific: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    job_title: OptionalShortText = None
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_LIST)
    phones: list[PhoneText] = Field(default_factory=list, max_length=MAX_LIST)
    preferred_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "ro"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_LIST)
    owner_id: UUID | None = None
    notes: Notes = ""


class UpdatePerson(Request[Person]):
    """Patch a person: non-null fields change, `clear` empties (see the module)."""

    request_subject = "punte.contacts.person.update"
    request_permission = WRITE_PERMISSION

    id: UUID
    expected_version: int = Field(ge=1)
    honorific: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    given_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME)] | None
    ) = None
    family_name: Name | None = None
    job_title: OptionalShortText = None
    emails: list[EmailText] | None = Field(default=None, max_length=MAX_LIST)
    phones: list[PhoneText] | None = Field(default=None, max_length=MAX_LIST)
    preferred_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_LIST)
    owner_id: UUID | None = None
    notes: Notes | None = None

    clear: list[PersonClearable] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _not_given_and_cleared(self) -> "UpdatePerson":
        _given_and_cleared(self, self.clear)
        return self
