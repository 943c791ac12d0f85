"""The service checks what every request declares, reads included, whatever the gateway decided."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.rpc import Request
from punte_platform.context import CallContext
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from .conftest import READER, call, call_error, outbox_types

WRITES: list[Request[Any]] = [
    c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name="X"),
    c.UpdateOrganization(id=new_id(), expected_version=1),
    c.ArchiveOrganization(id=new_id(), expected_version=1),
    c.CreatePerson(family_name="Pop"),
    c.UpdatePerson(id=new_id(), expected_version=1),
    c.AddAffiliation(person_id=new_id(), organization_id=new_id()),
    c.EndAffiliation(id=new_id(), end_date=date(2026, 1, 1)),
    c.LogInteraction(
        kind=c.InteractionKind.NOTE,
        occurred_at=datetime.now(UTC),
        subject="Notă",
        person_ids=[new_id()],
    ),
    c.CompleteFollowUp(id=new_id()),
    c.ErasePerson(id=new_id()),
    c.MergeOrganizations(
        primary_id=new_id(),
        primary_expected_version=1,
        secondary_id=new_id(),
        secondary_expected_version=1,
    ),
    c.MergePeople(
        primary_id=new_id(),
        primary_expected_version=1,
        secondary_id=new_id(),
        secondary_expected_version=1,
    ),
    c.UndoMerge(merge_id=new_id()),
    c.SetConsent(
        person_id=new_id(),
        purpose=c.ConsentPurpose.NEWSLETTER,
        channel=c.ConsentChannel.EMAIL,
        granted=True,
        source="x",
    ),
]


WRITER_ONLY = CallContext(actor="apikey:writer", permissions=frozenset({c.WRITE_PERMISSION}))
NOBODY = CallContext(actor="apikey:nobody")
IMPORTER = CallContext(actor="apikey:importer", permissions=frozenset({c.IMPORT_PERMISSION}))
READS: list[Request[Any]] = [
    c.GetOrganizations(ids=[new_id()]),
    c.SearchOrganizations(),
    c.CountOrganizations(),
    c.SuggestOrganizationDuplicates(legal_name="X"),
    c.ExportOrganizations(),
    c.GetPeople(ids=[new_id()]),
    c.SearchPeople(),
    c.CountPeople(),
    c.SuggestPersonDuplicates(family_name="Pop"),
    c.ExportPeople(),
    c.ListAffiliations(person_id=new_id()),
    c.ListAffiliationsMany(person_ids=[new_id()]),
    c.ListConsents(person_id=new_id()),
    c.ListInteractionsFor(person_id=new_id()),
    c.ListInteractionsForMany(person_ids=[new_id()]),
]


@pytest.mark.parametrize("body", WRITES, ids=[b.request_subject for b in WRITES])
async def test_a_reader_may_not_write(contacts: ServiceRuntime, body: Request[Any]) -> None:
    error = await call_error(contacts, body, as_=READER)
    assert error.code is ErrorCode.FORBIDDEN
    assert await outbox_types(contacts) == []


async def test_reads_need_the_read_permission(contacts: ServiceRuntime) -> None:
    for caller in (WRITER_ONLY, IMPORTER):
        for body in READS:
            error = await call_error(contacts, body, as_=caller)
            assert error.code is ErrorCode.FORBIDDEN, (caller.actor, body.request_subject)
    found = await call(contacts, c.GetOrganizations(ids=[new_id()]), as_=READER)
    assert found.items == []


async def test_a_persons_data_export_needs_the_write_permission(contacts: ServiceRuntime) -> None:
    person = await call(contacts, c.CreatePerson(family_name="Pop"))
    request = c.ExportPersonData(id=person.id)
    assert (await call_error(contacts, request, as_=READER)).code is ErrorCode.FORBIDDEN
    exported = await call(contacts, request, as_=WRITER_ONLY)
    assert exported.person.id == person.id


async def test_imports_take_the_import_or_the_write_permission(contacts: ServiceRuntime) -> None:
    start = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id="nothing-staged")
    assert (await call_error(contacts, start, as_=READER)).code is ErrorCode.FORBIDDEN
    for caller in (IMPORTER, WRITER_ONLY):
        assert (await call_error(contacts, start, as_=caller)).code is ErrorCode.NOT_FOUND
    job = c.GetImport(id=new_id())
    assert (await call_error(contacts, job, as_=NOBODY)).code is ErrorCode.FORBIDDEN
    for caller in (IMPORTER, WRITER_ONLY, READER):
        assert (await call_error(contacts, job, as_=caller)).code is ErrorCode.NOT_FOUND
