"""Organisation search: diacritic- and case-insensitive names, exact identifiers, filters,
keyset pages."""

from typing import Any

import pytest
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error


async def make(runtime: ServiceRuntime, name: str, **values: Any) -> c.Organization:
    body = c.CreateOrganization(
        kind=values.pop("kind", c.OrganizationKind.COMPANY), legal_name=name, **values
    )
    return await call(runtime, body)


async def search(runtime: ServiceRuntime, **values: Any) -> c.OrganizationPage:
    return await call(runtime, c.SearchOrganizations(**values))


def names(page: c.OrganizationPage) -> list[str]:
    return [o.legal_name for o in page.items]


@pytest.fixture
async def city(contacts: ServiceRuntime) -> ServiceRuntime:
    timis = c.Address(locality="Timișoara", county="Timiș")
    await make(
        contacts,
        "Universitatea Politehnica Timișoara",
        kind=c.OrganizationKind.EDUCATION_RESEARCH,
        address=timis,
        tags=["universitate"],
    )
    # The cedilla spelling, as old keyboards type it; the service stores comma-below.
    await make(
        contacts,
        "Radio Timi\u015foara",
        kind=c.OrganizationKind.MEDIA_OUTLET,
        address=timis,
        tags=["presa"],
    )
    await make(
        contacts,
        "Timișoreana S.A.",
        cui="RO18547290",
        address=timis,
        emails=["office@timisoreana.ro"],
    )
    await make(
        contacts,
        "Arad Logistic S.R.L.",
        address=c.Address(locality="Arad", county="Arad"),
        phones=["0257 280 000"],
    )
    await make(
        contacts,
        "Camera de Comerț, Industrie și Agricultură Timiș",
        kind=c.OrganizationKind.CHAMBER,
        address=timis,
    )
    return contacts


@pytest.mark.parametrize("query", ["timisoara", "TIMIȘOARA", "Timişoara", "timișoara"])
async def test_timisoara_finds_both_spellings_whatever_is_typed(
    city: ServiceRuntime, query: str
) -> None:
    found = names(await search(city, query=query))
    assert sorted(found[:2]) == ["Radio Timișoara", "Universitatea Politehnica Timișoara"]
    # PostgreSQL adds merely similar names after them (typo tolerance); SQLite does not.
    assert len(found) == 2 or city.engine.dialect.name == "postgresql"


async def test_name_prefixes_rank_before_names_that_only_contain_the_text(
    city: ServiceRuntime,
) -> None:
    found = names(await search(city, query="timis"))
    assert found[0] == "Timișoreana S.A."
    assert set(found[1:]) == {
        "Radio Timișoara",
        "Universitatea Politehnica Timișoara",
        "Camera de Comerț, Industrie și Agricultură Timiș",
    }


async def test_diacritics_in_other_words_fold_too(city: ServiceRuntime) -> None:
    assert names(await search(city, query="comert industrie si agricultura")) == [
        "Camera de Comerț, Industrie și Agricultură Timiș"
    ]


async def test_exact_cui_email_and_phone_find_their_organisation(city: ServiceRuntime) -> None:
    assert names(await search(city, query="18547290")) == ["Timișoreana S.A."]
    assert names(await search(city, query="RO 18547290")) == ["Timișoreana S.A."]
    assert names(await search(city, query="Office@Timisoreana.ro")) == ["Timișoreana S.A."]
    assert names(await search(city, query="+40 257 280 000")) == ["Arad Logistic S.R.L."]


async def test_filters_combine_with_the_text(city: ServiceRuntime) -> None:
    assert names(await search(city, kind=c.OrganizationKind.MEDIA_OUTLET)) == ["Radio Timișoara"]
    assert names(await search(city, tag="universitate")) == ["Universitatea Politehnica Timișoara"]
    assert names(await search(city, locality="arad")) == ["Arad Logistic S.R.L."]
    assert len((await search(city, county="Timis")).items) == 4
    assert names(await search(city, query="timisoara", tag="presa")) == ["Radio Timișoara"]
    assert (await search(city, status=c.OrganizationStatus.INACTIVE)).items == []


async def test_nothing_matches_nonsense(city: ServiceRuntime) -> None:
    page = await search(city, query="zzzqqq")
    assert page.items == []
    assert page.next_cursor is None


async def test_pages_follow_the_cursor_without_gaps_or_repeats(contacts: ServiceRuntime) -> None:
    for n in range(7):
        await make(contacts, f"Firma Timișoara {n}")
        await make(contacts, f"Timiș Firma {n}")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await search(contacts, query="timis", first=3, after=after)
        seen += names(page)
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert pages == 5
    assert len(seen) == len(set(seen)) == 14
    assert all(name.startswith("Timiș") for name in seen[:7])


async def test_a_forged_cursor_is_validation_failed(contacts: ServiceRuntime) -> None:
    error = await call_error(contacts, c.SearchOrganizations(after="nonsense"))
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in error.fields] == [["after"]]


async def test_caen_owner_and_department_filters(contacts: ServiceRuntime) -> None:
    owner = new_id()
    await make(
        contacts,
        "Banat Soft S.R.L.",
        caen_codes=[c.CaenCode(code="6201", revision="rev2")],
        owner_id=owner,
        department="Compartimentul Mediu de Afaceri",
    )
    await make(
        contacts, "Bega Logistic S.R.L.", caen_codes=[c.CaenCode(code="4941", revision="rev3")]
    )
    assert names(await search(contacts, caen_code="6201")) == ["Banat Soft S.R.L."]
    assert names(await search(contacts, caen_code="4941")) == ["Bega Logistic S.R.L."]
    assert names(await search(contacts, owner_id=owner)) == ["Banat Soft S.R.L."]
    assert names(await search(contacts, department="Compartimentul Mediu de Afaceri")) == [
        "Banat Soft S.R.L."
    ]
    assert (await search(contacts, caen_code="0111")).items == []


async def test_typos_find_names_on_both_backends(city: ServiceRuntime) -> None:
    found = names(await search(city, query="politehnika timisora"))
    assert found == ["Universitatea Politehnica Timișoara"]
    # Exact and word matches still rank before merely similar names.
    ranked = names(await search(city, query="timisoara"))
    assert sorted(ranked[:2]) == ["Radio Timișoara", "Universitatea Politehnica Timișoara"]
