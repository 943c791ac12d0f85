"""Request endpoints of interactions: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.interactions import service

registry = EndpointRegistry()


@registry.handles(c.LogInteraction)
async def log(ctx: HandlerContext, body: c.LogInteraction) -> c.Interaction:
    """Record an interaction."""
    return await service.log(ctx.session, ctx.outbox, body, author=ctx.call.actor)


@registry.handles(c.CompleteFollowUp)
async def complete_follow_up(ctx: HandlerContext, body: c.CompleteFollowUp) -> c.Interaction:
    """Mark an interaction's follow-up done."""
    return await service.complete_follow_up(ctx.session, ctx.outbox, body)


@registry.handles(c.ListInteractionsFor)
async def list_for(ctx: HandlerContext, body: c.ListInteractionsFor) -> c.InteractionPage:
    """The timeline of an organisation or a person."""
    return await service.list_for(ctx.session, body)


@registry.handles(c.ListInteractionsForMany)
async def list_for_many(ctx: HandlerContext, body: c.ListInteractionsForMany) -> c.InteractionPages:
    """The first timeline page of many organisations or people, in one request."""
    return await service.list_for_many(ctx.session, body)
