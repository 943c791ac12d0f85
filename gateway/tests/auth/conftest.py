"""Fixtures of the staff authentication tests: a gateway with users made through the service."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from punte_gateway.app import create_app, definition
from punte_gateway.audit.models import AuditEntry
from punte_gateway.settings import GatewaySettings
from punte_gateway.users.models import User
from punte_gateway.users.repository import find_by_username
from punte_gateway.users.service import NewUser, create_user
from punte_platform.clock import SYSTEM_CLOCK, Clock
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings
from sqlalchemy import select

PASSWORD = "corect-cal-baterie-capsa"

LOGIN = """
mutation ($input: LoginInput!) {
  login(input: $input) {
    accessToken refreshToken expiresAt
    user { id username displayName roles department active lastLoginAt version }
    userErrors { field code message }
  }
}
"""


@dataclass
class StaffGateway:
    """A running gateway, its runtime and settings, and shortcuts for the tests."""

    client: httpx.AsyncClient
    runtime: ServiceRuntime
    settings: GatewaySettings
    password: str = PASSWORD

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Send one GraphQL operation; the whole JSON answer."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Send one operation that must succeed without top-level errors; its data."""
        body = await self.post(query, variables, token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    @staticmethod
    def error_codes(body: dict[str, Any]) -> list[str]:
        """The codes of a response's top-level errors."""
        return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]

    async def audit(self, action: str) -> list[AuditEntry]:
        """The audit entries of an action, oldest first."""
        async with self.runtime.session_factory() as session:
            rows = await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.occurred_at, AuditEntry.id)
            )
            return list(rows.all())

    async def user(self, username: str) -> User:
        """A user as stored now."""
        async with self.runtime.session_factory() as session:
            user = await find_by_username(session, username)
        assert user is not None, username
        return user

    async def add_user(
        self,
        username: str,
        roles: list[str],
        *,
        password: str = PASSWORD,
        display_name: str | None = None,
        department: str | None = "relatii-comunitare",
    ) -> User:
        """Create a user through the service, as the CLI does."""
        async with self.runtime.uow.transaction() as session:
            return await create_user(
                session,
                NewUser(
                    username=username,
                    display_name=display_name or username.title(),
                    password=password,
                    roles=roles,
                    department=department,
                    email=f"{username}@primaria.example",
                ),
                principal=None,
                actor="system:test",
            )

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        """The login payload."""
        data = await self.data(LOGIN, {"input": {"username": username, "password": password}})
        payload: dict[str, Any] = data["login"]
        return payload

    async def token(self, username: str, password: str = PASSWORD) -> str:
        """An access token of a user who must log in successfully."""
        payload = await self.login(username, password)
        assert payload["userErrors"] == [], payload
        token: str = payload["accessToken"]
        return token


StaffGatewayFactory = Callable[..., AbstractAsyncContextManager[StaffGateway]]


@pytest.fixture
def staff_gateway_factory(
    nats_server: NatsServer, test_databases: TestDatabases
) -> StaffGatewayFactory:
    """Start a gateway with settings overrides (`async with factory(**overrides) as gw`)."""

    @asynccontextmanager
    async def start(clock: Clock = SYSTEM_CLOCK, **overrides: Any) -> AsyncIterator[StaffGateway]:
        values: dict[str, Any] = {
            "nats_url": nats_server.url,
            "database_url": await test_databases.for_service(definition()),
            "health_timeout": 0.5,
        }
        values.update(overrides)
        settings = test_settings(GatewaySettings, **values)
        app = create_app(settings, clock)
        async with running_app(app) as client:
            yield StaffGateway(client=client, runtime=app.state.runtime, settings=settings)

    return start


@pytest.fixture
async def staff(staff_gateway_factory: StaffGatewayFactory) -> AsyncIterator[StaffGateway]:
    """A gateway with the default settings."""
    async with staff_gateway_factory() as gateway:
        yield gateway
