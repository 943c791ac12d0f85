"""Request endpoints of merges: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.merges import service

registry = EndpointRegistry()


@registry.handles(c.MergeOrganizations)
async def merge_organizations(ctx: HandlerContext, body: c.MergeOrganizations) -> c.MergeResult:
    """Merge two organisations."""
    return await service.merge_organizations(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.handles(c.MergePeople)
async def merge_people(ctx: HandlerContext, body: c.MergePeople) -> c.MergeResult:
    """Merge two people."""
    return await service.merge_people(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.handles(c.UndoMerge)
async def undo(ctx: HandlerContext, body: c.UndoMerge) -> c.UndoMergeResult:
    """Undo a merge."""
    return await service.undo(ctx.session, ctx.outbox, body, actor=ctx.call.actor)
