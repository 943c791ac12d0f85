"""People and affiliations over NATS: create, update, search, link, end, and refusals."""

from datetime import date
from typing import Any

import pytest
from punte_contacts.people.models import Affiliation, Person
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error, call_raw_error, count_rows, outbox_types


async def make_person(runtime: ServiceRuntime, **values: Any) -> c.Person:
    body = c.CreatePerson(**{"given_name": "Ştefan", "family_name": "Mureşan", **values})
    return await call(runtime, body)


async def make_org(
    runtime: ServiceRuntime, name: str = "Universitatea de Vest din Timișoara"
) -> c.Organization:
    body = c.CreateOrganization(kind=c.OrganizationKind.EDUCATION_RESEARCH, legal_name=name)
    return await call(runtime, body)


async def test_create_normalises_names_and_contacts(contacts: ServiceRuntime) -> None:
    person = await make_person(
        contacts, emails=["Stefan.Muresan@E-UVT.ro"], phones=["0722 123 456"]
    )
    assert (person.given_name, person.family_name) == ("Ștefan", "Mureșan")
    assert person.emails == ["Stefan.Muresan@e-uvt.ro"]
    assert person.phones == ["+40722123456"]
    assert person.version == 1
    assert await outbox_types(contacts) == [c.PersonCreated.message_type()]


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"family_name": ""}, ["family_name"]),
        ({"given_name": "Ana"}, ["family_name"]),
        ({"family_name": "Pop", "notes": "x" * 100_000}, ["notes"]),
        ({"family_name": "Pop", "cnp": "1800101350001"}, ["cnp"]),
        ({"family_name": "Pop", "emails": ["ana@uvt.ro", "ana at uvt"]}, ["emails", 1]),
        ({"family_name": "Pop", "phones": ["abc"]}, ["phones", 0]),
    ],
)
async def test_bad_people_are_refused_with_the_path_and_nothing_written(
    contacts: ServiceRuntime, payload: dict[str, Any], path: list[str | int]
) -> None:
    error = await call_raw_error(contacts, c.CreatePerson.request_subject, payload)
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in error.fields] == [path]
    assert await count_rows(contacts, Person) == 0
    assert await outbox_types(contacts) == []


async def test_update_and_its_stale_version(contacts: ServiceRuntime) -> None:
    person = await make_person(contacts, job_title="Prorector")
    updated = await call(
        contacts,
        c.UpdatePerson(
            id=person.id, expected_version=1, family_name="Mureșan-Pop", clear=["job_title"]
        ),
    )
    assert (updated.family_name, updated.job_title, updated.version) == ("Mureșan-Pop", None, 2)
    stale = await call_error(contacts, c.UpdatePerson(id=person.id, expected_version=1, notes="x"))
    assert stale.code is ErrorCode.CONFLICT
    missing = await call_error(contacts, c.UpdatePerson(id=new_id(), expected_version=1))
    assert missing.code is ErrorCode.NOT_FOUND
    reply = await call(contacts, c.GetPeople(ids=[person.id]))
    assert reply.items[0].notes == ""
    assert await outbox_types(contacts) == [
        c.PersonCreated.message_type(),
        c.PersonUpdated.message_type(),
    ]


async def test_search_people_by_folded_name_and_exact_email(contacts: ServiceRuntime) -> None:
    await make_person(contacts, emails=["stefan@uvt.ro"])
    await make_person(contacts, given_name="Ioana", family_name="Cîmpeanu")
    page = await call(contacts, c.SearchPeople(query="stefan muresan"))
    assert [p.family_name for p in page.items] == ["Mureșan"]
    page = await call(contacts, c.SearchPeople(query="STEFAN@uvt.ro"))
    assert [p.family_name for p in page.items] == ["Mureșan"]
    page = await call(contacts, c.SearchPeople(query="cimp"))
    assert [p.family_name for p in page.items] == ["Cîmpeanu"]


async def test_affiliations_keep_history_and_one_primary(contacts: ServiceRuntime) -> None:
    person = await make_person(contacts)
    uvt = await make_org(contacts)
    upt = await make_org(contacts, "Universitatea Politehnica Timișoara")
    first = await call(
        contacts,
        c.AddAffiliation(
            person_id=person.id,
            organization_id=uvt.id,
            role="Lector",
            start_date=date(2015, 10, 1),
            is_primary=True,
        ),
    )
    second = await call(
        contacts,
        c.AddAffiliation(
            person_id=person.id,
            organization_id=upt.id,
            role="Prorector",
            start_date=date(2022, 3, 1),
            is_primary=True,
        ),
    )
    ended = await call(contacts, c.EndAffiliation(id=first.id, end_date=date(2022, 2, 28)))
    assert ended.end_date == date(2022, 2, 28)
    listing = await call(contacts, c.ListAffiliations(person_id=person.id))
    assert [(a.id, a.is_primary) for a in listing.items] == [(second.id, True), (first.id, False)]
    current = await call(contacts, c.ListAffiliations(organization_id=uvt.id, include_ended=False))
    assert current.items == []
    types = await outbox_types(contacts)
    assert types.count(c.AffiliationAdded.message_type()) == 2
    assert types[-1] == c.AffiliationEnded.message_type()


async def test_affiliation_refusals(contacts: ServiceRuntime) -> None:
    person = await make_person(contacts)
    org = await make_org(contacts)
    missing_org = await call_error(
        contacts, c.AddAffiliation(person_id=person.id, organization_id=new_id())
    )
    assert missing_org.code is ErrorCode.NOT_FOUND
    missing_person = await call_error(
        contacts, c.AddAffiliation(person_id=new_id(), organization_id=org.id)
    )
    assert missing_person.code is ErrorCode.NOT_FOUND
    assert await count_rows(contacts, Affiliation) == 0
    link = await call(
        contacts,
        c.AddAffiliation(person_id=person.id, organization_id=org.id, start_date=date(2020, 1, 1)),
    )
    early = await call_error(contacts, c.EndAffiliation(id=link.id, end_date=date(2019, 1, 1)))
    assert early.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in early.fields] == [["end_date"]]
    await call(contacts, c.EndAffiliation(id=link.id, end_date=date(2021, 1, 1)))
    again = await call_error(contacts, c.EndAffiliation(id=link.id, end_date=date(2021, 2, 1)))
    assert again.code is ErrorCode.CONFLICT
    unknown = await call_error(contacts, c.EndAffiliation(id=new_id(), end_date=date(2021, 2, 1)))
    assert unknown.code is ErrorCode.NOT_FOUND
