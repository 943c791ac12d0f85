"""Imports over NATS from real CSV and XLSX files: dry run with per-row errors, background
apply in chunks with progress, idempotent re-run, and revert of creations and updates."""

import base64
import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from punte_contacts.imports import reverting
from punte_contacts.imports import service as import_service
from punte_contacts.imports.models import ImportJob, ImportRow
from punte_contacts.organizations.models import ContactPoint, Organization, SearchWord
from punte_contacts.people.models import Person
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.jobs import JobStatus
from punte_platform.context import CallContext
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.waiting import eventually
from sqlalchemy import select
from stdnum.ro import cui as ro_cui

from ..conftest import (
    READER,
    WRITER,
    call,
    call_error,
    count_rows,
    finished_job,
    job_result,
    outbox_messages,
    outbox_types,
)
from ..organizations.test_organization_handlers import create as create_org
from ..people.test_privacy import raw_text

HEADERS = ["Denumire", "CUI", "Email", "Telefon", "Localitate", "Etichete"]
MAPPING = {
    "Denumire": "legal_name",
    "CUI": "cui",
    "Email": "emails",
    "Telefon": "phones",
    "Localitate": "locality",
    "Etichete": "tags",
}


def cui(n: int) -> str:
    body = str(1_000_000 + n)
    return body + ro_cui.calc_check_digit(body)


def csv_bytes(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[list[Any]], headers: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def start(
    runtime: ServiceRuntime,
    content: bytes,
    *,
    filename: str = "firme.csv",
    kind: c.ImportKind = c.ImportKind.ORGANIZATIONS,
    mode: c.ImportMode = c.ImportMode.UPSERT,
    mapping: dict[str, str] | None = None,
) -> c.ImportJob:
    body = c.StartImport(
        kind=kind,
        mode=mode,
        filename=filename,
        content_base64=base64.b64encode(content).decode(),
        mapping=MAPPING if mapping is None else mapping,
    )
    return await call(runtime, body)


async def apply_and_wait(runtime: ServiceRuntime, job: c.ImportJob) -> c.ImportJob:
    started = await call(runtime, c.ApplyImport(id=job.id))
    assert started.status is c.ImportStatus.APPLYING

    async def probe() -> c.ImportJob:
        return await call(runtime, c.GetImport(id=job.id))

    return await eventually(probe, lambda j: j.status is c.ImportStatus.APPLIED, timeout=30)


async def revert_and_wait(runtime: ServiceRuntime, job: c.ImportJob) -> c.ImportRevertReport:
    reverting = await call(runtime, c.RevertImport(id=job.id))
    assert reverting.status is c.ImportStatus.REVERTING
    assert reverting.revert_job_id is not None
    done = await finished_job(
        runtime, await call(runtime, c.GetContactsJob(id=reverting.revert_job_id))
    )
    assert done.status is JobStatus.SUCCEEDED, done.error
    assert done.done == done.total
    reverted = await call(runtime, c.GetImport(id=job.id))
    assert reverted.status is c.ImportStatus.REVERTED
    assert reverted.revert_job_id == reverting.revert_job_id
    return c.ImportRevertReport.model_validate(done.result)


def errors_by_line(job: c.ImportJob) -> dict[int, list[tuple[tuple[str | int, ...], str]]]:
    return {
        row.line: [(tuple(e.path), e.message) for e in row.errors] for row in job.rows if row.errors
    }


async def orgs(runtime: ServiceRuntime, ids: list[Any]) -> dict[Any, c.Organization]:
    reply = await call(runtime, c.GetOrganizations(ids=ids))
    return {o.id: o for o in reply.items}


async def test_the_dry_run_reports_every_broken_row_and_writes_nothing(
    contacts: ServiceRuntime,
) -> None:
    existing = await create_org(contacts)  # CUI 18547290
    content = csv_bytes(
        [
            ["Alfa SRL", cui(1), "office@alfa.ro", "0256 111 222", "Timisoara", "it; export"],
            ["Beta SRL", "18547291", "", "", "", ""],  # bad CUI
            ["Gama SRL", "", "nu-e-email", "", "", ""],  # bad e-mail
            ["Delta SRL", "", "", "12", "", ""],  # bad phone
            ["", cui(2), "", "", "", ""],  # missing name
            ["Alfa Dublură", cui(1), "", "", "", ""],  # duplicate CUI in the file
            ["X" * 400, "", "", "", "", ""],  # huge field
            ["Banat Soft S.R.L.", "RO 18547290", "", "", "Lugoj", ""],  # update existing
            ["", "", "", "", "", ""],  # blank line: ignored
        ]
    )
    job = await start(contacts, content)
    assert job.status is c.ImportStatus.VALIDATED
    assert job.total_rows == 8
    assert job.planned == c.ImportCounts(create=1, update=1, unchanged=0, skip=6)
    assert job.error_rows == 6
    errors = errors_by_line(job)
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert errors[3][0][0] == ("cui",)
    assert errors[4][0][0] == ("emails", 0)
    assert errors[5][0][0] == ("phones", 0)
    assert errors[6] == [(("legal_name",), "missing")]
    assert errors[7] == [(("cui",), "duplicate in the file: same cui as line 2")]
    assert errors[8][0][0] == ("legal_name",)
    update = next(row for row in job.rows if row.line == 9)
    assert (update.action, update.target_id) == (c.ImportAction.UPDATE, existing.id)
    assert job.rows[0].errors  # rows with errors come first
    assert await count_rows(contacts, Organization) == 1
    assert await count_rows(contacts, ImportJob) == 1


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("poza.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("raport.pdf", b"%PDF-1.7\n1 0 obj\n"),
        ("firme.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),  # binary renamed .csv
        ("arhiva.zip", b"PK\x03\x04rest-of-a-zip"),
        ("firme.xlsx", b"PK\x03\x04not-really-a-workbook"),
        ("firme.csv", b""),
    ],
)
async def test_a_file_that_is_not_csv_or_xlsx_is_refused(
    contacts: ServiceRuntime, filename: str, content: bytes
) -> None:
    body = c.StartImport(
        kind=c.ImportKind.ORGANIZATIONS,
        filename=filename,
        content_base64=base64.b64encode(content).decode(),
        mapping=MAPPING,
    )
    error = await call_error(contacts, body)
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert error.fields[0].path == ["content_base64"]
    assert await count_rows(contacts, ImportJob) == 0


async def test_a_bad_mapping_or_too_big_a_file_is_refused(
    contacts: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = csv_bytes([["Alfa", cui(1), "", "", "", ""]])
    body = c.StartImport(
        kind=c.ImportKind.ORGANIZATIONS,
        filename="f.csv",
        content_base64=base64.b64encode(content).decode(),
        mapping={"Denumire": "legal_name", "Lipsă": "cui", "CUI": "cnp"},
    )
    error = await call_error(contacts, body)
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert sorted(tuple(f.path) for f in error.fields) == [("mapping", "CUI"), ("mapping", "Lipsă")]
    unmapped = body.model_copy(update={"mapping": {"CUI": "cui"}})
    error = await call_error(contacts, unmapped)
    assert error.fields[0].path == ["mapping"]
    monkeypatch.setattr(c, "IMPORT_MAX_BYTES", 10)
    error = await call_error(contacts, body.model_copy(update={"mapping": MAPPING}))
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert "kB" in error.message
    nobody = CallContext(actor="user:x", permissions=frozenset({c.READ_PERMISSION}))
    assert (await call_error(contacts, body, as_=nobody)).code is (ErrorCode.FORBIDDEN)
    assert await count_rows(contacts, ImportJob) == 0


async def test_apply_in_chunks_then_rerun_creates_nothing_then_revert_restores(
    contacts_with_worker: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = contacts_with_worker
    monkeypatch.setattr(import_service, "CHUNK", 2)
    monkeypatch.setattr(reverting, "REVERT_CHUNK", 2)  # the revert takes three steps
    existing = await create_org(contacts)  # CUI 18547290, Timișoara, tags it/export
    other = await create_org(
        contacts, legal_name="Rămâne Neatinsă", cui=cui(9), emails=[], phones=[]
    )
    rows = [
        ["Alfa SRL", cui(1), "office@alfa.ro", "0256 111 222", "Timisoara", "it"],
        ["Beta SRL", cui(2), "", "", "Arad", ""],
        ["Gama SRL", cui(3), "", "", "", ""],
        ["Banat Soft Group", "RO18547290", "nou@banatsoft.ro", "", "Lugoj", "nou"],
        ["Rău", "18547291", "", "", "", ""],  # skipped: bad CUI
    ]
    content = csv_bytes(rows)
    job = await start(contacts, content)
    assert job.planned == c.ImportCounts(create=3, update=1, skip=1)

    done = await apply_and_wait(contacts, job)
    assert done.progress == 1.0
    assert done.rows_done == done.total_rows == 5
    assert done.done == c.ImportCounts(create=3, update=1, skip=1)
    assert await count_rows(contacts, Organization) == 5
    updated = (await orgs(contacts, [existing.id]))[existing.id]
    assert updated.legal_name == "Banat Soft Group"
    assert updated.address.locality == "Lugoj"
    assert updated.address.county == existing.address.county  # empty cell: kept
    assert updated.emails == ["nou@banatsoft.ro"]
    again = await call_error(contacts, c.ApplyImport(id=job.id))
    assert again.code is ErrorCode.CONFLICT

    # The same file again: nothing to create or update.
    rerun = await start(contacts, content)
    assert rerun.planned == c.ImportCounts(unchanged=4, skip=1)
    rerun_done = await apply_and_wait(contacts, rerun)
    assert rerun_done.done == c.ImportCounts(unchanged=4, skip=1)
    assert await count_rows(contacts, Organization) == 5

    # Someone edits one created organisation: the revert leaves it and says so.
    created = [row.target_id for row in done.rows if row.action is c.ImportAction.CREATE]
    edited_id = created[0]
    edited = (await orgs(contacts, [edited_id]))[edited_id]
    await call(
        contacts,
        c.UpdateOrganization(id=edited_id, expected_version=edited.version, notes="de păstrat"),
    )
    report = await revert_and_wait(contacts, job)
    assert (report.import_id, report.deleted, report.restored) == (job.id, 2, 1)
    assert [(r.line, r.target_id) for r in report.conflicts] == [(2, edited_id)]
    left = await orgs(contacts, [existing.id, other.id, *created])
    assert set(left) == {existing.id, other.id, edited_id}
    restored = left[existing.id]
    for name in existing.model_dump():
        if name not in {"version", "updated_at"}:
            assert getattr(restored, name) == getattr(existing, name), name
    assert restored.version > updated.version
    # The revert names contract fields, never columns such as locality_key or search_key.
    (*_, revert_message) = [
        m
        for m in await outbox_messages(contacts, c.OrganizationUpdated)
        if m.organization_id == existing.id
    ]
    assert revert_message.changed == ["address", "emails", "legal_name", "tags"]
    twice = await call_error(contacts, c.RevertImport(id=job.id))
    assert twice.code is ErrorCode.CONFLICT


async def test_people_from_xlsx_upsert_by_email(contacts_with_worker: ServiceRuntime) -> None:
    contacts = contacts_with_worker
    known = await call(
        contacts, c.CreatePerson(given_name="Ana", family_name="Pop", emails=["Ana.Pop@example.ro"])
    )
    headers = ["Prenume", "Nume", "E-mail", "Funcție"]
    content = xlsx_bytes(
        [
            ["Ana", "Pop", "ana.pop@EXAMPLE.ro", "directoare"],  # finds the known person
            ["Ion", "Ionescu", "ion@example.ro", None],
            ["Ion", "Ionescu", "ION@example.ro", None],  # duplicate e-mail in the file
            ["Fără", None, "f@example.ro", None],  # missing family name
        ],
        headers,
    )
    mapping = {
        "Prenume": "given_name",
        "Nume": "family_name",
        "E-mail": "emails",
        "Funcție": "job_title",
    }
    job = await start(
        contacts, content, filename="oameni.xlsx", kind=c.ImportKind.PEOPLE, mapping=mapping
    )
    assert job.planned == c.ImportCounts(create=1, update=1, skip=2)
    errors = errors_by_line(job)
    assert errors[4] == [(("emails",), "duplicate in the file: same emails as line 3")]
    assert errors[5] == [(("family_name",), "missing")]
    done = await apply_and_wait(contacts, job)
    assert done.done == c.ImportCounts(create=1, update=1, skip=2)
    assert await count_rows(contacts, Person) == 2
    reply = await call(contacts, c.GetPeople(ids=[known.id]))
    assert reply.items[0].job_title == "directoare"

    report = await revert_and_wait(contacts, job)
    assert (report.deleted, report.restored, report.conflicts) == (1, 1, [])
    reply = await call(contacts, c.GetPeople(ids=[known.id]))
    assert reply.items[0].job_title is None
    assert await count_rows(contacts, Person) == 1


async def test_an_export_imports_back_with_no_mapping(contacts: ServiceRuntime) -> None:
    await create_org(contacts)
    body = c.ExportOrganizations(format=c.ExportFormat.XLSX)
    exported = await job_result(contacts, body, c.ExportFile)
    # The exported file is staged: it imports back by its id, under its own name.
    body = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id=exported.file.id)
    job = await call(contacts, body)
    assert job.filename == exported.filename
    assert job.planned == c.ImportCounts(unchanged=1)
    unknown = await call_error(contacts, c.GetImport(id=new_id()), as_=READER)
    assert unknown.code is ErrorCode.NOT_FOUND


async def test_erasing_an_imported_person_removes_the_import_holding_them(
    contacts_with_worker: ServiceRuntime,
) -> None:
    contacts = contacts_with_worker
    content = csv_bytes(
        [["Mădălina", "Lăzărescu", "madalina@presa-banat.ro"]], ["given", "family", "email"]
    )
    mapping = {"given": "given_name", "family": "family_name", "email": "emails"}
    job = await start(contacts, content, kind=c.ImportKind.PEOPLE, mapping=mapping)
    done = await apply_and_wait(contacts, job)
    person_id = done.rows[0].target_id
    assert person_id is not None
    await start(contacts, content, kind=c.ImportKind.PEOPLE, mapping=mapping)  # a dry run
    await call(contacts, c.ErasePerson(id=person_id))
    after = await raw_text(contacts)
    for trace in ("lăzărescu", "madalina@presa-banat.ro"):
        assert trace not in after, trace
    assert await count_rows(contacts, ImportJob) == 0


async def start_staged(
    runtime: ServiceRuntime, content: bytes, *, filename: str = "organizații.csv"
) -> c.ImportJob:
    staged = await runtime.files.put(
        content, filename=filename, media_type="text/csv", owner=WRITER.actor
    )
    body = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id=staged.id, mapping=MAPPING)
    return await call(runtime, body)


async def test_a_staged_file_larger_than_an_inline_one_is_imported(
    contacts_with_worker: ServiceRuntime,
) -> None:
    contacts = contacts_with_worker
    notes = "Întâlnire la Primăria Timișoara; " * 100
    rows = [[f"Firma {n} SRL", cui(n), "", "", "Timișoara", notes] for n in range(300)]
    content = csv_bytes(rows, [*HEADERS[:5], "Note"])
    assert len(content) > c.IMPORT_MAX_BYTES  # too big to travel inline
    staged = await contacts.files.put(
        content, filename="organizații.csv", media_type="text/csv", owner=WRITER.actor
    )
    mapping = {"Denumire": "legal_name", "CUI": "cui", "Localitate": "locality", "Note": "notes"}
    body = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id=staged.id, mapping=mapping)
    job = await call(contacts, body)
    assert job.filename == "organizații.csv"  # the staged file's name when none is given
    assert job.planned == c.ImportCounts(create=300)
    done = await apply_and_wait(contacts, job)
    assert done.done == c.ImportCounts(create=300)
    assert await count_rows(contacts, Organization) == 300
    again = await call(contacts, body)
    assert again.planned == c.ImportCounts(unchanged=300)


async def test_a_staged_file_that_is_missing_or_not_a_spreadsheet_is_refused(
    contacts: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id=str(new_id()))
    error = await call_error(contacts, unknown)
    assert error.code is ErrorCode.NOT_FOUND
    staged = await contacts.files.put(
        b"%PDF-1.7\n1 0 obj\n",
        filename="raport.pdf",
        media_type="application/pdf",
        owner=WRITER.actor,
    )
    pdf = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id=staged.id)
    error = await call_error(contacts, pdf)
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert error.fields[0].path == ["staged_file_id"]
    # A .csv name does not make a PDF readable; the name given overrides the staged one.
    renamed = pdf.model_copy(update={"filename": "firme.csv"})
    error = await call_error(contacts, renamed)
    assert error.code is ErrorCode.VALIDATION_FAILED
    monkeypatch.setattr(c, "IMPORT_MAX_ROWS", 2)
    content = csv_bytes([[f"Firma {n}", cui(n), "", "", "", ""] for n in range(3)])
    error = await call_error(
        contacts,
        c.StartImport(
            kind=c.ImportKind.ORGANIZATIONS,
            staged_file_id=(
                await contacts.files.put(
                    content, filename="f.csv", media_type="text/csv", owner=WRITER.actor
                )
            ).id,
            mapping=MAPPING,
        ),
    )
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert "row 4: over the limit max_rows = 3" in error.message
    assert await count_rows(contacts, ImportJob) == 0


async def test_a_job_keeps_its_rows_in_their_own_table(contacts: ServiceRuntime) -> None:
    job = await start_staged(
        contacts,
        csv_bytes([["Alfa SRL", cui(1), "", "", "", ""], ["Beta SRL", "18547291", "", "", "", ""]]),
    )
    assert job.planned == c.ImportCounts(create=1, skip=1)
    assert await count_rows(contacts, ImportRow) == 2
    assert [row.line for row in job.rows] == [3, 2]  # the row with errors first


async def wait_validated(runtime: ServiceRuntime, job: c.ImportJob) -> c.ImportJob:
    async def probe() -> c.ImportJob:
        return await call(runtime, c.GetImport(id=job.id))

    return await eventually(probe, lambda j: j.status is c.ImportStatus.VALIDATED, timeout=60)


def reports(job: c.ImportJob) -> list[tuple[int, c.ImportAction, Any, list[Any]]]:
    return sorted(
        (row.line, row.action, row.target_id, [(tuple(e.path), e.message) for e in row.errors])
        for row in job.rows
    )


async def test_a_large_file_is_checked_in_the_background_as_a_small_one_at_once(
    contacts_with_worker: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = contacts_with_worker
    existing = await create_org(contacts)  # CUI 18547290
    rows = [
        ["Alfa SRL", cui(1), "office@alfa.ro", "", "Timisoara", ""],  # line 2
        ["Beta SRL", "18547291", "", "", "", ""],  # bad CUI
        ["Gama SRL", cui(3), "", "", "", ""],
        ["Alfa Dublură", "RO" + cui(1), "", "", "", ""],  # duplicate of line 2, next chunk
        ["", "", "", "", "", ""],  # blank: ignored
        ["Beta Bună SRL", cui(2), "", "", "", ""],
        ["Delta SRL", cui(3), "nu-e-email", "", "", ""],  # invalid: claims no key
        ["Delta Bună SRL", cui(4), "", "", "", ""],
        ["Banat Soft Group", "RO18547290", "", "", "Lugoj", ""],  # updates the existing one
        ["Gama Dublură", cui(3), "", "", "", ""],  # duplicate of line 4, chunks later
        ["Epsilon SRL", cui(4), "", "", "", ""],  # duplicate of line 9
    ]
    content = csv_bytes(rows)
    at_once = await start(contacts, content)  # under the threshold: checked at once
    assert at_once.status is c.ImportStatus.VALIDATED
    assert at_once.planned == c.ImportCounts(create=4, update=1, skip=5)

    monkeypatch.setattr(c, "IMPORT_CHECKED_AT_ONCE_ROWS", 4)
    monkeypatch.setattr(import_service, "CHUNK", 3)
    answered = await start(contacts, content)
    assert answered.status is c.ImportStatus.VALIDATING
    assert (answered.total_rows, answered.rows) == (10, [])
    assert answered.planned == c.ImportCounts()
    assert await count_rows(contacts, ImportRow) == 20  # stored, unchecked, at once
    job = await wait_validated(contacts, answered)
    assert job.total_rows == 10
    assert job.planned == at_once.planned
    assert job.error_rows == at_once.error_rows == 5
    assert reports(job) == reports(at_once)
    errors = errors_by_line(job)
    assert errors[5] == [(("cui",), "duplicate in the file: same cui as line 2")]
    assert errors[11] == [(("cui",), "duplicate in the file: same cui as line 4")]
    assert errors[12] == [(("cui",), "duplicate in the file: same cui as line 9")]
    assert next(r for r in job.rows if r.line == 10).target_id == existing.id
    assert (job.rows_done, job.progress) == (0, 0.0)  # the counters now serve the apply

    done = await apply_and_wait(contacts, job)
    assert done.done == c.ImportCounts(create=4, update=1, skip=5)
    assert await count_rows(contacts, Organization) == 5
    # Created by bulk INSERTs, without ORM flushes: each still has its message, its contact
    # points and the words of its name for typo-tolerant search.
    created = {r.target_id for r in done.rows if r.action is c.ImportAction.CREATE}
    types = await outbox_types(contacts)
    assert types.count(c.OrganizationCreated.message_type()) == 1 + 4  # with `existing`
    async with contacts.session_factory() as session:
        words = set(await session.scalars(select(SearchWord.word)))
        points = list(
            await session.execute(
                select(ContactPoint.kind, ContactPoint.value).where(
                    ContactPoint.organization_id.in_(created)
                )
            )
        )
    assert {"alfa", "buna", "delta"} <= words
    assert points == [("email", "office@alfa.ro")]
    reply = await call(contacts, c.SearchOrganizations(query="delta buna"))
    assert [o.legal_name for o in reply.items] == ["Delta Bună SRL"]


async def test_a_file_over_the_threshold_answers_validating_and_cannot_be_applied_yet(
    contacts: ServiceRuntime,
) -> None:
    # No worker here: the job stays `validating`, as while its chunks are being checked.
    count = c.IMPORT_CHECKED_AT_ONCE_ROWS + 1
    content = csv_bytes([[f"Firma {n} SRL", cui(n), "", "", "", ""] for n in range(count)])
    job = await start(contacts, content)
    assert job.status is c.ImportStatus.VALIDATING
    assert (job.total_rows, job.rows_done, job.progress, job.rows) == (count, 0, 0.0, [])
    refused = await call_error(contacts, c.ApplyImport(id=job.id))
    assert refused.code is ErrorCode.CONFLICT
    assert "still being checked" in refused.message
    assert f"0 of {count} rows" in refused.message
    reverted = await call_error(contacts, c.RevertImport(id=job.id))
    assert reverted.code is ErrorCode.CONFLICT
    got = await call(contacts, c.GetImport(id=job.id), as_=READER)
    assert got.status is c.ImportStatus.VALIDATING
    assert await count_rows(contacts, ImportRow) == count
    assert await count_rows(contacts, Organization) == 0


async def test_people_over_the_threshold_find_duplicate_emails_across_chunks(
    contacts_with_worker: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = contacts_with_worker
    monkeypatch.setattr(c, "IMPORT_CHECKED_AT_ONCE_ROWS", 2)
    monkeypatch.setattr(import_service, "CHUNK", 2)
    content = csv_bytes(
        [
            ["Ana", "Pop", "ana@example.ro"],
            ["Ion", "Ionescu", "ion@example.ro"],
            ["Maria", "Pop", "maria@example.ro"],
            ["Ana", "Popescu", "ANA@example.ro"],  # duplicate of line 2, two chunks later
        ],
        ["given", "family", "email"],
    )
    mapping = {"given": "given_name", "family": "family_name", "email": "emails"}
    answered = await start(contacts, content, kind=c.ImportKind.PEOPLE, mapping=mapping)
    assert answered.status is c.ImportStatus.VALIDATING
    job = await wait_validated(contacts, answered)
    assert job.planned == c.ImportCounts(create=3, skip=1)
    assert errors_by_line(job) == {
        5: [(("emails",), "duplicate in the file: same emails as line 2")]
    }


async def test_a_large_export_and_revert_are_jobs_and_a_create_meanwhile_answers_at_once(
    contacts_with_worker: ServiceRuntime,
) -> None:
    contacts = contacts_with_worker
    # Over 2,000 rows, checked in the background too: every step of the test is a job's.
    count = c.IMPORT_CHECKED_AT_ONCE_ROWS + 1
    rows = [[f"Firma {n} SRL", cui(n), f"o{n}@firma.ro", "", "Arad", "lot"] for n in range(count)]
    started = await start(contacts, csv_bytes(rows))

    async def checking() -> c.ImportJob:
        return await call(contacts, c.GetImport(id=started.id))

    job = await eventually(checking, lambda j: j.status is c.ImportStatus.VALIDATED, timeout=60)
    assert job.planned == c.ImportCounts(create=count)
    await apply_and_wait(contacts, job)
    assert await count_rows(contacts, Organization) == count

    # The export answers with its job at once; the job's result is the staged XLSX file.
    # (20,000 organisations: bench/contacts_export.py.)
    exporting = await call(contacts, c.ExportOrganizations(format=c.ExportFormat.XLSX))
    assert exporting.kind == c.ORGANIZATION_EXPORT_JOB
    assert exporting.status in {JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED}
    exported_job = await finished_job(contacts, exporting)
    assert exported_job.status is JobStatus.SUCCEEDED, exported_job.error
    exported = c.ExportFile.model_validate(exported_job.result)
    assert exported.rows == count
    _, content = await contacts.files.get(exported.file.id, check_owner=False)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    assert sum(1 for _ in sheet.iter_rows()) == count + 1  # and the header

    # Each answers within the request timeout (a timeout would raise `unavailable`).
    reverting_job = await call(contacts, c.RevertImport(id=job.id))
    assert reverting_job.status is c.ImportStatus.REVERTING
    assert reverting_job.revert_job_id is not None
    # A create while the revert runs gets in between two of its steps (no long write lock).
    meanwhile = await create_org(contacts, legal_name="Între Timp", cui=cui(count + 1))
    progress = await call(contacts, c.GetContactsJob(id=reverting_job.revert_job_id))
    assert progress.total == count

    done = await finished_job(contacts, progress)
    assert done.status is JobStatus.SUCCEEDED, done.error
    assert done.done == done.total == count
    report = c.ImportRevertReport.model_validate(done.result)
    assert (report.deleted, report.restored, report.conflicts) == (count, 0, [])
    assert (await call(contacts, c.GetImport(id=job.id))).status is c.ImportStatus.REVERTED
    # Nothing of the import is left: only the organisation created meanwhile.
    assert set(await orgs(contacts, [meanwhile.id])) == {meanwhile.id}
    assert await count_rows(contacts, Organization) == 1
    assert await count_rows(contacts, ContactPoint) == len(meanwhile.emails) + len(meanwhile.phones)
