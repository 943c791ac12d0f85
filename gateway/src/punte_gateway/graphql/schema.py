"""The gateway's GraphQL schema: each domain contributes query and mutation types."""

import logging
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

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

log = logging.getLogger(__name__)

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


class GatewaySchema(strawberry.Schema):
    """The schema, logging refusals (permissions, limits, bad input) as one line each."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors raised on purpose are answers, not faults: one line, no traceback."""
        unexpected = []
        for error in errors:
            if error.original_error is None or isinstance(error.original_error, GraphQLError):
                code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
                where = ".".join(str(p) for p in error.path or ()) or "-"
                log.info("refused %s at %s: %s", code, where, error.message)
            else:
                unexpected.append(error)
        super().process_errors(unexpected, execution_context)


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    """The schema with the limits and hardening the settings ask for."""
    return GatewaySchema(
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
