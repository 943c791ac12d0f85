"""Domain messages of the contacts service (ids and changed fields, never personal data)."""

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from punte_contracts.contacts.common import SERVICE
from punte_contracts.contacts.consent import ConsentChannel, ConsentPurpose, LegalBasis
from punte_contracts.contacts.interactions import InteractionKind
from punte_contracts.contacts.organizations import OrganizationKind
from punte_contracts.envelope import DomainMessage


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
