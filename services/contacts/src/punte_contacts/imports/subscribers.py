"""The background dry run and apply of imports: one chunk a message, idempotent through the
inbox."""

from punte_contracts import contacts as c
from punte_contracts.envelope import CloudEvent
from punte_platform.messaging.consumer import Subscriber
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import service
from punte_contacts.models import messaging_tables

_outbox = Outbox(messaging_tables.outbox, c.SERVICE)


async def _chunk(session: AsyncSession, event: CloudEvent) -> None:
    if event.type == c.ImportValidateRequested.message_type():
        await service.validate_chunk(session, _outbox, event.parse_data(c.ImportValidateRequested))
    else:
        await service.apply_chunk(session, _outbox, event.parse_data(c.ImportApplyRequested))


def import_subscriber() -> Subscriber:
    """Checks and applies imports chunk by chunk, surviving restarts (the next chunk is a
    message)."""
    return Subscriber(
        name="imports",
        subjects=[
            c.ImportValidateRequested.message_type(),
            c.ImportApplyRequested.message_type(),
        ],
        handler=_chunk,
        description="checks and applies import jobs in chunks",
    )
