"""GraphQL of staff sessions and accounts: login, refresh, logout, `me`, user administration."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import strawberry
from graphql import GraphQLError
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError, record_failure
from punte_gateway.graphql.node import parse_uuid, uuid_of
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import IsAuthenticated, authenticated, require
from punte_gateway.users import repository, service
from punte_gateway.users.models import User

MANAGE = Permission.USERS_MANAGE


@strawberry.type(name="User", description="A staff member of the directorate.")
class UserNode(relay.Node):
    id: relay.NodeID[str]
    username: str
    display_name: str
    email: str | None
    roles: list[str] = strawberry.field(
        description="admin, business_liaison, press_office, culture, tourism, registry, viewer"
    )
    department: str | None = strawberry.field(description="A code such as relatii-comunitare")
    active: bool
    last_login_at: datetime | None
    locked_until: datetime | None = strawberry.field(
        description="Set while too many failed logins keep the account locked"
    )
    version: int = strawberry.field(description="Pass as expectedVersion to updateUser")

    @classmethod
    def from_model(cls, user: User) -> "UserNode":
        """The GraphQL view of a stored user (never the password hash)."""
        return cls(
            id=str(user.id),
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            roles=list(user.roles),
            department=user.department,
            active=user.active,
            last_login_at=user.last_login_at,
            locked_until=user.locked_until,
            version=user.version,
        )

    @classmethod
    def from_principal(cls, principal: Principal) -> "UserNode":
        """A user known only from the identity provider's token (no local account)."""
        return cls(
            id=str(principal.id),
            username=principal.name,
            display_name=principal.name,
            email=None,
            roles=sorted(role.value for role in principal.roles),
            department=principal.department,
            active=True,
            last_login_at=None,
            locked_until=None,
            version=0,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info[GraphQLContext, Any],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list["UserNode | None"]:
        """Users by id in one query; a caller sees themself, user managers see everyone."""
        principal = authenticated(info.context)
        wanted = [parse_uuid(node_id) for node_id in node_ids]
        visible = [i for i in wanted if i is not None and _may_see(principal, i)]
        async with info.context.transaction() as session:
            found = {user.id: user for user in await repository.get_users(session, visible)}
        nodes = [cls.from_model(found[i]) if i in found else None for i in wanted]
        if required and any(node is None for node in nodes):
            raise GraphQLError("user not found", extensions={"code": "NOT_FOUND"})
        return nodes


def _may_see(principal: Principal, user_id: UUID) -> bool:
    if principal.can(MANAGE):
        return True
    return principal.kind is PrincipalKind.USER and principal.id == user_id


def _camel(name: str | int) -> str:
    head, *rest = str(name).split("_")
    return head + "".join(part.title() for part in rest)


def _user_errors(error: ServiceError) -> list[UserError]:
    """Field paths in the API's spelling, below `input`; stale versions point at expectedVersion."""
    message = error.body.message
    if error.code is ErrorCode.NOT_FOUND:
        return [UserError.of(error.code, message, ["input", "id"])]
    if error.code is ErrorCode.CONFLICT and "version" in error.body.details:
        return [UserError.of(error.code, message, ["input", "expectedVersion"])]
    if error.body.fields:
        return [
            UserError.of(error.code, f.message, ["input", *(_camel(p) for p in f.path)])
            for f in error.body.fields
        ]
    return [UserError.of(error.code, message, None)]


def _failure_errors(failure: service.AuthFailure) -> list[UserError]:
    field = ["input", _camel(failure.field)] if failure.field else None
    return [UserError.of(failure.code, failure.message, field)]


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


# Sessions ---------------------------------------------------------------------------------


@strawberry.input(description="A staff member's username and password.")
class LoginInput:
    username: str
    password: str


@strawberry.type(description="A new session: send accessToken as `Authorization: Bearer ...`.")
class LoginPayload:
    access_token: str | None = strawberry.field(description="Short-lived; renew with refreshToken")
    refresh_token: str | None = strawberry.field(
        description="Single use: refreshSession answers with its successor"
    )
    expires_at: datetime | None = strawberry.field(description="When accessToken stops working")
    user: UserNode | None
    user_errors: list[UserError] = strawberry.field(
        description="invalid_credentials (same for unknown users), locked"
    )


@strawberry.input(description="The refresh token of the session to renew.")
class RefreshSessionInput:
    refresh_token: str


@strawberry.type(description="The renewed session; the refresh token sent is now spent.")
class RefreshSessionPayload:
    access_token: str | None
    refresh_token: str | None = strawberry.field(description="Use this one next time")
    expires_at: datetime | None = strawberry.field(description="When accessToken stops working")
    user: UserNode | None
    user_errors: list[UserError] = strawberry.field(description="invalid_token, locked")


@strawberry.input(description="End this session, or every session of the caller.")
class LogoutInput:
    refresh_token: str
    all_sessions: bool = False


@strawberry.type
class LogoutPayload:
    ended_sessions: int = strawberry.field(description="How many sessions this ended")
    user_errors: list[UserError]


# Accounts ---------------------------------------------------------------------------------


@strawberry.input(description="A new staff account.")
class CreateUserInput:
    username: str = strawberry.field(description="Lowercase letters, digits and . _ @ -")
    display_name: str
    email: str | None = None
    roles: list[str]
    department: str | None = None
    password: str = strawberry.field(description="At least 12 characters")


@strawberry.type
class CreateUserPayload:
    user: UserNode | None
    user_errors: list[UserError]


@strawberry.input(description="Changes to an account; omitted fields stay as they are.")
class UpdateUserInput:
    id: relay.GlobalID
    expected_version: int | None = strawberry.field(
        default=None, description="The version you edited; a newer one is a conflict"
    )
    display_name: str | None = strawberry.UNSET
    email: str | None = strawberry.field(default=strawberry.UNSET, description="null clears it")
    roles: list[str] | None = strawberry.UNSET
    department: str | None = strawberry.field(
        default=strawberry.UNSET, description="null clears it"
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false ends the user's sessions at once"
    )


@strawberry.type
class UpdateUserPayload:
    user: UserNode | None
    user_errors: list[UserError]


@strawberry.input(description="A new password; the user's sessions end and a lockout lifts.")
class SetUserPasswordInput:
    id: relay.GlobalID
    password: str = strawberry.field(description="At least 12 characters")


@strawberry.type
class SetUserPasswordPayload:
    user: UserNode | None
    user_errors: list[UserError]


def _changes(input: UpdateUserInput) -> service.UserChanges:
    """UNSET (omitted) keeps a field; null clears email and department, and keeps the rest."""

    def given(value: Any) -> bool:
        return value is not strawberry.UNSET

    return service.UserChanges(
        display_name=(
            input.display_name
            if given(input.display_name) and input.display_name is not None
            else service.KEEP
        ),
        email=input.email if given(input.email) else service.KEEP,
        roles=input.roles if given(input.roles) and input.roles is not None else service.KEEP,
        department=input.department if given(input.department) else service.KEEP,
        active=input.active if given(input.active) and input.active is not None else service.KEEP,
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Sign in with a username and password (no token needed).")
    async def login(self, info: Info[GraphQLContext, None], input: LoginInput) -> LoginPayload:
        context = info.context
        # Failures commit too: the failure counter and the audit entry must stick.
        async with context.transaction() as session:
            result = await service.login(
                session,
                context.settings,
                input.username,
                input.password,
                now=context.runtime.clock.now(),
            )
        if isinstance(result, service.AuthFailure):
            return LoginPayload(
                access_token=None,
                refresh_token=None,
                expires_at=None,
                user=None,
                user_errors=_failure_errors(result),
            )
        return LoginPayload(
            access_token=result.access_token,
            refresh_token=result.refresh_token,
            expires_at=result.access_expires_at,
            user=UserNode.from_model(result.user),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Trade a refresh token for a new access token and refresh token (no token "
        "needed); a spent refresh token presented again ends its session."
    )
    async def refresh_session(
        self, info: Info[GraphQLContext, None], input: RefreshSessionInput
    ) -> RefreshSessionPayload:
        context = info.context
        async with context.transaction() as session:
            result = await service.refresh(session, context.settings, input.refresh_token)
        if isinstance(result, service.AuthFailure):
            return RefreshSessionPayload(
                access_token=None,
                refresh_token=None,
                expires_at=None,
                user=None,
                user_errors=_failure_errors(result),
            )
        return RefreshSessionPayload(
            access_token=result.access_token,
            refresh_token=result.refresh_token,
            expires_at=result.access_expires_at,
            user=UserNode.from_model(result.user),
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="End the session of this refresh token, or all the caller's sessions.",
    )
    async def logout(self, info: Info[GraphQLContext, None], input: LogoutInput) -> LogoutPayload:
        context = info.context
        principal = authenticated(context)
        async with context.transaction() as session:
            result = await service.logout(
                session, principal, input.refresh_token, all_sessions=input.all_sessions
            )
        if isinstance(result, service.AuthFailure):
            return LogoutPayload(ended_sessions=0, user_errors=_failure_errors(result))
        return LogoutPayload(ended_sessions=result, user_errors=[])

    @strawberry.mutation(
        permission_classes=[require(MANAGE)], description="Create a staff account."
    )
    async def create_user(
        self, info: Info[GraphQLContext, None], input: CreateUserInput
    ) -> CreateUserPayload:
        context = info.context
        principal = authenticated(context)
        new = service.NewUser(
            username=input.username,
            display_name=input.display_name,
            password=input.password,
            roles=input.roles,
            email=input.email,
            department=input.department,
        )
        try:
            async with context.transaction() as session:
                user = await service.create_user(session, new, principal=principal)
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "user.created", error)
            return CreateUserPayload(user=None, user_errors=errors)
        return CreateUserPayload(user=UserNode.from_model(user), user_errors=[])

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Change an account; a stale expectedVersion is a conflict and changes nothing.",
    )
    async def update_user(
        self, info: Info[GraphQLContext, None], input: UpdateUserInput
    ) -> UpdateUserPayload:
        context = info.context
        principal = authenticated(context)
        try:
            user_id = uuid_of(input.id, "User", "user")
            async with context.transaction() as session:
                user = await service.update_user(
                    session,
                    user_id,
                    _changes(input),
                    expected_version=input.expected_version,
                    principal=principal,
                )
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "user.updated", error, input.id)
            return UpdateUserPayload(user=None, user_errors=errors)
        return UpdateUserPayload(user=UserNode.from_model(user), user_errors=[])

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Set a user's password; their sessions end and a lockout lifts.",
    )
    async def set_user_password(
        self, info: Info[GraphQLContext, None], input: SetUserPasswordInput
    ) -> SetUserPasswordPayload:
        context = info.context
        principal = authenticated(context)
        try:
            user_id = uuid_of(input.id, "User", "user")
            async with context.transaction() as session:
                user = await service.set_password(
                    session, user_id, input.password, principal=principal
                )
        except ServiceError as error:
            errors = await _audit_failure(context, principal, "user.password_set", error, input.id)
            return SetUserPasswordPayload(user=None, user_errors=errors)
        return SetUserPasswordPayload(user=UserNode.from_model(user), user_errors=[])


@strawberry.type(description="A page of staff accounts.")
class UserConnection(CountedConnection[UserNode]):
    """Named for its node, as Relay clients expect."""


@strawberry.type
class AuthQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The signed-in staff member; null when the caller is an API key.",
    )
    async def me(self, info: Info[GraphQLContext, None]) -> UserNode | None:
        principal = authenticated(info.context)
        if principal.kind is not PrincipalKind.USER:
            return None
        async with info.context.transaction() as session:
            user = await repository.get_user(session, principal.id)
        # Users of the city's identity provider have no local account.
        return UserNode.from_model(user) if user else UserNode.from_principal(principal)

    @strawberry.field(
        permission_classes=[require(MANAGE)],
        description="Staff accounts by username; search ignores case and diacritics.",
    )
    async def users(
        self,
        info: Info[GraphQLContext, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
    ) -> UserConnection:
        context = info.context
        page = PageRequest.of(first, after, last, before)
        key = service.fold(search.strip()) if search and search.strip() else None
        async with context.transaction() as session:
            result = await repository.list_page(session, page, key)

        async def count() -> int:
            async with context.transaction() as session:
                return await repository.count_users(session, key)

        return cast(UserConnection, UserConnection.from_page(result, UserNode.from_model, count))
