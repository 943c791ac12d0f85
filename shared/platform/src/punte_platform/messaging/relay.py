"""The relay: publishes outbox rows to JetStream, in order per subject, marking them after ack."""

import asyncio
import contextlib
import logging
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from punte_platform.db import SessionFactory, is_sqlite, utcnow
from punte_platform.faults import crash_point
from punte_platform.metrics import ServiceMetrics
from punte_platform.settings import PunteSettings
from punte_platform.tracing import publishing

log = logging.getLogger(__name__)

# SQLite caps bound parameters per statement; chunk IN lists well below it.
IN_CHUNK = 500


class RelayPublishError(Exception):
    """Some messages of a batch could not be published; they stay pending."""


class _Lease:
    """On PostgreSQL one relay per service publishes at a time (advisory lock); others wait."""

    def __init__(self, engine: AsyncEngine, service: str) -> None:
        self.engine = engine
        self.key = zlib.crc32(f"punte-relay:{service}".encode())
        self.connection: AsyncConnection | None = None
        self.held = is_sqlite(str(engine.url))

    async def acquire(self) -> bool:
        if self.held:
            return True
        try:
            if self.connection is None:
                self.connection = await self.engine.connect()
            got = await self.connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            await self.connection.commit()
        except Exception:
            await self.release()
            raise
        self.held = bool(got)
        return self.held

    async def release(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            self.held = is_sqlite(str(self.engine.url))
            try:
                await connection.close()
            except Exception:  # the connection may already be gone
                log.debug("closing the relay lease connection failed", exc_info=True)


class Relay:
    """Moves outbox rows to the broker; keeps retrying while the broker is away."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        session_factory: SessionFactory,
        table: Table,
        jetstream: Callable[[], JetStreamContext],
        settings: PunteSettings,
        metrics: ServiceMetrics,
    ) -> None:
        self.session_factory = session_factory
        self.table = table
        self.jetstream = jetstream
        self.settings = settings
        self.metrics = metrics
        self._lease = _Lease(engine, settings.service_name)
        self._wake = asyncio.Event()
        self._stopping = False
        self._last_prune = 0.0

    def wake(self) -> None:
        """Publish soon: something was just committed to the outbox."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the batch in hand, then return from `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped, backing off while NATS or the database fail."""
        delay = self.settings.relay_retry_initial
        while not self._stopping:
            try:
                if not await self._lease.acquire():
                    await self._idle(self.settings.relay_poll_interval)
                    continue
                published = await self.relay_batch()
                delay = self.settings.relay_retry_initial
                await self._prune_if_due()
                if published < self.settings.relay_batch_size:
                    await self._idle(self.settings.relay_poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.metrics.relay_failures.inc()
                log.warning("relay round failed (%s); retrying in %.1fs", error, delay)
                await self._idle(delay)
                delay = min(delay * 2, self.settings.relay_retry_max)
        await self._lease.release()

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def relay_batch(self) -> int:
        """Publish one batch of pending rows; return how many the broker acknowledged."""
        t = self.table
        async with self.session_factory() as session, session.begin():
            rows = (
                await session.execute(
                    select(t.c.position, t.c.message_id, t.c.subject, t.c.ordering_key, t.c.payload)
                    .where(t.c.sent_at.is_(None))
                    .order_by(t.c.position)
                    .limit(self.settings.relay_batch_size)
                )
            ).all()
            backlog = await session.scalar(
                select(func.count()).select_from(t).where(t.c.sent_at.is_(None))
            )
        self.metrics.outbox_backlog.set(backlog or 0)
        if not rows:
            return 0

        chains: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            chains[row.ordering_key].append(row)
        acked: list[int] = []
        failed: dict[int, str] = {}
        in_flight = asyncio.Semaphore(self.settings.relay_max_in_flight)
        js = self.jetstream()

        async def send_chain(chain: list[Any]) -> None:
            # A chain is one subject's messages: each waits for the previous one's ack, so a
            # failure can never let a later message of the subject overtake an earlier one.
            for row in chain:
                crash_point("relay:before_publish")
                try:
                    headers = {
                        "Nats-Msg-Id": str(row.message_id),
                        "Content-Type": "application/cloudevents+json",
                    }
                    async with in_flight:
                        with publishing(row.subject, headers["Nats-Msg-Id"], row.payload, headers):
                            await js.publish(
                                row.subject,
                                row.payload,
                                timeout=self.settings.request_timeout,
                                headers=headers,
                            )
                except Exception as error:
                    failed[row.position] = repr(error)[:1000]
                    return
                crash_point("relay:after_publish")
                acked.append(row.position)

        await asyncio.gather(*(send_chain(chain) for chain in chains.values()))
        await self._mark(acked, failed)
        self.metrics.relay_published.inc(len(acked))
        self.metrics.outbox_backlog.set(max(0, (backlog or 0) - len(acked)))
        if failed:
            first_error = next(iter(failed.values()))
            raise RelayPublishError(f"{len(failed)} of {len(rows)} not published: {first_error}")
        return len(acked)

    async def _mark(self, acked: list[int], failed: dict[int, str]) -> None:
        t = self.table
        now = utcnow()
        async with self.session_factory() as session, session.begin():
            for start in range(0, len(acked), IN_CHUNK):
                chunk = acked[start : start + IN_CHUNK]
                await session.execute(update(t).where(t.c.position.in_(chunk)).values(sent_at=now))
            for position, error in failed.items():
                await session.execute(
                    update(t)
                    .where(t.c.position == position)
                    .values(attempts=t.c.attempts + 1, last_error=error)
                )

    async def _prune_if_due(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_prune < self.settings.relay_prune_interval_seconds:
            return
        self._last_prune = loop_time
        cutoff = utcnow() - timedelta(seconds=self.settings.relay_sent_retention_seconds)
        async with self.session_factory() as session, session.begin():
            await session.execute(
                delete(self.table).where(
                    self.table.c.sent_at.is_not(None), self.table.c.sent_at < cutoff
                )
            )
