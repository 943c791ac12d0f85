"""Organisations: the read model and the requests that change one."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from punte_contracts.contacts.common import (
    MAX_LIST,
    READ_PERMISSION,
    WRITE_PERMISSION,
    Address,
    CaenCode,
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


class OrganizationKind(StrEnum):
    """What kind of body an organisation is."""

    COMPANY = "company"
    ASSOCIATION = "association"
    PUBLIC_AUTHORITY = "public_authority"
    CHAMBER = "chamber"
    MEDIA_OUTLET = "media_outlet"
    EDUCATION_RESEARCH = "education_research"
    INTERNATIONAL_BODY = "international_body"
    OTHER = "other"


class OrganizationSource(StrEnum):
    """Where a record came from."""

    MANUAL = "manual"
    IMPORT = "import"
    CHAMBER = "chamber"


class OrganizationStatus(StrEnum):
    """An organisation's life-cycle state; archiving makes it inactive."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    MERGED = "merged"


class SizeBand(StrEnum):
    """EU SME size class by headcount: micro <10, small <50, medium <250, large."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Organization(ReadModel):
    """An organisation as the service holds it."""

    id: UUID
    kind: OrganizationKind
    legal_name: str
    short_name: str | None
    cui: str | None
    trade_register: str | None
    caen_codes: list[CaenCode]
    address: Address
    website: str | None
    emails: list[str]
    phones: list[str]
    sectors: list[str]
    size_band: SizeBand | None
    tags: list[str]
    owner_id: UUID | None
    department: str | None
    founded_on: date | None = None
    source: OrganizationSource
    status: OrganizationStatus
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime
    merged_into_id: UUID | None = None  # set while the record is merged into another


if TYPE_CHECKING:
    OrganizationClearable = str
else:
    OrganizationClearable = names_literal(optional_fields(Organization))


class GetOrganizations(GetMany[Organization]):
    """Organisations by id, in one query."""

    request_subject = "punte.contacts.organization.get_many"
    request_permission = READ_PERMISSION


class CreateOrganization(Request[Organization]):
    """Create an organisation. CUI accepts an `RO` prefix and spaces; stored as digits."""

    request_subject = "punte.contacts.organization.create"
    request_permission = WRITE_PERMISSION

    kind: OrganizationKind
    legal_name: Name
    short_name: OptionalShortText = None
    cui: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    trade_register: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None
    ) = None
    caen_codes: list[CaenCode] = Field(default_factory=list, max_length=MAX_LIST)
    address: Address = Field(default_factory=Address)
    website: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_LIST)
    phones: list[PhoneText] = Field(default_factory=list, max_length=MAX_LIST)
    sectors: list[Tag] = Field(default_factory=list, max_length=MAX_LIST)
    size_band: SizeBand | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_LIST)
    owner_id: UUID | None = None
    department: OptionalShortText = None
    founded_on: date | None = None
    source: OrganizationSource = OrganizationSource.MANUAL
    notes: Notes = ""


class UpdateOrganization(Request[Organization]):
    """Patch an organisation: non-null fields change, `clear` empties (see the module)."""

    request_subject = "punte.contacts.organization.update"
    request_permission = WRITE_PERMISSION

    id: UUID
    expected_version: int = Field(ge=1)
    kind: OrganizationKind | None = None
    legal_name: Name | None = None
    short_name: OptionalShortText = None
    cui: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    trade_register: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None
    ) = None
    caen_codes: list[CaenCode] | None = Field(default=None, max_length=MAX_LIST)
    address: Address | None = None
    website: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    emails: list[EmailText] | None = Field(default=None, max_length=MAX_LIST)
    phones: list[PhoneText] | None = Field(default=None, max_length=MAX_LIST)
    sectors: list[Tag] | None = Field(default=None, max_length=MAX_LIST)
    size_band: SizeBand | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_LIST)
    owner_id: UUID | None = None
    department: OptionalShortText = None
    founded_on: date | None = None
    status: Literal[OrganizationStatus.ACTIVE, OrganizationStatus.INACTIVE] | None = None
    notes: Notes | None = None

    clear: list[OrganizationClearable] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _not_given_and_cleared(self) -> "UpdateOrganization":
        _given_and_cleared(self, self.clear)
        return self


class ArchiveOrganization(Request[Organization]):
    """Archive (make inactive) an organisation."""

    request_subject = "punte.contacts.organization.archive"
    request_permission = WRITE_PERMISSION

    id: UUID
    expected_version: int = Field(ge=1)
