"""Contracts every service answers, whatever its domain."""

from functools import cache
from typing import Literal

from punte_contracts.rpc import NO_PERMISSION, Contract, Request


class HealthCheck(Contract):
    """One dependency's state."""

    name: str
    ok: bool
    detail: str = ""


class HealthReply(Contract):
    """A service's status, version and the state of what it depends on."""

    service: str
    version: str
    status: Literal["ok", "degraded"]
    checks: list[HealthCheck]
    outbox_backlog: int
    dead_letters: int


SERVICES = ("contacts", "events", "partnerships")


HealthRequest = Request[HealthReply]


@cache
def health_request(service: str) -> type[HealthRequest]:
    """Ask a service how it is: `punte.<service>.system.health`, open to every caller."""
    contract: type[HealthRequest] = type(
        f"{service.title()}HealthRequest",
        (HealthRequest,),
        {
            "__module__": __name__,
            "__doc__": f"Ask the {service} service how it is.",
            "request_subject": f"punte.{service}.system.health",
            "request_permission": NO_PERMISSION,
            "request_read_only": True,
        },
    )
    return contract
