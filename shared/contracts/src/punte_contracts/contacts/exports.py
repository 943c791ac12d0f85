"""List exports: organisations and people as CSV or XLSX files."""

from enum import StrEnum

from punte_contracts.contacts.common import READ_PERMISSION
from punte_contracts.contacts.search import OrganizationFilter, PersonFilter
from punte_contracts.files import StagedFile
from punte_contracts.jobs import Job
from punte_contracts.rpc import Contract, Request

# The file is staged in the object store (punte_contracts.files), so only rows are bounded.
EXPORT_MAX_ROWS = 200_000


class ExportFormat(StrEnum):
    """A spreadsheet format staff open."""

    CSV = "csv"
    XLSX = "xlsx"


class ExportFile(Contract):
    """A generated file, staged for download (`file.id`), and how many rows it holds;
    `filename` and `media_type` repeat the staged file's."""

    file: StagedFile
    filename: str
    media_type: str
    rows: int


class ExportOrganizations(OrganizationFilter, Request[Job]):
    """The organisations a search would list (same filters, same order), as a file made by
    a background job: the answer is the job (`GetContactsJob`), whose result, once it
    succeeded, is the `ExportFile`.

    CSV: RFC 4180, comma-separated, CRLF line ends, UTF-8 with a BOM (so Excel reads the
    diacritics); lists in a cell are joined with "; ", CAEN codes as `6201/rev2`. A cell that
    a spreadsheet would run as a formula (`=`, `@`, or `+`/`-` not followed by a number) gets
    a leading `'`. XLSX: one sheet, the same columns, every text stored as text. The headers
    are the import's field names, so an export imports back with no mapping to write.
    More than `EXPORT_MAX_ROWS` rows, or a file over `STAGED_FILE_MAX_BYTES`, is a
    job failing with an error asking to narrow the filter."""

    request_subject = "punte.contacts.organization.export"
    request_permission = READ_PERMISSION

    format: ExportFormat = ExportFormat.CSV


class ExportPeople(PersonFilter, Request[Job]):
    """The people a search would list (same filters, same order), as a file made by a
    background job, as `ExportOrganizations`; the same CSV and XLSX rules and bounds. The
    columns are the person import's field names (an export imports back with no mapping),
    then read-only ones the import ignores: `organizations` and `roles` (current
    affiliations, primary first, "; "-joined, in the same order), `owner_id` and `id`.
    Merged people are left out."""

    request_subject = "punte.contacts.person.export"
    request_permission = READ_PERMISSION

    format: ExportFormat = ExportFormat.CSV
