"""Every write re-checks `contacts:write` in the service, whatever the gateway decided."""

from datetime import UTC, date, datetime

import pytest
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.rpc import Contract
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from .conftest import READER, call_error, outbox_types

WRITES: list[tuple[str, Contract]] = [
    (
        c.ORGANIZATION_CREATE,
        c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name="X"),
    ),
    (c.ORGANIZATION_UPDATE, c.UpdateOrganization(id=new_id(), expected_version=1)),
    (c.ORGANIZATION_ARCHIVE, c.ArchiveOrganization(id=new_id(), expected_version=1)),
    (c.PERSON_CREATE, c.CreatePerson(family_name="Pop")),
    (c.PERSON_UPDATE, c.UpdatePerson(id=new_id(), expected_version=1)),
    (c.AFFILIATION_ADD, c.AddAffiliation(person_id=new_id(), organization_id=new_id())),
    (c.AFFILIATION_END, c.EndAffiliation(id=new_id(), end_date=date(2026, 1, 1))),
    (
        c.INTERACTION_LOG,
        c.LogInteraction(
            kind=c.InteractionKind.NOTE,
            occurred_at=datetime.now(UTC),
            subject="Notă",
            person_ids=[new_id()],
        ),
    ),
    (c.INTERACTION_COMPLETE_FOLLOW_UP, c.CompleteFollowUp(id=new_id())),
    (c.PERSON_ERASE, c.ErasePerson(id=new_id())),
    (
        c.ORGANIZATION_MERGE,
        c.MergeOrganizations(
            primary_id=new_id(),
            primary_expected_version=1,
            secondary_id=new_id(),
            secondary_expected_version=1,
        ),
    ),
    (
        c.PERSON_MERGE,
        c.MergePeople(
            primary_id=new_id(),
            primary_expected_version=1,
            secondary_id=new_id(),
            secondary_expected_version=1,
        ),
    ),
    (c.MERGE_UNDO, c.UndoMerge(merge_id=new_id())),
    (
        c.CONSENT_SET,
        c.SetConsent(
            person_id=new_id(),
            purpose=c.ConsentPurpose.NEWSLETTER,
            channel=c.ConsentChannel.EMAIL,
            granted=True,
            source="x",
        ),
    ),
]


@pytest.mark.parametrize(("subject", "body"), WRITES, ids=[s for s, _ in WRITES])
async def test_a_reader_may_not_write(
    contacts: ServiceRuntime, subject: str, body: Contract
) -> None:
    error = await call_error(contacts, subject, body, as_=READER)
    assert error.code is ErrorCode.FORBIDDEN
    assert await outbox_types(contacts) == []
