"""GDPR: a person's erasure and data-subject access export."""

from datetime import datetime
from uuid import UUID

from punte_contracts.contacts.affiliations import Affiliation
from punte_contracts.contacts.common import WRITE_PERMISSION
from punte_contracts.contacts.consent import Consent
from punte_contracts.contacts.interactions import Interaction
from punte_contracts.contacts.people import Person
from punte_contracts.rpc import Contract, Request


class ErasureReport(Contract):
    """What an erasure removed."""

    person_id: UUID
    affiliations_removed: int
    consents_removed: int
    interactions_scrubbed: int


class ErasePerson(Request[ErasureReport]):
    """GDPR erasure: remove the person and everything naming them from this service.

    Deletes the person, their affiliations, consents and contact points, and scrubs their
    names, e-mails and phones out of the subjects and summaries of the interactions they took
    part in. Irreversible; other services act on `PersonErased`."""

    request_subject = "punte.contacts.person.erase"
    request_permission = WRITE_PERMISSION

    id: UUID


class PersonDataExport(Contract):
    """This service's part of a data-subject access answer (JSON)."""

    person: Person
    affiliations: list[Affiliation]
    consents: list[Consent]
    interactions: list[Interaction]
    exported_at: datetime


class ExportPersonData(Request[PersonDataExport]):
    """GDPR access: everything this service holds on a person."""

    request_subject = "punte.contacts.person.export_data"
    request_permission = WRITE_PERMISSION
    request_read_only = True

    id: UUID
