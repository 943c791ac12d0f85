"""Mutations of the contacts domain: one `input` each, a payload with `userErrors`.

The gateway checks the caller's permission; the contacts service checks it again (the caller
travels with every request). Expected failures (invalid fields, unknown ids, stale versions,
a CUI taken, a refusal, the service unreachable) come back as user errors.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.rpc import GetMany, Request
from punte_platform.context import call_context, current_context
from punte_platform.errors import ServiceError
from pydantic import BaseModel, ValidationError
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts.errors import user_errors
from punte_gateway.contacts.types import (
    Affiliation,
    Consent,
    Interaction,
    OrganizationNode,
    PersonNode,
)
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError
from punte_gateway.graphql.permissions import require

WRITE = Permission.CONTACTS_WRITE
ReplyT = TypeVar("ReplyT", bound=BaseModel)
VersionedT = TypeVar("VersionedT", c.Organization, c.Person)


class _BadId(Exception):
    """An input id that names nothing of the type the field takes."""

    def __init__(self, path: list[str], global_id: object, type_name: str) -> None:
        super().__init__(f"no {type_name} has the id {global_id}")
        self.path = path


class InputIds:
    """Decodes an input's global ids, remembering which field each came from."""

    def __init__(self) -> None:
        self.paths: dict[str, list[str]] = {}

    def __call__(self, global_id: relay.GlobalID, type_name: str, *path: str | int) -> UUID:
        where = ["input", *(str(p) for p in path)]
        value: UUID | None = None
        if global_id.type_name == type_name:
            try:
                value = UUID(global_id.node_id)
            except ValueError:
                value = None
        if value is None:
            raise _BadId(where, global_id, type_name)
        self.paths.setdefault(str(value), where)
        return value


@strawberry.input(description="An input whose mutation a retry may repeat safely.")
class IdempotentInput:
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "A key of the caller's choosing (up to 200 characters, e.g. a UUID): a retry "
            "with the same key (after a timeout, say) returns the first answer instead of "
            "acting twice"
        ),
    )


async def send_input(
    context: GraphQLContext,
    request_model: type[Request[ReplyT]],
    build: Callable[[InputIds], Request[ReplyT] | dict[str, Any]],
    on_error: Callable[[ServiceError, dict[str, list[str]]], list[UserError]] = user_errors,
    *,
    input: object = None,
) -> tuple[ReplyT | None, list[UserError]]:
    """Build the request from the input, send it (with the input's idempotency key, when an
    `IdempotentInput` carries one); the reply, or the user errors."""
    ids = InputIds()
    key = input.idempotency_key if isinstance(input, IdempotentInput) else None
    try:
        built = build(ids)
        body = built if isinstance(built, Request) else request_model.model_validate(built)
        with call_context(replace(current_context(), idempotency_key=key or None)):
            return await context.client.call(body), []
    except _BadId as error:
        return None, [UserError.of(ErrorCode.NOT_FOUND, str(error), error.path)]
    except ValidationError as error:
        return None, on_error(ServiceError.from_validation_error(error), ids.paths)
    except ServiceError as error:
        return None, on_error(error, ids.paths)


def _plain(value: Any) -> Any:
    """Input values as contract values: enums as their values, nested inputs as dicts."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _values(input: object, *skip: str) -> dict[str, Any]:
    """An input object's fields as contract values, but those in `skip`."""
    assert dataclasses.is_dataclass(input)
    assert not isinstance(input, type)
    return {
        f.name: _plain(getattr(input, f.name))
        for f in dataclasses.fields(input)
        if f.name not in skip and f.name != "idempotency_key"
    }


def _patch(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out what was not given: absent or null means unchanged."""
    return {k: v for k, v in values.items() if v is not None}


async def _version_to_send(
    context: GraphQLContext,
    given: int | None,
    global_id: relay.GlobalID,
    type_name: str,
    contract: type[GetMany[VersionedT]],
) -> tuple[int | None, list[UserError]]:
    """The expected version: the one given, else the one stored now (last write wins); or
    the user errors of reading it."""
    if given is not None:
        return given, []
    try:
        entity_id = InputIds()(global_id, type_name, "id")
        found = await context.client.get_many(contract, [entity_id])
        if entity_id not in found:
            raise ServiceError.not_found(type_name.lower(), entity_id)
        version: int = found[entity_id].version
        return version, []
    except _BadId as error:
        return None, [UserError.of(ErrorCode.NOT_FOUND, str(error), error.path)]
    except ServiceError as error:
        return None, user_errors(error)


# ---- inputs ----------------------------------------------------------------------------------


@strawberry.input(description="A postal address; country is ISO 3166-1 alpha-2.")
class AddressInput:
    street: str | None = None
    locality: str | None = None
    county: str | None = None
    postal_code: str | None = None
    country: str = "RO"


@strawberry.input(description="A CAEN code: four digits and rev2 or rev3.")
class CaenCodeInput:
    code: str
    revision: str = "rev2"


@strawberry.enum(description="Optional organisation fields that `clear` empties.")
class OrganizationClearableField(Enum):
    SHORT_NAME = "short_name"
    CUI = "cui"
    TRADE_REGISTER = "trade_register"
    WEBSITE = "website"
    SIZE_BAND = "size_band"
    OWNER_ID = "owner_id"
    DEPARTMENT = "department"


@strawberry.enum(description="Optional person fields that `clear` empties.")
class PersonClearableField(Enum):
    HONORIFIC = "honorific"
    JOB_TITLE = "job_title"
    OWNER_ID = "owner_id"


@strawberry.input(description="A new organisation. CUI may carry RO and spaces.")
class CreateOrganizationInput(IdempotentInput):
    kind: c.OrganizationKind
    legal_name: str
    short_name: str | None = None
    cui: str | None = None
    trade_register: str | None = None
    caen_codes: list[CaenCodeInput] = strawberry.field(default_factory=list)
    address: AddressInput | None = None
    website: str | None = None
    emails: list[str] = strawberry.field(default_factory=list)
    phones: list[str] = strawberry.field(default_factory=list)
    sectors: list[str] = strawberry.field(default_factory=list)
    size_band: c.SizeBand | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    owner_id: UUID | None = None
    department: str | None = None
    source: c.OrganizationSource = c.OrganizationSource.MANUAL
    notes: str = ""


@strawberry.input(
    description=(
        "Changes to an organisation: fields left out or null stay as they are; a list or the "
        "address given replaces the old one; fields named in `clear` become null."
    )
)
class UpdateOrganizationInput:
    id: relay.GlobalID
    expected_version: int | None = strawberry.field(
        default=None, description="The version read; a stale one is a conflict"
    )
    kind: c.OrganizationKind | None = None
    legal_name: str | None = None
    short_name: str | None = None
    cui: str | None = None
    trade_register: str | None = None
    caen_codes: list[CaenCodeInput] | None = None
    address: AddressInput | None = None
    website: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    sectors: list[str] | None = None
    size_band: c.SizeBand | None = None
    tags: list[str] | None = None
    owner_id: UUID | None = None
    department: str | None = None
    status: c.OrganizationStatus | None = strawberry.field(
        default=None, description="ACTIVE or INACTIVE"
    )
    notes: str | None = None
    clear: list[OrganizationClearableField] = strawberry.field(default_factory=list)


@strawberry.input(description="Archive (make inactive) an organisation.")
class ArchiveOrganizationInput:
    id: relay.GlobalID
    expected_version: int | None = None


@strawberry.input(description="A new person.")
class CreatePersonInput(IdempotentInput):
    family_name: str
    given_name: str = ""
    honorific: str | None = None
    job_title: str | None = None
    emails: list[str] = strawberry.field(default_factory=list)
    phones: list[str] = strawberry.field(default_factory=list)
    preferred_language: str = "ro"
    tags: list[str] = strawberry.field(default_factory=list)
    owner_id: UUID | None = None
    notes: str = ""


@strawberry.input(
    description="Changes to a person: as for organisations (null unchanged, `clear` empties)."
)
class UpdatePersonInput:
    id: relay.GlobalID
    expected_version: int | None = None
    honorific: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    job_title: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    preferred_language: str | None = None
    tags: list[str] | None = None
    owner_id: UUID | None = None
    notes: str | None = None
    clear: list[PersonClearableField] = strawberry.field(default_factory=list)


@strawberry.input(description="Link a person to an organisation.")
class AddAffiliationInput(IdempotentInput):
    person_id: relay.GlobalID
    organization_id: relay.GlobalID
    role: str | None = None
    department: str | None = None
    start_date: date | None = None
    is_primary: bool = strawberry.field(
        default=False, description="Makes the person's other affiliations non-primary"
    )


@strawberry.input(description="End an affiliation; it stays as history.")
class EndAffiliationInput:
    id: strawberry.ID
    end_date: date


@strawberry.input(description="A follow-up task.")
class FollowUpInput:
    assignee_id: UUID | None = None
    due_date: date | None = None


@strawberry.input(description="Record an interaction with at least one person or organisation.")
class LogInteractionInput(IdempotentInput):
    kind: c.InteractionKind
    occurred_at: datetime = strawberry.field(description="With a UTC offset")
    subject: str
    summary: str = ""
    person_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)
    organization_ids: list[relay.GlobalID] = strawberry.field(default_factory=list)
    event_ids: list[UUID] = strawberry.field(default_factory=list)
    project_ids: list[UUID] = strawberry.field(default_factory=list)
    follow_up: FollowUpInput | None = None


@strawberry.input(description="Mark an interaction's follow-up done.")
class CompleteFollowUpInput:
    id: strawberry.ID


@strawberry.input(description="A consent given or withdrawn.")
class SetConsentInput:
    person_id: relay.GlobalID
    purpose: c.ConsentPurpose
    channel: c.ConsentChannel
    granted: bool
    source: str = strawberry.field(description="Where it was given, e.g. a signed form")
    basis: c.LegalBasis = c.LegalBasis.CONSENT
    at: datetime | None = strawberry.field(default=None, description="Now if omitted")


@strawberry.input(description="The person whose data to export.")
class ExportPersonDataInput:
    id: relay.GlobalID


@strawberry.input(description="The person to erase.")
class ErasePersonInput:
    id: relay.GlobalID


# ---- payloads --------------------------------------------------------------------------------


@strawberry.type
class OrganizationPayload:
    organization: OrganizationNode | None
    user_errors: list[UserError]


@strawberry.type
class PersonPayload:
    person: PersonNode | None
    user_errors: list[UserError]


@strawberry.type
class AffiliationPayload:
    affiliation: Affiliation | None
    user_errors: list[UserError]


@strawberry.type
class InteractionPayload:
    interaction: Interaction | None
    user_errors: list[UserError]


@strawberry.type
class CreateOrganizationPayload(OrganizationPayload):
    """The answer of createOrganization."""


@strawberry.type
class UpdateOrganizationPayload(OrganizationPayload):
    """The answer of updateOrganization."""


@strawberry.type
class ArchiveOrganizationPayload(OrganizationPayload):
    """The answer of archiveOrganization."""


@strawberry.type
class CreatePersonPayload(PersonPayload):
    """The answer of createPerson."""


@strawberry.type
class UpdatePersonPayload(PersonPayload):
    """The answer of updatePerson."""


@strawberry.type
class AddAffiliationPayload(AffiliationPayload):
    """The answer of addAffiliation."""


@strawberry.type
class EndAffiliationPayload(AffiliationPayload):
    """The answer of endAffiliation."""


@strawberry.type
class LogInteractionPayload(InteractionPayload):
    """The answer of logInteraction."""


@strawberry.type
class CompleteFollowUpPayload(InteractionPayload):
    """The answer of completeFollowUp."""


@strawberry.type
class SetConsentPayload:
    consent: Consent | None
    user_errors: list[UserError]


@strawberry.type
class ExportPersonDataPayload:
    data: JSON | None = strawberry.field(
        description="Everything the contacts service holds on the person (GDPR art. 15)"
    )
    user_errors: list[UserError]


@strawberry.type
class ErasePersonPayload:
    erased_person_id: strawberry.ID | None
    affiliations_removed: int | None
    consents_removed: int | None
    interactions_scrubbed: int | None
    user_errors: list[UserError]


def plain_global_id(value: str, type_name: str) -> relay.GlobalID:
    """A global id given as a plain ID (types that are not nodes)."""
    try:
        return relay.GlobalID.from_id(value)
    except ValueError:  # a malformed id is simply one naming nothing
        return relay.GlobalID(type_name="", node_id=value)


# ---- mutations -------------------------------------------------------------------------------


@strawberry.type
class ContactsMutation:
    @strawberry.mutation(permission_classes=[require(WRITE)], description="Add an organisation.")
    async def create_organization(
        self, info: Info[GraphQLContext, None], input: CreateOrganizationInput
    ) -> CreateOrganizationPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            values = _values(input)
            if values["address"] is None:
                del values["address"]
            return values

        org, errors = await send_input(info.context, c.CreateOrganization, build, input=input)
        return CreateOrganizationPayload(
            organization=OrganizationNode.of(org) if org else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Change an organisation; a stale expectedVersion is a conflict.",
    )
    async def update_organization(
        self, info: Info[GraphQLContext, None], input: UpdateOrganizationInput
    ) -> UpdateOrganizationPayload:
        context = info.context
        version, errors = await _version_to_send(
            context,
            input.expected_version,
            input.id,
            "Organization",
            c.GetOrganizations,
        )
        if version is None:
            return UpdateOrganizationPayload(organization=None, user_errors=errors)

        def build(ids: InputIds) -> dict[str, Any]:
            return {
                **_patch(_values(input, "id", "expected_version")),
                "id": ids(input.id, "Organization", "id"),
                "expected_version": version,
            }

        org, errors = await send_input(context, c.UpdateOrganization, build)
        return UpdateOrganizationPayload(
            organization=OrganizationNode.of(org) if org else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)], description="Archive (make inactive) an organisation."
    )
    async def archive_organization(
        self, info: Info[GraphQLContext, None], input: ArchiveOrganizationInput
    ) -> ArchiveOrganizationPayload:
        context = info.context
        version, errors = await _version_to_send(
            context,
            input.expected_version,
            input.id,
            "Organization",
            c.GetOrganizations,
        )
        if version is None:
            return ArchiveOrganizationPayload(organization=None, user_errors=errors)

        def build(ids: InputIds) -> dict[str, Any]:
            return {"id": ids(input.id, "Organization", "id"), "expected_version": version}

        org, errors = await send_input(context, c.ArchiveOrganization, build)
        return ArchiveOrganizationPayload(
            organization=OrganizationNode.of(org) if org else None, user_errors=errors
        )

    @strawberry.mutation(permission_classes=[require(WRITE)], description="Add a person.")
    async def create_person(
        self, info: Info[GraphQLContext, None], input: CreatePersonInput
    ) -> CreatePersonPayload:
        person, errors = await send_input(
            info.context, c.CreatePerson, lambda ids: _values(input), input=input
        )
        return CreatePersonPayload(
            person=PersonNode.of(person) if person else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Change a person; a stale expectedVersion is a conflict.",
    )
    async def update_person(
        self, info: Info[GraphQLContext, None], input: UpdatePersonInput
    ) -> UpdatePersonPayload:
        context = info.context
        version, errors = await _version_to_send(
            context, input.expected_version, input.id, "Person", c.GetPeople
        )
        if version is None:
            return UpdatePersonPayload(person=None, user_errors=errors)

        def build(ids: InputIds) -> dict[str, Any]:
            return {
                **_patch(_values(input, "id", "expected_version")),
                "id": ids(input.id, "Person", "id"),
                "expected_version": version,
            }

        person, errors = await send_input(context, c.UpdatePerson, build)
        return UpdatePersonPayload(
            person=PersonNode.of(person) if person else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)], description="Link a person to an organisation."
    )
    async def add_affiliation(
        self, info: Info[GraphQLContext, None], input: AddAffiliationInput
    ) -> AddAffiliationPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {
                **_values(input, "person_id", "organization_id"),
                "person_id": ids(input.person_id, "Person", "personId"),
                "organization_id": ids(input.organization_id, "Organization", "organizationId"),
            }

        found, errors = await send_input(info.context, c.AddAffiliation, build, input=input)
        return AddAffiliationPayload(
            affiliation=Affiliation.of(found) if found else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)], description="End an affiliation (kept as history)."
    )
    async def end_affiliation(
        self, info: Info[GraphQLContext, None], input: EndAffiliationInput
    ) -> EndAffiliationPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {
                "id": ids(plain_global_id(input.id, "Affiliation"), "Affiliation", "id"),
                "end_date": input.end_date,
            }

        found, errors = await send_input(info.context, c.EndAffiliation, build)
        return EndAffiliationPayload(
            affiliation=Affiliation.of(found) if found else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Record a meeting, call, e-mail, visit, note or event attendance.",
    )
    async def log_interaction(
        self, info: Info[GraphQLContext, None], input: LogInteractionInput
    ) -> LogInteractionPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {
                **_values(input, "person_ids", "organization_ids"),
                "person_ids": [
                    ids(g, "Person", "personIds", i) for i, g in enumerate(input.person_ids)
                ],
                "organization_ids": [
                    ids(g, "Organization", "organizationIds", i)
                    for i, g in enumerate(input.organization_ids)
                ],
            }

        found, errors = await send_input(info.context, c.LogInteraction, build, input=input)
        return LogInteractionPayload(
            interaction=Interaction.of(found) if found else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)], description="Mark an interaction's follow-up done."
    )
    async def complete_follow_up(
        self, info: Info[GraphQLContext, None], input: CompleteFollowUpInput
    ) -> CompleteFollowUpPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {"id": ids(plain_global_id(input.id, "Interaction"), "Interaction", "id")}

        found, errors = await send_input(info.context, c.CompleteFollowUp, build)
        return CompleteFollowUpPayload(
            interaction=Interaction.of(found) if found else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Record a person's consent, or its withdrawal, for a purpose on a channel.",
    )
    async def set_consent(
        self, info: Info[GraphQLContext, None], input: SetConsentInput
    ) -> SetConsentPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            values = _values(input, "person_id")
            if values["at"] is None:
                del values["at"]
            return {**values, "person_id": ids(input.person_id, "Person", "personId")}

        found, errors = await send_input(info.context, c.SetConsent, build)
        return SetConsentPayload(consent=Consent.of(found) if found else None, user_errors=errors)

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Everything held on a person, as JSON (GDPR data-subject access).",
    )
    async def export_person_data(
        self, info: Info[GraphQLContext, None], input: ExportPersonDataInput
    ) -> ExportPersonDataPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {"id": ids(input.id, "Person", "id")}

        found, errors = await send_input(info.context, c.ExportPersonData, build)
        return ExportPersonDataPayload(
            data=JSON(found.model_dump(mode="json")) if found else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description=(
            "Erase a person (GDPR art. 17): the record, affiliations and consents go, and their "
            "names, e-mails and phones are scrubbed from interactions. Irreversible."
        ),
    )
    async def erase_person(
        self, info: Info[GraphQLContext, None], input: ErasePersonInput
    ) -> ErasePersonPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            return {"id": ids(input.id, "Person", "id")}

        found, errors = await send_input(info.context, c.ErasePerson, build)
        return ErasePersonPayload(
            erased_person_id=(
                strawberry.ID(relay.to_base64("Person", str(found.person_id))) if found else None
            ),
            affiliations_removed=found.affiliations_removed if found else None,
            consents_removed=found.consents_removed if found else None,
            interactions_scrubbed=found.interactions_scrubbed if found else None,
            user_errors=errors,
        )
