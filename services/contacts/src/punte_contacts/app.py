"""The contacts service's definition and FastAPI app."""

from fastapi import FastAPI
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.runtime import ServiceDefinition, create_service_app

from punte_contacts.models import messaging_tables, metadata
from punte_contacts.settings import ContactsSettings


def definition() -> ServiceDefinition:
    """What the contacts service serves and consumes."""
    return ServiceDefinition(
        name="contacts",
        version=package_version("punte-contacts"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
    )


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    """The service's app; settings come from the environment unless given."""
    return create_service_app(definition(), settings or ContactsSettings())
