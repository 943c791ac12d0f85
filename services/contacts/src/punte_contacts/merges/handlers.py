"""Request endpoints of merges: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.merges import service

registry = EndpointRegistry()


@registry.endpoint(c.ORGANIZATION_MERGE, c.MergeOrganizations, c.MergeResult)
async def merge_organizations(ctx: HandlerContext, body: c.MergeOrganizations) -> c.MergeResult:
    """Merge two organisations."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.merge_organizations(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.endpoint(c.PERSON_MERGE, c.MergePeople, c.MergeResult)
async def merge_people(ctx: HandlerContext, body: c.MergePeople) -> c.MergeResult:
    """Merge two people."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.merge_people(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.endpoint(c.MERGE_UNDO, c.UndoMerge, c.UndoMergeResult)
async def undo(ctx: HandlerContext, body: c.UndoMerge) -> c.UndoMergeResult:
    """Undo a merge."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.undo(ctx.session, ctx.outbox, body, actor=ctx.call.actor)
