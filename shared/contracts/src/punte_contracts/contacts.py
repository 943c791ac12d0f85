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
from punte_contracts.rpc import Contract

SERVICE = "contacts"

# Request subjects, one per endpoint.
ORGANIZATION_CREATE = "punte.contacts.organization.create"
ORGANIZATION_UPDATE = "punte.contacts.organization.update"
ORGANIZATION_ARCHIVE = "punte.contacts.organization.archive"
ORGANIZATION_GET_MANY = "punte.contacts.organization.get_many"
ORGANIZATION_SEARCH = "punte.contacts.organization.search"
ORGANIZATION_DUPLICATES = "punte.contacts.organization.duplicate_suggestions"
PERSON_CREATE = "punte.contacts.person.create"
PERSON_UPDATE = "punte.contacts.person.update"
PERSON_GET_MANY = "punte.contacts.person.get_many"
PERSON_SEARCH = "punte.contacts.person.search"
PERSON_ERASE = "punte.contacts.person.erase"
PERSON_EXPORT = "punte.contacts.person.export_data"
AFFILIATION_ADD = "punte.contacts.affiliation.add"
AFFILIATION_END = "punte.contacts.affiliation.end"
AFFILIATION_LIST = "punte.contacts.affiliation.list"
CONSENT_SET = "punte.contacts.consent.set"
CONSENT_LIST = "punte.contacts.consent.list"
INTERACTION_LOG = "punte.contacts.interaction.log"
INTERACTION_LIST_FOR = "punte.contacts.interaction.list_for"
INTERACTION_COMPLETE_FOLLOW_UP = "punte.contacts.interaction.complete_follow_up"

WRITE_PERMISSION = "contacts:write"
READ_PERMISSION = "contacts:read"

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


class SearchOrganizations(Contract):
    """Search organisations, case- and diacritic-insensitive on names, in rank order: exact
    CUI, e-mail or phone and name prefixes first, then names holding every word of the text,
    then (PostgreSQL only) names merely similar to it (typos); within a rank by name.
    Filters combine with AND; an empty query lists everything in name order. Cursor pages."""

    query: SearchText = ""
    kind: OrganizationKind | None = None
    tag: Tag | None = None
    locality: OptionalShortText = None
    county: OptionalShortText = None
    status: OrganizationStatus | None = None
    caen_code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    owner_id: UUID | None = None
    department: OptionalShortText = None
    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class OrganizationPage(Contract):
    """One page of organisations; `next_cursor` is None on the last page."""

    items: list[Organization]
    next_cursor: str | None = None


class SearchPeople(Contract):
    """Search people by name (as for organisations), exact on e-mail and phone; filters."""

    query: SearchText = ""
    tag: Tag | None = None
    owner_id: UUID | None = None
    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None


class PersonPage(Contract):
    """One page of people; `next_cursor` is None on the last page."""

    items: list[Person]
    next_cursor: str | None = None


class DuplicateReason(StrEnum):
    """Why two organisations may be one."""

    SAME_CUI = "same_cui"
    SAME_EMAIL = "same_email"
    SAME_PHONE = "same_phone"
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
