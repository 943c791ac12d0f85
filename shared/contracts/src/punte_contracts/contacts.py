"""Contracts of the contacts service: organisations, people, affiliations, interactions.

Request subjects are `punte.contacts.<entity>.<action>` (the constants below). Text fields
have hard maximum lengths, so a huge field is a `validation_failed` error at the boundary.
Writes need `contacts:write`, re-checked by the service (`forbidden` otherwise).

Update requests are patches: a field left out or `null` is unchanged, a value sent replaces
the old one (a list or the address replaces the whole of it; `[]` or `""` empties), the optional
fields named in `clear` become null. A field both given and cleared is refused. Every update
carries the `expected_version` the caller read; a stale version is a `conflict` and nothing
is written. (Null-means-unchanged survives `model_dump_json()`, which sends every field.)

Identifier checks that need libraries (CUI, trade register, e-mail, phone) are done by the
service, which answers `validation_failed` with the field's path (e.g. `["emails", 1]`) and
returns the normalised form (CUI digits without `RO`, phones in E.164, e-mails normalised).

Messages carry ids, the new version and the names of changed fields, never personal data:
consumers fetch what they need through `get_many` (so an erased person leaves no trace in
the stream).
"""

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from punte_contracts.envelope import DomainMessage
from punte_contracts.errors import FieldError
from punte_contracts.files import StagedFile
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


class InteractionKind(StrEnum):
    """What sort of contact took place."""

    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    NOTE = "note"
    EVENT_ATTENDANCE = "event_attendance"


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


# ---- read models ----------------------------------------------------------------------------


class Organization(Contract):
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
    source: OrganizationSource
    status: OrganizationStatus
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime
    merged_into_id: UUID | None = None  # set while the record is merged into another


class Person(Contract):
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


class Affiliation(Contract):
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


class FollowUp(Contract):
    """A task that follows an interaction."""

    assignee_id: UUID | None = None
    due_date: date | None = None
    done: bool = False


class Interaction(Contract):
    """A meeting, call, e-mail, visit, note or event attendance, with who took part."""

    id: UUID
    kind: InteractionKind
    occurred_at: datetime
    subject: str
    summary: str
    author: str | None
    person_ids: list[UUID]
    organization_ids: list[UUID]
    event_ids: list[UUID]
    project_ids: list[UUID]
    follow_up: FollowUp | None
    created_at: datetime


# ---- inputs ---------------------------------------------------------------------------------

OrganizationClearable = Literal[
    "short_name", "cui", "trade_register", "website", "size_band", "owner_id", "department"
]
PersonClearable = Literal["honorific", "job_title", "owner_id"]


class CreateOrganization(Contract):
    """Create an organisation. CUI accepts an `RO` prefix and spaces; stored as digits."""

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
    source: OrganizationSource = OrganizationSource.MANUAL
    notes: Notes = ""


class UpdateOrganization(Contract):
    """Patch an organisation: non-null fields change, `clear` empties (see the module)."""

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
    status: Literal[OrganizationStatus.ACTIVE, OrganizationStatus.INACTIVE] | None = None
    notes: Notes | None = None

    clear: list[OrganizationClearable] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _not_given_and_cleared(self) -> "UpdateOrganization":
        _given_and_cleared(self, self.clear)
        return self


class ArchiveOrganization(Contract):
    """Archive (make inactive) an organisation."""

    id: UUID
    expected_version: int = Field(ge=1)


class CreatePerson(Contract):
    """Create a person."""

    honorific: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    given_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME)] = ""
    family_name: Name
    job_title: OptionalShortText = None
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_LIST)
    phones: list[PhoneText] = Field(default_factory=list, max_length=MAX_LIST)
    preferred_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "ro"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_LIST)
    owner_id: UUID | None = None
    notes: Notes = ""


class UpdatePerson(Contract):
    """Patch a person: non-null fields change, `clear` empties (see the module)."""

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


class AddAffiliation(Contract):
    """Link a person to an organisation; a primary one makes the person's others non-primary."""

    person_id: UUID
    organization_id: UUID
    role: OptionalShortText = None
    department: OptionalShortText = None
    start_date: date | None = None
    is_primary: bool = False


class EndAffiliation(Contract):
    """End an affiliation (it stays as history)."""

    id: UUID
    end_date: date


class ListAffiliations(Contract):
    """A person's or an organisation's affiliations (exactly one of the two ids)."""

    person_id: UUID | None = None
    organization_id: UUID | None = None
    include_ended: bool = True

    @model_validator(mode="after")
    def _exactly_one_owner(self) -> "ListAffiliations":
        if (self.person_id is None) == (self.organization_id is None):
            raise ValueError("give exactly one of person_id and organization_id")
        return self


class AffiliationList(Contract):
    """Affiliations, current ones first, then by start date, newest first."""

    items: list[Affiliation]


class ListAffiliationsMany(Contract):
    """The affiliations of many people or of many organisations (exactly one list) at once."""

    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    include_ended: bool = True

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "ListAffiliationsMany":
        if bool(self.person_ids) == bool(self.organization_ids):
            raise ValueError("give person_ids or organization_ids, not both")
        return self


class OwnerAffiliations(Contract):
    """One person's or organisation's affiliations, ordered as in `AffiliationList`."""

    owner_id: UUID
    items: list[Affiliation]


class AffiliationLists(Contract):
    """One entry per id asked, in the order asked (an unknown id has no affiliations)."""

    lists: list[OwnerAffiliations]


class LogInteraction(Contract):
    """Record an interaction with at least one participating person or organisation."""

    kind: InteractionKind
    occurred_at: AwareDatetime
    subject: Name
    summary: Notes = ""
    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)
    organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)
    event_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)
    project_ids: list[UUID] = Field(default_factory=list, max_length=MAX_LIST)
    follow_up: FollowUp | None = None

    @model_validator(mode="after")
    def _someone_took_part(self) -> "LogInteraction":
        if not self.person_ids and not self.organization_ids:
            raise ValueError("an interaction needs at least one person or organisation")
        return self


class CompleteFollowUp(Contract):
    """Mark an interaction's follow-up done (done again is a no-op)."""

    id: UUID


class ListInteractionsFor(Contract):
    """The timeline of an organisation or a person (exactly one), newest first."""

    organization_id: UUID | None = None
    person_id: UUID | None = None
    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None

    @model_validator(mode="after")
    def _exactly_one_owner(self) -> "ListInteractionsFor":
        if (self.person_id is None) == (self.organization_id is None):
            raise ValueError("give exactly one of person_id and organization_id")
        return self


class InteractionPage(Contract):
    """One page of a timeline; `next_cursor` is None on the last page."""

    items: list[Interaction]
    next_cursor: str | None = None


class ListInteractionsForMany(Contract):
    """The first page of the timelines of many organisations or many people (exactly one
    list) at once; later pages go through `ListInteractionsFor` with the `next_cursor`."""

    organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    first: int = Field(default=20, ge=1, le=MAX_PAGE)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "ListInteractionsForMany":
        if bool(self.person_ids) == bool(self.organization_ids):
            raise ValueError("give organization_ids or person_ids, not both")
        return self


class OwnerInteractionPage(Contract):
    """The first page of one owner's timeline."""

    owner_id: UUID
    items: list[Interaction]
    next_cursor: str | None = None


class InteractionPages(Contract):
    """One first page per id asked, in the order asked."""

    pages: list[OwnerInteractionPage]


class ConsentPurpose(StrEnum):
    """What a person's data may be used for beyond the public task."""

    NEWSLETTER = "newsletter"
    EVENT_INVITATIONS = "event_invitations"
    PRESS_LISTS = "press_lists"


class ConsentChannel(StrEnum):
    """How the person may be reached for that purpose."""

    EMAIL = "email"
    PHONE = "phone"
    POST = "post"


class LegalBasis(StrEnum):
    """GDPR art. 6(1) basis; legitimate interest is not open to a public authority's tasks."""

    PUBLIC_TASK = "public_task"
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"


class SetConsent(Contract):
    """Record a person's consent (or its withdrawal) for a purpose on a channel.

    Setting the state already in force records nothing and publishes nothing."""

    person_id: UUID
    purpose: ConsentPurpose
    channel: ConsentChannel
    granted: bool
    basis: LegalBasis = LegalBasis.CONSENT
    at: AwareDatetime | None = None  # when the person gave or withdrew it; now if omitted
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Consent(Contract):
    """One consent record; the newest per (purpose, channel) is the state in force."""

    id: UUID
    person_id: UUID
    purpose: ConsentPurpose
    channel: ConsentChannel
    granted: bool
    basis: LegalBasis
    at: datetime
    source: str
    recorded_by: str | None
    recorded_at: datetime


class ListConsents(Contract):
    """A person's consents: the state in force per purpose and channel, or the whole history."""

    person_id: UUID
    history: bool = False


class ConsentList(Contract):
    """Consents, newest first."""

    items: list[Consent]


class ErasePerson(Contract):
    """GDPR erasure: remove the person and everything naming them from this service.

    Deletes the person, their affiliations, consents and contact points, and scrubs their
    names, e-mails and phones out of the subjects and summaries of the interactions they took
    part in. Irreversible; other services act on `PersonErased`."""

    id: UUID


class ErasureReport(Contract):
    """What an erasure removed."""

    person_id: UUID
    affiliations_removed: int
    consents_removed: int
    interactions_scrubbed: int


class ExportPersonData(Contract):
    """GDPR access: everything this service holds on a person."""

    id: UUID


class PersonDataExport(Contract):
    """This service's part of a data-subject access answer (JSON)."""

    person: Person
    affiliations: list[Affiliation]
    consents: list[Consent]
    interactions: list[Interaction]
    exported_at: datetime


# ---- search ---------------------------------------------------------------------------------


class SortField(StrEnum):
    """What a search sorts by when told (otherwise: relevance with a text, else name)."""

    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


class SortDirection(StrEnum):
    """Ascending or descending."""

    ASC = "asc"
    DESC = "desc"


class SearchOrder(Contract):
    """An explicit order; ties are broken by id in the same direction. A cursor only works
    with the order it was given under (another is `validation_failed` at `["after"]`)."""

    field: SortField
    direction: SortDirection = SortDirection.ASC


class SearchCount(Contract):
    """How many records match a filter, over all pages."""

    total: int


class OrganizationFilter(Contract):
    """Which organisations a search or an export covers (see `SearchOrganizations`).

    Also the body of `organization.count`."""

    query: SearchText = ""
    kind: OrganizationKind | None = None
    tag: Tag | None = None
    locality: OptionalShortText = None
    county: OptionalShortText = None
    status: OrganizationStatus | None = None
    caen_code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    owner_id: UUID | None = None
    department: OptionalShortText = None
    order_by: SearchOrder | None = None


class SearchOrganizations(OrganizationFilter):
    """Search organisations, case- and diacritic-insensitive on names. Without `order_by`,
    in rank order: exact CUI, e-mail or phone and name prefixes first, then names holding
    every word of the text, then (PostgreSQL only) names merely similar to it (typos); within
    a rank by name. With `order_by`, the same matches in that order. Filters combine with
    AND; an empty query lists everything in name order. Cursor pages."""

    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class OrganizationPage(Contract):
    """One page of organisations; `next_cursor` is None on the last page."""

    items: list[Organization]
    next_cursor: str | None = None


class PersonFilter(Contract):
    """Which people a search covers; also the body of `person.count`."""

    query: SearchText = ""
    tag: Tag | None = None
    owner_id: UUID | None = None
    order_by: SearchOrder | None = None


class SearchPeople(PersonFilter):
    """Search people by name (as for organisations, `order_by` too), exact on e-mail and
    phone; filters."""

    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class PersonPage(Contract):
    """One page of people; `next_cursor` is None on the last page."""

    items: list[Person]
    next_cursor: str | None = None


class DuplicateReason(StrEnum):
    """Why two organisations (or two people) may be one."""

    SAME_CUI = "same_cui"
    SAME_EMAIL = "same_email"
    SAME_PHONE = "same_phone"
    SAME_NAME = "same_name"  # people: the same given and family name, diacritics aside
    SIMILAR_NAME = "similar_name"


class SuggestOrganizationDuplicates(Contract):
    """Organisations that may be the same as a stored one (`organization_id`) or as a draft
    about to be created (name, CUI, e-mails, phones). Suggestions, never blocks: invalid draft
    identifiers are ignored here (create reports them)."""

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


class OrganizationDuplicate(Contract):
    """A possible duplicate, why, and how sure (1.0 for a shared CUI)."""

    organization: Organization
    reasons: list[DuplicateReason]
    score: float = Field(ge=0, le=1)


class OrganizationDuplicates(Contract):
    """Possible duplicates, most likely first (merged organisations are left out)."""

    items: list[OrganizationDuplicate]


class SuggestPersonDuplicates(Contract):
    """People who may be the same as a stored one (`person_id`) or as a draft about to be
    created (names, e-mails, phones): the same or a similar given+family name (diacritics,
    case and order aside), or a shared e-mail or phone. Suggestions, never blocks."""

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


class PersonDuplicate(Contract):
    """A possible duplicate person, why, and how sure (0.9 for a shared e-mail)."""

    person: Person
    reasons: list[DuplicateReason]
    score: float = Field(ge=0, le=1)


class PersonDuplicates(Contract):
    """Possible duplicates, most likely first (merged people are left out)."""

    items: list[PersonDuplicate]


# ---- export ---------------------------------------------------------------------------------

# The file is staged in the object store (punte_contracts.files), so only rows are bounded.
EXPORT_MAX_ROWS = 200_000


class ExportFormat(StrEnum):
    """A spreadsheet format staff open."""

    CSV = "csv"
    XLSX = "xlsx"


class ExportOrganizations(OrganizationFilter):
    """The organisations a search would list (same filters, same order), as a file.

    CSV: RFC 4180, comma-separated, CRLF line ends, UTF-8 with a BOM (so Excel reads the
    diacritics); lists in a cell are joined with "; ", CAEN codes as `6201/rev2`. A cell that
    a spreadsheet would run as a formula (`=`, `@`, or `+`/`-` not followed by a number) gets
    a leading `'`. XLSX: one sheet, the same columns, every text stored as text. The headers
    are the import's field names, so an export imports back with no mapping to write.
    More than `EXPORT_MAX_ROWS` rows, or a file over `STAGED_FILE_MAX_BYTES`, is a
    `validation_failed` error asking to narrow the filter."""

    format: ExportFormat = ExportFormat.CSV


class ExportPeople(PersonFilter):
    """The people a search would list (same filters, same order), as a file; the same CSV
    and XLSX rules and bounds as `ExportOrganizations`. The columns are the person import's
    field names (an export imports back with no mapping), then read-only ones the import
    ignores: `organizations` and `roles` (current affiliations, primary first, "; "-joined,
    in the same order), `owner_id` and `id`. Merged people are left out."""

    format: ExportFormat = ExportFormat.CSV


class ExportFile(Contract):
    """A generated file, staged for download (`file.id`), and how many rows it holds;
    `filename` and `media_type` repeat the staged file's."""

    file: StagedFile
    filename: str
    media_type: str
    rows: int


# ---- import ---------------------------------------------------------------------------------

# An inline file travels base64-encoded in one NATS request (1 MB max payload); a staged file
# (punte_contracts.files) may be up to STAGED_FILE_MAX_BYTES.
IMPORT_MAX_BYTES = 700_000
# Reading and storing 100,000 rows takes ~3 s of the start request (under its 5 s timeout).
IMPORT_MAX_ROWS = 100_000
IMPORT_REPORTED_ROWS = 1_000
# Larger files are checked in the background: a request must answer within seconds.
IMPORT_CHECKED_AT_ONCE_ROWS = 2_000


class ImportKind(StrEnum):
    """What a file holds, one record a row."""

    ORGANIZATIONS = "organizations"
    PEOPLE = "people"


class ImportMode(StrEnum):
    """What rows do: create new records, update existing ones (found by natural key: CUI for
    organisations, e-mail for people), or both."""

    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"


class ImportStatus(StrEnum):
    """An import's life: being checked in the background (a large file's dry run, with
    progress), checked (dry run), being applied in the background, done, undone."""

    VALIDATING = "validating"
    VALIDATED = "validated"
    APPLYING = "applying"
    APPLIED = "applied"
    REVERTED = "reverted"


class ImportAction(StrEnum):
    """What a row does (dry run) or did (applied): `unchanged` rows match a record that
    already holds their values (a re-run), `skip` rows have errors or nothing to act on."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


OrganizationImportField = Literal[
    "legal_name",
    "short_name",
    "kind",
    "cui",
    "trade_register",
    "street",
    "locality",
    "county",
    "postal_code",
    "country",
    "website",
    "emails",
    "phones",
    "sectors",
    "tags",
    "department",
    "notes",
]
PersonImportField = Literal[
    "honorific",
    "given_name",
    "family_name",
    "job_title",
    "emails",
    "phones",
    "preferred_language",
    "tags",
    "notes",
]
HeaderText = Annotated[str, StringConstraints(max_length=200)]


class StartImport(Contract):
    """Upload a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file (first
    sheet) with a header row, and get the dry run: nothing is written but the job.

    `mapping` maps a column header to a field (`OrganizationImportField` or
    `PersonImportField`); unmapped columns are ignored; an empty mapping takes the headers
    that are field names (an export imports back as it is). Cells holding lists (e-mails,
    phones, tags, sectors) separate values with `;` or `,`.

    The file is either staged (`staged_file_id`, up to `STAGED_FILE_MAX_BYTES`; `filename`
    defaults to the staged file's name) or inline (`content_base64`, up to `IMPORT_MAX_BYTES`,
    `filename` required); exactly one of the two. Over the size, over `IMPORT_MAX_ROWS` rows,
    or not a CSV/XLSX file: `validation_failed`; an unknown or expired staged file:
    `not_found`.

    A file of up to `IMPORT_CHECKED_AT_ONCE_ROWS` rows is checked before the answer, which is
    `validated` with its per-row errors. A larger one is read and stored, and the answer is
    `validating` at once: its rows are checked in the background, chunk by chunk (follow
    `progress` with `GetImport`), and the job becomes `validated` with the same report."""

    kind: ImportKind
    mode: ImportMode = ImportMode.UPSERT
    filename: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    staged_file_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    content_base64: (
        Annotated[str, StringConstraints(max_length=(IMPORT_MAX_BYTES * 4) // 3 + 4)] | None
    ) = None
    mapping: dict[HeaderText, Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=dict, max_length=100
    )

    @model_validator(mode="after")
    def _one_file(self) -> "StartImport":
        if (self.staged_file_id is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of staged_file_id and content_base64")
        if self.content_base64 is not None and self.filename is None:
            raise ValueError("filename is required with content_base64")
        return self


class ImportRowReport(Contract):
    """One row: its line in the file (the header is line 1), what it does or did, the record
    it acts on, and its errors (paths name the field)."""

    line: int
    action: ImportAction
    target_id: UUID | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ImportCounts(Contract):
    """Rows per action."""

    create: int = 0
    update: int = 0
    unchanged: int = 0
    skip: int = 0


class ImportJob(Contract):
    """An import: its dry run (`planned`), and once applied what it did (`done`), with
    progress. `rows` holds up to `IMPORT_REPORTED_ROWS` row reports, rows with errors first;
    `rows_truncated` says when there were more. While `validating`, `progress` is the share
    of rows checked, `planned` and `error_rows` count those so far, and `rows` is empty;
    while `applying`, `progress` and `done` count the rows applied so far, and `rows` is
    empty too (the reports come with `validated` and `applied`)."""

    id: UUID
    kind: ImportKind
    mode: ImportMode
    filename: str
    status: ImportStatus
    total_rows: int
    rows_done: int
    progress: float = Field(ge=0, le=1)
    error_rows: int
    planned: ImportCounts
    done: ImportCounts
    rows: list[ImportRowReport]
    rows_truncated: bool
    created_at: datetime
    applied_at: datetime | None
    reverted_at: datetime | None


class ApplyImport(Contract):
    """Apply a validated import in the background (rows with errors are skipped); follow it
    with `GetImport`. Applying twice, or while still `validating`, is a `conflict`."""

    id: UUID


class GetImport(Contract):
    """An import's state and progress."""

    id: UUID


class RevertImport(Contract):
    """Undo an applied import: delete what it created and put back what it updated, except
    records changed since (or, for created ones, now linked to affiliations or interactions):
    those are reported as conflicts and left alone."""

    id: UUID


class ImportRevertReport(Contract):
    """What a revert did."""

    job: ImportJob
    deleted: int
    restored: int
    conflicts: list[ImportRowReport]


# ---- merge ----------------------------------------------------------------------------------

OrganizationMergeField = Literal[
    "kind",
    "legal_name",
    "short_name",
    "cui",
    "trade_register",
    "caen_codes",
    "address",
    "website",
    "sectors",
    "size_band",
    "owner_id",
    "department",
    "notes",
]
PersonMergeField = Literal[
    "honorific", "given_name", "family_name", "job_title", "preferred_language", "owner_id", "notes"
]


class MergeEntity(StrEnum):
    """What kind of record a merge joined."""

    ORGANIZATION = "organization"
    PERSON = "person"


def _two_records(primary_id: UUID, secondary_id: UUID) -> None:
    if primary_id == secondary_id:
        raise ValueError("a record cannot be merged into itself")


class MergeOrganizations(Contract):
    """Merge the secondary organisation into the primary.

    The primary keeps its fields except those named in `take_from_secondary` (taken from the
    secondary, empty values included). Tags, e-mails and phones are united without repeats
    (e-mails compared case-insensitively, phones in E.164); affiliations and interaction
    participations move to the primary. The secondary stays, with status `merged` and
    `merged_into_id`, and the merge keeps a snapshot of everything it changed, so
    `punte.contacts.merge.undo` can restore both. Both versions must be the ones read."""

    primary_id: UUID
    primary_expected_version: int = Field(ge=1)
    secondary_id: UUID
    secondary_expected_version: int = Field(ge=1)
    take_from_secondary: list[OrganizationMergeField] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _distinct(self) -> "MergeOrganizations":
        _two_records(self.primary_id, self.secondary_id)
        return self


class MergePeople(Contract):
    """Merge the secondary person into the primary (as for organisations); affiliations,
    interaction participations and the consent history move to the primary. The secondary
    stays, marked with `merged_into_id`, out of search results; it can no longer be changed."""

    primary_id: UUID
    primary_expected_version: int = Field(ge=1)
    secondary_id: UUID
    secondary_expected_version: int = Field(ge=1)
    take_from_secondary: list[PersonMergeField] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _distinct(self) -> "MergePeople":
        _two_records(self.primary_id, self.secondary_id)
        return self


class MergeResult(Contract):
    """What a merge did; `merge_id` is what `UndoMerge` takes."""

    merge_id: UUID
    entity: MergeEntity
    primary_id: UUID
    secondary_id: UUID
    primary_version: int
    secondary_version: int
    moved_affiliations: int
    moved_interactions: int
    moved_consents: int
    merged_at: datetime


class UndoMerge(Contract):
    """Undo a merge: both records, affiliations, interaction participations and consents go
    back to their state before it (versions move forward). A merge already undone, or whose
    primary or secondary changed since (version moved), is a `conflict`."""

    merge_id: UUID


class UndoMergeResult(Contract):
    """What an undo restored."""

    merge_id: UUID
    entity: MergeEntity
    primary_id: UUID
    secondary_id: UUID
    primary_version: int
    secondary_version: int
    undone_at: datetime


# ---- messages -------------------------------------------------------------------------------


class _ContactsMessage(DomainMessage):
    message_service: ClassVar[str] = SERVICE


class OrganizationCreated(_ContactsMessage):
    """An organisation was created."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "created"

    organization_id: UUID
    version: int
    kind: OrganizationKind


class OrganizationUpdated(_ContactsMessage):
    """An organisation changed; `changed` names the fields."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "updated"

    organization_id: UUID
    version: int
    changed: list[str]


class OrganizationArchived(_ContactsMessage):
    """An organisation was archived (made inactive)."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "archived"

    organization_id: UUID
    version: int


class PersonCreated(_ContactsMessage):
    """A person was created."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "created"

    person_id: UUID
    version: int


class PersonUpdated(_ContactsMessage):
    """A person changed; `changed` names the fields."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "updated"

    person_id: UUID
    version: int
    changed: list[str]


class AffiliationAdded(_ContactsMessage):
    """A person was linked to an organisation."""

    message_entity: ClassVar[str] = "affiliation"
    message_verb: ClassVar[str] = "added"

    affiliation_id: UUID
    person_id: UUID
    organization_id: UUID
    is_primary: bool


class AffiliationEnded(_ContactsMessage):
    """An affiliation ended."""

    message_entity: ClassVar[str] = "affiliation"
    message_verb: ClassVar[str] = "ended"

    affiliation_id: UUID
    person_id: UUID
    organization_id: UUID
    end_date: date


class InteractionLogged(_ContactsMessage):
    """An interaction was recorded."""

    message_entity: ClassVar[str] = "interaction"
    message_verb: ClassVar[str] = "logged"

    interaction_id: UUID
    kind: InteractionKind
    occurred_at: datetime
    person_ids: list[UUID]
    organization_ids: list[UUID]
    event_ids: list[UUID]
    project_ids: list[UUID]


class FollowUpCompleted(_ContactsMessage):
    """An interaction's follow-up task was done."""

    message_entity: ClassVar[str] = "interaction"
    message_verb: ClassVar[str] = "follow_up_completed"

    interaction_id: UUID
    assignee_id: UUID | None


class ConsentChanged(_ContactsMessage):
    """A person's consent for a purpose on a channel changed."""

    message_entity: ClassVar[str] = "consent"
    message_verb: ClassVar[str] = "changed"

    person_id: UUID
    purpose: ConsentPurpose
    channel: ConsentChannel
    granted: bool
    basis: LegalBasis


class PersonErased(_ContactsMessage):
    """A person was erased here; consumers remove or anonymise what they hold on them."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "erased"

    person_id: UUID


class OrganizationMerged(_ContactsMessage):
    """The secondary organisation was merged into the primary: re-point references."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "merged"

    merge_id: UUID
    primary_id: UUID
    secondary_id: UUID
    primary_version: int


class OrganizationUnmerged(_ContactsMessage):
    """A merge of organisations was undone: both exist again as before it."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "unmerged"

    merge_id: UUID
    primary_id: UUID
    secondary_id: UUID


class PersonMerged(_ContactsMessage):
    """The secondary person was merged into the primary: re-point references."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "merged"

    merge_id: UUID
    primary_id: UUID
    secondary_id: UUID
    primary_version: int


class PersonUnmerged(_ContactsMessage):
    """A merge of people was undone: both exist again as before it."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "unmerged"

    merge_id: UUID
    primary_id: UUID
    secondary_id: UUID


class OrganizationDeleted(_ContactsMessage):
    """An organisation was deleted (an import that created it was reverted)."""

    message_entity: ClassVar[str] = "organization"
    message_verb: ClassVar[str] = "deleted"

    organization_id: UUID


class PersonDeleted(_ContactsMessage):
    """A person was deleted (an import that created them was reverted)."""

    message_entity: ClassVar[str] = "person"
    message_verb: ClassVar[str] = "deleted"

    person_id: UUID


class ImportValidateRequested(_ContactsMessage):
    """Work item of the background dry run: check the next chunk of an import's rows, those
    after `after_line` (internal)."""

    message_entity: ClassVar[str] = "import"
    message_verb: ClassVar[str] = "validate_requested"

    import_id: UUID
    chunk: int
    after_line: int


class ImportApplyRequested(_ContactsMessage):
    """Work item of the background apply: the next chunk of an import (internal)."""

    message_entity: ClassVar[str] = "import"
    message_verb: ClassVar[str] = "apply_requested"

    import_id: UUID
    chunk: int


class ImportApplied(_ContactsMessage):
    """An import finished applying."""

    message_entity: ClassVar[str] = "import"
    message_verb: ClassVar[str] = "applied"

    import_id: UUID
    created: int
    updated: int


class ImportReverted(_ContactsMessage):
    """An import was reverted."""

    message_entity: ClassVar[str] = "import"
    message_verb: ClassVar[str] = "reverted"

    import_id: UUID
