"""Mutations of the contacts domain: one `input` each, a payload with `userErrors`.

The gateway checks the caller's permission; the contacts service checks it again (the caller
travels with every request). Expected failures (invalid fields, unknown ids, stale versions,
a CUI taken, a refusal, the service unreachable) come back as user errors.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts.types import (
    Affiliation,
    Consent,
    Interaction,
    OrganizationNode,
    PersonNode,
)
from punte_gateway.graphql import derive
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import IdempotentInput
from punte_gateway.graphql.errors import UserError
from punte_gateway.graphql.ids import InputIds, plain_global_id
from punte_gateway.graphql.permissions import require
from punte_gateway.graphql.service_mutations import send_change, send_input

WRITE = Permission.CONTACTS_WRITE


def _changes(input: object) -> dict[str, Any]:
    """A patch input's given fields: absent or null means unchanged."""
    values = derive.values_of(input, "id", "expected_version")
    return {name: value for name, value in values.items() if value is not None}


# ---- inputs ----------------------------------------------------------------------------------


@derive.input_type(c.Address, description="A postal address; country is ISO 3166-1 alpha-2.")
class AddressInput:
    pass


@derive.input_type(c.CaenCode, description="A CAEN code: four digits and rev2 or rev3.")
class CaenCodeInput:
    revision: str = "rev2"


OrganizationClearableField = derive.enum_of(
    c.OrganizationClearable,
    "OrganizationClearableField",
    "Optional organisation fields that `clear` empties.",
)
PersonClearableField = derive.enum_of(
    c.PersonClearable, "PersonClearableField", "Optional person fields that `clear` empties."
)


@derive.input_type(
    c.CreateOrganization, description="A new organisation. CUI may carry RO and spaces."
)
class CreateOrganizationInput(IdempotentInput):
    address: AddressInput | None = None


@derive.input_type(
    c.UpdateOrganization,
    description=(
        "Changes to an organisation: fields left out or null stay as they are; a list or the "
        "address given replaces the old one; fields named in `clear` become null."
    ),
    descriptions={"status": "ACTIVE or INACTIVE"},
)
class UpdateOrganizationInput:
    id: relay.GlobalID
    expected_version: int | None = strawberry.field(
        default=None, description="The version read; a stale one is a conflict"
    )
    clear: list[OrganizationClearableField] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )


@strawberry.input(description="Archive (make inactive) an organisation.")
class ArchiveOrganizationInput:
    id: relay.GlobalID
    expected_version: int | None = None


@derive.input_type(c.CreatePerson, description="A new person.")
class CreatePersonInput(IdempotentInput):
    pass


@derive.input_type(
    c.UpdatePerson,
    description="Changes to a person: as for organisations (null unchanged, `clear` empties).",
)
class UpdatePersonInput:
    id: relay.GlobalID
    expected_version: int | None = None
    clear: list[PersonClearableField] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )


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


@derive.input_type(c.FollowUp, description="A follow-up task.", omit={"done"})
class FollowUpInput:
    pass


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


# ---- mutations -------------------------------------------------------------------------------


@strawberry.type
class ContactsMutation:
    @strawberry.mutation(permission_classes=[require(WRITE)], description="Add an organisation.")
    async def create_organization(
        self, info: Info[GraphQLContext, None], input: CreateOrganizationInput
    ) -> CreateOrganizationPayload:
        def build(ids: InputIds) -> dict[str, Any]:
            values = derive.values_of(input)
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
        org, errors = await send_change(
            info.context, c.UpdateOrganization, OrganizationNode, input, _changes(input)
        )
        return UpdateOrganizationPayload(
            organization=OrganizationNode.of(org) if org else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)], description="Archive (make inactive) an organisation."
    )
    async def archive_organization(
        self, info: Info[GraphQLContext, None], input: ArchiveOrganizationInput
    ) -> ArchiveOrganizationPayload:
        org, errors = await send_change(
            info.context, c.ArchiveOrganization, OrganizationNode, input, {}
        )
        return ArchiveOrganizationPayload(
            organization=OrganizationNode.of(org) if org else None, user_errors=errors
        )

    @strawberry.mutation(permission_classes=[require(WRITE)], description="Add a person.")
    async def create_person(
        self, info: Info[GraphQLContext, None], input: CreatePersonInput
    ) -> CreatePersonPayload:
        person, errors = await send_input(
            info.context, c.CreatePerson, lambda ids: derive.values_of(input), input=input
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
        person, errors = await send_change(
            info.context, c.UpdatePerson, PersonNode, input, _changes(input)
        )
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
                **derive.values_of(input, "person_id", "organization_id"),
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
                **derive.values_of(input, "person_ids", "organization_ids"),
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
            values = derive.values_of(input, "person_id")
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
