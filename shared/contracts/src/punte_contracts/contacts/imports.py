"""Imports of organisations and people from CSV or XLSX files."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from punte_contracts.contacts.common import IMPORT_VIEWERS, IMPORTERS
from punte_contracts.errors import FieldError
from punte_contracts.rpc import Contract, Request

# An inline file travels base64-encoded in one NATS request (1 MB max payload); a staged file
# (punte_contracts.files) may be up to STAGED_FILE_MAX_BYTES.
IMPORT_MAX_BYTES = 700_000
# Reading and storing 100,000 rows takes ~3 s of the start request (under its 5 s timeout).
IMPORT_MAX_ROWS = 100_000
IMPORT_REPORTED_ROWS = 1_000
# Larger files are checked in the background: a request must answer within seconds.
IMPORT_CHECKED_AT_ONCE_ROWS = 2_000


class ImportKind(StrEnum):
    """What a file holds, one record a row."""

    ORGANIZATIONS = "organizations"
    PEOPLE = "people"


class ImportMode(StrEnum):
    """What rows do: create new records, update existing ones (found by natural key: CUI for
    organisations, e-mail for people), or both."""

    CREATE = "create"
    UPDATE = "update"
    UPSERT = "upsert"


class ImportStatus(StrEnum):
    """An import's life: being checked in the background (a large file's dry run, with
    progress), checked (dry run), being applied in the background, done, being undone in
    the background, undone."""

    VALIDATING = "validating"
    VALIDATED = "validated"
    APPLYING = "applying"
    APPLIED = "applied"
    REVERTING = "reverting"
    REVERTED = "reverted"


class ImportAction(StrEnum):
    """What a row does (dry run) or did (applied): `unchanged` rows match a record that
    already holds their values (a re-run), `skip` rows have errors or nothing to act on."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"


HeaderText = Annotated[str, StringConstraints(max_length=200)]


class ImportCounts(Contract):
    """Rows per action."""

    create: int = 0
    update: int = 0
    unchanged: int = 0
    skip: int = 0


class ImportRowReport(Contract):
    """One row: its line in the file (the header is line 1), what it does or did, the record
    it acts on, and its errors (paths name the field)."""

    line: int
    action: ImportAction
    target_id: UUID | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ImportJob(Contract):
    """An import: its dry run (`planned`), and once applied what it did (`done`), with
    progress. `rows` holds up to `IMPORT_REPORTED_ROWS` row reports, rows with errors first;
    `rows_truncated` says when there were more. While `validating`, `progress` is the share
    of rows checked, `planned` and `error_rows` count those so far, and `rows` is empty;
    while `applying`, `progress` and `done` count the rows applied so far, and `rows` is
    empty too (the reports come with `validated` and `applied`). `revert_job_id` is the
    background job undoing it, once `RevertImport` started one (`GetContactsJob`)."""

    id: UUID
    kind: ImportKind
    mode: ImportMode
    filename: str
    status: ImportStatus
    total_rows: int
    rows_done: int
    progress: float = Field(ge=0, le=1)
    error_rows: int
    planned: ImportCounts
    done: ImportCounts
    rows: list[ImportRowReport]
    rows_truncated: bool
    created_at: datetime
    applied_at: datetime | None
    reverted_at: datetime | None
    revert_job_id: UUID | None = None


class StartImport(Request[ImportJob]):
    """Upload a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file (first
    sheet) with a header row, and get the dry run: nothing is written but the job.

    `mapping` maps a column header to a field (a field of `CreateOrganization` or
    `CreatePerson`, the address as its parts, but `caen_codes`, `owner_id` and `source`);
    unmapped columns are ignored; an empty mapping takes the headers
    that are field names (an export imports back as it is). Cells holding lists (e-mails,
    phones, tags, sectors) separate values with `;` or `,`.

    The file is either staged (`staged_file_id`, up to `STAGED_FILE_MAX_BYTES`; `filename`
    defaults to the staged file's name) or inline (`content_base64`, up to `IMPORT_MAX_BYTES`,
    `filename` required); exactly one of the two. Over the size, over `IMPORT_MAX_ROWS` rows,
    or not a CSV/XLSX file: `validation_failed`; an unknown or expired staged file:
    `not_found`.

    A file of up to `IMPORT_CHECKED_AT_ONCE_ROWS` rows is checked before the answer, which is
    `validated` with its per-row errors. A larger one is read and stored, and the answer is
    `validating` at once: its rows are checked in the background, chunk by chunk (follow
    `progress` with `GetImport`), and the job becomes `validated` with the same report."""

    request_subject = "punte.contacts.import.start"
    request_permission = IMPORTERS

    kind: ImportKind
    mode: ImportMode = ImportMode.UPSERT
    filename: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    staged_file_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    content_base64: (
        Annotated[str, StringConstraints(max_length=(IMPORT_MAX_BYTES * 4) // 3 + 4)] | None
    ) = None
    mapping: dict[HeaderText, Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=dict, max_length=100
    )

    @model_validator(mode="after")
    def _one_file(self) -> "StartImport":
        if (self.staged_file_id is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of staged_file_id and content_base64")
        if self.content_base64 is not None and self.filename is None:
            raise ValueError("filename is required with content_base64")
        return self


class ApplyImport(Request[ImportJob]):
    """Apply a validated import in the background (rows with errors are skipped); follow it
    with `GetImport`. Applying twice, or while still `validating`, is a `conflict`."""

    request_subject = "punte.contacts.import.apply"
    request_permission = IMPORTERS

    id: UUID


class GetImport(Request[ImportJob]):
    """An import's state and progress."""

    request_subject = "punte.contacts.import.get"
    request_permission = IMPORT_VIEWERS
    request_read_only = True

    id: UUID


class ImportRevertReport(Contract):
    """What a revert did: the result of its job (`RevertImport`)."""

    import_id: UUID
    kind: ImportKind
    deleted: int
    restored: int
    conflicts: list[ImportRowReport]


class RevertImport(Request[ImportJob]):
    """Undo an applied import in the background: delete what it created and put back what
    it updated, except records changed since (or, for created ones, now linked to
    affiliations or interactions): those are reported as conflicts and left alone.

    The answer comes at once, the import `reverting` with its `revert_job_id`: the job
    (`GetContactsJob`) undoes a chunk of rows a step, each in its own short transaction (so
    other writes go on meanwhile), and ends with the import `reverted` and an
    `ImportRevertReport` as its result. Reverting an import not `applied` is a `conflict`."""

    request_subject = "punte.contacts.import.revert"
    request_permission = IMPORTERS

    id: UUID


class ImportRevertInput(Contract):
    """The input of a revert job: the import to undo."""

    import_id: UUID
