"""The `health` query reports every service's status and version over NATS."""

import time

import httpx
from punte_platform.runtime import ServiceRuntime

QUERY = "{ health { service status version latencyMs detail outboxBacklog deadLetters } }"


async def health(gateway: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    response = await gateway.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return {entry["service"]: entry for entry in body["data"]["health"]}


async def test_every_service_reports_ok_with_its_version(
    services: dict[str, ServiceRuntime], gateway: httpx.AsyncClient
) -> None:
    report = await health(gateway)
    assert set(report) == {"gateway", "contacts", "events", "partnerships"}
    for entry in report.values():
        assert entry["status"] == "ok"
        assert entry["version"] == "0.1.0"
        assert entry["deadLetters"] == 0


async def test_a_stopped_service_is_reported_unavailable_promptly(
    services: dict[str, ServiceRuntime], gateway: httpx.AsyncClient
) -> None:
    await services["events"].rpc.stop()
    started = time.monotonic()
    report = await health(gateway)
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
