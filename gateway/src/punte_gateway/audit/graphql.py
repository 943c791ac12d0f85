"""GraphQL of the audit log: read-only; no mutation edits or deletes an entry."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from punte_gateway.audit import repository
from punte_gateway.audit.models import AuditEntry
from punte_gateway.audit.repository import AuditCriteria
from punte_gateway.auth.permissions import Permission
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.mapping import filled
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import require, require_permission
from punte_gateway.graphql.tables import StoredNode, stored_connection

READ = Permission.AUDIT_READ


@strawberry.type(name="AuditEntry", description="One recorded action; entries never change.")
class AuditEntryNode(StoredNode, relay.Node):
    label: ClassVar[str] = "audit entry"

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
        return filled(
            cls,
            entry,
            id=str(entry.id),
            target_ids=list(entry.target_ids),
            changes=JSON(entry.changes),
        )

    @classmethod
    async def readable(
        cls, info: Info[GraphQLContext, Any], session: AsyncSession, ids: Sequence[UUID]
    ) -> dict[UUID, AuditEntry]:
        """For audit readers only."""
        await require_permission(info, READ)
        return await repository.get_many(session, ids)


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
        return filled(AuditCriteria, self)


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
        criteria = filter.to_criteria() if filter else AuditCriteria()
        page = PageRequest.of(first, after, last, before)
        return await stored_connection(
            info,
            AuditEntryConnection,
            lambda s: repository.list_page(s, criteria, page),
            lambda s: repository.count(s, criteria),
            AuditEntryNode.from_model,
        )
