"""The background dry run and apply of imports: one chunk a message, idempotent through the
inbox."""

from punte_contracts import contacts as c
from punte_platform.messaging.consumer import MessageContext, Subscriber

from punte_contacts.imports import applying, planning

subscriber = Subscriber("imports", description="checks and applies import jobs in chunks")


@subscriber.handles(c.ImportValidateRequested)
async def validate_chunk(ctx: MessageContext, message: c.ImportValidateRequested) -> None:
    """Check the next chunk of an import's rows (the next chunk is a message: restarts go on)."""
    await planning.validate_chunk(ctx.session, ctx.outbox, message)


@subscriber.handles(c.ImportApplyRequested)
async def apply_chunk(ctx: MessageContext, message: c.ImportApplyRequested) -> None:
    """Apply the next chunk of an import."""
    await applying.apply_chunk(ctx.session, ctx.outbox, message)
