"""Merges of two organisations or two people, and their undo."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Self
from uuid import UUID

from pydantic import Field, model_validator

from punte_contracts.contacts.common import WRITE_PERMISSION
from punte_contracts.contacts.organizations import UpdateOrganization
from punte_contracts.contacts.people import UpdatePerson
from punte_contracts.field_names import names_literal, patched_fields
from punte_contracts.rpc import Contract, Request

# What a merge unites from both records (without repeats) instead of taking from one.
MERGE_UNITED_FIELDS = ("emails", "phones", "tags")
# What a merge may take from the secondary: what a patch sets, but the united fields and the
# status (a merge sets the secondary's itself).
_NOT_TAKEN = frozenset({*MERGE_UNITED_FIELDS, "status"})

if TYPE_CHECKING:
    OrganizationMergeField = str
    PersonMergeField = str
else:
    OrganizationMergeField = names_literal(patched_fields(UpdateOrganization, besides=_NOT_TAKEN))
    PersonMergeField = names_literal(patched_fields(UpdatePerson, besides=_NOT_TAKEN))


class MergeEntity(StrEnum):
    """What kind of record a merge joined."""

    ORGANIZATION = "organization"
    PERSON = "person"


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


class _TwoRecords(Contract):
    """Two distinct records of one kind, at the versions the caller read."""

    primary_id: UUID
    primary_expected_version: int = Field(ge=1)
    secondary_id: UUID
    secondary_expected_version: int = Field(ge=1)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if self.primary_id == self.secondary_id:
            raise ValueError("a record cannot be merged into itself")
        return self


class MergeOrganizations(_TwoRecords, Request[MergeResult]):
    """Merge the secondary organisation into the primary.

    The primary keeps its fields except those named in `take_from_secondary` (taken from the
    secondary, empty values included). Tags, e-mails and phones are united without repeats
    (e-mails compared case-insensitively, phones in E.164); affiliations and interaction
    participations move to the primary. The secondary stays, with status `merged` and
    `merged_into_id`, and the merge keeps a snapshot of everything it changed, so
    `punte.contacts.merge.undo` can restore both. Both versions must be the ones read."""

    request_subject = "punte.contacts.organization.merge"
    request_permission = WRITE_PERMISSION

    take_from_secondary: list[OrganizationMergeField] = Field(default_factory=list, max_length=20)


class MergePeople(_TwoRecords, Request[MergeResult]):
    """Merge the secondary person into the primary (as for organisations); affiliations,
    interaction participations and the consent history move to the primary. The secondary
    stays, marked with `merged_into_id`, out of search results; it can no longer be changed."""

    request_subject = "punte.contacts.person.merge"
    request_permission = WRITE_PERMISSION

    take_from_secondary: list[PersonMergeField] = Field(default_factory=list, max_length=20)


class UndoMergeResult(Contract):
    """What an undo restored."""

    merge_id: UUID
    entity: MergeEntity
    primary_id: UUID
    secondary_id: UUID
    primary_version: int
    secondary_version: int
    undone_at: datetime


class UndoMerge(Request[UndoMergeResult]):
    """Undo a merge: both records, affiliations, interaction participations and consents go
    back to their state before it (versions move forward). A merge already undone, or whose
    primary or secondary changed since (version moved), is a `conflict`."""

    request_subject = "punte.contacts.merge.undo"
    request_permission = WRITE_PERMISSION

    merge_id: UUID
