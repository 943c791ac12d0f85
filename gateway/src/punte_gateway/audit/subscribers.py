"""The audit log's consumer of every service's domain messages."""

from punte_contracts.envelope import MESSAGE_SUBJECT_PREFIX, CloudEvent
from punte_platform.messaging.consumer import MessageContext, Subscriber

from punte_gateway.audit.service import record_message

subscriber = Subscriber(
    "audit", description="records every domain message in the gateway's audit log"
)


@subscriber.handles_all(f"{MESSAGE_SUBJECT_PREFIX}.>")
async def record_domain_message(ctx: MessageContext, event: CloudEvent) -> None:
    """One audit entry per message, in the consumer's transaction (with its inbox row)."""
    await record_message(ctx.session, event)
