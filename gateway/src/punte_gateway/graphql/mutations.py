"""The mutation runner of the gateway's own domains: one transaction, refusals audited.

A mutation of users, API keys or any new gateway domain is a few lines:

    done = await run_mutation(
        info, "user.created", lambda s, p: service.create_user(s, new, principal=p)
    )
    return CreateUserPayload(user=done.map(UserNode.from_model), user_errors=done.user_errors)
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from punte_platform.errors import ServiceError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from punte_gateway.audit.service import record
from punte_gateway.auth.principal import Principal
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.errors import UserError, user_errors
from punte_gateway.graphql.permissions import authenticated

ResultT = TypeVar("ResultT")
ViewT = TypeVar("ViewT")


@dataclass(frozen=True)
class Outcome(Generic[ResultT]):
    """What a mutation did: its result, or the user errors saying why not."""

    result: ResultT | None
    user_errors: list[UserError]

    def map(self, view: Callable[[ResultT], ViewT]) -> ViewT | None:
        """The result as the payload shows it, or None when the mutation was refused."""
        return view(self.result) if self.result is not None else None


async def run_mutation(
    info: Info[GraphQLContext, Any],
    action: str,
    change: Callable[[AsyncSession, Principal], Awaitable[ResultT]],
    target: relay.GlobalID | None = None,
) -> Outcome[ResultT]:
    """Run `change` in one transaction as the caller; a `ServiceError` (raised by it, or by
    decoding ids inside it) rolls it back, is audited as `action` and answers as user errors."""
    context = info.context
    principal = authenticated(context)
    try:
        async with context.transaction() as session:
            return Outcome(await change(session, principal), [])
    except ServiceError as error:
        await record_failure(context, principal, action, error, target)
        return Outcome(None, user_errors(error))


async def record_failure(
    context: GraphQLContext,
    principal: Principal,
    action: str,
    error: ServiceError,
    target: relay.GlobalID | None = None,
) -> None:
    """Refused mutations are audited too, in their own transaction (theirs rolled back)."""
    async with context.transaction() as session:
        await record(
            session,
            action=action,
            principal=principal,
            outcome=error.code.value,
            target_ids=[target.node_id] if target else [],
            detail=error.body.message,
        )
