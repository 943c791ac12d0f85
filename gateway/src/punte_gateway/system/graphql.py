"""GraphQL of the deployment's health."""

import strawberry
from strawberry.types import Info

from punte_gateway.auth.principal import PrincipalKind
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.mapping import filled
from punte_gateway.system.service import ServiceStatus, deployment_status


@strawberry.type(description="The state of one Punte service, as it reported over NATS.")
class ServiceHealth:
    service: str
    status: str = strawberry.field(description="ok, degraded, or an error code such as unavailable")
    version: str | None
    latency_ms: float | None = strawberry.field(description="Round trip of the health request")
    detail: str
    outbox_backlog: int | None
    dead_letters: int | None

    @classmethod
    def from_status(cls, status: ServiceStatus) -> "ServiceHealth":
        """Translate the domain answer."""
        return filled(cls, status)


async def resolve_health(info: Info[GraphQLContext, None]) -> list[ServiceHealth]:
    """Ask every service for its health, and add the gateway's own; versions and details
    for signed-in staff only (they would help an attacker pick an exploit)."""
    context = info.context
    statuses = await deployment_status(context.runtime, context.settings.health_timeout)
    if context.principal is None or context.principal.kind is not PrincipalKind.USER:
        statuses = [s.status_only() for s in statuses]
    return [ServiceHealth.from_status(s) for s in statuses]


@strawberry.type
class SystemQuery:
    health: list[ServiceHealth] = strawberry.field(
        resolver=resolve_health,
        description="Each service's status, asked over NATS; version, latency, detail and "
        "backlogs for signed-in staff only.",
    )
