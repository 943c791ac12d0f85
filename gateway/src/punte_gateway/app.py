"""The gateway's definition and FastAPI app: GraphQL at /graphql, ops endpoints beside it."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from punte_platform.clock import SYSTEM_CLOCK, Clock
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.runtime import ServiceDefinition, create_service_app
from strawberry.fastapi import GraphQLRouter

from punte_gateway.all_models import messaging_tables, metadata
from punte_gateway.audit.subscribers import subscriber as audit_subscriber
from punte_gateway.files.router import STREAMED_PATHS
from punte_gateway.files.router import router as files_router
from punte_gateway.graphql.context import get_context
from punte_gateway.graphql.protection import RequestGuard
from punte_gateway.graphql.schema import build_schema
from punte_gateway.headers import SecurityHeaders
from punte_gateway.metrics import metrics_guard
from punte_gateway.rest.contacts import IMPORTS_PATH
from punte_gateway.rest.contacts import router as contacts_rest_router
from punte_gateway.rest.router import router as rest_router
from punte_gateway.settings import GatewaySettings
from punte_gateway.users.demo import demo_users_on_start
from punte_gateway.web import mount_web_ui

GRAPHQL_PATH = "/graphql"


def definition() -> ServiceDefinition:
    """The gateway as a service: its own database, outbox and health endpoint."""
    return ServiceDefinition(
        name="gateway",
        version=package_version("punte-gateway"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
        subscribers=[audit_subscriber],
        on_start=demo_users_on_start,
    )


def create_app(settings: GatewaySettings | None = None, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    """The gateway app; GraphiQL only outside production."""
    settings = settings or GatewaySettings()
    app = create_service_app(definition(), settings, clock, metrics_guard=metrics_guard)
    graphiql = not settings.is_production
    router: GraphQLRouter[object, None] = GraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql" if graphiql else None,
        allow_queries_via_get=False,
    )
    app.include_router(router, prefix=GRAPHQL_PATH)
    app.include_router(files_router)
    # Before the /api/v1 router: its catch-all answers every path it reaches first.
    app.include_router(contacts_rest_router)
    app.include_router(rest_router)
    # Last: its catch-all answers the UI's client routes, after every API path had its turn.
    mount_web_ui(app, settings.web_dir)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        graphql_path=GRAPHQL_PATH,
        streamed_paths=(*STREAMED_PATHS, IMPORTS_PATH),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    # Outermost: refusals by the guards above get the headers too.
    app.add_middleware(
        SecurityHeaders, settings=settings, graphiql_path=GRAPHQL_PATH if graphiql else None
    )
    return app
