"""The project's pytest plugin: fixtures every package's tests share."""

import asyncio
import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from punte_platform.testing.clock import AdvancingClock
from punte_platform.testing.databases import TestDatabases, postgres_url
from punte_platform.testing.nats_server import NatsServer


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database backend the run uses."""
    return f"punte: database backend {'postgresql' if postgres_url() else 'sqlite'}"


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server shared by the session's tests (one per xdist worker); never stop it."""
    server = NatsServer(tmp_path_factory.mktemp("nats-shared"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def nats_server_factory(tmp_path: Path) -> Iterator[Callable[[], NatsServer]]:
    """Dedicated nats-servers a test may stop, kill and restart."""
    servers: list[NatsServer] = []

    def start() -> NatsServer:
        server = NatsServer(tmp_path / f"nats-{len(servers)}")
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop(kill=True)


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    """Creates the run's databases, and drops the PostgreSQL ones at its end."""
    databases = TestDatabases(tmp_path_factory.mktemp("databases"), postgres_url())
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture
async def database_url(test_databases: TestDatabases) -> str:
    """A fresh, empty database for this test."""
    return await test_databases.create()


@cache
def _recording_tracer_provider() -> TracerProvider:
    # The process's provider can be set only once: the first test that watches spans sets it,
    # and every later one adds its own exporter to it.
    provider = TracerProvider()
    trace.set_tracer_provider(provider)
    return provider


@pytest.fixture
def span_exporter() -> Iterator[InMemorySpanExporter]:
    """Every span ended in this process (all in-process services) during the test."""
    exporter = InMemorySpanExporter()
    _recording_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    # A stopped exporter refuses later tests' spans instead of keeping them.
    exporter.shutdown()


@pytest.fixture
def clock() -> AdvancingClock:
    """A clock to give the code under test; `clock.advance(seconds)` instead of sleeping."""
    return AdvancingClock()


@pytest.fixture
def crash_free_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No crash point armed in this process."""
    monkeypatch.delenv("PUNTE_CRASH_POINT", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    """Keep settings from a developer's .env or shell (tracing's included) out of tests."""
    for name in list(os.environ):
        if name.startswith(("PUNTE_", "OTEL_EXPORTER_OTLP_")) and name != "PUNTE_TEST_POSTGRES_URL":
            del os.environ[name]
