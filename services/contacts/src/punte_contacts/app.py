"""The contacts service's definition and FastAPI app."""

from fastapi import FastAPI
from punte_platform.entrypoint import migrations_path, package_version
from punte_platform.messaging.rpc import EndpointRegistry
from punte_platform.runtime import ServiceDefinition, create_service_app

from punte_contacts.all_models import messaging_tables, metadata
from punte_contacts.demo import load_demo_data_in_development
from punte_contacts.imports.handlers import registry as imports
from punte_contacts.imports.subscribers import subscriber as import_subscriber
from punte_contacts.interactions.handlers import registry as interactions
from punte_contacts.jobs import jobs
from punte_contacts.jobs import registry as job_requests
from punte_contacts.merges.handlers import registry as merges
from punte_contacts.organizations.handlers import registry as organizations
from punte_contacts.people.handlers import registry as people
from punte_contacts.search_words import ContactsSession
from punte_contacts.settings import ContactsSettings


def endpoints() -> EndpointRegistry:
    """Every request endpoint of the service."""
    registry = EndpointRegistry()
    for aggregate in (organizations, people, interactions, merges, imports, job_requests):
        registry.include(aggregate)
    return registry


def definition(*, import_worker: bool = True) -> ServiceDefinition:
    """What the contacts service serves and consumes; `import_worker` runs the subscriber
    that checks and applies imports in the background (tests that import nothing leave it
    out); the jobs' (exports, reverts) always runs."""
    return ServiceDefinition(
        name="contacts",
        version=package_version("punte-contacts"),
        metadata=metadata,
        tables=messaging_tables,
        migrations=migrations_path(__file__),
        endpoints=endpoints(),
        subscribers=[import_subscriber, jobs.subscriber] if import_worker else [jobs.subscriber],
        on_start=load_demo_data_in_development,
        # Its flushes keep the vocabulary of search keys; no other service's sessions do.
        session_class=ContactsSession,
    )


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    """The service's app; settings come from the environment unless given."""
    return create_service_app(definition(), settings or ContactsSettings())
