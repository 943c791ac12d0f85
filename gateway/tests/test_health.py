"""The `health` query reports every service's status (and to staff its version) over NATS;
the ops endpoints answer, `/metrics` only to Prometheus's token in production."""

import time

import httpx
import pytest
from punte_gateway.app import create_app, definition
from punte_gateway.settings import GatewaySettings
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings

QUERY = "{ health { service status version latencyMs detail outboxBacklog deadLetters } }"
LOGIN = """
mutation { login(input: {username: "viewer", password: "punte-demo"}) { accessToken } }
"""


@pytest.fixture
def gateway_overrides() -> dict[str, object]:
    """Development: the gateway creates its demo users (a viewer to sign in as)."""
    return {"environment": "development"}


@pytest.fixture
async def staff_token(gateway: httpx.AsyncClient) -> str:
    response = await gateway.post("/graphql", json={"query": LOGIN})
    token: str = response.json()["data"]["login"]["accessToken"]
    return token


async def health(gateway: httpx.AsyncClient, token: str | None) -> dict[str, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await gateway.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return {entry["service"]: entry for entry in body["data"]["health"]}


async def test_every_service_reports_ok_with_its_version(
    services: dict[str, ServiceRuntime], gateway: httpx.AsyncClient, staff_token: str
) -> None:
    report = await health(gateway, staff_token)
    assert set(report) == {"gateway", "contacts", "events", "partnerships"}
    for entry in report.values():
        assert entry["status"] == "ok"
        assert entry["version"] == "0.1.0"
        assert entry["deadLetters"] == 0


async def test_anonymous_callers_see_each_status_only(
    services: dict[str, ServiceRuntime], gateway: httpx.AsyncClient
) -> None:
    report = await health(gateway, None)
    assert set(report) == {"gateway", "contacts", "events", "partnerships"}
    for name, entry in report.items():
        assert entry == {
            "service": name,
            "status": "ok",
            "version": None,
            "latencyMs": None,
            "detail": "",
            "outboxBacklog": None,
            "deadLetters": None,
        }


async def test_a_stopped_service_is_reported_unavailable_promptly(
    services: dict[str, ServiceRuntime], gateway: httpx.AsyncClient, staff_token: str
) -> None:
    await services["events"].rpc.stop()
    started = time.monotonic()
    report = await health(gateway, staff_token)
    assert time.monotonic() - started < 2.0
    assert report["events"]["status"] == "unavailable"
    assert report["events"]["version"] is None
    assert report["contacts"]["status"] == "ok"


async def test_ops_endpoints_answer(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).status_code == 200
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    metrics = await gateway.get("/metrics")
    assert "punte_outbox_backlog" in metrics.text


async def test_metrics_need_the_token_when_one_is_set(
    nats_server: NatsServer, test_databases: TestDatabases
) -> None:
    database_url = await test_databases.for_service(definition())
    for environment, token, sent, expected in [
        ("production", "", None, 404),
        ("production", "m" * 32, None, 401),
        ("production", "m" * 32, "Bearer wrong", 401),
        ("production", "m" * 32, "Bearer " + "m" * 32, 200),
        ("development", "", None, 200),
    ]:
        settings = test_settings(
            GatewaySettings,
            environment=environment,
            secret_key="s" * 40,
            metrics_token=token,
            nats_url=nats_server.url,
            database_url=database_url,
        )
        async with running_app(create_app(settings)) as client:
            headers = {"Authorization": sent} if sent else {}
            response = await client.get("/metrics", headers=headers)
            assert response.status_code == expected, (environment, token, sent)
            if expected == 200:
                assert "punte_outbox_backlog" in response.text
