"""Organisations over NATS: create, update, archive, get_many, and every refusal, whole or not
at all (rows and outbox counted after each failure)."""

import asyncio
import json
from typing import Any
from uuid import UUID

import pytest
from punte_contacts.organizations.models import ContactPoint, Organization
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.context import call_context
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from sqlalchemy import select

from ..conftest import (
    READER,
    call,
    call_error,
    call_raw_error,
    count_rows,
    outbox_messages,
    outbox_types,
)

VALID_CUI = "18547290"


def org_input(**overrides: Any) -> c.CreateOrganization:
    values: dict[str, Any] = {
        "kind": c.OrganizationKind.COMPANY,
        "legal_name": "Banat Soft S.R.L.",
        "cui": f"RO {VALID_CUI}",
        "trade_register": "J35/1234/2005",
        "address": c.Address(
            street="Strada Paris nr. 2", locality="Timişoara", county="Timiș", postal_code="300003"
        ),
        "emails": ["Office@Banatsoft.RO"],
        "phones": ["0256 408 300"],
        "tags": ["it", "IT", "export"],
        "caen_codes": [c.CaenCode(code="6201", revision="rev2")],
    }
    values.update(overrides)
    return c.CreateOrganization(**values)


async def create(runtime: ServiceRuntime, **overrides: Any) -> c.Organization:
    return await call(runtime, org_input(**overrides))


async def test_create_normalises_identifiers_and_text_and_queues_its_message(
    contacts: ServiceRuntime,
) -> None:
    org = await create(contacts)
    assert org.cui == VALID_CUI
    assert org.trade_register == "J35/1234/2005"
    assert org.emails == ["Office@banatsoft.ro"]
    assert org.phones == ["+40256408300"]
    assert org.address.locality == "Timișoara"  # cedilla mapped to comma below
    assert org.tags == ["it", "export"]
    assert org.version == 1
    assert org.status is c.OrganizationStatus.ACTIVE
    assert await outbox_types(contacts) == [c.OrganizationCreated.message_type()]
    assert await count_rows(contacts, ContactPoint) == 2


async def test_the_2024_trade_register_form_is_accepted(contacts: ServiceRuntime) -> None:
    org = await create(contacts, trade_register="J2012000750528", cui=None)
    assert org.trade_register == "J2012000750528"


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"cui": "18547291"}, ["cui"]),
        ({"cui": "RO12"}, ["cui"]),
        ({"trade_register": "J35/1234"}, ["trade_register"]),
        ({"emails": ["ok@example.ro", "not-an-email"]}, ["emails", 1]),
        ({"phones": ["0256 408 300", "12"]}, ["phones", 1]),
    ],
)
async def test_bad_identifiers_are_validation_failed_with_the_path_and_write_nothing(
    contacts: ServiceRuntime, overrides: dict[str, Any], path: list[str | int]
) -> None:
    error = await call_error(contacts, org_input(**overrides))
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in error.fields] == [path]
    assert await count_rows(contacts, Organization) == 0
    assert await outbox_types(contacts) == []


async def test_every_bad_field_is_reported_at_once(contacts: ServiceRuntime) -> None:
    error = await call_error(contacts, org_input(cui="1", emails=["x"], phones=["y"]))
    assert {tuple(f.path) for f in error.fields} == {("cui",), ("emails", 0), ("phones", 0)}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"kind": "company", "legal_name": "   "}, ["legal_name"]),
        ({"kind": "company"}, ["legal_name"]),
        ({"kind": "bakery", "legal_name": "X"}, ["kind"]),
        ({"kind": "company", "legal_name": "X", "notes": "x" * 100_000}, ["notes"]),
        ({"kind": "company", "legal_name": "x" * 301}, ["legal_name"]),
        ({"kind": "company", "legal_name": "X", "cnp": "1800101350001"}, ["cnp"]),
    ],
)
async def test_an_empty_name_a_huge_field_or_an_unknown_field_is_refused(
    contacts: ServiceRuntime, payload: dict[str, Any], path: list[str]
) -> None:
    error = await call_raw_error(contacts, c.CreateOrganization.request_subject, payload)
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in error.fields] == [path]
    assert await count_rows(contacts, Organization) == 0


async def test_a_duplicate_cui_is_a_conflict_naming_the_existing_organisation(
    contacts: ServiceRuntime,
) -> None:
    first = await create(contacts)
    error = await call_error(contacts, org_input(legal_name="Altă firmă", cui=VALID_CUI))
    assert error.code is ErrorCode.CONFLICT
    assert error.details["existing_id"] == str(first.id)
    assert await count_rows(contacts, Organization) == 1
    assert len(await outbox_types(contacts)) == 1


async def test_organisations_without_cui_do_not_clash(contacts: ServiceRuntime) -> None:
    await create(contacts, cui=None)
    await create(contacts, cui=None, legal_name="Asociația X")
    assert await count_rows(contacts, Organization) == 2


async def test_writes_need_the_write_permission(contacts: ServiceRuntime) -> None:
    error = await call_error(contacts, org_input(), as_=READER)
    assert error.code is ErrorCode.FORBIDDEN
    assert await count_rows(contacts, Organization) == 0


async def test_update_patches_only_what_was_sent_and_bumps_the_version(
    contacts: ServiceRuntime,
) -> None:
    org = await create(contacts)
    updated = await call(
        contacts,
        c.UpdateOrganization(
            id=org.id, expected_version=1, short_name="Banat Soft", phones=["+40 722 123 456"]
        ),
    )
    assert updated.version == 2
    assert updated.short_name == "Banat Soft"
    assert updated.phones == ["+40722123456"]
    assert updated.emails == org.emails
    assert updated.legal_name == org.legal_name
    types = await outbox_types(contacts)
    assert types == [c.OrganizationCreated.message_type(), c.OrganizationUpdated.message_type()]
    cleared = await call(
        contacts, c.UpdateOrganization(id=org.id, expected_version=2, clear=["short_name"])
    )
    assert cleared.short_name is None
    assert cleared.version == 3


async def test_an_updates_message_names_contract_fields_never_columns(
    contacts: ServiceRuntime,
) -> None:
    org = await create(contacts)
    address = org.address.model_copy(update={"locality": "Lugoj", "county": "Timiș"})
    await call(
        contacts,
        c.UpdateOrganization(
            id=org.id, expected_version=1, legal_name="Banat Soft Grup", address=address
        ),
    )
    (message,) = await outbox_messages(contacts, c.OrganizationUpdated)
    # Not locality_key, county_key, street..., nor search_key, which the change also wrote.
    assert message.changed == ["address", "legal_name"]
    assert set(message.changed) <= set(c.Organization.model_fields)
    stored = await call(contacts, c.GetOrganizations(ids=[org.id]))
    assert stored.items[0].address.locality == "Lugoj"


async def test_an_update_that_changes_nothing_keeps_the_version(contacts: ServiceRuntime) -> None:
    org = await create(contacts)
    same = await call(
        contacts, c.UpdateOrganization(id=org.id, expected_version=1, legal_name=org.legal_name)
    )
    assert same.version == 1
    assert len(await outbox_types(contacts)) == 1


async def test_a_stale_version_is_a_conflict_and_writes_nothing(contacts: ServiceRuntime) -> None:
    org = await create(contacts)
    await call(contacts, c.UpdateOrganization(id=org.id, expected_version=1, notes="first"))
    error = await call_error(
        contacts, c.UpdateOrganization(id=org.id, expected_version=1, notes="second")
    )
    assert error.code is ErrorCode.CONFLICT
    assert error.details["current_version"] == "2"
    reply = await call(contacts, c.GetOrganizations(ids=[org.id]))
    assert reply.items[0].notes == "first"
    assert len(await outbox_types(contacts)) == 2


async def test_update_refuses_an_unknown_id_a_taken_cui_and_a_cleared_name(
    contacts: ServiceRuntime,
) -> None:
    first = await create(contacts)
    second = await create(contacts, cui="12345674", legal_name="Bega Logistic S.R.L.")
    unknown = await call_error(contacts, c.UpdateOrganization(id=new_id(), expected_version=1))
    assert unknown.code is ErrorCode.NOT_FOUND
    taken = await call_error(
        contacts, c.UpdateOrganization(id=second.id, expected_version=1, cui=f"RO{VALID_CUI}")
    )
    assert taken.code is ErrorCode.CONFLICT
    assert taken.details["existing_id"] == str(first.id)
    cleared = await call_raw_error(
        contacts,
        c.UpdateOrganization.request_subject,
        {"id": str(second.id), "expected_version": 1, "clear": ["legal_name"]},
    )
    assert cleared.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in cleared.fields] == [["clear", 0]]
    blank = await call_raw_error(
        contacts,
        c.UpdateOrganization.request_subject,
        {"id": str(second.id), "expected_version": 1, "legal_name": " "},
    )
    assert [f.path for f in blank.fields] == [["legal_name"]]
    bad_email = await call_error(
        contacts, c.UpdateOrganization(id=second.id, expected_version=1, emails=["a@b.ro", "@@"])
    )
    assert [f.path for f in bad_email.fields] == [["emails", 1]]
    assert len(await outbox_types(contacts)) == 2


async def test_archive_makes_inactive_once(contacts: ServiceRuntime) -> None:
    org = await create(contacts)
    archived = await call(contacts, c.ArchiveOrganization(id=org.id, expected_version=1))
    assert archived.status is c.OrganizationStatus.INACTIVE
    assert archived.version == 2
    assert (await outbox_types(contacts))[-1] == c.OrganizationArchived.message_type()
    stale = await call_error(contacts, c.ArchiveOrganization(id=org.id, expected_version=1))
    assert stale.code is ErrorCode.CONFLICT
    missing = await call_error(contacts, c.ArchiveOrganization(id=new_id(), expected_version=1))
    assert missing.code is ErrorCode.NOT_FOUND


async def test_get_many_answers_a_batch_in_one_request(contacts: ServiceRuntime) -> None:
    created = [
        await create(contacts, cui=None, legal_name=f"Firma {n}", emails=[], phones=[])
        for n in range(5)
    ]
    absent = new_id()
    assert contacts.client is not None
    sent_before = contacts.client.requests_sent
    with call_context(READER):
        found = await contacts.client.load_many(
            c.GetOrganizations, [o.id for o in created] + [absent]
        )
    assert contacts.client.requests_sent == sent_before + 1
    assert [o.id if o else None for o in found] == [o.id for o in created] + [None]
    reply = await call(contacts, c.GetOrganizations(ids=[created[0].id, absent]))
    assert reply.missing == [absent]


async def test_the_message_carries_the_actor_and_the_entity(contacts: ServiceRuntime) -> None:
    org = await create(contacts)
    outbox = contacts.definition.tables.outbox
    async with contacts.session_factory() as session:
        row = (await session.execute(select(outbox))).one()
    envelope = json.loads(row.payload)
    assert envelope["subject"] == str(org.id)
    assert envelope["actor"].startswith("user:")
    assert envelope["data"] == {"organization_id": str(org.id), "version": 1, "kind": "company"}
    assert UUID(envelope["id"])


async def test_concurrent_updates_at_one_version_let_exactly_one_win(
    contacts: ServiceRuntime,
) -> None:
    org = await create(contacts)

    async def update(n: int) -> c.Organization | ErrorCode:
        try:
            return await call(
                contacts, c.UpdateOrganization(id=org.id, expected_version=1, notes=f"writer {n}")
            )
        except ServiceError as error:
            return error.code

    results = await asyncio.gather(*(update(n) for n in range(6)))
    winners = [r for r in results if isinstance(r, c.Organization)]
    assert len(winners) == 1
    assert [r for r in results if not isinstance(r, c.Organization)] == [ErrorCode.CONFLICT] * 5
    assert len(await outbox_types(contacts)) == 2
