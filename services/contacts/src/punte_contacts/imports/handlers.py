"""Request endpoints of imports: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.endpoints import reads, writes
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.imports import applying, planning, reverting, service

registry = EndpointRegistry()
registry.handles(c.ApplyImport)(writes(applying.apply))
registry.handles(c.GetImport)(reads(service.get))
registry.handles(c.RevertImport)(writes(reverting.revert))


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
