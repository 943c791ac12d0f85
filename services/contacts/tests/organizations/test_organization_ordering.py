"""Organisation search in an explicit order, paged by keyset cursors, and counted."""

import csv
import io
from typing import Any

import pytest
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform import search
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error, job_result

NAMES = [
    "Ştrand Timişoara SRL",  # cedilla: stored (and sorted) as comma-below "Ș"
    "Asociația Timiș Pentru Cultură",
    "Banat IT Timișoara",
    "Zefir Timișoara SRL",
    "Cetate Timișoara SA",
    "Bega Timișoara Turism",
    "Iosefin Timișoara",
]


async def make(runtime: ServiceRuntime, name: str, **values: Any) -> c.Organization:
    body = c.CreateOrganization(
        kind=values.pop("kind", c.OrganizationKind.COMPANY), legal_name=name, **values
    )
    return await call(runtime, body)


async def all_pages(runtime: ServiceRuntime, first: int, **values: Any) -> tuple[list[str], int]:
    """Every name a search lists, page by page, and how many pages it took."""
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = c.SearchOrganizations(first=first, after=after, **values)
        page = await call(runtime, body)
        seen += [o.legal_name for o in page.items]
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        after = page.next_cursor


@pytest.fixture
async def city(contacts: ServiceRuntime) -> list[c.Organization]:
    made = []
    for i, name in enumerate(NAMES):
        kind = c.OrganizationKind.ASSOCIATION if i % 2 else c.OrganizationKind.COMPANY
        made.append(await make(contacts, name, kind=kind))
    return made


def order(field: c.SortField, direction: c.SortDirection) -> c.SearchOrder:
    return c.SearchOrder(field=field, direction=direction)


@pytest.mark.parametrize("direction", list(c.SortDirection))
async def test_name_order_both_ways_across_pages(
    contacts: ServiceRuntime, city: list[c.Organization], direction: c.SortDirection
) -> None:
    seen, pages = await all_pages(
        contacts, 2, query="timis", order_by=order(c.SortField.NAME, direction)
    )
    expected = [
        "Asociația Timiș Pentru Cultură",
        "Banat IT Timișoara",
        "Bega Timișoara Turism",
        "Cetate Timișoara SA",
        "Iosefin Timișoara",
        "Ștrand Timișoara SRL",  # folded to "strand": between I and Z
        "Zefir Timișoara SRL",
    ]
    if direction is c.SortDirection.DESC:
        expected.reverse()
    assert seen == expected
    assert pages == 4


@pytest.mark.parametrize("direction", list(c.SortDirection))
async def test_creation_order_both_ways_across_pages(
    contacts: ServiceRuntime, city: list[c.Organization], direction: c.SortDirection
) -> None:
    seen, _ = await all_pages(contacts, 3, order_by=order(c.SortField.CREATED_AT, direction))
    stored = [o.legal_name for o in sorted(city, key=lambda o: (o.created_at, o.id))]
    assert seen == (stored if direction is c.SortDirection.ASC else stored[::-1])


async def test_update_order_puts_the_last_changed_last(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    first = city[0]
    await call(
        contacts,
        c.UpdateOrganization(id=first.id, expected_version=first.version, website="https://x.ro"),
    )
    seen, _ = await all_pages(
        contacts, 2, order_by=order(c.SortField.UPDATED_AT, c.SortDirection.ASC)
    )
    assert seen[-1] == "Ștrand Timișoara SRL"
    newest, _ = await all_pages(
        contacts, 2, order_by=order(c.SortField.UPDATED_AT, c.SortDirection.DESC)
    )
    assert newest == seen[::-1]


async def test_the_default_is_relevance_with_a_text_and_name_without(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    ranked, _ = await all_pages(contacts, 2, query="timis")
    # Name prefixes first, then names only holding the word: both by name.
    assert ranked == [
        "Asociația Timiș Pentru Cultură",
        "Banat IT Timișoara",
        "Bega Timișoara Turism",
        "Cetate Timișoara SA",
        "Iosefin Timișoara",
        "Ștrand Timișoara SRL",
        "Zefir Timișoara SRL",
    ]
    await make(contacts, "Timișoreana SA")
    ranked, _ = await all_pages(contacts, 2, query="timis")
    assert ranked[0] == "Timișoreana SA"
    by_name, _ = await all_pages(
        contacts, 2, query="timis", order_by=order(c.SortField.NAME, c.SortDirection.ASC)
    )
    assert by_name[-1] == "Zefir Timișoara SRL"
    assert by_name.index("Timișoreana SA") == len(by_name) - 2


async def test_a_cursor_from_another_order_is_refused(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    by_name = order(c.SortField.NAME, c.SortDirection.ASC)
    page = await call(contacts, c.SearchOrganizations(first=2, order_by=by_name))
    assert page.next_cursor is not None
    for other in (
        None,
        order(c.SortField.NAME, c.SortDirection.DESC),
        order(c.SortField.CREATED_AT, c.SortDirection.ASC),
    ):
        error = await call_error(
            contacts, c.SearchOrganizations(first=2, after=page.next_cursor, order_by=other)
        )
        assert error.code is ErrorCode.VALIDATION_FAILED
        assert [f.path for f in error.fields] == [["after"]]
        assert "another order" in error.fields[0].message


async def test_count_follows_the_text_and_the_filters(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    async def count(**values: Any) -> int:
        reply = await call(contacts, c.CountOrganizations(**values))
        return reply.total

    await make(contacts, "Arad Logistic SRL", tags=["transport"])
    assert await count() == 8
    assert await count(query="timisoara") == 6
    assert await count(query="timis", kind=c.OrganizationKind.ASSOCIATION) == 3
    assert await count(tag="transport") == 1
    assert await count(query="zzzqqq") == 0


async def test_export_keeps_the_order_asked(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    by_name_desc = order(c.SortField.NAME, c.SortDirection.DESC)
    body = c.ExportOrganizations(query="timis", order_by=by_name_desc)
    exported = await job_result(contacts, body, c.ExportFile)
    _, content = await contacts.files.get(exported.file.id, check_owner=False)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    seen, _ = await all_pages(contacts, 3, query="timis", order_by=by_name_desc)
    assert [r["legal_name"] for r in rows] == seen
    assert seen[0] == "Zefir Timișoara SRL"


@pytest.mark.parametrize("few", [0, 1_000_000])
async def test_both_plans_for_words_anywhere_list_the_same_pages(
    contacts: ServiceRuntime, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    # Names holding "timis" but not starting with it, amid names that do not hold it.
    for name in ["Alfa SRL", "Banat Timiș SRL", "Cetate SRL", "Delta Timișoara", "Ecou SA"]:
        await make(contacts, name)
    await make(contacts, "Zefir Timișoara SRL")
    # 0: always read the name index in order; a million: always ask the trigram index first.
    monkeypatch.setattr(search, "FEW_MATCHES", few)
    seen, _ = await all_pages(contacts, 2, query="timis")
    assert seen == ["Banat Timiș SRL", "Delta Timișoara", "Zefir Timișoara SRL"]
    seen, _ = await all_pages(contacts, 1, query="timis", kind=c.OrganizationKind.COMPANY)
    assert seen == ["Banat Timiș SRL", "Delta Timișoara", "Zefir Timișoara SRL"]


@pytest.mark.parametrize(
    "order_by", [None, order(c.SortField.NAME, c.SortDirection.ASC)], ids=["relevance", "name"]
)
async def test_a_record_written_before_the_cursor_neither_repeats_nor_skips_one(
    contacts: ServiceRuntime, city: list[c.Organization], order_by: c.SearchOrder | None
) -> None:
    values: dict[str, Any] = {"query": "timis", "order_by": order_by}
    listed, _pages = await all_pages(contacts, 100, **values)
    first = await call(contacts, c.SearchOrganizations(first=3, **values))
    # Sorts before every name listed so far: an offset would now repeat the third one.
    await make(contacts, "Aaa Timișoara")
    seen = [o.legal_name for o in first.items]
    after = first.next_cursor
    while after is not None:
        page = await call(contacts, c.SearchOrganizations(first=2, after=after, **values))
        seen += [o.legal_name for o in page.items]
        after = page.next_cursor
    assert seen == listed


async def test_every_item_carries_its_own_cursor(
    contacts: ServiceRuntime, city: list[c.Organization]
) -> None:
    page = await call(contacts, c.SearchOrganizations(first=5, query="timis"))
    assert len(page.cursors) == len(page.items) == 5
    assert page.next_cursor == page.cursors[-1]
    names = [o.legal_name for o in page.items]
    after_second = await call(
        contacts, c.SearchOrganizations(first=2, query="timis", after=page.cursors[1])
    )
    assert [o.legal_name for o in after_second.items] == names[2:4]
