"""Fixtures of the gateway's tests: the three services and the gateway, in-process."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from punte_contacts.app import definition as contacts_definition
from punte_contacts.settings import ContactsSettings
from punte_events.app import definition as events_definition
from punte_events.settings import EventsSettings
from punte_gateway.app import create_app
from punte_gateway.settings import GatewaySettings
from punte_partnerships.app import definition as partnerships_definition
from punte_partnerships.settings import PartnershipsSettings
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, running_service, test_settings


@pytest.fixture
async def services(
    nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[dict[str, ServiceRuntime]]:
    """The three domain services, each on a fresh database."""
    specs = [
        ("contacts", contacts_definition, ContactsSettings),
        ("events", events_definition, EventsSettings),
        ("partnerships", partnerships_definition, PartnershipsSettings),
    ]
    async with AsyncExitStack() as stack:
        runtimes = {}
        for name, definition, settings_cls in specs:
            settings = test_settings(
                settings_cls,
                nats_url=nats_server.url,
                database_url=await test_databases.create(name),
            )
            runtimes[name] = await stack.enter_async_context(
                running_service(definition(), settings)
            )
        yield runtimes


@pytest.fixture
async def gateway(
    nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app, talking HTTP in-process, NATS for real."""
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.create("gateway"),
        health_timeout=0.5,
    )
    async with running_app(create_app(settings)) as client:
        yield client
