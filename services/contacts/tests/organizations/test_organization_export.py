"""Export of organisations to CSV and XLSX: filters, diacritics, formula-safe cells, bounds."""

import csv
import io

import pytest
from openpyxl import load_workbook
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.jobs import JobStatus
from punte_platform.context import CallContext
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error, finished_job, job_result
from .test_organization_handlers import create


async def seed(runtime: ServiceRuntime) -> None:
    await create(runtime)  # Banat Soft, Timişoara, company
    await create(
        runtime,
        legal_name='=HYPERLINK("http://rău.example")',
        cui=None,
        trade_register=None,
        emails=[],
        phones=[],
        kind=c.OrganizationKind.ASSOCIATION,
    )
    await create(
        runtime,
        legal_name="Asociația Țesătorilor",
        cui=None,
        trade_register=None,
        emails=[],
        phones=[],
        kind=c.OrganizationKind.ASSOCIATION,
    )


async def export(runtime: ServiceRuntime, **filters: object) -> c.ExportFile:
    return await job_result(runtime, c.ExportOrganizations(**filters), c.ExportFile)


async def download(runtime: ServiceRuntime, file: c.ExportFile) -> bytes:
    """The exported file's bytes, read back from the file store."""
    staged, content = await runtime.files.get(file.file.id, check_owner=False)
    assert staged == file.file
    assert (staged.filename, staged.media_type) == (file.filename, file.media_type)
    return content


async def test_csv_export_is_excel_friendly_and_follows_the_filter(
    contacts: ServiceRuntime,
) -> None:
    await seed(contacts)
    file = await export(contacts)
    content = await download(contacts, file)
    assert file.file.size == len(content)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM
    assert file.media_type.startswith("text/csv")
    assert file.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert file.rows == len(rows) == 3
    by_name = {row["legal_name"]: row for row in rows}
    banat = by_name["Banat Soft S.R.L."]
    assert banat["cui"] == "18547290"
    assert banat["locality"] == "Timișoara"
    assert banat["phones"] == "+40256408300"  # a number: not neutralised
    assert banat["tags"] == "it; export"
    assert banat["caen_codes"] == "6201/rev2"
    assert '\'=HYPERLINK("http://rău.example")' in by_name  # never run as a formula

    associations = await export(contacts, kind=c.OrganizationKind.ASSOCIATION, query="tesatori")
    rows = list(
        csv.DictReader(io.StringIO((await download(contacts, associations)).decode("utf-8-sig")))
    )
    assert [row["legal_name"] for row in rows] == ["Asociația Țesătorilor"]


async def test_xlsx_export_holds_text_cells(contacts: ServiceRuntime) -> None:
    await seed(contacts)
    file = await export(contacts, format=c.ExportFormat.XLSX)
    assert file.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(await download(contacts, file))).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    headers, *rows = values
    assert headers[:3] == ["legal_name", "short_name", "kind"]
    names = {row[0] for row in rows}
    assert '=HYPERLINK("http://rău.example")' in names
    formula = next(row for row in sheet.iter_rows() if row[0].value.startswith("=H"))
    assert formula[0].data_type == "s"
    assert file.rows == 3


async def test_too_large_an_export_asks_to_narrow_the_filter(
    contacts: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(contacts)
    monkeypatch.setattr(c, "EXPORT_MAX_ROWS", 2)
    failed = await finished_job(contacts, await call(contacts, c.ExportOrganizations()))
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "narrow the filter" in failed.error
    monkeypatch.setattr(c, "EXPORT_MAX_ROWS", 50_000)
    monkeypatch.setattr(contacts.files, "max_bytes", 100)
    failed = await finished_job(contacts, await call(contacts, c.ExportOrganizations()))
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "narrow the filter" in failed.error


async def test_export_needs_the_read_permission(contacts: ServiceRuntime) -> None:
    nobody = CallContext(actor="user:nobody", permissions=frozenset())
    error = await call_error(contacts, c.ExportOrganizations(), as_=nobody)
    assert error.code is ErrorCode.FORBIDDEN
