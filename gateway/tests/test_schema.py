"""The committed `schema.graphql` is the code's schema; GraphiQL only outside production."""

from punte_gateway.app import create_app, definition
from punte_gateway.graphql.schema import SCHEMA_FILE, export_schema
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings


def test_the_committed_schema_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == export_schema(), (
        "gateway/schema.graphql is stale: run `make schema` and commit the result"
    )


async def test_graphiql_is_served_in_development_only(
    nats_server: NatsServer, test_databases: TestDatabases
) -> None:
    for environment, secret, expected in [
        ("development", None, 200),
        ("production", "p" * 40, 404),
    ]:
        overrides: dict[str, object] = {"environment": environment}
        if secret:
            overrides["secret_key"] = secret
        settings = test_settings(
            GatewaySettings,
            nats_url=nats_server.url,
            database_url=await test_databases.for_service(definition()),
            **overrides,
        )
        async with running_app(create_app(settings)) as client:
            page = await client.get("/graphql", headers={"Accept": "text/html"})
            assert page.status_code == expected, environment
