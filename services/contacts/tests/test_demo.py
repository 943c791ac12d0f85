"""Demo data: loaded once into an empty database, valid, and searchable."""

from punte_contacts.app import definition
from punte_contacts.demo import load_demo_data, load_demo_data_in_development
from punte_contacts.interactions.models import Interaction
from punte_contacts.organizations.models import Organization
from punte_contacts.people.models import Affiliation, Person
from punte_contacts.settings import ContactsSettings
from punte_contracts import contacts as c
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_service, test_settings
from sqlalchemy import select
from stdnum.ro import cui

from .conftest import call, count_rows, outbox_types


async def test_demo_data_loads_once_with_valid_identifiers(contacts: ServiceRuntime) -> None:
    await load_demo_data_in_development(contacts)  # the test environment gets none
    assert await count_rows(contacts, Organization) == 0

    assert await load_demo_data(contacts) is True
    orgs = await count_rows(contacts, Organization)
    assert 35 <= orgs <= 50
    assert await count_rows(contacts, Person) >= 30
    assert await count_rows(contacts, Affiliation) >= 30
    assert await count_rows(contacts, Interaction) >= 30
    async with contacts.session_factory() as session:
        rows = list(await session.scalars(select(Organization)))
    assert all(cui.is_valid(o.cui) for o in rows if o.cui)
    assert len({o.cui for o in rows if o.cui}) == len([o for o in rows if o.cui])
    names = {o.legal_name for o in rows}
    for expected in (
        "Camera de Comerț, Industrie și Agricultură Timiș",
        "Universitatea de Vest din Timișoara",
        "Universitatea Politehnica Timișoara",
        "Asociația de Dezvoltare Intercomunitară Polul de Creștere Timișoara",
        "Consiliul Județean Timiș",
    ):
        assert expected in names
    assert all("\u015f" not in n and "\u0163" not in n for n in names)
    messages = len(await outbox_types(contacts))
    assert messages > orgs

    assert await load_demo_data(contacts) is False
    assert await count_rows(contacts, Organization) == orgs
    assert len(await outbox_types(contacts)) == messages

    page = await call(contacts, c.SearchOrganizations(query="universitatea timisoara", first=100))
    assert {o.short_name for o in page.items} == {"UVT", "UPT", "UMFT"}  # words in any order
    page = await call(
        contacts, c.SearchOrganizations(query="timisoara", kind=c.OrganizationKind.MEDIA_OUTLET)
    )
    assert {o.short_name for o in page.items} == {"Radio Timișoara", "TVR Timișoara"}


async def test_a_development_start_loads_the_demo_data_once(
    nats_server: NatsServer, database_url: str
) -> None:
    settings = test_settings(
        ContactsSettings,
        environment="development",
        nats_url=nats_server.url,
        database_url=database_url,
    )
    async with running_service(definition(), settings) as runtime:
        first = await count_rows(runtime, Organization)
    assert first > 30
    async with running_service(definition(), settings) as runtime:
        assert await count_rows(runtime, Organization) == first
