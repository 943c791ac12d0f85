"""Export of people to CSV and XLSX: filters, order, affiliations, privacy, re-import."""

import csv
import io
from datetime import date

from openpyxl import load_workbook
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.context import CallContext
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error, job_result
from .test_people_handlers import make_org, make_person


async def affiliate(
    runtime: ServiceRuntime, person: c.Person, org: c.Organization, **values: object
) -> c.Affiliation:
    body = c.AddAffiliation(person_id=person.id, organization_id=org.id, **values)
    return await call(runtime, body)


async def seed(runtime: ServiceRuntime) -> dict[str, c.Person]:
    """Four tagged people: one with affiliations, one merged away, one erased."""
    uvt = await make_org(runtime)
    primarie = await make_org(runtime, "Primăria Municipiului Timișoara")
    ana = await make_person(
        runtime,
        given_name="Ana",
        family_name="Țărmure",
        emails=["ana.tarmure@e-uvt.ro"],
        phones=["+40256592111"],
        tags=["vest", "cercetare"],
        job_title="Prorector",
        notes="Întâlnire în iunie",
    )
    await affiliate(runtime, ana, primarie, role="consultantă")
    await affiliate(runtime, ana, uvt, role="prorector", is_primary=True)
    ended = await affiliate(runtime, ana, await make_org(runtime, "Fostă Firmă"), role="x")
    await call(runtime, c.EndAffiliation(id=ended.id, end_date=date(2024, 1, 1)))
    ion = await make_person(
        runtime, given_name="Ion", family_name="Bălan", emails=["ion@balan.ro"], tags=["vest"]
    )
    dublura = await make_person(
        runtime, given_name="Ion", family_name="Bălan", emails=["ion.b@balan.ro"], tags=["vest"]
    )
    await call(
        runtime,
        c.MergePeople(
            primary_id=ion.id,
            primary_expected_version=1,
            secondary_id=dublura.id,
            secondary_expected_version=1,
        ),
    )
    sters = await make_person(
        runtime, given_name="Gheorghe", family_name="Șerban", emails=["g@s.ro"], tags=["vest"]
    )
    await call(runtime, c.ErasePerson(id=sters.id))
    await make_person(
        runtime,
        given_name="Zoe",
        family_name="Fără",
        emails=["zoe@x.ro"],
        notes='=HYPERLINK("http://rău.example")',
    )
    return {"ana": ana, "ion": ion, "dublura": dublura, "sters": sters}


async def export(runtime: ServiceRuntime, **filters: object) -> c.ExportFile:
    return await job_result(runtime, c.ExportPeople(**filters), c.ExportFile)


async def download(runtime: ServiceRuntime, file: c.ExportFile) -> bytes:
    staged, content = await runtime.files.get(file.file.id, check_owner=False)
    assert staged == file.file
    return content


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM
    assert b"\r\n" in content
    assert b"\n" not in content.replace(b"\r\n", b"")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_csv_export_follows_filter_and_order_and_leaves_out_merged_and_erased(
    contacts: ServiceRuntime,
) -> None:
    people = await seed(contacts)
    newest_first = c.SearchOrder(field=c.SortField.NAME, direction=c.SortDirection.DESC)
    file = await export(contacts, tag="vest", order_by=newest_first)
    assert file.filename.startswith("persoane-")
    assert file.filename.endswith(".csv")
    assert file.media_type.startswith("text/csv")
    rows = csv_rows(await download(contacts, file))
    assert file.rows == len(rows) == 2
    assert [row["family_name"] for row in rows] == ["Bălan", "Țărmure"]  # "ion…" > "ana…"
    ion, ana = rows
    assert ion["id"] == str(people["ion"].id)
    assert ion["emails"] == "ion@balan.ro; ion.b@balan.ro"  # the secondary's moved over
    assert ana["given_name"] == "Ana"
    assert ana["tags"] == "vest; cercetare"
    assert ana["phones"] == "+40256592111"  # a number: not neutralised
    assert ana["notes"] == "Întâlnire în iunie"
    # Current affiliations only, the primary first, roles in the same order.
    assert ana["organizations"] == (
        "Universitatea de Vest din Timișoara; Primăria Municipiului Timișoara"
    )
    assert ana["roles"] == "prorector; consultantă"
    assert list(rows[0])[:9] == [
        "honorific",
        "given_name",
        "family_name",
        "job_title",
        "emails",
        "phones",
        "preferred_language",
        "tags",
        "notes",
    ]

    ascending = await export(
        contacts,
        tag="vest",
        order_by=newest_first.model_copy(update={"direction": c.SortDirection.ASC}),
    )
    rows = csv_rows(await download(contacts, ascending))
    assert [row["family_name"] for row in rows] == ["Țărmure", "Bălan"]
    searched = csv_rows(await download(contacts, await export(contacts, query="tarmure")))
    assert [row["family_name"] for row in searched] == ["Țărmure"]
    everyone = csv_rows(await download(contacts, await export(contacts)))
    ids = {row["id"] for row in everyone}
    assert len(everyone) == 3
    zoe = next(row for row in everyone if row["given_name"] == "Zoe")
    assert zoe["notes"] == '\'=HYPERLINK("http://rău.example")'  # never run as a formula
    assert zoe["organizations"] == zoe["roles"] == ""
    assert str(people["dublura"].id) not in ids
    assert str(people["sters"].id) not in ids


async def test_xlsx_export_keeps_diacritics_and_text_cells(contacts: ServiceRuntime) -> None:
    await seed(contacts)
    file = await export(contacts, format=c.ExportFormat.XLSX)
    assert file.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(await download(contacts, file))).active
    assert sheet is not None
    headers, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert headers[-4:] == ["organizations", "roles", "owner_id", "id"]
    by_family = {row[headers.index("family_name")]: row for row in rows}
    assert set(by_family) == {"Țărmure", "Bălan", "Fără"}
    assert by_family["Țărmure"][headers.index("roles")] == "prorector; consultantă"
    assert by_family["Fără"][headers.index("notes")] == '=HYPERLINK("http://rău.example")'
    notes = next(r for r in sheet.iter_rows() if r[2].value == "Fără")[headers.index("notes")]
    assert notes.data_type == "s"  # text, never a formula
    assert file.rows == 3


async def test_an_export_imports_back_unchanged_with_no_mapping(contacts: ServiceRuntime) -> None:
    await seed(contacts)
    # Zoe's notes start with "=": the CSV guards them with a "'" that the import takes off.
    for format in c.ExportFormat:
        exported = await export(contacts, format=format)
        body = c.StartImport(kind=c.ImportKind.PEOPLE, staged_file_id=exported.file.id)
        job = await call(contacts, body)
        assert job.filename == exported.filename
        assert job.planned == c.ImportCounts(unchanged=3), (format, job.planned)


async def test_people_export_needs_the_read_permission(contacts: ServiceRuntime) -> None:
    nobody = CallContext(actor="user:nobody", permissions=frozenset())
    error = await call_error(contacts, c.ExportPeople(), as_=nobody)
    assert error.code is ErrorCode.FORBIDDEN
