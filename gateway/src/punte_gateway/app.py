"""The gateway's definition and FastAPI app: GraphQL at /graphql, ops endpoints beside it."""

from fastapi import FastAPI
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.runtime import ServiceDefinition, create_service_app
from strawberry.fastapi import GraphQLRouter

from punte_gateway.graphql.context import get_context
from punte_gateway.graphql.schema import schema
from punte_gateway.all_models import messaging_tables, metadata
from punte_gateway.settings import GatewaySettings


def definition() -> ServiceDefinition:
    """The gateway as a service: its own database, outbox and health endpoint."""
    return ServiceDefinition(
        name="gateway",
        version=package_version("punte-gateway"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
    )


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway app; GraphiQL only outside production."""
    settings = settings or GatewaySettings()
    app = create_service_app(definition(), settings)
    router: GraphQLRouter[object, None] = GraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide=None if settings.is_production else "graphiql",
    )
    app.include_router(router, prefix="/graphql")
    return app
