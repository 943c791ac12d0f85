"""Shared by the API key, REST and audit tests: a gateway they can reach inside, and principals."""

# Each of those folders' conftest loads this file as the module `punte_gateway_key_support`,
# so the three share one copy; tests import their helpers from that name.

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import strawberry
from fastapi import FastAPI
from punte_gateway.api_keys import service
from punte_gateway.app import create_app, definition
from punte_gateway.auth.permissions import Role
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.schema import build_schema
from punte_gateway.settings import GatewaySettings
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings
from sqlalchemy import text

ADMIN = Principal(
    kind=PrincipalKind.USER, id=new_id(), name="Ana Admin", roles=frozenset({Role.ADMIN})
)
VIEWER = Principal(
    kind=PrincipalKind.USER, id=new_id(), name="Victor Viewer", roles=frozenset({Role.VIEWER})
)


@dataclass
class Gateway:
    """The running gateway: HTTP client, app, and its schema for in-process calls."""

    client: httpx.AsyncClient
    app: FastAPI
    schema: strawberry.Schema

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def settings(self) -> GatewaySettings:
        settings = self.runtime.settings
        assert isinstance(settings, GatewaySettings)
        return settings

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        """Rows of a raw SQL query on the gateway's database, as dicts."""
        async with self.runtime.engine.connect() as connection:
            result = await connection.execute(text(sql))
            return [dict(row) for row in result.mappings()]

    async def scalar(self, sql: str) -> Any:
        """The single value of a raw SQL query."""
        async with self.runtime.engine.connect() as connection:
            return (await connection.execute(text(sql))).scalar_one()

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        principal: Principal | None = ADMIN,
    ) -> dict[str, Any]:
        """Run an operation as `principal`, through the real schema and resolvers."""
        context = GraphQLContext(runtime=self.runtime, settings=self.settings, principal=principal)
        context.request = None
        result = await self.schema.execute(query, variable_values=variables, context_value=context)
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [
                {"message": e.message, "extensions": e.extensions or {}} for e in result.errors
            ]
        return out

    async def issue(
        self,
        name: str = "CCI Timiș sync",
        scopes: tuple[str, ...] = ("contacts:read",),
        expires_in: timedelta = timedelta(days=30),
    ) -> service.IssuedKey:
        """A key issued straight through the service, as an admin."""
        async with self.runtime.uow.transaction() as session:
            return await service.create(
                session,
                self.settings,
                ADMIN,
                name=name,
                owner="Camera de Comerț și Industrie Timiș",
                scopes=list(scopes),
                expires_at=utcnow() + expires_in,
            )

    async def call(
        self, method: str, path: str, secret: str | None, **kwargs: Any
    ) -> httpx.Response:
        """An HTTP call with a bearer key."""
        headers = {**kwargs.pop("headers", {})}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        return await self.client.request(method, path, headers=headers, **kwargs)


GatewayFactory = Callable[..., AbstractAsyncContextManager[Gateway]]


@pytest.fixture
def gateway_factory(nats_server: NatsServer, test_databases: TestDatabases) -> GatewayFactory:
    """Start a gateway with settings overrides (rate limits, ...)."""

    @asynccontextmanager
    async def start(
        app_hook: Callable[[FastAPI], None] | None = None, **overrides: Any
    ) -> AsyncIterator[Gateway]:
        values: dict[str, Any] = {"health_timeout": 0.5}
        values.update(overrides)
        settings = test_settings(
            GatewaySettings,
            nats_url=nats_server.url,
            database_url=await test_databases.for_service(definition()),
            **values,
        )
        app = create_app(settings)
        if app_hook is not None:
            app_hook(app)
        async with running_app(app) as client:
            yield Gateway(client=client, app=app, schema=build_schema(settings))

    return start


@pytest.fixture
async def gw(gateway_factory: GatewayFactory) -> AsyncIterator[Gateway]:
    """A gateway with default settings."""
    async with gateway_factory() as gateway:
        yield gateway


def in_days(days: float) -> str:
    """An ISO instant `days` from now, with its offset."""
    return (utcnow() + timedelta(days=days)).isoformat()


def naive_in_days(days: float) -> str:
    """An ISO instant without an offset."""
    return (datetime.now() + timedelta(days=days)).replace(tzinfo=None).isoformat()
