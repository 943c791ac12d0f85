"""The partnerships service's definition and FastAPI app."""

from fastapi import FastAPI
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.runtime import ServiceDefinition, create_service_app

from punte_partnerships.models import messaging_tables, metadata
from punte_partnerships.settings import PartnershipsSettings


def definition() -> ServiceDefinition:
    """What the partnerships service serves and consumes."""
    return ServiceDefinition(
        name="partnerships",
        version=package_version("punte-partnerships"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
    )


def create_app(settings: PartnershipsSettings | None = None) -> FastAPI:
    """The service's app; settings come from the environment unless given."""
    return create_service_app(definition(), settings or PartnershipsSettings())
