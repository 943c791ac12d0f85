"""Running a service in-process for a test, against the test's NATS and database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from punte_platform.runtime import ServiceDefinition, ServiceRuntime
from punte_platform.settings import PunteSettings

SettingsT = TypeVar("SettingsT", bound=PunteSettings)


def test_settings(settings_cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Settings for a test: environment `test`, plain-text logs, fast retries."""
    values: dict[str, Any] = {
        "environment": "test",
        "log_json": False,
        # The production default: on a loaded 2-core machine an answer can take over 2 s.
        "request_timeout": 5.0,
        "relay_poll_interval": 0.2,
        "relay_retry_initial": 0.05,
        "relay_retry_max": 0.5,
        "consumer_retry_delays_seconds": [0.05, 0.1, 0.2],
    }
    values.update(overrides)
    return settings_cls(_env_file=None, **values)


test_settings.__test__ = False  # type: ignore[attr-defined]


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition, settings: PunteSettings
) -> AsyncIterator[ServiceRuntime]:
    """Start a service's runtime (migrations, NATS, endpoints, relay, consumers); stop it after."""
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop(timeout=5)


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and give an HTTP client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://punte.test") as client:
            yield client
