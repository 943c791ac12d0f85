"""Fixtures of the platform's own tests: the probe service on a real NATS and database."""

from collections.abc import AsyncIterator

import pytest
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.probe import ProbeSettings, definition
from punte_platform.testing.services import running_service, test_settings


@pytest.fixture
async def probe(nats_server: NatsServer, database_url: str) -> AsyncIterator[ServiceRuntime]:
    """The probe service without consumers, on the shared nats-server."""
    settings = test_settings(ProbeSettings, nats_url=nats_server.url, database_url=database_url)
    async with running_service(definition(recorder=False), settings) as runtime:
        yield runtime
