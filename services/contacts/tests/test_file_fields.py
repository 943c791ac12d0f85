"""Export columns and import fields follow the contracts: a plain field needs no code of its own.

`founded_on` was added to organisations by touching only the model, its migration and the
contracts; these tests show it stored, changed, cleared, exported and imported.
"""

import base64
import csv
import io
from datetime import date

from punte_contacts import file_fields
from punte_contracts import contacts as c
from punte_platform.runtime import ServiceRuntime

from .conftest import call, job_result
from .imports.test_imports import apply_and_wait
from .organizations.test_organization_handlers import create


def test_the_files_keep_their_layout_and_gain_plain_fields() -> None:
    columns = file_fields.ORGANIZATION_COLUMNS
    assert columns[:3] == ("legal_name", "short_name", "kind")
    assert columns[-4:] == ("owner_id", "status", "notes", "id")
    assert columns.index("founded_on") == columns.index("department") + 1
    assert {"founded_on", "size_band", "street", "country"} <= set(
        file_fields.ORGANIZATION_IMPORT_FIELDS
    )
    assert not {"caen_codes", "owner_id", "source", "address"} & set(
        file_fields.ORGANIZATION_IMPORT_FIELDS
    )
    assert file_fields.PERSON_COLUMNS[-4:] == ("organizations", "roles", "owner_id", "id")
    assert "owner_id" not in file_fields.PERSON_IMPORT_FIELDS
    assert {"emails", "phones", "tags", "sectors"} <= file_fields.LIST_FIELDS


async def test_a_plain_field_is_stored_changed_and_cleared(contacts: ServiceRuntime) -> None:
    org = await create(contacts, founded_on=date(1991, 5, 17))
    assert org.founded_on == date(1991, 5, 17)
    changed = await call(
        contacts,
        c.UpdateOrganization(id=org.id, expected_version=org.version, founded_on="2001-01-02"),
    )
    assert changed.founded_on == date(2001, 1, 2)
    cleared = await call(
        contacts,
        c.UpdateOrganization(id=org.id, expected_version=changed.version, clear=["founded_on"]),
    )
    assert cleared.founded_on is None
    found = await call(contacts, c.GetOrganizations(ids=[org.id]))
    assert found.items[0].founded_on is None


async def test_a_plain_field_is_exported_and_imported(
    contacts_with_worker: ServiceRuntime,
) -> None:
    contacts = contacts_with_worker
    await create(contacts, founded_on=date(1991, 5, 17), size_band=c.SizeBand.SMALL)
    exported = await job_result(contacts, c.ExportOrganizations(), c.ExportFile)
    content = (await contacts.files.get(exported.file.id, check_owner=False))[1].decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(content))
    assert row["founded_on"] == "1991-05-17"
    assert row["size_band"] == "small"

    file = "legal_name,kind,founded_on,size_band\nFundația Bega,association,2003-09-01,micro\n"
    job = await call(
        contacts,
        c.StartImport(
            kind=c.ImportKind.ORGANIZATIONS,
            filename="firme.csv",
            content_base64=base64.b64encode(file.encode()).decode(),
        ),
    )
    assert job.planned == c.ImportCounts(create=1)
    await apply_and_wait(contacts, job)
    page = await call(contacts, c.SearchOrganizations(query="Fundatia Bega"))
    (imported,) = page.items
    assert imported.founded_on == date(2003, 9, 1)
    assert imported.size_band is c.SizeBand.MICRO
