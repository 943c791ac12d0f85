"""The audit log's consumer of every service's domain messages."""

from punte_contracts.envelope import MESSAGE_SUBJECT_PREFIX, CloudEvent
from punte_platform.messaging.consumer import Subscriber
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.audit.service import record_message


async def record_domain_message(session: AsyncSession, event: CloudEvent) -> None:
    """One audit entry per message, in the consumer's transaction (with its inbox row)."""
    await record_message(session, event)


def audit_subscriber() -> Subscriber:
    """The durable `gateway-audit` consumer of all domain messages."""
    return Subscriber(
        name="audit",
        subjects=[f"{MESSAGE_SUBJECT_PREFIX}.>"],
        handler=record_domain_message,
        description="records every domain message in the gateway's audit log",
    )
