"""The events service's definition and FastAPI app."""

from fastapi import FastAPI
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.runtime import ServiceDefinition, create_service_app

from punte_events.models import messaging_tables, metadata
from punte_events.settings import EventsSettings


def definition() -> ServiceDefinition:
    """What the events service serves and consumes."""
    return ServiceDefinition(
        name="events",
        version=package_version("punte-events"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
    )


def create_app(settings: EventsSettings | None = None) -> FastAPI:
    """The service's app; settings come from the environment unless given."""
    return create_service_app(definition(), settings or EventsSettings())
