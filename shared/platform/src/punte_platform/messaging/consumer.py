"""Durable pull consumers: effect and inbox row commit together; poison goes to dead letters.

What order a subscriber sees (tested in the platform's `tests/test_consumer.py`):

- The relay publishes the messages of one ordering key (the message's `subject` attribute,
  usually the entity id, else its type) in outbox order: each waits for the broker's ack of
  the one before, and a failed publish stops its key's chain until the next round. Messages
  of different keys may be published in any order relative to each other.
- A consumer fetches up to `consumer_fetch_batch` messages at a time and applies them in
  stream order, each in a savepoint of the batch's transaction, with its inbox row.
- A message whose handler raises is retried alone, after a delay
  (`consumer_retry_delays_seconds`), while the messages after it, those of its own key
  included, are applied meanwhile: a retried message is applied after later ones. After
  `consumer_max_deliver` deliveries it lands in the dead-letter table and is never applied.
- A message whose ack was lost (a crash before the ack, say) comes again after
  `consumer_ack_wait_seconds`, also after later ones; the inbox makes it a no-op.
- Several instances of a service share its durable consumers: each fetches its own batches
  and applies them concurrently, so between batches the order holds only per instance.

So a handler may rely on stream order for what it sees in one batch, and otherwise must
check what it is told against the state it keeps (a chunk number, a version), as the import
and job steps do: they queue the next step only once the current one has committed.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from opentelemetry.trace import Span
from punte_contracts.envelope import CloudEvent, DomainMessage
from sqlalchemy import delete, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.context import CallContext, call_context
from punte_platform.db import UnitOfWork, utcnow
from punte_platform.ids import new_id
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.outbox import Outbox
from punte_platform.messaging.tables import MessagingTables
from punte_platform.metrics import ServiceMetrics
from punte_platform.settings import PunteSettings
from punte_platform.tracing import consuming

log = logging.getLogger(__name__)

MessageT = TypeVar("MessageT", bound=DomainMessage)


@dataclass(frozen=True)
class MessageContext:
    """What a message handler gets: the transaction's session, the outbox, the message's
    envelope and the context it carries (its actor and request id, installed while it runs)."""

    session: AsyncSession
    outbox: Outbox
    call: CallContext
    event: CloudEvent
    # Which delivery of the message this is (1 the first), and whether no retry will follow.
    delivery: int = 1
    last_delivery: bool = False
    file_store: FileStore | None = None

    @property
    def files(self) -> FileStore:
        """The staged-file store (object store on the service's NATS connection)."""
        if self.file_store is None:
            raise RuntimeError("this consumer has no file store")
        return self.file_store


MessageHandler = Callable[[MessageContext, MessageT], Awaitable[None]]
EnvelopeHandler = Callable[[MessageContext, CloudEvent], Awaitable[None]]


class Subscriber:
    """A named durable consumer: a handler per message type (and per subject pattern for
    those taking messages raw); its filter subjects follow from what it handles."""

    def __init__(self, name: str, *, description: str = "") -> None:
        self.name = name
        self.description = description
        self._typed: dict[str, tuple[type[DomainMessage], MessageHandler[Any]]] = {}
        self._patterns: dict[str, EnvelopeHandler] = {}

    @property
    def subjects(self) -> list[str]:
        """The consumer's filter subjects."""
        return [*self._typed, *self._patterns]

    def handles(
        self, message_type: type[MessageT]
    ) -> Callable[[MessageHandler[MessageT]], MessageHandler[MessageT]]:
        """Register `handler(ctx, message)` for one message type, its body parsed to it."""

        def register(handler: MessageHandler[MessageT]) -> MessageHandler[MessageT]:
            subject = message_type.message_type()
            self._claim(subject)
            self._typed[subject] = (message_type, handler)
            return handler

        return register

    def handles_all(self, pattern: str) -> Callable[[EnvelopeHandler], EnvelopeHandler]:
        """Register `handler(ctx, envelope)` for every message on a subject pattern
        (`*` one token, `>` the rest), the body left as it came."""

        def register(handler: EnvelopeHandler) -> EnvelopeHandler:
            self._claim(pattern)
            self._patterns[pattern] = handler
            return handler

        return register

    def _claim(self, subject: str) -> None:
        if subject in self._typed or subject in self._patterns:
            raise ValueError(f"subscriber {self.name} handles {subject} twice")

    async def apply(self, ctx: MessageContext) -> None:
        """Hand a message to the handler registered for its type (or a pattern it matches)."""
        event = ctx.event
        typed = self._typed.get(event.type)
        if typed is not None:
            message_type, handler = typed
            await handler(ctx, event.parse_data(message_type))
            return
        for pattern, envelope_handler in self._patterns.items():
            if subject_matches(pattern, event.type):
                await envelope_handler(ctx, event)
                return
        raise LookupError(f"subscriber {self.name} has no handler for {event.type}")


def subject_matches(pattern: str, subject: str) -> bool:
    """Whether a NATS subject matches a pattern with `*` and `>` wildcards."""
    wanted, parts = pattern.split("."), subject.split(".")
    for i, part in enumerate(wanted):
        if part == ">":
            return len(parts) > i
        if i >= len(parts) or part not in ("*", parts[i]):
            return False
    return len(parts) == len(wanted)


class ConsumerRunner:
    """Fetches, applies and acknowledges one subscriber's messages, in stream order."""

    def __init__(
        self,
        *,
        subscriber: Subscriber,
        service: str,
        uow: UnitOfWork,
        tables: MessagingTables,
        outbox: Outbox,
        jetstream: Callable[[], JetStreamContext],
        settings: PunteSettings,
        metrics: ServiceMetrics,
        files: Callable[[], FileStore | None] = lambda: None,
    ) -> None:
        self.subscriber = subscriber
        self.durable = f"{service}-{subscriber.name}"
        self.uow = uow
        self.tables = tables
        self.outbox = outbox
        self.files = files
        self.jetstream = jetstream
        self.settings = settings
        self.metrics = metrics
        self._stopping = False
        self._stopped = asyncio.Event()

    def consumer_config(self) -> ConsumerConfig:
        """Every delivery setting explicit: ack policy, ack wait, redeliveries, pending cap."""
        return ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            description=self.subscriber.description or None,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.settings.consumer_ack_wait_seconds,
            max_deliver=self.settings.consumer_max_deliver,
            # Backoff is applied per failure by nak(delay) from consumer_retry_delays_seconds:
            # with a server-side BackOff list, nats-server 2.15 stops honouring nak delays
            # after the second delivery (measured), which would stall retries for minutes.
            backoff=None,
            filter_subjects=self.subscriber.subjects,
            max_ack_pending=self.settings.consumer_max_ack_pending,
        )

    def stop(self) -> None:
        """Finish the message in hand, then return from `run` (an idle wait ends at once)."""
        self._stopping = True
        self._stopped.set()

    async def run(self) -> None:
        """Consume until stopped; on any broker trouble, rebind and go on."""
        delay = 0.2
        while not self._stopping:
            try:
                js = self.jetstream()
                await js.add_consumer(self.settings.nats_stream_name, self.consumer_config())
                subscription = await js.pull_subscribe_bind(
                    durable=self.durable, stream=self.settings.nats_stream_name
                )
                delay = 0.2
                while not self._stopping:
                    messages = await self._fetch(subscription)
                    if messages:
                        await self.process_batch(messages)
                        delay = 0.2
                await subscription.unsubscribe()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._stopping:
                    break
                log.warning(
                    "consumer %s interrupted (%r); rebinding in %.1fs", self.durable, error, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _fetch(self, subscription: JetStreamContext.PullSubscription) -> list[Msg]:
        """The next batch, or nothing after a second's wait or when stopping."""
        fetch = asyncio.ensure_future(
            subscription.fetch(self.settings.consumer_fetch_batch, timeout=1.0)
        )
        stopped = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not fetch.done():
            # Anything this fetch had pulled is redelivered after AckWait: not lost.
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            return []
        try:
            return list(fetch.result())
        except (FetchTimeoutError, TimeoutError):
            return []

    async def lag(self) -> int:
        """Messages the stream holds that this consumer has not yet been given."""
        info = await self.jetstream().consumer_info(self.settings.nats_stream_name, self.durable)
        return int(info.num_pending or 0)

    async def process(self, message: Msg) -> None:
        """Apply one message exactly once in effect, or dead-letter it after the last try."""
        deliveries = message.metadata.num_delivered
        try:
            event = _event_of(message)
        except ValueError as error:
            # Malformed or misaddressed: no retry can fix it.
            await self._dead_letter(message, None, f"refused message: {error}", deliveries)
            await message.term()
            return
        try:
            applied = await self._apply(message, event)
        except Exception as error:
            await self._failed(message, event, error)
            return
        await message.ack()
        self.metrics.messages_handled.labels(
            self.durable, "applied" if applied else "duplicate"
        ).inc()

    async def process_batch(self, messages: list[Msg]) -> None:
        """Apply a fetched batch in one transaction, each message in a savepoint of its own.

        One commit per batch instead of per message is what lets a consumer keep up with a
        busy stream; a message that fails rolls back only its savepoint and is retried alone.
        """
        events: list[tuple[Msg, CloudEvent]] = []
        for message in messages:
            try:
                events.append((message, _event_of(message)))
            except ValueError:
                await self.process(message)  # dead-letters it
        if len(events) <= 1:
            for message, _event in events:
                await self.process(message)
            return
        inbox = self.tables.inbox
        outcomes: list[tuple[Msg, str]] = []
        failures: list[tuple[Msg, CloudEvent, Exception]] = []
        try:
            async with self.uow.transaction() as session:
                seen = set(
                    await session.scalars(
                        select(inbox.c.message_id).where(
                            inbox.c.consumer == self.durable,
                            inbox.c.message_id.in_([event.id for _m, event in events]),
                        )
                    )
                )
                for message, event in events:
                    if event.id in seen:
                        outcomes.append((message, "duplicate"))
                        continue
                    try:
                        async with session.begin_nested():
                            await self._handle(session, message, event)
                            await session.execute(
                                insert(inbox).values(
                                    consumer=self.durable,
                                    message_id=event.id,
                                    processed_at=utcnow(),
                                )
                            )
                    except Exception as error:
                        failures.append((message, event, error))
                        continue
                    seen.add(event.id)
                    outcomes.append((message, "applied"))
        except Exception as batch_error:
            # The batch could not commit (a concurrent instance got in first, say): nothing of
            # it stands, so take the messages one by one, where the inbox sorts it out.
            log.info(
                "consumer %s: batch failed (%r); applying one by one", self.durable, batch_error
            )
            for message, _event in events:
                await self.process(message)
            return
        for message, outcome in outcomes:
            await message.ack()
            self.metrics.messages_handled.labels(self.durable, outcome).inc()
        for message, event, failure in failures:
            await self._failed(message, event, failure)

    async def _failed(self, message: Msg, event: CloudEvent, error: Exception) -> None:
        """Retry later with a delay, or dead-letter after the last delivery."""
        deliveries = message.metadata.num_delivered
        if deliveries >= self.settings.consumer_max_deliver:
            log.error("consumer %s: message %s failed for good: %r", self.durable, event.id, error)
            await self._dead_letter(message, event, repr(error), deliveries)
            await message.term()
            self.metrics.messages_handled.labels(self.durable, "dead_lettered").inc()
        else:
            log.warning(
                "consumer %s: message %s failed (delivery %d): %r",
                self.durable,
                event.id,
                deliveries,
                error,
            )
            await message.nak(delay=self._retry_delay(deliveries))
            self.metrics.messages_handled.labels(self.durable, "retried").inc()

    def _span(self, message: Msg, event: CloudEvent) -> AbstractContextManager[Span]:
        return consuming(message.subject, str(event.id), self.durable, message.headers)

    def _retry_delay(self, deliveries: int) -> float:
        backoff = self.settings.consumer_retry_delays_seconds
        return backoff[min(deliveries, len(backoff)) - 1] if backoff else 1.0

    async def _handle(self, session: AsyncSession, message: Msg, event: CloudEvent) -> None:
        """Run the subscriber's handler under the call context the message carries."""
        deliveries = message.metadata.num_delivered
        with call_context(_context_of(event)) as context, self._span(message, event):
            await self.subscriber.apply(
                MessageContext(
                    session=session,
                    outbox=self.outbox,
                    call=context,
                    event=event,
                    delivery=deliveries,
                    last_delivery=deliveries >= self.settings.consumer_max_deliver,
                    file_store=self.files(),
                )
            )

    async def _apply(self, message: Msg, event: CloudEvent) -> bool:
        inbox = self.tables.inbox
        try:
            async with self.uow.transaction() as session:
                seen = await session.scalar(
                    select(
                        exists().where(
                            inbox.c.consumer == self.durable, inbox.c.message_id == event.id
                        )
                    )
                )
                if seen:
                    return False
                await self._handle(session, message, event)
                await session.execute(
                    insert(inbox).values(
                        consumer=self.durable, message_id=event.id, processed_at=utcnow()
                    )
                )
        except IntegrityError:
            # A concurrent instance applied the same message first: ours rolled back whole.
            if await self._was_applied(event):
                return False
            raise
        return True

    async def _was_applied(self, event: CloudEvent) -> bool:
        inbox = self.tables.inbox
        async with self.uow.transaction() as session:
            return bool(
                await session.scalar(
                    select(
                        exists().where(
                            inbox.c.consumer == self.durable, inbox.c.message_id == event.id
                        )
                    )
                )
            )

    async def _dead_letter(
        self, message: Msg, event: CloudEvent | None, error: str, deliveries: int
    ) -> None:
        async with self.uow.transaction() as session:
            await session.execute(
                insert(self.tables.dead_letter).values(
                    id=new_id(),
                    consumer=self.durable,
                    message_id=event.id if event else None,
                    subject=message.subject,
                    stream_sequence=message.metadata.sequence.stream,
                    deliveries=deliveries,
                    payload=message.data,
                    error=error[:4000],
                    failed_at=utcnow(),
                )
            )


def _event_of(message: Msg) -> CloudEvent:
    """The message's CloudEvent, if its type is the subject it came on.

    NATS lets only a service publish on its own `punte.msg.<service>.` subjects, so the subject
    says who sent it; a type naming another service's message is a forgery."""
    event = CloudEvent.model_validate_json(message.data)
    if event.type != message.subject:
        raise ValueError(f"a message of type {event.type} came on {message.subject}")
    return event


def _context_of(event: CloudEvent) -> CallContext:
    """The call context a message carries: its actor and request id, for attribution only.

    It holds no permissions: a message says what its service did, and for whom; it never
    lets a consumer act as that user."""
    return CallContext(actor=event.actor, request_id=event.requestid)


async def prune_inbox(uow: UnitOfWork, tables: MessagingTables, older_than: timedelta) -> None:
    """Forget inbox rows older than any redelivery could come (the stream's max age)."""
    async with uow.transaction() as session:
        await session.execute(
            delete(tables.inbox).where(tables.inbox.c.processed_at < utcnow() - older_than)
        )
