"""Asks every service for its health over NATS, all at once."""

import asyncio
import time
from dataclasses import dataclass

from punte_contracts.system import SERVICES, health_request
from punte_platform.errors import ServiceError
from punte_platform.messaging.rpc import ServiceClient


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
