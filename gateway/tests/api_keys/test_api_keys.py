"""API keys: issued once, stored as keyed hashes, scoped, expiring, rotated and revoked."""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from punte_contracts.errors import ErrorCode
from punte_gateway.api_keys import repository, service
from punte_gateway.api_keys.models import ApiKey
from punte_gateway.api_keys.service import API_KEY_PREFIX
from punte_gateway.graphql.schema import Query, build_schema
from punte_gateway_key_support import ADMIN, VIEWER, Gateway, in_days, naive_in_days
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from pydantic import SecretStr
from sqlalchemy import event, update
from strawberry import relay

KEY_FIELDS = (
    "id name owner scopes prefix createdBy createdAt expiresAt lastUsedAt revokedAt "
    "rotatedFromId status version"
)

CREATE = f"""
mutation ($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    apiKey {{ {KEY_FIELDS} }}
    secret
    userErrors {{ field code message }}
  }}
}}
"""

ROTATE = f"""
mutation ($input: RotateApiKeyInput!) {{
  rotateApiKey(input: $input) {{
    apiKey {{ {KEY_FIELDS} }}
    revokedApiKey {{ id status revokedAt version }}
    secret
    userErrors {{ field code message }}
  }}
}}
"""

REVOKE = f"""
mutation ($input: RevokeApiKeyInput!) {{
  revokeApiKey(input: $input) {{
    apiKey {{ {KEY_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}
"""

LIST = """
query ($first: Int, $after: String, $last: Int, $before: String, $includeRevoked: Boolean) {
  apiKeys(first: $first, after: $after, last: $last, before: $before,
          includeRevoked: $includeRevoked) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name status } }
  }
}
"""


def new_key_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Sincronizare membri CCI",
        "owner": "Camera de Comerţ şi Industrie Timiş",  # cedillas, as pasted from old files
        "scopes": ["contacts:read", "contacts:import"],
        "expiresAt": in_days(90),
    }
    values.update(overrides)
    return {"input": values}


def global_id(key_id: object) -> str:
    return str(relay.GlobalID("ApiKey", str(key_id)))


async def create(gw: Gateway, **overrides: Any) -> dict[str, Any]:
    body = await gw.execute(CREATE, new_key_input(**overrides))
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createApiKey"]
    return payload


async def me(gw: Gateway, secret: str | None) -> Any:
    return await gw.call("GET", "/api/v1/me", secret)


async def test_create_shows_the_secret_once_and_stores_only_a_keyed_hash(gw: Gateway) -> None:
    payload = await create(gw)
    assert payload["userErrors"] == []
    secret = payload["secret"]
    key = payload["apiKey"]
    assert secret.startswith(API_KEY_PREFIX)
    assert secret.startswith(key["prefix"])
    assert len(secret) > len(key["prefix"]) + 40
    assert key["owner"] == "Camera de Comerț și Industrie Timiș"  # comma-below, NFC
    assert key["scopes"] == ["contacts:import", "contacts:read"]
    assert key["status"] == "ACTIVE"
    assert key["version"] == 1
    assert key["createdBy"] == ADMIN.actor

    rows = await gw.rows("SELECT * FROM api_key")
    assert len(rows) == 1
    row = rows[0]
    stored = " ".join(str(v) for v in row.values())
    assert secret not in stored
    # The random part follows `punte_sk_<public>_` and may itself contain underscores.
    assert secret.split("_", 3)[3] not in stored
    assert row["key_hash"] != hashlib.sha256(secret.encode()).hexdigest()  # keyed, not plain
    assert row["key_hash"] == service.hash_secret(gw.settings, secret)
    # The deployment's secret keys the hash: another secret gives another hash.
    other = gw.settings.model_copy(update={"secret_key": SecretStr("another deployment")})
    assert row["key_hash"] != service.hash_secret(other, secret)

    # Nothing can show the secret again: no field of the type holds it.
    listed = await gw.execute("{ apiKeys { edges { node { id prefix } } } }")
    assert secret not in str(listed)
    schema = build_schema(gw.settings)
    api_key_type = schema.get_type_by_name("ApiKey")
    assert api_key_type is not None
    names = {f.name for f in api_key_type.fields}  # type: ignore[union-attr]
    assert not names & {"secret", "keyHash", "key_hash", "hash"}

    # Audited without the secret.
    audit = await gw.rows("SELECT * FROM audit_entry WHERE action = 'api_key.created'")
    assert len(audit) == 1
    assert audit[0]["actor"] == ADMIN.actor
    assert secret not in str(audit[0])
    assert row["key_hash"] not in str(audit[0])


async def test_a_key_works_on_rest_and_graphql_and_each_use_is_attributed(gw: Gateway) -> None:
    issued = await gw.issue(scopes=("contacts:read",))
    response = await me(gw, issued.secret)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "CCI Timiș sync"

    graphql = await gw.client.post(
        "/graphql",
        json={"query": "{ health { service } }"},
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert graphql.status_code == 200
    assert "errors" not in graphql.json()

    # A key can never manage keys: the GraphQL field is refused, and the refusal audited.
    refused = await gw.client.post(
        "/graphql",
        json={"query": "{ apiKeys { totalCount } }"},
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    used = await gw.rows("SELECT actor, detail FROM audit_entry WHERE action = 'api_key.used'")
    refusals = await gw.rows(
        "SELECT actor, action, outcome FROM audit_entry WHERE action LIKE 'refused:%'"
    )
    actor = f"apikey:{issued.key.id}"
    assert len(used) == 3
    assert {u["actor"] for u in used} == {actor}
    assert "GET /api/v1/me" in {u["detail"] for u in used}
    assert refusals == [{"actor": actor, "action": "refused:Query.apiKeys", "outcome": "forbidden"}]
    assert await gw.scalar("SELECT last_used_at FROM api_key") is not None


async def test_expired_key_is_refused_on_rest_and_graphql(gw: Gateway) -> None:
    issued = await gw.issue()
    async with gw.runtime.uow.transaction() as session:
        await session.execute(update(ApiKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await me(gw, issued.secret)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthenticated", "message": "API key expired"}}

    graphql = await gw.client.post(
        "/graphql",
        json={"query": "{ apiKeys { totalCount } }"},
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    error = graphql.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "API key expired" in error["message"]

    listed = await gw.execute("{ apiKeys { edges { node { status } } } }")
    assert listed["data"]["apiKeys"]["edges"][0]["node"]["status"] == "EXPIRED"


async def test_forged_and_unknown_keys_are_refused_alike(gw: Gateway) -> None:
    issued = await gw.issue()
    public = issued.secret.removeprefix(API_KEY_PREFIX).split("_", 1)[0]
    forged = f"{API_KEY_PREFIX}{public}_{'x' * 43}"
    unknown = f"{API_KEY_PREFIX}{'0' * 16}_{'x' * 43}"
    for secret in (forged, unknown, f"{API_KEY_PREFIX}garbage", issued.secret + "x"):
        response = await me(gw, secret)
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "invalid API key"
    refused = await gw.scalar("SELECT count(*) FROM audit_entry WHERE action = 'api_key.refused'")
    # Only attempts on a real key's public part are kept (forged, and the one with a suffix).
    assert refused == 2


async def test_invalid_input_gives_user_errors_at_their_fields(gw: Gateway) -> None:
    body = await gw.execute(
        CREATE,
        new_key_input(
            name="  ",
            scopes=["contacts:read", "users:manage", "contacts:everything"],
            expiresAt=in_days(-1),
        ),
    )
    payload = body["data"]["createApiKey"]
    assert payload["apiKey"] is None
    assert payload["secret"] is None
    by_field = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert by_field == {
        ("input", "name"): "validation_failed",
        ("input", "scopes", "1"): "validation_failed",
        ("input", "scopes", "2"): "validation_failed",
        ("input", "expiresAt"): "validation_failed",
    }

    too_long = await gw.execute(CREATE, new_key_input(expiresAt=in_days(400)))
    errors = too_long["data"]["createApiKey"]["userErrors"]
    assert [e["field"] for e in errors] == [["input", "expiresAt"]]
    assert "365 days" in errors[0]["message"]

    naive = await gw.execute(CREATE, new_key_input(expiresAt=naive_in_days(30)))
    assert naive["data"]["createApiKey"]["userErrors"][0]["field"] == ["input", "expiresAt"]

    assert await gw.scalar("SELECT count(*) FROM api_key") == 0
    failures = await gw.scalar(
        "SELECT count(*) FROM audit_entry "
        "WHERE action = 'api_key.created' AND outcome = 'validation_failed'"
    )
    assert failures == 3


async def test_only_key_managers_may_manage_keys(gw: Gateway) -> None:
    body = await gw.execute(CREATE, new_key_input(), principal=VIEWER)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gw.execute(LIST, principal=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await gw.scalar("SELECT count(*) FROM api_key") == 0
    refused = await gw.rows("SELECT action FROM audit_entry WHERE outcome = 'forbidden'")
    assert refused == [{"action": "refused:Mutation.createApiKey"}]


async def test_rotation_replaces_the_secret_and_refuses_the_old_one(gw: Gateway) -> None:
    created = await create(gw)
    old_secret = created["secret"]
    old_id = created["apiKey"]["id"]
    assert (await me(gw, old_secret)).status_code == 200

    stale = await gw.execute(ROTATE, {"input": {"id": old_id, "expectedVersion": 7}})
    assert stale["data"]["rotateApiKey"]["userErrors"] == [
        {
            "field": ["input", "expectedVersion"],
            "code": "conflict",
            "message": "the key is at version 1, not 7",
        }
    ]

    body = await gw.execute(ROTATE, {"input": {"id": old_id, "expectedVersion": 1}})
    payload = body["data"]["rotateApiKey"]
    assert payload["userErrors"] == []
    new_secret = payload["secret"]
    assert new_secret != old_secret
    assert new_secret.startswith(API_KEY_PREFIX)
    assert payload["apiKey"]["rotatedFromId"] == old_id
    assert payload["apiKey"]["scopes"] == created["apiKey"]["scopes"]
    assert payload["apiKey"]["expiresAt"] == created["apiKey"]["expiresAt"]
    assert payload["revokedApiKey"]["status"] == "REVOKED"
    assert payload["revokedApiKey"]["version"] == 2

    old = await me(gw, old_secret)
    assert old.status_code == 401
    assert old.json()["error"]["message"] == "API key revoked"
    new = await me(gw, new_secret)
    assert new.status_code == 200
    assert new.json()["id"] != created["apiKey"]["id"]

    again = await gw.execute(ROTATE, {"input": {"id": old_id}})
    assert again["data"]["rotateApiKey"]["userErrors"][0]["code"] == "conflict"


async def test_revocation_stops_the_key_and_is_audited(gw: Gateway) -> None:
    created = await create(gw)
    key_id = created["apiKey"]["id"]
    unknown = await gw.execute(REVOKE, {"input": {"id": global_id(new_id())}})
    assert unknown["data"]["revokeApiKey"]["userErrors"][0]["field"] == ["input", "id"]
    assert unknown["data"]["revokeApiKey"]["userErrors"][0]["code"] == "not_found"
    wrong_type = await gw.execute(
        REVOKE, {"input": {"id": str(relay.GlobalID("User", str(new_id())))}}
    )
    assert wrong_type["data"]["revokeApiKey"]["userErrors"][0]["code"] == "not_found"

    body = await gw.execute(REVOKE, {"input": {"id": key_id, "expectedVersion": 1}})
    payload = body["data"]["revokeApiKey"]
    assert payload["userErrors"] == []
    assert payload["apiKey"]["status"] == "REVOKED"
    assert payload["apiKey"]["revokedAt"] is not None
    assert payload["apiKey"]["version"] == 2

    response = await me(gw, created["secret"])
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "API key revoked"

    # Revoked keys leave the default listing, and stay visible on request.
    listed = await gw.execute(LIST)
    assert listed["data"]["apiKeys"]["totalCount"] == 0
    everything = await gw.execute(LIST, {"includeRevoked": True})
    assert everything["data"]["apiKeys"]["totalCount"] == 1

    rows = await gw.rows("SELECT action, outcome FROM audit_entry")
    actions = [(r["action"], r["outcome"]) for r in rows]
    assert ("api_key.created", "ok") in actions
    assert ("api_key.revoked", "ok") in actions
    assert ("api_key.revoked", "not_found") in actions
    assert ("api_key.refused", "unauthenticated") in actions


async def test_node_lookup_batches_keys_in_one_query(gw: Gateway) -> None:
    ids = [(await create(gw, name=f"key {i}"))["apiKey"]["id"] for i in range(3)]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM api_key" in statement:
            statements.append(statement)

    event.listen(gw.runtime.engine.sync_engine, "before_cursor_execute", count)
    try:
        body = await gw.execute(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on ApiKey { name } } }",
            {"ids": [*ids, global_id(new_id())]},
        )
    finally:
        event.remove(gw.runtime.engine.sync_engine, "before_cursor_execute", count)
    assert "errors" not in body, body
    nodes = body["data"]["nodes"]
    assert [n["name"] for n in nodes[:3]] == ["key 0", "key 1", "key 2"]
    assert nodes[3] is None
    assert len(statements) == 1

    single = await gw.execute(
        "query ($id: ID!) { node(id: $id) { ... on ApiKey { name } } }", {"id": ids[1]}
    )
    assert single["data"]["node"] == {"name": "key 1"}
    forbidden = await gw.execute(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": ids[1]}, principal=VIEWER
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_listing_pages_newest_first_both_ways(gw: Gateway) -> None:
    names = [f"key {i}" for i in range(5)]
    for name in names:
        await create(gw, name=name)
    first = (await gw.execute(LIST, {"first": 2}))["data"]["apiKeys"]
    assert first["totalCount"] == 5
    assert [e["node"]["name"] for e in first["edges"]] == ["key 4", "key 3"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = (await gw.execute(LIST, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "data"
    ]["apiKeys"]
    assert [e["node"]["name"] for e in second["edges"]] == ["key 2", "key 1"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    back = (await gw.execute(LIST, {"last": 2, "before": second["pageInfo"]["startCursor"]}))[
        "data"
    ]["apiKeys"]
    assert [e["node"]["name"] for e in back["edges"]] == ["key 4", "key 3"]
    bad = await gw.execute(LIST, {"first": 2, "after": "bm90LWEtdXVpZA"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_CURSOR"


def test_the_root_query_offers_keys_and_the_audit_log() -> None:
    fields = Query.__strawberry_definition__.fields  # type: ignore[attr-defined]
    assert {"api_keys", "audit_log"} <= {f.python_name for f in fields}


async def test_a_concurrent_change_is_a_conflict_not_an_overwrite(gw: Gateway) -> None:
    issued = await gw.issue()

    async def revoke_after_a_concurrent_change() -> None:
        async with gw.runtime.uow.transaction() as session:
            assert await repository.get(session, issued.key.id) is not None  # read at version 1
            # Another admin's change lands between our read and our write.
            await session.execute(
                update(ApiKey).where(ApiKey.id == issued.key.id).values(version=2)
            )
            await service.revoke(session, ADMIN, issued.key.id, expected_version=1)

    with pytest.raises(ServiceError) as caught:
        await revoke_after_a_concurrent_change()
    assert caught.value.code is ErrorCode.CONFLICT
    assert await gw.scalar("SELECT revoked_at FROM api_key") is None
