"""Interactions: meetings, calls, e-mails, visits, notes and their follow-ups."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from punte_contracts.contacts.common import (
    MAX_LIST,
    MAX_PAGE,
    READ_PERMISSION,
    WRITE_PERMISSION,
    Cursor,
    Name,
    Notes,
)
from punte_contracts.paging import Page
from punte_contracts.rpc import Contract, ReadModel, Request


class InteractionKind(StrEnum):
    """What sort of contact took place."""

    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    NOTE = "note"
    EVENT_ATTENDANCE = "event_attendance"


class FollowUp(ReadModel):
    """A task that follows an interaction."""

    assignee_id: UUID | None = None
    due_date: date | None = None
    done: bool = False


class Interaction(ReadModel):
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


class LogInteraction(Request[Interaction]):
    """Record an interaction with at least one participating person or organisation."""

    request_subject = "punte.contacts.interaction.log"
    request_permission = WRITE_PERMISSION

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


class CompleteFollowUp(Request[Interaction]):
    """Mark an interaction's follow-up done (done again is a no-op)."""

    request_subject = "punte.contacts.interaction.complete_follow_up"
    request_permission = WRITE_PERMISSION

    id: UUID


# The timeline's one order, as its cursors name it.
TIMELINE_ORDER = "occurred_at:desc"


class InteractionPage(Page[Interaction]):
    """One page of a timeline, newest first."""


class ListInteractionsFor(Request[InteractionPage]):
    """The timeline of an organisation or a person (exactly one), newest first."""

    request_subject = "punte.contacts.interaction.list_for"
    request_permission = READ_PERMISSION
    request_read_only = True

    organization_id: UUID | None = None
    person_id: UUID | None = None
    first: int = Field(default=20, ge=1, le=MAX_PAGE)
    after: Cursor | None = None

    @model_validator(mode="after")
    def _exactly_one_owner(self) -> "ListInteractionsFor":
        if (self.person_id is None) == (self.organization_id is None):
            raise ValueError("give exactly one of person_id and organization_id")
        return self


class OwnerInteractionPage(Page[Interaction]):
    """The first page of one owner's timeline."""

    owner_id: UUID


class InteractionPages(Contract):
    """One first page per id asked, in the order asked."""

    pages: list[OwnerInteractionPage]


class ListInteractionsForMany(Request[InteractionPages]):
    """The first page of the timelines of many organisations or many people (exactly one
    list) at once; later pages go through `ListInteractionsFor` with the `next_cursor`."""

    request_subject = "punte.contacts.interaction.list_for_many"
    request_permission = READ_PERMISSION
    request_read_only = True

    organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    person_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PAGE)
    first: int = Field(default=20, ge=1, le=MAX_PAGE)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> "ListInteractionsForMany":
        if bool(self.person_ids) == bool(self.organization_ids):
            raise ValueError("give organization_ids or person_ids, not both")
        return self
