"""Contracts every service answers, whatever its domain."""

from typing import Literal

from punte_contracts.rpc import Contract


class HealthRequest(Contract):
    """Ask a service how it is."""


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


def health_subject(service: str) -> str:
    """The request subject of a service's health endpoint."""
    return f"punte.{service}.system.health"
