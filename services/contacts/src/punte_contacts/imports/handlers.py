"""Request endpoints of imports: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.imports import applying, planning, reverting, service

registry = EndpointRegistry()


@registry.handles(c.StartImport)
async def start(ctx: HandlerContext, body: c.StartImport) -> c.ImportJob:
    """Upload a file: the dry run (in the background for a large file)."""
    return await planning.start(
        ctx.session,
        ctx.file_store,
        ctx.outbox,
        body,
        actor=ctx.call.actor,
        table_limits=ctx.table_limits,
    )


@registry.handles(c.ApplyImport)
async def apply(ctx: HandlerContext, body: c.ApplyImport) -> c.ImportJob:
    """Apply an import in the background."""
    return await applying.apply(ctx.session, ctx.outbox, body)


@registry.handles(c.GetImport)
async def get(ctx: HandlerContext, body: c.GetImport) -> c.ImportJob:
    """An import's state and progress."""
    return await service.get(ctx.session, body)


@registry.handles(c.RevertImport)
async def revert(ctx: HandlerContext, body: c.RevertImport) -> c.ImportJob:
    """Start reverting an applied import in the background."""
    return await reverting.revert(ctx.session, ctx.outbox, body)
