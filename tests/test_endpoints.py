"""Every endpoint of every service declares the permission it needs (refused by default)."""

import re
from pathlib import Path

import pytest
from punte_contacts.app import definition as contacts
from punte_contacts.settings import ContactsSettings
from punte_events.app import definition as events
from punte_events.settings import EventsSettings
from punte_gateway.app import definition as gateway
from punte_gateway.settings import GatewaySettings
from punte_partnerships.app import definition as partnerships
from punte_partnerships.settings import PartnershipsSettings
from punte_platform.messaging.rpc import Endpoint
from punte_platform.runtime import ServiceDefinition, ServiceRuntime
from punte_platform.settings import PunteSettings
from punte_platform.testing.services import test_settings

SERVICES: list[tuple[ServiceDefinition, type[PunteSettings]]] = [
    (contacts(), ContactsSettings),
    (events(), EventsSettings),
    (partnerships(), PartnershipsSettings),
    (gateway(), GatewaySettings),
]
PERMISSION = re.compile(r"^[a-z_]+:[a-z_]+$")


@pytest.fixture
def endpoints(tmp_path: Path) -> list[Endpoint]:
    """What each service's runtime serves: its registry and what the platform adds."""
    served: list[Endpoint] = []
    for definition, settings_cls in SERVICES:
        url = f"sqlite+aiosqlite:///{tmp_path / definition.name}.db"
        runtime = ServiceRuntime(definition, test_settings(settings_cls, database_url=url))
        served += runtime.rpc.registry.endpoints.values()
    return served


def test_every_endpoint_declares_a_permission(endpoints: list[Endpoint]) -> None:
    undeclared = [e.subject for e in endpoints if "request_permission" not in vars(e.request_model)]
    assert undeclared == []
    malformed = [
        e.subject
        for e in endpoints
        if not all(PERMISSION.match(p) for p in e.request_model.permissions())
    ]
    assert malformed == []


def test_only_the_health_endpoints_are_open_to_every_caller(endpoints: list[Endpoint]) -> None:
    open_to_all = sorted(e.subject for e in endpoints if not e.request_model.permissions())
    # A job's kind names who may read it: `Jobs.read` checks it, not the endpoint.
    jobs = ["punte.contacts.job.get"]
    assert open_to_all == sorted(
        [
            *(
                f"punte.{service}.system.health"
                for service in ("contacts", "events", "partnerships", "gateway")
            ),
            *jobs,
        ]
    )
    assert len(endpoints) > len(open_to_all)
