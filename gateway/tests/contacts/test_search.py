"""Searches through GraphQL: orderBy both ways across pages, totalCount with filters, cursors
from another order, and duplicate suggestions for people."""

from typing import Any

import pytest

from ..auth.conftest import StaffGateway
from .conftest import Crm

ORGS = """
query ($search: String, $filter: OrganizationFilter, $orderBy: SearchOrderInput,
       $first: Int, $after: String) {
  organizations(search: $search, filter: $filter, orderBy: $orderBy, first: $first,
                after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { legalName } }
  }
}
"""
PEOPLE = """
query ($search: String, $orderBy: SearchOrderInput, $first: Int, $after: String) {
  people(search: $search, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { givenName familyName } }
  }
}
"""
NAMES = ["Timișoara Expo", "Banat Timișoara SRL", "Ştrand Timişoara", "Arad Timiș Transport"]


async def walk(crm: Crm, query: str, field: str, **variables: Any) -> tuple[list[Any], int]:
    """Every node over all pages, and the totalCount each page reported."""
    seen: list[Any] = []
    totals = set()
    after = None
    while True:
        data = await crm.data(query, {**variables, "first": 2, "after": after})
        connection = data[field]
        totals.add(connection["totalCount"])
        seen += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            [total] = totals
            return seen, total
        after = connection["pageInfo"]["endCursor"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_organisations_by_name_both_ways(crm: Crm, direction: str) -> None:
    for i, name in enumerate(NAMES):
        await crm.organization(legalName=name, kind="ASSOCIATION" if i % 2 else "COMPANY")
    await crm.organization(legalName="Lugoj Trade SRL")
    seen, total = await walk(
        crm,
        ORGS,
        "organizations",
        search="timis",
        orderBy={"field": "NAME", "direction": direction},
    )
    expected = ["Arad Timiș Transport", "Banat Timișoara SRL", "Ștrand Timișoara", "Timișoara Expo"]
    if direction == "DESC":
        expected.reverse()
    assert [n["legalName"] for n in seen] == expected
    assert total == 4
    # The relevance default puts the name prefix first.
    ranked, _ = await walk(crm, ORGS, "organizations", search="timis")
    assert ranked[0]["legalName"] == "Timișoara Expo"
    # totalCount follows the filters too.
    data = await crm.data(ORGS, {"search": "timis", "filter": {"kind": "ASSOCIATION"}})
    assert data["organizations"]["totalCount"] == 2
    data = await crm.data(ORGS, {"filter": {"kind": "COMPANY"}})
    assert data["organizations"]["totalCount"] == 3


async def test_organisations_by_creation_newest_first(crm: Crm) -> None:
    for name in NAMES:
        await crm.organization(legalName=name)
    seen, total = await walk(
        crm, ORGS, "organizations", orderBy={"field": "CREATED_AT", "direction": "DESC"}
    )
    assert [n["legalName"] for n in seen] == [
        "Arad Timiș Transport",
        "Ștrand Timișoara",
        "Banat Timișoara SRL",
        "Timișoara Expo",
    ]
    assert total == 4


async def test_a_cursor_from_another_order_is_a_clear_error(crm: Crm) -> None:
    for name in NAMES:
        await crm.organization(legalName=name)
    data = await crm.data(ORGS, {"first": 1, "orderBy": {"field": "UPDATED_AT"}})
    cursor = data["organizations"]["pageInfo"]["endCursor"]
    body = await crm.gw.post(ORGS, {"first": 1, "after": cursor}, crm.writer)
    assert StaffGateway.error_codes(body) == ["BAD_CURSOR"]
    assert "another order" in body["errors"][0]["message"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_people_by_name_both_ways(crm: Crm, direction: str) -> None:
    for given, family in [("Ioana", "Bălan"), ("Ștefan", "Mureșan"), ("Ana", "Popescu")]:
        await crm.person(givenName=given, familyName=family)
    seen, total = await walk(
        crm, PEOPLE, "people", orderBy={"field": "NAME", "direction": direction}
    )
    expected = ["Popescu", "Bălan", "Mureșan"]
    assert [n["familyName"] for n in seen] == (expected if direction == "ASC" else expected[::-1])
    assert total == 3


PERSON_DUPLICATES = """
query ($id: ID, $draft: PersonDraftInput) {
  personDuplicateSuggestions(personId: $id, draft: $draft) {
    person { id givenName familyName } reasons score
  }
}
"""


async def test_person_duplicate_suggestions(crm: Crm) -> None:
    stored = await crm.person(givenName="Ştefan", familyName="Mureşan", emails=["stefan@e-uvt.ro"])
    await crm.person(givenName="Ana", familyName="Popescu")
    data = await crm.data(
        PERSON_DUPLICATES, {"draft": {"givenName": "Stefan", "familyName": "MURESAN"}}
    )
    [suggestion] = data["personDuplicateSuggestions"]
    assert suggestion["person"]["id"] == stored["id"]
    assert suggestion["reasons"] == ["SAME_NAME"]
    data = await crm.data(PERSON_DUPLICATES, {"draft": {"emails": ["Stefan@E-UVT.ro"]}})
    [suggestion] = data["personDuplicateSuggestions"]
    assert suggestion["reasons"] == ["SAME_EMAIL"]
    assert suggestion["score"] == 0.9
    data = await crm.data(PERSON_DUPLICATES, {"id": stored["id"]})
    assert data["personDuplicateSuggestions"] == []
    both: dict[str, Any] = {"id": stored["id"], "draft": {"givenName": "x"}}
    body = await crm.gw.post(PERSON_DUPLICATES, both, crm.writer)
    assert StaffGateway.error_codes(body) == ["VALIDATION_FAILED"]
