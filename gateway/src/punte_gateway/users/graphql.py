"""GraphQL of staff sessions and accounts: login, refresh, logout, `me`, user administration."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.auth.principal import Principal, PrincipalKind
from punte_gateway.auth.throttle import login_throttle_of
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError, input_path
from punte_gateway.graphql.ids import uuid_of
from punte_gateway.graphql.mapping import filled
from punte_gateway.graphql.mutations import run_mutation
from punte_gateway.graphql.pagination import CountedConnection, PageRequest
from punte_gateway.graphql.permissions import IsAuthenticated, authenticated, require
from punte_gateway.graphql.tables import StoredNode, stored_connection
from punte_gateway.ratelimit import client_address
from punte_gateway.users import repository, service
from punte_gateway.users.models import User

MANAGE = Permission.USERS_MANAGE


@strawberry.type(name="User", description="A staff member of the directorate.")
class UserNode(StoredNode, relay.Node):
    label: ClassVar[str] = "user"

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
    version: int = strawberry.field(description="Pass as expectedVersion to updateUser")

    @classmethod
    def from_model(cls, user: User) -> "UserNode":
        """The GraphQL view of a stored user (never the password hash)."""
        return filled(cls, user, id=str(user.id), roles=list(user.roles))

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
            version=0,
        )

    @classmethod
    async def readable(
        cls, info: Info[GraphQLContext, Any], session: AsyncSession, ids: Sequence[UUID]
    ) -> dict[UUID, User]:
        """A caller sees themself; user managers see everyone."""
        principal = authenticated(info.context)
        visible = [i for i in ids if _may_see(principal, i)]
        return {user.id: user for user in await repository.get_users(session, visible)}


def _may_see(principal: Principal, user_id: UUID) -> bool:
    if principal.can(MANAGE):
        return True
    return principal.kind is PrincipalKind.USER and principal.id == user_id


def _failure_errors(failure: service.AuthFailure) -> list[UserError]:
    field = input_path([failure.field]) if failure.field else None
    return [UserError.of(failure.code, failure.message, field)]


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
        description="invalid_credentials: the one answer for an unknown name, a wrong "
        "password, an inactive account, and attempts made to wait after many failures"
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
    user_errors: list[UserError] = strawberry.field(description="invalid_token")


SessionPayloadT = TypeVar("SessionPayloadT", LoginPayload, RefreshSessionPayload)


def _session_answer(
    payload: type[SessionPayloadT], result: service.SessionTokens | service.AuthFailure
) -> SessionPayloadT:
    """A login's or a refresh's answer: the new tokens and their user, or why not."""
    if isinstance(result, service.AuthFailure):
        return payload(
            access_token=None,
            refresh_token=None,
            expires_at=None,
            user=None,
            user_errors=_failure_errors(result),
        )
    return payload(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        expires_at=result.access_expires_at,
        user=UserNode.from_model(result.user),
        user_errors=[],
    )


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


@strawberry.input(description="A new password; the user's sessions end.")
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
                context.runtime,
                input.username,
                input.password,
                address=client_address(context.http_request, context.settings),
                throttle=login_throttle_of(context.http_request.app, context.runtime),
            )
        return _session_answer(LoginPayload, result)

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
        return _session_answer(RefreshSessionPayload, result)

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
        new = service.NewUser(
            username=input.username,
            display_name=input.display_name,
            password=input.password,
            roles=input.roles,
            email=input.email,
            department=input.department,
        )
        done = await run_mutation(
            info, "user.created", lambda s, p: service.create_user(s, new, principal=p)
        )
        return CreateUserPayload(user=done.map(UserNode.from_model), user_errors=done.user_errors)

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Change an account; a stale expectedVersion is a conflict and changes nothing.",
    )
    async def update_user(
        self, info: Info[GraphQLContext, None], input: UpdateUserInput
    ) -> UpdateUserPayload:
        done = await run_mutation(
            info,
            "user.updated",
            lambda s, p: service.update_user(
                s,
                uuid_of(input.id, "User"),
                _changes(input),
                expected_version=input.expected_version,
                principal=p,
            ),
            input.id,
        )
        return UpdateUserPayload(user=done.map(UserNode.from_model), user_errors=done.user_errors)

    @strawberry.mutation(
        permission_classes=[require(MANAGE)],
        description="Set a user's password; their sessions end.",
    )
    async def set_user_password(
        self, info: Info[GraphQLContext, None], input: SetUserPasswordInput
    ) -> SetUserPasswordPayload:
        done = await run_mutation(
            info,
            "user.password_set",
            lambda s, p: service.set_password(
                s, uuid_of(input.id, "User"), input.password, principal=p
            ),
            input.id,
        )
        return SetUserPasswordPayload(
            user=done.map(UserNode.from_model), user_errors=done.user_errors
        )


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
        page = PageRequest.of(first, after, last, before)
        key = service.fold(search.strip()) if search and search.strip() else None
        return await stored_connection(
            info,
            UserConnection,
            lambda s: repository.list_page(s, page, key),
            lambda s: repository.count_users(s, key),
            UserNode.from_model,
        )
