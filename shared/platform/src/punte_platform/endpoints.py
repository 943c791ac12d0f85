"""Handlers that only hand a request to a service's rule, written once:

    registry.handles(c.CreateEvent)(writes(service.create))    # rule(session, outbox, body)
    registry.handles(c.SearchEvents)(reads(service.search))     # rule(session, body)
    registry.handles(c.CancelEvent)(acts(service.cancel))  # rule(session, outbox, body, actor=)

A handler that needs more of its context (the caller, the file store) is written out."""

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from punte_contracts.rpc import Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.messaging.outbox import Outbox
from punte_platform.messaging.rpc import HandlerContext

RequestT = TypeVar("RequestT", bound=Request[Any])
ReplyT = TypeVar("ReplyT", bound=BaseModel)

RequestT_contra = TypeVar("RequestT_contra", bound=Request[Any], contravariant=True)
ReplyT_co = TypeVar("ReplyT_co", bound=BaseModel, covariant=True)

Handler = Callable[[HandlerContext, RequestT], Awaitable[ReplyT]]


def writes(
    rule: Callable[[AsyncSession, Outbox, RequestT], Awaitable[ReplyT]],
) -> Handler[RequestT, ReplyT]:
    """The handler of a request a rule answers from the session, the outbox and the body."""

    async def handle(ctx: HandlerContext, body: RequestT) -> ReplyT:
        return await rule(ctx.session, ctx.outbox, body)

    handle.__doc__ = rule.__doc__
    return handle


def reads(rule: Callable[[AsyncSession, RequestT], Awaitable[ReplyT]]) -> Handler[RequestT, ReplyT]:
    """The handler of a request a rule answers from the session and the body."""

    async def handle(ctx: HandlerContext, body: RequestT) -> ReplyT:
        return await rule(ctx.session, body)

    handle.__doc__ = rule.__doc__
    return handle


class ActingRule(Protocol[RequestT_contra, ReplyT_co]):
    """A rule that records who acted."""

    def __call__(
        self, session: AsyncSession, outbox: Outbox, body: RequestT_contra, *, actor: str | None
    ) -> Awaitable[ReplyT_co]: ...


def acts(rule: ActingRule[RequestT, ReplyT]) -> Handler[RequestT, ReplyT]:
    """The handler of a request a rule answers from the session, the outbox, the body and
    the caller (`actor`), which it records."""

    async def handle(ctx: HandlerContext, body: RequestT) -> ReplyT:
        return await rule(ctx.session, ctx.outbox, body, actor=ctx.call.actor)

    handle.__doc__ = rule.__doc__
    return handle
