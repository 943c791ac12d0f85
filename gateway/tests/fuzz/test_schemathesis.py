"""schemathesis against the running gateway: every GraphQL root field and every REST operation,
as an admin and as a viewer, with generated input. No answer may be a server error (a 5xx, or a
GraphQL error that hides a bug: `internal error`) or break the published schema (a REST body
outside its OpenAPI schema or media type, a GraphQL non-null field left null).

The gateway runs in-process on the test's event loop (its NATS client and database engine live
there); Hypothesis drives schemathesis in a worker thread and hands each request to that loop.
The examples per operation are bounded so that the whole run stays near a minute on two cores.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import schemathesis
from graphql import GraphQLObjectType
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from punte_gateway.app import GRAPHQL_PATH, create_app
from punte_gateway.auth.permissions import API_KEY_SCOPES
from punte_gateway.graphql.protection import MASKED_MESSAGE
from punte_gateway.graphql.schema import build_schema
from punte_gateway.settings import GatewaySettings
from punte_platform.runtime import ServiceRuntime
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from strawberry.relay import to_base64

from ..auth.conftest import StaffGateway, StaffGatewayFactory

# Per operation, role and generation mode.
GRAPHQL_EXAMPLES = 10
REST_EXAMPLES = 10
REQUEST_TIMEOUT = 30.0
REST_CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
NON_NULL_BROKEN = "Cannot return null for non-nullable field"

# strawberry's JSON scalar: any JSON value; schemathesis ships the others (Date, DateTime, UUID).
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
        st.booleans().map(nodes.Boolean),
    ),
)


def _node_types() -> list[str]:
    """The schema's types that implement Node: the ones a global id may name."""
    schema = build_schema(GatewaySettings(_env_file=None))._schema
    return sorted(
        graphql_type.name
        for graphql_type in schema.type_map.values()
        if isinstance(graphql_type, GraphQLObjectType)
        and any(interface.name == "Node" for interface in graphql_type.interfaces)
    )


# Ids: well-formed global ids of the schema's node types and bare UUIDs (jobs), of things
# nobody holds, so that resolvers get past parsing (strawberry refuses other text), and of a
# type the schema lacks, which node/nodes answer with null.
def _id(type_name: str | None, uuid: UUID) -> str:
    """A global id of `type_name`, or the bare UUID without one."""
    return str(uuid) if type_name is None else to_base64(type_name, str(uuid))


schemathesis.graphql.scalar(
    "ID",
    st.builds(_id, st.sampled_from([*_node_types(), "NoSuchType", None]), st.uuids()).map(
        nodes.String
    ),
)

CREATE_KEY = """
mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret userErrors { code message } }
}
"""


@dataclass
class Fuzzed:
    """The running gateway; per role, a staff token (GraphQL) and an API key (REST)."""

    gw: StaffGateway
    tokens: dict[str, str]
    keys: dict[str, str]


@pytest.fixture
async def fuzzed(
    staff_gateway_factory: StaffGatewayFactory, services: dict[str, ServiceRuntime]
) -> AsyncIterator[Fuzzed]:
    # Limits that would turn the run into 429s are raised: this test is about answers.
    async with staff_gateway_factory(
        rate_limit_user_per_minute=1_000_000,
        rate_limit_api_key_per_minute=1_000_000,
        rate_limit_anonymous_per_minute=1_000_000,
        health_timeout=0.2,
    ) as gw:
        await gw.add_user("fuzz-admin", ["admin"])
        await gw.add_user("fuzz-viewer", ["viewer"])
        tokens = {
            "admin": await gw.token("fuzz-admin"),
            "viewer": await gw.token("fuzz-viewer"),
        }
        keys = {}
        scopes = {"admin": sorted(p.value for p in API_KEY_SCOPES), "viewer": ["contacts:read"]}
        expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        for role, granted in scopes.items():
            key = {"name": role, "owner": "fuzz", "scopes": granted, "expiresAt": expires}
            data = await gw.data(CREATE_KEY, {"input": key}, tokens["admin"])
            assert data["createApiKey"]["userErrors"] == [], data
            keys[role] = data["createApiKey"]["secret"]
        yield Fuzzed(gw=gw, tokens=tokens, keys=keys)


def _sender(
    client: httpx.AsyncClient, token: str, path: str = ""
) -> Callable[[schemathesis.Case], httpx.Response]:
    """Send a case from the worker thread through the app on the test's loop."""
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {token}"}
    base_url = f"{client.base_url}{path}"

    def send(case: schemathesis.Case) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
        request: dict[str, Any] = {
            "method": kwargs["method"],
            "url": kwargs["url"],
            "headers": kwargs.get("headers"),
            "params": kwargs.get("params"),
        }
        if "json" in kwargs:
            request["json"] = kwargs["json"]
        data = kwargs.get("data")
        if isinstance(data, dict):
            request["data"] = data
        elif data is not None:
            request["content"] = data
        call = client.request(**request, timeout=REQUEST_TIMEOUT)
        return asyncio.run_coroutine_threadsafe(call, loop).result(REQUEST_TIMEOUT + 5)

    return send


def _run(
    schema: Any,
    send: Callable[[schemathesis.Case], httpx.Response],
    check: Callable[[schemathesis.Case, httpx.Response], None],
    modes: list[GenerationMode],
    examples: int,
) -> list[str]:
    """Every operation of `schema` with `examples` generated cases per mode; the failures."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == GRAPHQL_PATH:
            continue  # the GraphQL transport: its own test fuzzes it by the GraphQL schema
        for mode in modes:

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                # A failure is reported as found: shrinking it would cost the time budget.
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case: schemathesis.Case) -> None:
                check(case, send(case))

            try:
                exercise()
            except Unsatisfiable:
                pass  # nothing to make invalid: an operation without parameters or body
            except (Exception, BaseExceptionGroup) as error:  # try every operation
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    return failures


def _check_graphql(case: schemathesis.Case, response: httpx.Response) -> None:
    """A GraphQL answer: JSON with data or errors, and no error that hides a bug."""
    body = case.body if isinstance(case.body, dict) else {"query": case.body}
    where = f"{body.get('query')!s}\n-> {response.status_code} {response.text[:500]}"
    assert response.status_code < 500, where
    assert response.headers["content-type"].startswith("application/json"), where
    payload = response.json()
    assert isinstance(payload, dict), where
    assert set(payload) <= {"data", "errors", "extensions"}, where
    assert "data" in payload or "errors" in payload, where
    for error in payload.get("errors") or []:
        assert isinstance(error.get("message"), str), where
        assert error["message"] != MASKED_MESSAGE, where
        assert NON_NULL_BROKEN not in error["message"], where
        code = (error.get("extensions") or {}).get("code")
        assert code not in ("INTERNAL", "INTERNAL_SERVER_ERROR"), where


def _check_rest(case: schemathesis.Case, response: httpx.Response) -> None:
    """A REST answer: no 5xx, its body and media type as the OpenAPI document says."""
    case.validate_response(response, checks=REST_CHECKS)


@pytest.mark.parametrize("role", ["admin", "viewer"])
async def test_graphql_answers_generated_operations_without_server_errors(
    fuzzed: Fuzzed, role: str
) -> None:
    schema = schemathesis.graphql.from_dict(build_schema(fuzzed.gw.settings).introspect())
    send = _sender(fuzzed.gw.client, fuzzed.tokens[role], GRAPHQL_PATH)
    failures = await asyncio.to_thread(
        _run, schema, send, _check_graphql, [GenerationMode.POSITIVE], GRAPHQL_EXAMPLES
    )
    assert failures == [], "\n\n".join(failures)


@pytest.mark.parametrize("role", ["admin", "viewer"])
async def test_rest_answers_generated_requests_within_the_openapi_document(
    fuzzed: Fuzzed, role: str
) -> None:
    # The gateway serves no /openapi.json; the document is the app's own.
    schema = schemathesis.openapi.from_dict(create_app(fuzzed.gw.settings).openapi())
    send = _sender(fuzzed.gw.client, fuzzed.keys[role])
    failures = await asyncio.to_thread(
        _run, schema, send, _check_rest, list(GenerationMode), REST_EXAMPLES
    )
    assert failures == [], "\n\n".join(failures)
