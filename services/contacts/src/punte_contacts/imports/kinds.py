"""What differs between importing organisations and importing people, one strategy a kind:
the fields, the natural key, the record's own rules and messages. Reading, planning,
applying and reverting ask the job's strategy instead of branching on its kind."""

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.envelope import DomainMessage
from punte_platform.messaging.outbox import Outbox
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import file_fields
from punte_contacts.imports import repository
from punte_contacts.merges.repository import table_of
from punte_contacts.organizations import service as organization_service
from punte_contacts.organizations.models import Organization
from punte_contacts.people import service as person_service
from punte_contacts.people.models import Person

Record = Organization | Person
RecordT = TypeVar("RecordT", Organization, Person)
UpdateT = TypeVar("UpdateT", c.UpdateOrganization, c.UpdatePerson)

LIST_FIELDS = file_fields.LIST_FIELDS
ADDRESS_FIELDS = file_fields.ADDRESS_PARTS


class ImportStrategy(ABC, Generic[RecordT, UpdateT]):
    """One import kind: its record, its fields and natural key, and its record's rules."""

    kind: ClassVar[c.ImportKind]
    model: type[RecordT]
    fields: ClassVar[frozenset[str]]
    required: ClassVar[str]  # the field a mapping must map
    key_field: ClassVar[str]  # the field holding the natural key
    owner_column: ClassVar[str]  # the record's column in contact points

    @property
    def table(self) -> Table:
        """The record's table."""
        return table_of(self.model)

    @abstractmethod
    def cleaned(self, values: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
        """A row's columns as `create` cleans them (raises what the create contract or the
        record's rules raise)."""

    @abstractmethod
    def natural_key(self, values: dict[str, Any]) -> str | None:
        """The key a row's cleaned values find a stored record by."""

    @abstractmethod
    async def existing(self, session: AsyncSession, keys: list[str]) -> dict[str, RecordT]:
        """The records these natural keys find, by key (one query a batch)."""

    @abstractmethod
    def not_updatable(self, existing: RecordT) -> str | None:
        """Why a found record cannot be updated by an import, or None."""

    @abstractmethod
    def update_body(self, existing: RecordT, values: dict[str, Any]) -> UpdateT:
        """The update a row's plain values ask of a found record."""

    @abstractmethod
    def update_values(self, update: UpdateT, fields: set[str]) -> dict[str, Any]:
        """An update's fields as the record's rules clean them."""

    @abstractmethod
    async def update(self, session: AsyncSession, outbox: Outbox, update: UpdateT) -> int:
        """Update through the record's service (its rules and message); the new version."""

    @abstractmethod
    async def create_many(
        self, session: AsyncSession, outbox: Outbox, cleaned: list[dict[str, Any]]
    ) -> list[UUID]:
        """Create records of rows' cleaned values together, through the record's service."""

    @abstractmethod
    def deleted(self, record_id: UUID) -> DomainMessage:
        """The message of a created record a revert deleted."""

    @abstractmethod
    def restored(self, record_id: UUID, version: int, changed: list[str]) -> DomainMessage:
        """The message of an updated record a revert put back."""

    @abstractmethod
    async def is_linked(self, session: AsyncSession, record_id: UUID) -> bool:
        """Whether a record has affiliations, interactions or consents (a revert keeps it)."""


class OrganizationImport(ImportStrategy[Organization, c.UpdateOrganization]):
    """Organisations, found by CUI."""

    kind = c.ImportKind.ORGANIZATIONS
    model = Organization
    fields = frozenset(file_fields.ORGANIZATION_IMPORT_FIELDS)
    required = "legal_name"
    key_field = "cui"
    owner_column = "organization_id"

    def cleaned(self, values: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
        address = {name: cells[name] for name in ADDRESS_FIELDS if name in cells}
        body = c.CreateOrganization.model_validate(
            {"kind": "other", **values, "address": address, "source": "import"}
        )
        # Every field, as `create` cleans them: the values then serve a creation as they are.
        return organization_service.clean_values(body, set(type(body).model_fields))

    def natural_key(self, values: dict[str, Any]) -> str | None:
        cui = values.get("cui")
        return str(cui) if cui else None

    async def existing(self, session: AsyncSession, keys: list[str]) -> dict[str, Organization]:
        return dict(await repository.organizations_by_cui(session, keys))

    def not_updatable(self, existing: Organization) -> str | None:
        if existing.status is c.OrganizationStatus.MERGED:
            return f"belongs to an organisation merged into {existing.merged_into_id}"
        return None

    def update_body(self, existing: Organization, values: dict[str, Any]) -> c.UpdateOrganization:
        address = values.pop("address", None)
        if address:
            current = {name: getattr(existing, name) for name in ADDRESS_FIELDS}
            values["address"] = c.Address(**(current | address))
        return c.UpdateOrganization(id=existing.id, expected_version=existing.version, **values)

    def update_values(self, update: c.UpdateOrganization, fields: set[str]) -> dict[str, Any]:
        return organization_service.clean_values(update, fields)

    async def update(
        self, session: AsyncSession, outbox: Outbox, update: c.UpdateOrganization
    ) -> int:
        return (await organization_service.update(session, outbox, update)).version

    async def create_many(
        self, session: AsyncSession, outbox: Outbox, cleaned: list[dict[str, Any]]
    ) -> list[UUID]:
        return await organization_service.create_many(
            session, outbox, cleaned, c.OrganizationSource.IMPORT
        )

    def deleted(self, record_id: UUID) -> DomainMessage:
        return c.OrganizationDeleted(organization_id=record_id)

    def restored(self, record_id: UUID, version: int, changed: list[str]) -> DomainMessage:
        return c.OrganizationUpdated(
            organization_id=record_id,
            version=version,
            changed=file_fields.contract_fields(c.Organization, changed),
        )

    async def is_linked(self, session: AsyncSession, record_id: UUID) -> bool:
        return await repository.organization_is_linked(session, record_id)


class PersonImport(ImportStrategy[Person, c.UpdatePerson]):
    """People, found by their first e-mail (case-insensitively)."""

    kind = c.ImportKind.PEOPLE
    model = Person
    fields = frozenset(file_fields.PERSON_IMPORT_FIELDS)
    required = "family_name"
    key_field = "emails"
    owner_column = "person_id"

    def cleaned(self, values: dict[str, Any], cells: dict[str, str]) -> dict[str, Any]:
        body = c.CreatePerson.model_validate(values)
        return person_service.clean_values(body, set(type(body).model_fields))

    def natural_key(self, values: dict[str, Any]) -> str | None:
        emails = values.get("emails") or []
        return str(emails[0]).casefold() if emails else None

    async def existing(self, session: AsyncSession, keys: list[str]) -> dict[str, Person]:
        return dict(await repository.people_by_email(session, keys))

    def not_updatable(self, existing: Person) -> str | None:
        return None

    def update_body(self, existing: Person, values: dict[str, Any]) -> c.UpdatePerson:
        values.pop("address", None)
        return c.UpdatePerson(id=existing.id, expected_version=existing.version, **values)

    def update_values(self, update: c.UpdatePerson, fields: set[str]) -> dict[str, Any]:
        return person_service.clean_values(update, fields)

    async def update(self, session: AsyncSession, outbox: Outbox, update: c.UpdatePerson) -> int:
        return (await person_service.update(session, outbox, update)).version

    async def create_many(
        self, session: AsyncSession, outbox: Outbox, cleaned: list[dict[str, Any]]
    ) -> list[UUID]:
        return await person_service.create_many(session, outbox, cleaned)

    def deleted(self, record_id: UUID) -> DomainMessage:
        return c.PersonDeleted(person_id=record_id)

    def restored(self, record_id: UUID, version: int, changed: list[str]) -> DomainMessage:
        return c.PersonUpdated(
            person_id=record_id,
            version=version,
            changed=file_fields.contract_fields(c.Person, changed),
        )

    async def is_linked(self, session: AsyncSession, record_id: UUID) -> bool:
        return await repository.person_is_linked(session, record_id)


AnyStrategy = OrganizationImport | PersonImport
_STRATEGIES: dict[c.ImportKind, AnyStrategy] = {
    c.ImportKind.ORGANIZATIONS: OrganizationImport(),
    c.ImportKind.PEOPLE: PersonImport(),
}


def strategy_for(kind: c.ImportKind) -> AnyStrategy:
    """The strategy of an import kind."""
    return _STRATEGIES[kind]
