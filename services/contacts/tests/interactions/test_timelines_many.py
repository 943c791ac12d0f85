"""The first timeline page of many organisations or people in one request."""

from datetime import UTC, datetime, timedelta

from punte_contracts import contacts as c
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call


async def test_first_pages_of_many_owners_match_their_own_timelines(
    contacts: ServiceRuntime,
) -> None:
    orgs = [
        await call(
            contacts,
            c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name=f"Firma {i} SRL"),
        )
        for i in range(3)
    ]
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    # Organisation 0 in five interactions, organisation 1 in two (one shared), 2 in none.
    for n in range(5):
        await call(
            contacts,
            c.LogInteraction(
                kind=c.InteractionKind.CALL,
                occurred_at=start + timedelta(days=n),
                subject=f"Apel {n}",
                organization_ids=[orgs[0].id, orgs[1].id] if n in (1, 3) else [orgs[0].id],
            ),
        )
    unknown = new_id()
    asked = [orgs[1].id, orgs[0].id, orgs[2].id, unknown]
    reply = await call(contacts, c.ListInteractionsForMany(organization_ids=asked, first=3))
    assert [p.owner_id for p in reply.pages] == asked
    pages = {p.owner_id: p for p in reply.pages}
    assert [i.subject for i in pages[orgs[0].id].items] == ["Apel 4", "Apel 3", "Apel 2"]
    assert [i.subject for i in pages[orgs[1].id].items] == ["Apel 3", "Apel 1"]
    assert pages[orgs[1].id].next_cursor is None
    assert pages[orgs[2].id].items == pages[unknown].items == []
    # The batched first page continues through the one-owner endpoint, as its own would.
    alone = await call(contacts, c.ListInteractionsFor(organization_id=orgs[0].id, first=3))
    assert alone.items == pages[orgs[0].id].items
    rest = await call(
        contacts,
        c.ListInteractionsFor(
            organization_id=orgs[0].id, first=3, after=pages[orgs[0].id].next_cursor
        ),
    )
    assert [i.subject for i in rest.items] == ["Apel 1", "Apel 0"]
