"""Consents: what a person agreed to be contacted for, and how."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, StringConstraints

from punte_contracts.contacts.common import READ_PERMISSION, WRITE_PERMISSION
from punte_contracts.rpc import Contract, ReadModel, Request


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


class Consent(ReadModel):
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


class SetConsent(Request[Consent]):
    """Record a person's consent (or its withdrawal) for a purpose on a channel.

    Setting the state already in force records nothing and publishes nothing."""

    request_subject = "punte.contacts.consent.set"
    request_permission = WRITE_PERMISSION

    person_id: UUID
    purpose: ConsentPurpose
    channel: ConsentChannel
    granted: bool
    basis: LegalBasis = LegalBasis.CONSENT
    at: AwareDatetime | None = None  # when the person gave or withdrew it; now if omitted
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ConsentList(Contract):
    """Consents, newest first."""

    items: list[Consent]


class ListConsents(Request[ConsentList]):
    """A person's consents: the state in force per purpose and channel, or the whole history."""

    request_subject = "punte.contacts.consent.list"
    request_permission = READ_PERMISSION
    request_read_only = True

    person_id: UUID
    history: bool = False
