"""GraphQL of API keys: admins issue, list, rotate and revoke integrations' keys."""

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

import strawberry
from punte_platform.db import utcnow
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from punte_gateway.api_keys import repository, service
from punte_gateway.api_keys.models import ApiKey
from punte_gateway.auth.permissions import Permission
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError
from punte_gateway.graphql.ids import global_id, uuid_of
from punte_gateway.graphql.mapping import filled
from punte_gateway.graphql.mutations import run_mutation
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import require, require_permission
from punte_gateway.graphql.tables import StoredNode, stored_connection

MANAGE = Permission.API_KEYS_MANAGE


@strawberry.enum(description="Whether a key works now.")
class ApiKeyStatus(Enum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@strawberry.type(
    name="ApiKey", description="An integration's key; its secret is never shown again."
)
class ApiKeyNode(StoredNode, relay.Node):
    label: ClassVar[str] = "API key"

    id: relay.NodeID[str]
    name: str
    owner: str = strawberry.field(description="The organisation the key was issued to")
    scopes: list[str] = strawberry.field(description="Permissions granted, e.g. contacts:read")
    prefix: str = strawberry.field(
        description="The key's first characters (punte_sk_ and its public part), to recognise it"
    )
    created_by: str | None = strawberry.field(description="Actor who issued the key")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    rotated_from_id: strawberry.ID | None = strawberry.field(
        description="Global id of the key this one replaced"
    )
    status: ApiKeyStatus
    version: int = strawberry.field(description="Pass as expectedVersion to rotate or revoke")

    @classmethod
    def from_model(cls, key: ApiKey) -> "ApiKeyNode":
        """The GraphQL view of a stored key (never its hash)."""
        return filled(
            cls,
            key,
            id=str(key.id),
            scopes=list(key.scopes),
            prefix=service.display_prefix(key),
            rotated_from_id=global_id("ApiKey", key.rotated_from) if key.rotated_from else None,
            status=ApiKeyStatus(service.status_of(key, utcnow()).value),
        )

    @classmethod
    async def readable(
        cls, info: Info[GraphQLContext, Any], session: AsyncSession, ids: Sequence[UUID]
    ) -> dict[UUID, ApiKey]:
        """For API key managers only."""
        await require_permission(info, MANAGE)
        return await repository.get_many(session, ids)


@strawberry.input(description="A new key for an integration.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="What the key is for, e.g. CCI Timiș member sync")
    owner: str = strawberry.field(
        description="The organisation, e.g. Camera de Comerț și Industrie Timiș"
    )
    scopes: list[str] = strawberry.field(description="Permissions to grant, e.g. contacts:read")
    expires_at: datetime = strawberry.field(description="At most a year ahead, with a UTC offset")


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKeyNode | None
    secret: str | None = strawberry.field(
        description="The key itself, shown only in this answer: store it now"
    )
    user_errors: list[UserError]


@strawberry.input(description="Replace a key's secret; the old key stops working at once.")
class RotateApiKeyInput:
    id: relay.GlobalID
    expected_version: int | None = None
    expires_at: datetime | None = strawberry.field(
        default=None, description="The new key's expiry; the old key's if omitted"
    )


@strawberry.type
class RotateApiKeyPayload:
    api_key: ApiKeyNode | None = strawberry.field(description="The new key")
    secret: str | None = strawberry.field(
        description="The new key itself, shown only in this answer: store it now"
    )
    revoked_api_key: ApiKeyNode | None = strawberry.field(description="The replaced key")
    user_errors: list[UserError]


@strawberry.input(description="Stop a key from working, for good.")
class RevokeApiKeyInput:
    id: relay.GlobalID
    expected_version: int | None = None


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKeyNode | None
    user_errors: list[UserError]


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Issue a key; its secret is in this answer only.",
    )
    async def create_api_key(
        self, info: Info[GraphQLContext, None], input: CreateApiKeyInput
    ) -> CreateApiKeyPayload:
        settings = info.context.settings
        done = await run_mutation(
            info,
            "api_key.created",
            lambda s, p: service.create(
                s,
                settings,
                p,
                name=input.name,
                owner=input.owner,
                scopes=input.scopes,
                expires_at=input.expires_at,
            ),
        )
        return CreateApiKeyPayload(
            api_key=done.map(lambda issued: ApiKeyNode.from_model(issued.key)),
            secret=done.map(lambda issued: issued.secret),
            user_errors=done.user_errors,
        )

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Replace a key with a new secret and the same grants; the old one is revoked.",
    )
    async def rotate_api_key(
        self, info: Info[GraphQLContext, None], input: RotateApiKeyInput
    ) -> RotateApiKeyPayload:
        settings = info.context.settings
        done = await run_mutation(
            info,
            "api_key.rotated",
            lambda s, p: service.rotate(
                s,
                settings,
                p,
                uuid_of(input.id, "ApiKey"),
                expected_version=input.expected_version,
                expires_at=input.expires_at,
            ),
            input.id,
        )
        return RotateApiKeyPayload(
            api_key=done.map(lambda rotated: ApiKeyNode.from_model(rotated[0].key)),
            secret=done.map(lambda rotated: rotated[0].secret),
            revoked_api_key=done.map(lambda rotated: ApiKeyNode.from_model(rotated[1])),
            user_errors=done.user_errors,
        )

    @strawberry.mutation(
        permission_classes=[require(MANAGE)], description="Revoke a key; it stops working at once."
    )
    async def revoke_api_key(
        self, info: Info[GraphQLContext, None], input: RevokeApiKeyInput
    ) -> RevokeApiKeyPayload:
        done = await run_mutation(
            info,
            "api_key.revoked",
            lambda s, p: service.revoke(
                s, p, uuid_of(input.id, "ApiKey"), expected_version=input.expected_version
            ),
            input.id,
        )
        return RevokeApiKeyPayload(
            api_key=done.map(ApiKeyNode.from_model), user_errors=done.user_errors
        )


@strawberry.type(description="A page of API keys.")
class ApiKeyConnection(CountedConnection[ApiKeyNode]):
    """Named for its node, as Relay clients expect."""


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(
        permission_classes=[require(MANAGE)],
        description="Integration keys, newest first; revoked ones only when asked.",
    )
    async def api_keys(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        include_revoked: bool = False,
    ) -> ApiKeyConnection:
        page = PageRequest.of(first, after, last, before)
        return await stored_connection(
            info,
            ApiKeyConnection,
            lambda s: repository.list_page(s, page, include_revoked=include_revoked),
            lambda s: repository.count(s, include_revoked=include_revoked),
            ApiKeyNode.from_model,
        )
