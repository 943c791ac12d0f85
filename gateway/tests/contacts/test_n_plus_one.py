"""Nested queries cost a constant number of NATS requests per level, whatever the list size.

Organisations and people load through `get_many`, affiliations through `affiliation.list_many`,
timelines' first pages through `interaction.list_for_many`: one request per level. The tests
pin the figures for two list sizes, so a regression to a request per item shows.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from punte_contracts import contacts as c
from punte_platform.messaging.rpc import ServiceClient

from .conftest import Crm

NESTED = """
query ($first: Int!) {
  people(first: $first) {
    edges { node { familyName
      affiliations { edges { node { role organization { legalName } } } }
    } }
  }
}
"""


@contextmanager
def counting(client: ServiceClient) -> Iterator[Counter[str]]:
    """Count the requests `client` sends, by subject, inside the block."""
    sent: Counter[str] = Counter()
    original = client.request_raw

    async def request_raw(subject: str, payload: bytes, *, timeout: float | None = None) -> bytes:
        sent[subject] += 1
        return await original(subject, payload, timeout=timeout)

    client.request_raw = request_raw  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        del client.request_raw


async def _people_with_organisations(crm: Crm, count: int) -> list[dict[str, Any]]:
    made = []
    for i in range(count):
        org = await crm.organization(legalName=f"Firma {i:02d} SRL")
        person = await crm.person(givenName="Ana", familyName=f"Persoana {i:02d}")
        await crm.affiliate(person["id"], org["id"], role=f"rol {i}")
        made.append({"org": org, "person": person})
    return made


@pytest.mark.parametrize("count", [3, 10])
async def test_nested_people_affiliations_organisations(crm: Crm, count: int) -> None:
    await _people_with_organisations(crm, count)
    client = crm.gw.runtime.client
    assert client is not None
    before = client.requests_sent
    with counting(client) as sent:
        data = await crm.data(NESTED, {"first": count})
    total = client.requests_sent - before
    edges = data["people"]["edges"]
    assert len(edges) == count
    for edge in edges:
        i = edge["node"]["familyName"].split()[-1]
        [affiliation] = edge["node"]["affiliations"]["edges"]
        assert affiliation["node"]["organization"]["legalName"] == f"Firma {i} SRL"
    assert sent == {
        c.SearchPeople.request_subject: 1,
        c.ListAffiliationsMany.request_subject: 1,  # every person's affiliations in one request
        c.GetOrganizations.request_subject: 1,  # every organisation in one request
    }
    assert total == 3


@pytest.mark.parametrize("count", [3, 10])
async def test_organisations_of_a_page_and_their_people_batch_by_level(
    crm: Crm, count: int
) -> None:
    await _people_with_organisations(crm, count)
    client = crm.gw.runtime.client
    assert client is not None
    query = """
    query ($first: Int!) {
      organizations(first: $first) {
        edges { node { legalName people { edges { node { familyName
          affiliations { edges { node { organization { legalName } } } } } } } } }
      }
    }
    """
    with counting(client) as sent:
        data = await crm.data(query, {"first": count})
    assert len(data["organizations"]["edges"]) == count
    for edge in data["organizations"]["edges"]:
        [person] = edge["node"]["people"]["edges"]
        [affiliation] = person["node"]["affiliations"]["edges"]
        assert affiliation["node"]["organization"]["legalName"] == edge["node"]["legalName"]
    # The search primes the organisations' loader: the deepest level asks for none again.
    assert sent == {
        c.SearchOrganizations.request_subject: 1,
        # The organisations' lists, then the people's lists.
        c.ListAffiliationsMany.request_subject: 2,
        c.GetPeople.request_subject: 1,
    }


LOG = """
mutation ($input: LogInteractionInput!) { logInteraction(input: $input) { userErrors { code } } }
"""


@pytest.mark.parametrize("count", [3, 10])
async def test_timelines_of_a_list_cost_one_request(crm: Crm, count: int) -> None:
    made = await _people_with_organisations(crm, count)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for i, pair in enumerate(made):
        for n in range(i % 3 + 1):
            payload = await crm.mutate(
                LOG,
                {
                    "kind": "CALL",
                    "occurredAt": (start + timedelta(hours=n)).isoformat(),
                    "subject": f"Apel {n}",
                    "organizationIds": [pair["org"]["id"]],
                    "personIds": [pair["person"]["id"]],
                },
            )
            assert payload["userErrors"] == []
    client = crm.gw.runtime.client
    assert client is not None
    query = """
    query ($first: Int!) {
      organizations(first: $first) {
        edges { node { legalName
          timeline(first: 2) { pageInfo { hasNextPage } edges { node { subject } } } } }
      }
      people(first: $first) {
        edges { node { familyName timeline(first: 2) { edges { node { subject } } } } }
      }
    }
    """
    with counting(client) as sent:
        data = await crm.data(query, {"first": count})
    for i, edge in enumerate(data["organizations"]["edges"]):
        timeline = edge["node"]["timeline"]
        expected = [f"Apel {n}" for n in reversed(range(i % 3 + 1))][:2]
        assert [e["node"]["subject"] for e in timeline["edges"]] == expected
        assert timeline["pageInfo"]["hasNextPage"] == (i % 3 == 2)
    assert sent == {
        c.SearchOrganizations.request_subject: 1,
        c.SearchPeople.request_subject: 1,
        # The organisations' first pages, then the people's.
        c.ListInteractionsForMany.request_subject: 2,
    }


async def test_total_count_is_asked_for_only_when_selected(crm: Crm) -> None:
    await _people_with_organisations(crm, 4)
    client = crm.gw.runtime.client
    assert client is not None
    with counting(client) as sent:
        data = await crm.data('{ organizations(first: 2, search: "firma") { edges { cursor } } }')
    assert len(data["organizations"]["edges"]) == 2
    assert sent == {c.SearchOrganizations.request_subject: 1}
    with counting(client) as sent:
        data = await crm.data(
            '{ organizations(first: 2, search: "firma") { totalCount } people { totalCount } }'
        )
    assert data == {"organizations": {"totalCount": 4}, "people": {"totalCount": 4}}
    assert sent == {
        c.SearchOrganizations.request_subject: 1,
        c.CountOrganizations.request_subject: 1,
        c.SearchPeople.request_subject: 1,
        c.CountPeople.request_subject: 1,
    }
