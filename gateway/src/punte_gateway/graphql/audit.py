"""GraphQL of the audit log: read-only; no mutation edits or deletes an entry."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from punte_gateway.audit import repository
from punte_gateway.audit.models import AuditEntry
from punte_gateway.audit.repository import AuditCriteria
from punte_gateway.auth.permissions import Permission
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.node import parse_uuid
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import authenticated, record_refusal, require

READ = Permission.AUDIT_READ


@strawberry.type(name="AuditEntry", description="One recorded action; entries never change.")
class AuditEntryNode(relay.Node):
    id: relay.NodeID[str]
    occurred_at: datetime
    actor: str | None = strawberry.field(description="user:<id>, apikey:<id> or system:<service>")
    actor_name: str | None
    action: str = strawberry.field(
        description="e.g. api_key.created, refused:Query.auditLog, or a domain message type"
    )
    outcome: str = strawberry.field(description="ok, or why not: forbidden, conflict, ...")
    target_ids: list[str]
    changes: JSON = strawberry.field(
        description="Changed fields as {field: {old, new}}; secrets shown as [redacted]"
    )
    detail: str
    request_id: str | None
    source: str = strawberry.field(description="The service where it happened")

    @classmethod
    def from_model(cls, entry: AuditEntry) -> "AuditEntryNode":
        """The GraphQL view of an entry."""
        return cls(
            id=str(entry.id),
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            actor_name=entry.actor_name,
            action=entry.action,
            outcome=entry.outcome,
            target_ids=list(entry.target_ids),
            changes=JSON(entry.changes),
            detail=entry.detail,
            request_id=entry.request_id,
            source=entry.source,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["AuditEntryNode | None"]:
        """Entries by id in one query, for audit readers only."""
        principal = authenticated(info.context)
        if not principal.can(READ):
            await record_refusal(info, READ)
            raise GraphQLError(
                f"requires the {READ.value} permission",
                extensions={"code": "FORBIDDEN", "permission": READ.value},
            )
        wanted = [parse_uuid(node_id) for node_id in node_ids]
        async with info.context.transaction() as session:
            found = await repository.get_many(session, [i for i in wanted if i is not None])
        nodes = [cls.from_model(found[i]) if i in found else None for i in wanted]
        if required and any(node is None for node in nodes):
            raise GraphQLError("audit entry not found", extensions={"code": "NOT_FOUND"})
        return nodes


@strawberry.input(description="Which entries to show; every given criterion must hold.")
class AuditFilter:
    actor: str | None = strawberry.field(default=None, description="Exact actor, e.g. user:<id>")
    action_prefix: str | None = strawberry.field(
        default=None, description="Actions starting with this, e.g. api_key. or punte.msg.contacts."
    )
    target_id: str | None = strawberry.field(default=None, description="Entries touching this id")
    outcome: str | None = None
    source: str | None = strawberry.field(default=None, description="gateway, contacts, ...")
    occurred_from: datetime | None = strawberry.field(
        default=None, name="from", description="From this instant on (inclusive)"
    )
    occurred_to: datetime | None = strawberry.field(
        default=None, name="to", description="Before this instant (exclusive)"
    )

    def to_criteria(self) -> AuditCriteria:
        """The repository's criteria; instants must carry a UTC offset."""
        for name, value in (("from", self.occurred_from), ("to", self.occurred_to)):
            if value is not None and value.tzinfo is None:
                raise GraphQLError(
                    f"filter.{name} must carry a UTC offset", extensions={"code": "BAD_USER_INPUT"}
                )
        return AuditCriteria(
            actor=self.actor,
            action_prefix=self.action_prefix,
            target_id=self.target_id,
            outcome=self.outcome,
            source=self.source,
            occurred_from=self.occurred_from,
            occurred_to=self.occurred_to,
        )


@strawberry.type(description="A page of audit entries.")
class AuditEntryConnection(CountedConnection[AuditEntryNode]):
    """Named for its node, as Relay clients expect."""


@strawberry.type
class AuditQuery:
    @strawberry.field(
        permission_classes=[require(READ)],
        description="The audit log, newest first, filtered; read-only.",
    )
    async def audit_log(
        self,
        info: Info[GraphQLContext, None],
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditEntryConnection:
        context = info.context
        criteria = filter.to_criteria() if filter else AuditCriteria()
        page = PageRequest.of(first, after, last, before)
        async with context.transaction() as session:
            result = await repository.list_page(session, criteria, page)

        async def count() -> int:
            async with context.transaction() as session:
                return await repository.count(session, criteria)

        return cast(
            AuditEntryConnection,
            AuditEntryConnection.from_page(result, AuditEntryNode.from_model, count),
        )
