"""GraphQL of API keys: admins issue, list, rotate and revoke integrations' keys."""

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from punte_contracts.errors import ErrorCode
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from strawberry import relay
from strawberry.types import Info

from punte_gateway.api_keys import repository, service
from punte_gateway.api_keys.models import ApiKey
from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError, record_failure
from punte_gateway.graphql.node import parse_uuid, uuid_of
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import authenticated, record_refusal, require

MANAGE = Permission.API_KEYS_MANAGE


@strawberry.enum(description="Whether a key works now.")
class ApiKeyStatus(Enum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@strawberry.type(
    name="ApiKey", description="An integration's key; its secret is never shown again."
)
class ApiKeyNode(relay.Node):
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
        return cls(
            id=str(key.id),
            name=key.name,
            owner=key.owner,
            scopes=list(key.scopes),
            prefix=service.display_prefix(key),
            created_by=key.created_by,
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            rotated_from_id=(
                strawberry.ID(str(relay.GlobalID("ApiKey", str(key.rotated_from))))
                if key.rotated_from
                else None
            ),
            status=ApiKeyStatus(service.status_of(key, utcnow()).value),
            version=key.version,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["ApiKeyNode | None"]:
        """Keys by id in one query, for API key managers only."""
        await _require_manager(info)
        wanted = [parse_uuid(node_id) for node_id in node_ids]
        async with info.context.transaction() as session:
            found = await repository.get_many(session, [i for i in wanted if i is not None])
        nodes = [cls.from_model(found[i]) if i in found else None for i in wanted]
        if required and any(node is None for node in nodes):
            raise GraphQLError("API key not found", extensions={"code": "NOT_FOUND"})
        return nodes


async def _require_manager(info: Info[GraphQLContext, Any]) -> Principal:
    principal = authenticated(info.context)
    if not principal.can(MANAGE):
        await record_refusal(info, MANAGE)
        raise GraphQLError(
            f"requires the {MANAGE.value} permission",
            extensions={"code": "FORBIDDEN", "permission": MANAGE.value},
        )
    return principal


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


async def _audit_failure(
    context: GraphQLContext,
    principal: Principal,
    action: str,
    error: ServiceError,
    target: relay.GlobalID | None = None,
) -> list[UserError]:
    """Audit the refused mutation, then answer with its user errors."""
    await record_failure(context, principal, action, error, target)
    return _user_errors(error)


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Issue a key; its secret is in this answer only.",
    )
    async def create_api_key(
        self, info: Info[GraphQLContext, None], input: CreateApiKeyInput
    ) -> CreateApiKeyPayload:
        context = info.context
        principal = authenticated(context)
        try:
            async with context.transaction() as session:
                issued = await service.create(
                    session,
                    context.settings,
                    principal,
                    name=input.name,
                    owner=input.owner,
                    scopes=input.scopes,
                    expires_at=input.expires_at,
                )
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "api_key.created", error)
            return CreateApiKeyPayload(api_key=None, secret=None, user_errors=errors)
        return CreateApiKeyPayload(
            api_key=ApiKeyNode.from_model(issued.key), secret=issued.secret, user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Replace a key with a new secret and the same grants; the old one is revoked.",
    )
    async def rotate_api_key(
        self, info: Info[GraphQLContext, None], input: RotateApiKeyInput
    ) -> RotateApiKeyPayload:
        context = info.context
        principal = authenticated(context)
        try:
            key_id = uuid_of(input.id, "ApiKey", "API key")
            async with context.transaction() as session:
                issued, old = await service.rotate(
                    session,
                    context.settings,
                    principal,
                    key_id,
                    expected_version=input.expected_version,
                    expires_at=input.expires_at,
                )
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "api_key.rotated", error, input.id)
            return RotateApiKeyPayload(
                api_key=None, secret=None, revoked_api_key=None, user_errors=errors
            )
        return RotateApiKeyPayload(
            api_key=ApiKeyNode.from_model(issued.key),
            secret=issued.secret,
            revoked_api_key=ApiKeyNode.from_model(old),
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[require(MANAGE)], description="Revoke a key; it stops working at once."
    )
    async def revoke_api_key(
        self, info: Info[GraphQLContext, None], input: RevokeApiKeyInput
    ) -> RevokeApiKeyPayload:
        context = info.context
        principal = authenticated(context)
        try:
            key_id = uuid_of(input.id, "ApiKey", "API key")
            async with context.transaction() as session:
                key = await service.revoke(
                    session, principal, key_id, expected_version=input.expected_version
                )
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "api_key.revoked", error, input.id)
            return RevokeApiKeyPayload(api_key=None, user_errors=errors)
        return RevokeApiKeyPayload(api_key=ApiKeyNode.from_model(key), user_errors=[])


def _user_errors(error: ServiceError) -> list[UserError]:
    """Unknown ids and stale versions point at the input field they come from."""
    message = error.body.message
    if error.code is ErrorCode.NOT_FOUND:
        return [UserError.of(error.code, message, ["input", "id"])]
    if error.code is ErrorCode.CONFLICT:
        field = "expectedVersion" if "version" in error.body.details else "id"
        return [UserError.of(error.code, message, ["input", field])]
    return UserError.from_service_error(error, ["input"])


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
        context = info.context
        page = PageRequest.of(first, after, last, before)
        async with context.transaction() as session:
            result = await repository.list_page(session, page, include_revoked=include_revoked)

        async def count() -> int:
            async with context.transaction() as session:
                return await repository.count(session, include_revoked=include_revoked)

        return cast(
            ApiKeyConnection, ApiKeyConnection.from_page(result, ApiKeyNode.from_model, count)
        )
