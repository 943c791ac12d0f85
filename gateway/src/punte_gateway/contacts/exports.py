"""Exports of organisation and people lists to CSV or XLSX, fetched through a signed download
link."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import strawberry
from punte_contracts import contacts as c
from punte_platform.errors import ServiceError
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts.mutations import send_input
from punte_gateway.contacts.queries import OrganizationFilter, PersonFilter
from punte_gateway.files.links import sign
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError, camel, user_errors
from punte_gateway.graphql.ids import InputIds
from punte_gateway.graphql.permissions import require

READ = Permission.CONTACTS_READ
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
class ExportOrganizationsInput:
    filter: OrganizationFilter | None = None
    search: str | None = None
    format: c.ExportFormat = c.ExportFormat.CSV


@strawberry.input(description="Which people to export (as people lists them).")
class ExportPeopleInput:
    filter: PersonFilter | None = None
    search: str | None = None
    format: c.ExportFormat = c.ExportFormat.CSV


@strawberry.type(description="A generated file, downloadable for a short while.")
class ExportedFile:
    filename: str
    media_type: str
    size: int = strawberry.field(description="Bytes")
    rows: int
    download_url: str = strawberry.field(
        description="A gateway path, signed: GET it (no credentials needed) until expiresAt"
    )
    expires_at: datetime


@strawberry.type(description="The answer of exportOrganizations and exportPeople.")
class ExportFilePayload:
    file: ExportedFile | None
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
    contract: type[c.ExportOrganizations] | type[c.ExportPeople],
    body: dict[str, Any],
    filter_fields: tuple[str, ...],
) -> ExportFilePayload:
    """Ask for the export, then sign a download link to the staged file."""

    def build(ids: InputIds) -> dict[str, Any]:
        return body

    exported, errors = await send_input(info.context, contract, build, _errors_for(filter_fields))
    if exported is None:
        return ExportFilePayload(file=None, user_errors=errors)
    link = sign(info.context.settings, exported.file.id)
    return ExportFilePayload(
        file=ExportedFile(
            filename=exported.file.filename,
            media_type=exported.file.media_type,
            size=exported.file.size,
            rows=exported.rows,
            download_url=link.url,
            expires_at=datetime.fromtimestamp(link.expires, UTC),
        ),
        user_errors=[],
    )


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        permission_classes=[require(READ)],
        description=(
            "Export the organisations a search lists, as CSV or XLSX; download the file from "
            "the returned link (valid about ten minutes)."
        ),
    )
    async def export_organizations(
        self, info: Info[GraphQLContext, None], input: ExportOrganizationsInput
    ) -> ExportFilePayload:
        fields = _ORGANIZATION_FILTER_FIELDS
        return await _export(info, c.ExportOrganizations, _body(input, fields), fields)

    @strawberry.mutation(
        permission_classes=[require(READ)],
        description=(
            "Export the people a search lists, as CSV or XLSX (import columns, then current "
            "organisations and roles); download the file from the returned link (valid about "
            "ten minutes)."
        ),
    )
    async def export_people(
        self, info: Info[GraphQLContext, None], input: ExportPeopleInput
    ) -> ExportFilePayload:
        fields = _PERSON_FILTER_FIELDS
        return await _export(info, c.ExportPeople, _body(input, fields), fields)
