"""Imports of organisations and people from CSV or XLSX: dry run, apply, progress, revert."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from graphql import GraphQLError
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import IdempotentInput
from punte_gateway.graphql.errors import UserError, field_path, user_errors
from punte_gateway.graphql.ids import InputIds, global_id, parse_uuid, uuid_or_none
from punte_gateway.graphql.permissions import authenticated, record_refusal, require_any
from punte_gateway.graphql.service_mutations import send_input

if TYPE_CHECKING:
    from punte_gateway.contacts.jobs import JobType

# Importing needs contacts:import (integrations, data stewards) or contacts:write.
IMPORTERS = (Permission.CONTACTS_IMPORT, Permission.CONTACTS_WRITE)

for _enum in (c.ImportKind, c.ImportMode, c.ImportStatus, c.ImportAction):
    strawberry.enum(_enum)


async def _require_importer(info: Info[GraphQLContext, Any]) -> None:
    """Refuse (top-level FORBIDDEN, audited) a caller who may not import."""
    principal = authenticated(info.context)
    if not any(principal.can(p) for p in IMPORTERS):
        await record_refusal(info, *IMPORTERS)
        names = " or ".join(p.value for p in IMPORTERS)
        raise GraphQLError(
            f"requires the {names} permission",
            extensions={"code": "FORBIDDEN", "permission": names},
        )


# ---- types ------------------------------------------------------------------------------------


@strawberry.type(description="A row's problem: the field at fault (null: the whole row).")
class ImportRowError:
    field: list[str] | None
    message: str


@strawberry.type(description="One row of the file: what it does or did, and its errors.")
class ImportRowReport:
    line: int = strawberry.field(description="Line in the file; the header is line 1")
    action: c.ImportAction
    target_id: strawberry.ID | None = strawberry.field(
        description="Global id of the Organization or Person the row acts on"
    )
    errors: list[ImportRowError]

    @classmethod
    def of(cls, row: c.ImportRowReport, kind: c.ImportKind) -> "ImportRowReport":
        node = "Organization" if kind is c.ImportKind.ORGANIZATIONS else "Person"
        return cls(
            line=row.line,
            action=row.action,
            target_id=global_id(node, row.target_id) if row.target_id else None,
            errors=[
                ImportRowError(
                    field=field_path(e.path) or None,
                    message=e.message,
                )
                for e in row.errors
            ],
        )


@strawberry.type(description="Rows per action.")
class ImportCounts:
    create: int
    update: int
    unchanged: int
    skip: int

    @classmethod
    def of(cls, counts: c.ImportCounts) -> "ImportCounts":
        return cls(
            create=counts.create,
            update=counts.update,
            unchanged=counts.unchanged,
            skip=counts.skip,
        )


@strawberry.type(
    name="ImportJob",
    description=(
        "An import: its dry run (planned), and once applied what it did (done), with progress."
    ),
)
class ImportJobNode(relay.Node):
    id: relay.NodeID[str]
    kind: c.ImportKind
    mode: c.ImportMode
    filename: str
    status: c.ImportStatus
    total_rows: int
    rows_done: int
    progress: float = strawberry.field(description="0 to 1, of the apply")
    error_rows: int
    planned: ImportCounts = strawberry.field(description="What the dry run found")
    done: ImportCounts = strawberry.field(description="What applying did so far")
    rows: list[ImportRowReport] = strawberry.field(
        description=f"Up to {c.IMPORT_REPORTED_ROWS} rows, those with errors first"
    )
    rows_truncated: bool = strawberry.field(description="Whether rows left some out")
    created_at: datetime
    applied_at: datetime | None
    reverted_at: datetime | None
    revert_job_id: strawberry.ID | None = strawberry.field(
        description="The job undoing the import (the job query), once revertImport started it"
    )

    @classmethod
    def of(cls, job: c.ImportJob) -> "ImportJobNode":
        return cls(
            id=str(job.id),
            kind=job.kind,
            mode=job.mode,
            filename=job.filename,
            status=job.status,
            total_rows=job.total_rows,
            rows_done=job.rows_done,
            progress=job.progress,
            error_rows=job.error_rows,
            planned=ImportCounts.of(job.planned),
            done=ImportCounts.of(job.done),
            rows=[ImportRowReport.of(r, job.kind) for r in job.rows],
            rows_truncated=job.rows_truncated,
            created_at=job.created_at,
            applied_at=job.applied_at,
            reverted_at=job.reverted_at,
            revert_job_id=strawberry.ID(str(job.revert_job_id)) if job.revert_job_id else None,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["ImportJobNode | None"]:
        """Imports by id (few at a time: no batch endpoint, the asks run concurrently)."""
        await _require_importer(info)
        found = await asyncio.gather(*(_job(info.context, n) for n in node_ids))
        if required and any(job is None for job in found):
            raise GraphQLError("not found", extensions={"code": "NOT_FOUND"})
        return [cls.of(job) if job is not None else None for job in found]


async def _job(context: GraphQLContext, node_id: str) -> c.ImportJob | None:
    """An import by its UUID text, None when there is none."""
    job_id = parse_uuid(node_id)
    if job_id is None:
        return None
    try:
        return await context.client.call(c.GetImport(id=job_id))
    except ServiceError as error:
        if error.code is ErrorCode.NOT_FOUND:
            return None
        raise


# ---- inputs and payloads ----------------------------------------------------------------------


@strawberry.input(description="Which field a column of the file fills.")
class ImportColumnInput:
    column: str = strawberry.field(description="The header, as in the file")
    field: str = strawberry.field(
        description="legal_name, cui, emails, ... (people: given_name, family_name, ...)"
    )


@strawberry.input(
    description=(
        "A CSV (UTF-8, comma or semicolon) or XLSX file with a header row, checked without "
        "writing anything. Give stagedFileId (uploaded to POST /uploads) or, for small files, "
        "fileBase64 with filename. An empty mapping takes headers that are field names."
    )
)
class StartImportInput(IdempotentInput):
    kind: c.ImportKind
    mode: c.ImportMode = c.ImportMode.UPSERT
    mapping: list[ImportColumnInput] = strawberry.field(default_factory=list)
    staged_file_id: strawberry.ID | None = None
    file_base64: str | None = None
    filename: str | None = strawberry.field(
        default=None, description="Needed with fileBase64 (the name tells CSV from XLSX)"
    )


@strawberry.input(description="Apply a checked import in the background; follow importJob.")
class ApplyImportInput:
    id: relay.GlobalID


@strawberry.input(description="Undo an applied import: created records go, updated ones revert.")
class RevertImportInput:
    id: relay.GlobalID


@strawberry.type(description="The answer of startImport: the dry run.")
class StartImportPayload:
    import_job: ImportJobNode | None
    user_errors: list[UserError]


@strawberry.type(description="The answer of applyImport: the job, now applying.")
class ApplyImportPayload:
    import_job: ImportJobNode | None
    user_errors: list[UserError]


@strawberry.type(
    description=(
        "The answer of revertImport, at once: the import, now reverting, and the job undoing "
        "it (follow it with the job query; its revert field says what was undone)."
    )
)
class RevertImportPayload:
    import_job: ImportJobNode | None
    job: Annotated["JobType", strawberry.lazy("punte_gateway.contacts.jobs")] | None
    user_errors: list[UserError]


def _start_errors(
    file_field: str,
) -> Callable[[ServiceError, dict[str, list[str]]], list[UserError]]:
    """The service names the file `content_base64`; the caller gave fileBase64 or stagedFileId."""

    def errors(error: ServiceError, ids: dict[str, list[str]]) -> list[UserError]:
        found = user_errors(error, ids)
        for item in found:
            names_file = (item.field or [])[1:2] in (["contentBase64"], ["stagedFileId"])
            unknown_file = error.code is ErrorCode.NOT_FOUND and file_field == "stagedFileId"
            if names_file or unknown_file:
                item.field = ["input", file_field]
        return found

    return errors


def _start_body(input: StartImportInput) -> dict[str, Any]:
    """The StartImport request of the input, or a ServiceError naming the field at fault."""
    staged = input.staged_file_id
    inline = input.file_base64
    if (staged is None) == (inline is None):
        raise ServiceError.invalid(["staged_file_id"], "give stagedFileId or fileBase64, not both")
    mapping: dict[str, str] = {}
    for index, column in enumerate(input.mapping):
        if column.column in mapping:
            raise ServiceError.invalid(
                ["mapping", index, "column"], f"the column {column.column!r} is mapped twice"
            )
        mapping[column.column] = column.field
    body: dict[str, Any] = {"kind": input.kind, "mode": input.mode, "mapping": mapping}
    if staged is not None:
        body["staged_file_id"] = str(staged)
        if input.filename is not None:
            body["filename"] = input.filename
    else:
        if not input.filename:
            raise ServiceError.invalid(["filename"], "a filename is needed with fileBase64")
        body["content_base64"] = inline
        body["filename"] = input.filename
    return body


def _job_id(ids: InputIds, value: relay.GlobalID) -> UUID:
    return ids(value, "ImportJob", "id")


# ---- operations -------------------------------------------------------------------------------


@strawberry.type
class ImportQuery:
    @strawberry.field(
        permission_classes=[require_any(*IMPORTERS)],
        description="An import's state, progress and row reports, or null.",
    )
    async def import_job(
        self, info: Info[GraphQLContext, None], id: relay.GlobalID
    ) -> ImportJobNode | None:
        job_id = uuid_or_none(id, "ImportJob")
        if job_id is None:
            return None
        job = await _job(info.context, str(job_id))
        return ImportJobNode.of(job) if job is not None else None


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        permission_classes=[require_any(*IMPORTERS)],
        description="Check a file (dry run): per-row errors and what applying would do.",
    )
    async def start_import(
        self, info: Info[GraphQLContext, None], input: StartImportInput
    ) -> StartImportPayload:
        file_field = "stagedFileId" if input.staged_file_id is not None else "fileBase64"
        job, errors = await send_input(
            info.context,
            c.StartImport,
            lambda ids: _start_body(input),
            _start_errors(file_field),
            input=input,
        )
        return StartImportPayload(
            import_job=ImportJobNode.of(job) if job else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require_any(*IMPORTERS)],
        description="Apply a checked import in the background (rows with errors are skipped).",
    )
    async def apply_import(
        self, info: Info[GraphQLContext, None], input: ApplyImportInput
    ) -> ApplyImportPayload:
        job, errors = await send_input(
            info.context, c.ApplyImport, lambda ids: {"id": _job_id(ids, input.id)}
        )
        return ApplyImportPayload(
            import_job=ImportJobNode.of(job) if job else None, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require_any(*IMPORTERS)],
        description=(
            "Undo an applied import in the background, but for records changed since "
            "(reported in the job's result); answers at once."
        ),
    )
    async def revert_import(
        self, info: Info[GraphQLContext, None], input: RevertImportInput
    ) -> RevertImportPayload:
        from punte_gateway.contacts.jobs import JobType  # the job type shows import rows

        reverting, errors = await send_input(
            info.context, c.RevertImport, lambda ids: {"id": _job_id(ids, input.id)}
        )
        if reverting is None or reverting.revert_job_id is None:
            return RevertImportPayload(import_job=None, job=None, user_errors=errors)
        try:
            job = await info.context.client.call(c.GetContactsJob(id=reverting.revert_job_id))
        except ServiceError as error:
            return RevertImportPayload(
                import_job=ImportJobNode.of(reverting), job=None, user_errors=user_errors(error, {})
            )
        return RevertImportPayload(
            import_job=ImportJobNode.of(reverting),
            job=JobType.of(info.context.settings, job),
            user_errors=[],
        )
