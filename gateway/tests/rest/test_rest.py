"""`/api/v1`: API keys only, JSON errors, scopes, and limits shared with GraphQL."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.rest.router import ApiRoute, require_scope
from punte_gateway_key_support import Gateway, GatewayFactory
from punte_platform.runtime import ServiceRuntime


def add_scoped_routes(app: FastAPI) -> None:
    """Routes of the kind the domain issues add: one needing a scope, one with a bug (the
    gateway runs without the web UI, whose catch-all route would answer these paths first)."""
    extra = APIRouter(prefix="/api/test-only", route_class=ApiRoute)

    @extra.get("/imports")
    async def imports(
        caller: Annotated[Principal, Depends(require_scope(Permission.CONTACTS_IMPORT))],
    ) -> dict[str, Any]:
        return {"caller": caller.name}

    @extra.get("/bug")
    async def bug(
        caller: Annotated[Principal, Depends(require_scope(Permission.CONTACTS_READ))],
    ) -> dict[str, Any]:
        raise RuntimeError("SELECT secret FROM somewhere -- must not leak")

    app.include_router(extra)


async def test_me_says_who_the_key_is(gw: Gateway) -> None:
    issued = await gw.issue(scopes=("events:read", "contacts:read"))
    response = await gw.call("GET", "/api/v1/me", issued.secret)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": str(issued.key.id),
        "name": "CCI Timiș sync",
        "owner": "Camera de Comerț și Industrie Timiș",
        "prefix": issued.secret[: len(body["prefix"])],
        "scopes": ["contacts:read", "events:read"],
        "expiresAt": issued.key.expires_at.isoformat(),
    }


async def test_missing_or_wrong_credentials_get_json_401s(gw: Gateway) -> None:
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "an API key is required"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "API keys only"),
        ({"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}, "API keys only"),
        ({"Authorization": "Bearer punte_sk_nothing"}, "invalid API key"),
    ]
    for headers, message in cases:
        response = await gw.client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        error = response.json()["error"]
        assert error["code"] == "unauthenticated"
        assert message in error["message"]
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_missing_scope_is_403_and_audited(
    gateway_factory: GatewayFactory, tmp_path: Path
) -> None:
    async with gateway_factory(app_hook=add_scoped_routes, web_dir=tmp_path) as gw:
        reader = await gw.issue(scopes=("contacts:read",))
        importer = await gw.issue(name="importer", scopes=("contacts:import",))
        refused = await gw.call("GET", "/api/test-only/imports", reader.secret)
        assert refused.status_code == 403
        assert refused.json() == {
            "error": {
                "code": "forbidden",
                "message": "the API key lacks the contacts:import scope",
            }
        }
        allowed = await gw.call("GET", "/api/test-only/imports", importer.secret)
        assert allowed.status_code == 200
        assert allowed.json() == {"caller": "importer"}
        rows = await gw.rows(
            "SELECT actor, action, detail FROM audit_entry WHERE outcome = 'forbidden'"
        )
        assert rows == [
            {
                "actor": f"apikey:{reader.key.id}",
                "action": "refused:GET /api/test-only/imports",
                "detail": "missing contacts:import",
            }
        ]


async def test_failures_never_show_a_stack_trace(
    gateway_factory: GatewayFactory, tmp_path: Path
) -> None:
    async with gateway_factory(app_hook=add_scoped_routes, web_dir=tmp_path) as gw:
        issued = await gw.issue()
        response = await gw.call("GET", "/api/test-only/bug", issued.secret)
        assert response.status_code == 500
        assert response.json() == {"error": {"code": "internal", "message": "internal error"}}
        unknown = await gw.call("GET", "/api/v1/nothing/here", issued.secret)
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        assert (await gw.client.get("/healthz")).status_code == 200


async def test_over_the_limit_is_429_with_retry_after_per_key(
    gateway_factory: GatewayFactory,
) -> None:
    async with gateway_factory(rate_limit_api_key_per_minute=3) as gw:
        busy = await gw.issue(name="busy")
        calm = await gw.issue(name="calm")
        for _ in range(3):
            assert (await gw.call("GET", "/api/v1/me", busy.secret)).status_code == 200
        limited = await gw.call("GET", "/api/v1/me", busy.secret)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 20  # one call refills in 60/3 s

        # GraphQL draws on the same allowance: the key is limited there too.
        graphql = await gw.client.post(
            "/graphql",
            json={"query": "{ health { service } }"},
            headers={"Authorization": f"Bearer {busy.secret}"},
        )
        assert graphql.status_code == 429
        assert int(graphql.headers["retry-after"]) >= 1

        # Other keys, and the server, are fine.
        assert (await gw.call("GET", "/api/v1/me", calm.secret)).status_code == 200
        assert (await gw.client.get("/healthz")).status_code == 200
        assert (await gw.client.get("/readyz")).status_code == 200


async def test_anonymous_callers_are_limited_by_address(gateway_factory: GatewayFactory) -> None:
    async with gateway_factory(rate_limit_anonymous_per_minute=2) as gw:
        for _ in range(2):
            response = await gw.client.post("/graphql", json={"query": "{ health { service } }"})
            assert response.status_code == 200
        limited = await gw.client.post("/graphql", json={"query": "{ health { service } }"})
        assert limited.status_code == 429
        assert "retry-after" in limited.headers
        # Bad keys count against the address too, so guessing keys is slow.
        rest = await gw.call("GET", "/api/v1/me", "punte_sk_0123456789abcdef_guess")
        assert rest.status_code == 429
        assert rest.json()["error"]["code"] == "rate_limited"


async def test_health_reports_every_service(
    services: dict[str, ServiceRuntime], gw: Gateway
) -> None:
    issued = await gw.issue(scopes=())
    response = await gw.call("GET", "/api/v1/health", issued.secret)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    by_service = {s["service"]: s for s in body["services"]}
    assert set(by_service) == {"gateway", "contacts", "events", "partnerships"}
    assert all(s["status"] == "ok" and s["version"] == "0.1.0" for s in by_service.values())
    detail = await gw.scalar("SELECT detail FROM audit_entry WHERE action = 'api_key.used'")
    assert detail == "GET /api/v1/health"


async def test_health_needs_a_key(gw: Gateway) -> None:
    response = await gw.client.get("/api/v1/health")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
