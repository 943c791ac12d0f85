"""Security headers on every response, no `server` banner, HSTS only behind TLS."""

import asyncio

import httpx
import pytest
import uvicorn
from punte_gateway.app import create_app, definition
from punte_gateway.headers import APP_CSP, GRAPHIQL_CSP
from punte_gateway.settings import GatewaySettings
from punte_platform.devserver import free_port
from punte_platform.entrypoint import server_config
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings
from punte_platform.testing.waiting import eventually

HEALTH = {"query": "{ health { service } }"}


def assert_hardened(response: httpx.Response, csp: str = APP_CSP) -> None:
    assert response.headers["content-security-policy"] == csp, response.request.url
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


async def test_every_response_of_the_served_gateway_is_hardened_and_unbranded(
    nats_server: NatsServer, test_databases: TestDatabases
) -> None:
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(definition()),
        http_port=free_port(),
    )
    server = uvicorn.Server(server_config(create_app(settings), settings))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, server.started), bool)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as client:
            responses = [
                await client.post("/graphql", json=HEALTH),
                await client.post("/graphql", content=b"x", headers={"content-type": "text/plain"}),
                await client.get("/no-such-page"),
                await client.get("/healthz"),
                await client.post("/uploads?filename=a.csv", content=b"a"),
            ]
            for response in responses:
                assert_hardened(response)
                assert "strict-transport-security" not in response.headers
            graphiql = await client.get("/graphql", headers={"accept": "text/html"})
            assert graphiql.status_code == 200
            assert_hardened(graphiql, GRAPHIQL_CSP)
    finally:
        server.should_exit = True
        await serving


@pytest.mark.parametrize(
    ("trusted", "forwarded", "hsts"),
    [([], "https", False), (["127.0.0.0/8"], "https", True), (["127.0.0.0/8"], "http", False)],
)
async def test_hsts_is_sent_when_a_trusted_proxy_says_the_request_came_over_tls(
    nats_server: NatsServer,
    test_databases: TestDatabases,
    trusted: list[str],
    forwarded: str,
    hsts: bool,
) -> None:
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(definition()),
        trusted_proxies=trusted,
    )
    async with running_app(create_app(settings)) as client:
        response = await client.post(
            "/graphql", json=HEALTH, headers={"X-Forwarded-Proto": forwarded}
        )
        assert ("strict-transport-security" in response.headers) is hsts
        tls = await client.post("https://punte.test/graphql", json=HEALTH)
        assert tls.headers["strict-transport-security"].startswith("max-age=")
