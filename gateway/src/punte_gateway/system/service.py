"""The deployment's health: the gateway's own, and every service's asked over NATS at once."""

import asyncio
import time
from dataclasses import dataclass, replace

from punte_contracts.system import SERVICES, health_request
from punte_platform.errors import ServiceError
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.runtime import ServiceRuntime


@dataclass(frozen=True)
class ServiceStatus:
    """One service's answer, or why there was none."""

    service: str
    status: str
    version: str | None
    latency_ms: float | None
    detail: str
    outbox_backlog: int | None
    dead_letters: int | None

    def status_only(self) -> "ServiceStatus":
        """What anonymous callers see: the service and its status, no versions or details."""
        return replace(
            self, version=None, latency_ms=None, detail="", outbox_backlog=None, dead_letters=None
        )


async def service_status(client: ServiceClient, service: str, timeout: float) -> ServiceStatus:
    """Ask one service; a silent one is `unavailable`, not an error."""
    started = time.perf_counter()
    try:
        reply = await client.call(health_request(service)(), timeout=timeout)
    except ServiceError as error:
        return ServiceStatus(service, error.code.value, None, None, error.body.message, None, None)
    failing = ", ".join(f"{c.name}: {c.detail}" for c in reply.checks if not c.ok)
    return ServiceStatus(
        service=service,
        status=reply.status,
        version=reply.version,
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
        detail=failing,
        outbox_backlog=reply.outbox_backlog,
        dead_letters=reply.dead_letters,
    )


async def all_statuses(client: ServiceClient, timeout: float) -> list[ServiceStatus]:
    """Every domain service's status, asked in parallel."""
    return list(await asyncio.gather(*(service_status(client, s, timeout) for s in SERVICES)))


async def deployment_status(runtime: ServiceRuntime, timeout: float) -> list[ServiceStatus]:
    """The gateway's own status, then every domain service's (none while NATS is down)."""
    checks = [await runtime.check_database(), runtime.check_nats()]
    backlog, dead = await runtime.counts()
    own = ServiceStatus(
        service="gateway",
        status="ok" if all(c.ok for c in checks) else "degraded",
        version=runtime.definition.version,
        latency_ms=0.0,
        detail=", ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok),
        outbox_backlog=backlog,
        dead_letters=dead,
    )
    others = await all_statuses(runtime.client, timeout) if runtime.client is not None else []
    return [own, *others]
