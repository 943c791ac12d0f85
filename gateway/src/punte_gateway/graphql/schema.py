"""The gateway's GraphQL schema: each domain contributes query and mutation types."""

from pathlib import Path

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig

from punte_gateway.api_keys.graphql import ApiKeyMutation, ApiKeyQuery
from punte_gateway.audit.graphql import AuditQuery
from punte_gateway.contacts.exports import ExportMutation
from punte_gateway.contacts.imports import ImportMutation, ImportQuery
from punte_gateway.contacts.jobs import JobQuery
from punte_gateway.contacts.merges import MergeMutation
from punte_gateway.contacts.mutations import ContactsMutation
from punte_gateway.contacts.queries import ContactsQuery
from punte_gateway.graphql.errors import ServiceErrors
from punte_gateway.graphql.extensions import CallerContext, OperationSpan
from punte_gateway.graphql.node import resolve_node_by_id, resolve_nodes_by_ids
from punte_gateway.graphql.pagination import MAX_PAGE_SIZE
from punte_gateway.graphql.protection import protection_extensions
from punte_gateway.settings import GatewaySettings
from punte_gateway.system.graphql import SystemQuery
from punte_gateway.users.graphql import AuthMutation, AuthQuery

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


@strawberry.type
class Query(SystemQuery, ApiKeyQuery, AuditQuery, AuthQuery, ContactsQuery, ImportQuery, JobQuery):
    """The root query."""

    # Own resolvers, not relay.node(): its field extension can be applied to one schema only,
    # and each app builds its own schema from its settings.
    node: relay.Node | None = strawberry.field(
        resolver=resolve_node_by_id, description="Any object by its global id, or null."
    )
    nodes: list[relay.Node | None] = strawberry.field(
        resolver=resolve_nodes_by_ids,
        description=f"Objects by their global ids (at most {MAX_PAGE_SIZE}), in order.",
    )


@strawberry.type
class Mutation(
    ApiKeyMutation, AuthMutation, ContactsMutation, MergeMutation, ImportMutation, ExportMutation
):
    """The root mutation."""


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    """The schema with the limits and hardening the settings ask for."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Last, so its exit runs first: service errors are coded before MaskErrors sees them.
        extensions=[OperationSpan, CallerContext, *protection_extensions(settings), ServiceErrors],
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
    )


def export_schema() -> str:
    """The schema as SDL, as committed in `gateway/schema.graphql`."""
    return strawberry.Schema(query=Query, mutation=Mutation).as_str() + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(export_schema(), encoding="utf-8")
