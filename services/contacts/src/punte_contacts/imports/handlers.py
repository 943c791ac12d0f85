"""Request endpoints of imports: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.imports import service

registry = EndpointRegistry()


def _may_import(ctx: HandlerContext) -> None:
    if not ctx.call.may(c.WRITE_PERMISSION):
        ctx.require(c.IMPORT_PERMISSION)


@registry.endpoint(c.IMPORT_START, c.StartImport, c.ImportJob)
async def start(ctx: HandlerContext, body: c.StartImport) -> c.ImportJob:
    """Upload a file: the dry run (in the background for a large file)."""
    _may_import(ctx)
    return await service.start(ctx.session, ctx.file_store, ctx.outbox, body, actor=ctx.call.actor)


@registry.endpoint(c.IMPORT_APPLY, c.ApplyImport, c.ImportJob)
async def apply(ctx: HandlerContext, body: c.ApplyImport) -> c.ImportJob:
    """Apply an import in the background."""
    _may_import(ctx)
    return await service.apply(ctx.session, ctx.outbox, body)


@registry.endpoint(c.IMPORT_GET, c.GetImport, c.ImportJob, read_only=True)
async def get(ctx: HandlerContext, body: c.GetImport) -> c.ImportJob:
    """An import's state and progress."""
    return await service.get(ctx.session, body)


@registry.endpoint(c.IMPORT_REVERT, c.RevertImport, c.ImportRevertReport)
async def revert(ctx: HandlerContext, body: c.RevertImport) -> c.ImportRevertReport:
    """Revert an applied import."""
    _may_import(ctx)
    return await service.revert(ctx.session, ctx.outbox, body)
