"""Each attack gets a clean refusal, and the server stays healthy after it."""

import time

import httpx
import pytest
from punte_gateway.app import create_app, definition
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings
from strawberry import relay

HEALTH = "{ health { service status } }"


async def assert_still_healthy(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json={"query": "{ health { service } }"})
    assert response.status_code == 200
    assert "errors" not in response.json()


async def errors_of(gateway: httpx.AsyncClient, payload: object) -> list[dict[str, object]]:
    response = await gateway.post("/graphql", json=payload)
    body = response.json()
    assert "errors" in body, body
    return list(body["errors"])


async def test_a_too_deep_query_is_refused(
    nats_server: NatsServer, test_databases: TestDatabases
) -> None:
    # Today's deepest path is one level; the limit comes from settings, so set it below.
    settings = test_settings(
        GatewaySettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(definition()),
        max_query_depth=0,
    )
    async with running_app(create_app(settings)) as gateway:
        errors = await errors_of(gateway, {"query": HEALTH})
        assert "exceeds maximum operation depth" in str(errors[0]["message"])
        response = await gateway.post("/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_an_alias_flood_is_refused(gateway: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: health {{ service }}" for i in range(50)) + " }"
    errors = await errors_of(gateway, {"query": query})
    assert "aliases found" in str(errors[0]["message"])
    await assert_still_healthy(gateway)


async def test_a_token_flood_is_refused(gateway: httpx.AsyncClient) -> None:
    query = "{ health { " + " ".join(["service"] * 3000) + " } }"
    errors = await errors_of(gateway, {"query": query})
    assert "more than 2000 tokens" in str(errors[0]["message"])
    await assert_still_healthy(gateway)


async def test_too_many_node_ids_are_refused(gateway: httpx.AsyncClient) -> None:
    ids = [relay.to_base64("ServiceHealth", i) for i in range(101)]
    errors = await errors_of(
        gateway,
        {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ids}},
    )
    assert errors[0]["extensions"] == {"code": "PAGE_TOO_LARGE"}
    await assert_still_healthy(gateway)


async def test_operations_over_get_are_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code in (400, 405)
    response = await gateway.get("/graphql", params={"query": HEALTH})
    assert response.status_code in (400, 405)
    await assert_still_healthy(gateway)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_non_json_posts_are_refused(gateway: httpx.AsyncClient, content_type: str) -> None:
    response = await gateway.post(
        "/graphql",
        content=b'{"query": "{ health { service } }"}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 415
    await assert_still_healthy(gateway)


async def test_an_oversized_body_is_refused(gateway: httpx.AsyncClient) -> None:
    padding = "x" * (2 * 1024 * 1024)
    response = await gateway.post("/graphql", json={"query": HEALTH, "variables": {"p": padding}})
    assert response.status_code == 413
    await assert_still_healthy(gateway)


async def test_an_oversized_streamed_body_is_refused(gateway: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    response = await gateway.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    await assert_still_healthy(gateway)


async def test_malformed_json_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", content=b'{"query": "{ health', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text
    await assert_still_healthy(gateway)


async def test_an_unknown_operation_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql", json={"query": "query A { health { service } }", "operationName": "B"}
    )
    assert response.status_code == 400
    await assert_still_healthy(gateway)


async def test_batched_requests_are_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json=[{"query": HEALTH}, {"query": HEALTH}])
    assert response.status_code == 400
    await assert_still_healthy(gateway)


async def test_an_unknown_field_is_a_validation_error(gateway: httpx.AsyncClient) -> None:
    errors = await errors_of(gateway, {"query": "{ healthy { service } }"})
    assert "healthy" in str(errors[0]["message"])


NESTED = (
    "organizations(first: 100) { edges { node { legalName "
    "people(first: 100) { edges { node { id givenName familyName } } } } } }"
)


async def test_fifteen_aliases_of_a_nested_query_are_refused_fast(
    gateway: httpx.AsyncClient,
) -> None:
    query = "{ " + " ".join(f"a{i}: {NESTED}" for i in range(15)) + " }"
    started = time.perf_counter()
    errors = await errors_of(gateway, {"query": query})
    elapsed = time.perf_counter() - started
    assert errors[0]["extensions"] == {"code": "QUERY_TOO_COSTLY"}
    assert "first" in str(errors[0]["message"])
    # Refused before any service is asked (none runs here): no time spent fetching.
    assert elapsed < 0.5, elapsed
    await assert_still_healthy(gateway)


async def test_page_sizes_in_variables_count_too(gateway: httpx.AsyncClient) -> None:
    query = (
        "query ($n: Int) { organizations(first: $n) { edges { node { "
        "people(first: $n) { edges { node { id givenName familyName emails } } } } } } }"
    )
    errors = await errors_of(gateway, {"query": query, "variables": {"n": 100}})
    assert errors[0]["extensions"] == {"code": "QUERY_TOO_COSTLY"}


async def test_invalid_utf8_in_a_body_is_a_bad_request(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/graphql",
        content=b'{"query": "{ health { service } }", "variables": {"x": "\xff\xfe"}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert "Traceback" not in response.text
    await assert_still_healthy(gateway)


async def test_a_node_id_of_an_unknown_type_is_null(gateway: httpx.AsyncClient) -> None:
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    for type_name in ("NoSuchType", "Query", "ServiceHealth"):
        ids = [relay.to_base64(type_name, "1")]
        response = await gateway.post("/graphql", json={"query": query, "variables": {"ids": ids}})
        assert response.json() == {"data": {"nodes": [None]}}, (type_name, response.text)
    single = "query ($id: ID!) { node(id: $id) { id } }"
    response = await gateway.post(
        "/graphql", json={"query": single, "variables": {"id": relay.to_base64("Nope", "1")}}
    )
    assert response.json() == {"data": {"node": None}}
