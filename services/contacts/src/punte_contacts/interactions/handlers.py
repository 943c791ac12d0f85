"""Request endpoints of interactions: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.endpoints import reads, writes
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.interactions import service

registry = EndpointRegistry()
registry.handles(c.CompleteFollowUp)(writes(service.complete_follow_up))
registry.handles(c.ListInteractionsFor)(reads(service.list_for))
registry.handles(c.ListInteractionsForMany)(reads(service.list_for_many))


@registry.handles(c.LogInteraction)
async def log(ctx: HandlerContext, body: c.LogInteraction) -> c.Interaction:
    """Record an interaction, its author the caller."""
    return await service.log(ctx.session, ctx.outbox, body, author=ctx.call.actor)
