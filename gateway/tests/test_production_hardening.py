"""Production turns off introspection and field suggestions; CORS follows the allow-list."""

from collections.abc import AsyncIterator

import httpx
import pytest
from punte_gateway.app import create_app, definition
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings

ALLOWED_ORIGIN = "https://punte.primariatm.ro"


@pytest.fixture
async def production(
    nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[httpx.AsyncClient]:
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(definition()),
        environment="production",
        secret_key="s" * 48,
        cors_origins=[ALLOWED_ORIGIN],
    )
    async with running_app(create_app(settings)) as client:
        yield client


async def test_introspection_is_refused_in_production(production: httpx.AsyncClient) -> None:
    body = (
        await production.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    ).json()
    assert "introspection" in body["errors"][0]["message"].lower()
    assert body.get("data") is None


async def test_field_suggestions_are_off_in_production(production: httpx.AsyncClient) -> None:
    body = (await production.post("/graphql", json={"query": "{ healt { service } }"})).json()
    message = body["errors"][0]["message"]
    assert "healt" in message
    assert "Did you mean" not in message


async def test_development_still_suggests(gateway: httpx.AsyncClient) -> None:
    body = (await gateway.post("/graphql", json={"query": "{ healt { service } }"})).json()
    assert "Did you mean" in body["errors"][0]["message"]


async def test_cors_answers_allowed_origins_only(production: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = await production.options("/graphql", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert allowed.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    refused = await production.options(
        "/graphql", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in refused.headers
