"""Fixtures of the gateway's tests: the domain services a test needs and the gateway, in-process."""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from punte_contacts.app import definition as contacts_definition
from punte_contacts.settings import ContactsSettings
from punte_events.app import definition as events_definition
from punte_events.settings import EventsSettings
from punte_gateway.app import create_app
from punte_gateway.app import definition as gateway_definition
from punte_gateway.settings import GatewaySettings
from punte_partnerships.app import definition as partnerships_definition
from punte_partnerships.settings import PartnershipsSettings
from punte_platform.runtime import ServiceDefinition, ServiceRuntime
from punte_platform.settings import PunteSettings
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, running_service, test_settings

DOMAIN_SERVICES: dict[str, tuple[Callable[[], ServiceDefinition], type[PunteSettings]]] = {
    "contacts": (contacts_definition, ContactsSettings),
    "events": (events_definition, EventsSettings),
    "partnerships": (partnerships_definition, PartnershipsSettings),
}


@pytest.fixture
def service_names() -> tuple[str, ...]:
    """The domain services `services` starts; a folder or module needing fewer overrides it."""
    return tuple(DOMAIN_SERVICES)


@pytest.fixture
async def services(
    service_names: tuple[str, ...], nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[dict[str, ServiceRuntime]]:
    """The domain services of `service_names`, each on its own database."""
    async with AsyncExitStack() as stack:
        runtimes = {}
        for name in service_names:
            make_definition, settings_cls = DOMAIN_SERVICES[name]
            definition = make_definition()
            settings = test_settings(
                settings_cls,
                nats_url=nats_server.url,
                database_url=await test_databases.for_service(definition),
            )
            runtimes[name] = await stack.enter_async_context(running_service(definition, settings))
        yield runtimes


@pytest.fixture
def gateway_overrides() -> dict[str, object]:
    """Settings `gateway` starts with beyond the usual; a module needing others overrides it."""
    return {}


@pytest.fixture
async def gateway(
    nats_server: NatsServer, test_databases: TestDatabases, gateway_overrides: dict[str, object]
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app, talking HTTP in-process, NATS for real."""
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(gateway_definition()),
        health_timeout=0.5,
        **gateway_overrides,
    )
    async with running_app(create_app(settings)) as client:
        yield client
