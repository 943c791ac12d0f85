"""Exports of organisation and people lists to CSV or XLSX, fetched through a signed download
link."""

from collections.abc import Callable
from typing import Any

import strawberry
from punte_contracts import contacts as c
from punte_platform.errors import ServiceError
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts.jobs import ExportedFile, JobType, settled
from punte_gateway.contacts.queries import OrganizationFilter, PersonFilter
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import IdempotentInput
from punte_gateway.graphql.errors import UserError, camel, user_errors
from punte_gateway.graphql.ids import InputIds
from punte_gateway.graphql.permissions import require
from punte_gateway.graphql.service_mutations import send_input

READ = Permission.CONTACTS_READ
# How long an export mutation waits for its job before answering with the job alone.
EXPORT_WAIT_SECONDS = 2.0
# The contracts' filter fields that the inputs hold under `filter`.
_ORGANIZATION_FILTER_FIELDS = (
    "kind",
    "tag",
    "locality",
    "county",
    "status",
    "caen_code",
    "owner_id",
    "department",
)
_PERSON_FILTER_FIELDS = ("tag", "owner_id")

strawberry.enum(c.ExportFormat)


@strawberry.input(description="Which organisations to export (as organizations lists them).")
class ExportOrganizationsInput(IdempotentInput):
    filter: OrganizationFilter | None = None
    search: str | None = None
    format: c.ExportFormat = c.ExportFormat.CSV


@strawberry.input(description="Which people to export (as people lists them).")
class ExportPeopleInput(IdempotentInput):
    filter: PersonFilter | None = None
    search: str | None = None
    format: c.ExportFormat = c.ExportFormat.CSV


@strawberry.type(description="The answer of exportOrganizations and exportPeople.")
class ExportFilePayload:
    job: JobType | None = strawberry.field(
        description="The export's job: follow it with the job query until it holds the file"
    )
    file: ExportedFile | None = strawberry.field(
        description="The file, when the export was done within a few seconds"
    )
    user_errors: list[UserError]


def _errors_for(
    filter_fields: tuple[str, ...],
) -> Callable[[ServiceError, dict[str, list[str]]], list[UserError]]:
    """Point invalid fields at the input as the caller wrote it (filters under `filter`)."""
    filters = {camel(f) for f in filter_fields}

    def errors(error: ServiceError, ids: dict[str, list[str]]) -> list[UserError]:
        found = user_errors(error, ids)
        for item in found:
            if item.field and len(item.field) >= 2:
                name = item.field[1]
                if name == "query":
                    item.field = ["input", "search"]
                elif name in filters:
                    item.field = ["input", "filter", *item.field[1:]]
        return found

    return errors


def _body(
    input: ExportOrganizationsInput | ExportPeopleInput, filter_fields: tuple[str, ...]
) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(input.filter, f, None) for f in filter_fields}
    return {**values, "query": input.search or "", "format": input.format}


async def _export(
    info: Info[GraphQLContext, None],
    input: ExportOrganizationsInput | ExportPeopleInput,
    contract: type[c.ExportOrganizations] | type[c.ExportPeople],
    filter_fields: tuple[str, ...],
) -> ExportFilePayload:
    """Start the export's job; its file with a signed link if it is done within
    `EXPORT_WAIT_SECONDS`, else the job to follow."""

    def build(ids: InputIds) -> dict[str, Any]:
        return _body(input, filter_fields)

    started, errors = await send_input(
        info.context, contract, build, _errors_for(filter_fields), input=input
    )
    if started is None:
        return ExportFilePayload(job=None, file=None, user_errors=errors)
    try:
        job = JobType.of(
            info.context.settings,
            await settled(info.context, started, wait_seconds=EXPORT_WAIT_SECONDS),
        )
    except ServiceError as error:
        return ExportFilePayload(job=None, file=None, user_errors=user_errors(error, {}))
    return ExportFilePayload(job=job, file=job.file, user_errors=[])


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        permission_classes=[require(READ)],
        description=(
            "Export the organisations a search lists, as CSV or XLSX, in a background job; "
            "download the file from its link (valid about ten minutes), in the answer when "
            "done within seconds, else in the job once it succeeded."
        ),
    )
    async def export_organizations(
        self, info: Info[GraphQLContext, None], input: ExportOrganizationsInput
    ) -> ExportFilePayload:
        fields = _ORGANIZATION_FILTER_FIELDS
        return await _export(info, input, c.ExportOrganizations, fields)

    @strawberry.mutation(
        permission_classes=[require(READ)],
        description=(
            "Export the people a search lists, as CSV or XLSX (import columns, then current "
            "organisations and roles), in a background job, as exportOrganizations."
        ),
    )
    async def export_people(
        self, info: Info[GraphQLContext, None], input: ExportPeopleInput
    ) -> ExportFilePayload:
        fields = _PERSON_FILTER_FIELDS
        return await _export(info, input, c.ExportPeople, fields)
