"""Writing domain messages to the outbox, in the same transaction as the change."""

import json
from collections.abc import Sequence
from typing import Any

from punte_contracts.envelope import CloudEvent, DomainMessage
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.context import current_context
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from punte_platform.tracing import TRACEPARENT, TRACESTATE, inject

OUTBOX_DIRTY = "punte_outbox_dirty"


class Outbox:
    """Adds messages to a service's outbox table; the relay publishes them after commit."""

    def __init__(self, table: Table, service: str) -> None:
        self.table = table
        self.source = f"punte/{service}"

    def envelope(self, message: DomainMessage, key: str | None) -> CloudEvent:
        """Wrap a message in a CloudEvent with the current actor and trace; `key` is its subject."""
        context = current_context()
        trace_context = inject({})
        return CloudEvent(
            id=new_id(),
            source=self.source,
            type=message.message_type(),
            subject=key,
            time=utcnow(),
            actor=context.actor,
            requestid=context.request_id,
            traceparent=trace_context.get(TRACEPARENT),
            tracestate=trace_context.get(TRACESTATE),
            data=message.model_dump(mode="json"),
        )

    async def add(
        self, session: AsyncSession, message: DomainMessage, *, key: str | None = None
    ) -> CloudEvent:
        """Queue a message in the session's transaction; those with one key (an id) keep order."""
        event = self.envelope(message, key)
        await session.execute(insert(self.table).values(**outbox_row(event)))
        session.info[OUTBOX_DIRTY] = True
        return event

    async def add_many(
        self, session: AsyncSession, messages: Sequence[tuple[DomainMessage, str | None]]
    ) -> list[CloudEvent]:
        """Queue several messages (each with its key) in one statement, in this order."""
        events = [self.envelope(message, key) for message, key in messages]
        if events:
            await session.execute(insert(self.table), [outbox_row(event) for event in events])
            session.info[OUTBOX_DIRTY] = True
        return events


def outbox_row(event: CloudEvent) -> dict[str, Any]:
    """The outbox row of an envelope; messages with one key keep their order."""
    payload = event.model_dump(mode="json", exclude_none=True)
    return {
        "message_id": event.id,
        "subject": event.type,
        "ordering_key": event.subject or event.type,
        "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        "created_at": event.time,
        "attempts": 0,
    }
