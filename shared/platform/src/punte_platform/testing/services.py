"""Running a service in-process for a test, against the test's NATS and database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from nats.aio.client import Client

from punte_platform.messaging.nats import connect
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.messaging.trust import ContextSigner
from punte_platform.runtime import ServiceDefinition, ServiceRuntime
from punte_platform.settings import PunteSettings
from punte_platform.testing.nats_server import nats_identity, test_credentials

SettingsT = TypeVar("SettingsT", bound=PunteSettings)


def test_settings(settings_cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Settings for a test: environment `test`, plain-text logs, fast retries, and the NATS
    credentials of the settings' service (the gateway's include the signing key)."""
    credentials = test_credentials()
    values: dict[str, Any] = {
        "context_verify_key": credentials.verify_key,
        "environment": "test",
        "log_json": False,
        # The production default: on a loaded 2-core machine an answer can take over 2 s.
        "request_timeout": 5.0,
        "relay_poll_interval": 0.2,
        "relay_retry_initial": 0.05,
        "relay_retry_max": 0.5,
        "consumer_retry_delays_seconds": [0.05, 0.1, 0.2],
    }
    if settings_cls.service_name in credentials.seeds:
        values.update(credentials.settings(settings_cls.service_name))
    values.update(overrides)
    return settings_cls(_env_file=None, **values)


test_settings.__test__ = False  # type: ignore[attr-defined]


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition, settings: PunteSettings
) -> AsyncIterator[ServiceRuntime]:
    """Start a service's runtime (migrations, NATS, endpoints, relay, consumers); stop it after.

    `runtime.client` is then the tests' caller: the harness's connection with the gateway's
    signing key, since a service's own credentials may not call services."""
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    caller = None
    try:
        caller = await connect(settings.nats_url, "test-caller", identity=nats_identity())
        runtime.client = gateway_caller(caller, timeout=settings.request_timeout)
        yield runtime
    finally:
        if caller is not None:
            await caller.close()
        await runtime.stop(timeout=5)


def gateway_caller(nc: Client, *, timeout: float = 5.0) -> ServiceClient:
    """A client whose requests carry contexts signed as the gateway signs them."""
    signer = ContextSigner(test_credentials().signing_seed, ttl_seconds=60)
    return ServiceClient(nc, timeout=timeout, signer=signer)


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and give an HTTP client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://punte.test") as client:
            yield client
