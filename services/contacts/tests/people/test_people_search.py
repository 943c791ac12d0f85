"""People search in an explicit order across pages, counts, and batched affiliation lists."""

from datetime import date
from typing import Any

import pytest
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error

PEOPLE = [
    ("Ştefan", "Mureşan"),
    ("Ana", "Popescu"),
    ("Ioana", "Bălan"),
    ("Mihai", "Țăranu"),
    ("Andrei", "Albu"),
]


async def make_person(runtime: ServiceRuntime, given: str, family: str, **values: Any) -> c.Person:
    body = c.CreatePerson(given_name=given, family_name=family, **values)
    return await call(runtime, body)


async def all_pages(runtime: ServiceRuntime, first: int, **values: Any) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        body = c.SearchPeople(first=first, after=after, **values)
        page = await call(runtime, body)
        seen += [f"{p.given_name} {p.family_name}" for p in page.items]
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


@pytest.fixture
async def people(contacts: ServiceRuntime) -> list[c.Person]:
    return [
        await make_person(contacts, g, f, tags=["presa"] if i % 2 else [])
        for i, (g, f) in enumerate(PEOPLE)
    ]


@pytest.mark.parametrize("direction", list(c.SortDirection))
async def test_name_order_both_ways_across_pages(
    contacts: ServiceRuntime, people: list[c.Person], direction: c.SortDirection
) -> None:
    seen = await all_pages(
        contacts, 2, order_by=c.SearchOrder(field=c.SortField.NAME, direction=direction)
    )
    # The key is "given family", folded: Ș sorts as S, Ț as T.
    expected = ["Ana Popescu", "Andrei Albu", "Ioana Bălan", "Mihai Țăranu", "Ștefan Mureșan"]
    assert seen == (expected if direction is c.SortDirection.ASC else expected[::-1])


@pytest.mark.parametrize("direction", list(c.SortDirection))
async def test_creation_order_both_ways_across_pages(
    contacts: ServiceRuntime, people: list[c.Person], direction: c.SortDirection
) -> None:
    seen = await all_pages(
        contacts, 2, order_by=c.SearchOrder(field=c.SortField.CREATED_AT, direction=direction)
    )
    made = [
        f"{p.given_name} {p.family_name}"
        for p in sorted(people, key=lambda p: (p.created_at, p.id))
    ]
    assert seen == (made if direction is c.SortDirection.ASC else made[::-1])


async def test_a_cursor_from_another_order_is_refused(
    contacts: ServiceRuntime, people: list[c.Person]
) -> None:
    page = await call(contacts, c.SearchPeople(first=2))
    assert page.next_cursor is not None
    error = await call_error(
        contacts,
        c.SearchPeople(
            first=2,
            after=page.next_cursor,
            order_by=c.SearchOrder(field=c.SortField.UPDATED_AT),
        ),
    )
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in error.fields] == [["after"]]


async def test_count_follows_the_text_and_the_filters(
    contacts: ServiceRuntime, people: list[c.Person]
) -> None:
    async def count(**values: Any) -> int:
        return (await call(contacts, c.CountPeople(**values))).total

    assert await count() == 5
    assert await count(tag="presa") == 2
    assert await count(query="ana") == 2  # "Ana Popescu", and "Ioana Bălan" holds it
    assert await count(query="mures") == 1
    assert await count(query="ana", tag="presa") == 1


async def test_affiliations_of_many_people_in_one_request(
    contacts: ServiceRuntime, people: list[c.Person]
) -> None:
    orgs = [
        await call(contacts, c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name=name))
        for name in ("Firma Unu SRL", "Firma Doi SRL")
    ]
    links = [(0, 0, date(2020, 1, 1)), (0, 1, date(2024, 1, 1)), (1, 1, date(2023, 5, 1))]
    for p, o, start in links:
        await call(
            contacts,
            c.AddAffiliation(person_id=people[p].id, organization_id=orgs[o].id, start_date=start),
        )
    unknown = new_id()
    asked = [people[1].id, unknown, people[0].id, people[2].id]
    reply = await call(contacts, c.ListAffiliationsMany(person_ids=asked))
    assert [entry.owner_id for entry in reply.lists] == asked
    lists = {entry.owner_id: entry.items for entry in reply.lists}
    assert [a.organization_id for a in lists[people[0].id]] == [orgs[1].id, orgs[0].id]
    assert [a.organization_id for a in lists[people[1].id]] == [orgs[1].id]
    assert lists[unknown] == lists[people[2].id] == []
    # The same lists one owner at a time.
    single = await call(contacts, c.ListAffiliations(person_id=people[0].id))
    assert single.items == lists[people[0].id]

    by_org = await call(contacts, c.ListAffiliationsMany(organization_ids=[orgs[1].id, orgs[0].id]))
    assert [sorted(a.person_id for a in entry.items) for entry in by_org.lists] == [
        sorted([people[0].id, people[1].id]),
        [people[0].id],
    ]


async def test_many_affiliations_need_exactly_one_kind_of_id(contacts: ServiceRuntime) -> None:
    with pytest.raises(ValueError, match="not both"):
        c.ListAffiliationsMany(person_ids=[new_id()], organization_ids=[new_id()])
    with pytest.raises(ValueError, match="not both"):
        c.ListAffiliationsMany()
