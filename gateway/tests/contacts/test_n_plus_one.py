"""Nested queries cost a constant number of NATS requests per level where the service batches.

Organisations and people load through `get_many`: one request per level, whatever the number
of items. Affiliations have no batched endpoint in the contacts service yet
(`affiliation.list` takes one person or one organisation), so that level costs one request per
parent, sent concurrently by one DataLoader batch: the test pins those figures down, so a
regression (or the batched endpoint arriving) shows.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

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


async def _people_with_organisations(crm: Crm, count: int) -> None:
    for i in range(count):
        org = await crm.organization(legalName=f"Firma {i:02d} SRL")
        person = await crm.person(familyName=f"Persoana {i:02d}")
        await crm.affiliate(person["id"], org["id"], role=f"rol {i}")


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
        c.PERSON_SEARCH: 1,
        c.AFFILIATION_LIST: count,  # no batched endpoint: one per person, all at once
        c.ORGANIZATION_GET_MANY: 1,  # every organisation in one request
    }
    assert total == count + 2


async def test_organisations_of_a_page_and_their_people_batch_by_level(crm: Crm) -> None:
    await _people_with_organisations(crm, 6)
    client = crm.gw.runtime.client
    assert client is not None
    query = """
    {
      organizations(first: 6) {
        edges { node { legalName people { edges { node { familyName
          affiliations { edges { node { organization { legalName } } } } } } } } }
      }
    }
    """
    with counting(client) as sent:
        data = await crm.data(query)
    assert len(data["organizations"]["edges"]) == 6
    for edge in data["organizations"]["edges"]:
        [person] = edge["node"]["people"]["edges"]
        [affiliation] = person["node"]["affiliations"]["edges"]
        assert affiliation["node"]["organization"]["legalName"] == edge["node"]["legalName"]
    # The search primes the organisations' loader: the deepest level asks for none again.
    assert sent == {
        c.ORGANIZATION_SEARCH: 1,
        c.AFFILIATION_LIST: 12,  # six organisations' lists, then six people's lists
        c.PERSON_GET_MANY: 1,
    }
