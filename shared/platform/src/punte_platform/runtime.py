"""A service process: database, NATS, endpoints, relay and consumers, behind a FastAPI app."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from nats.aio.client import Client
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from punte_contracts.system import HealthCheck, HealthReply, HealthRequest, health_request
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from punte_platform.clock import SYSTEM_CLOCK, Clock
from punte_platform.db import (
    UnitOfWork,
    create_engine,
    create_session_factory,
    read_only_engine,
)
from punte_platform.logs import configure_logging
from punte_platform.messaging.consumer import ConsumerRunner, Subscriber, prune_inbox
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.idempotency import IdempotencyStore
from punte_platform.messaging.nats import NatsIdentity, connect, ensure_stream
from punte_platform.messaging.outbox import OUTBOX_DIRTY, Outbox
from punte_platform.messaging.relay import Relay
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext, RpcServer, ServiceClient
from punte_platform.messaging.tables import MessagingTables
from punte_platform.messaging.trust import ContextSigner, ContextVerifier
from punte_platform.metrics import ServiceMetrics
from punte_platform.migrations import upgrade_to_head
from punte_platform.settings import PunteSettings
from punte_platform.tracing import instrument_app

log = logging.getLogger(__name__)

MONITOR_EVERY_SECONDS = 5.0
SHUTDOWN_STEP_SECONDS = 5.0
FILES_ENSURE_SECONDS = 30.0


@dataclass
class ServiceDefinition:
    """Everything that makes a process one particular service."""

    name: str
    version: str
    metadata: MetaData
    tables: MessagingTables
    migrations: Path | None
    endpoints: EndpointRegistry = field(default_factory=EndpointRegistry)
    subscribers: list[Subscriber] = field(default_factory=list)
    # Runs once the database is migrated and NATS is up, before requests are served
    # (demo data, first-start setup); it must be idempotent, since every start runs it.
    on_start: "Callable[[ServiceRuntime], Awaitable[None]] | None" = None
    # The sync Session class of the service's sessions: a subclass lets the service listen
    # to its own sessions' events (flushes) without touching other services' in the process.
    session_class: type[Session] = Session


class ServiceRuntime:
    """Starts and drains a service's parts in order."""

    def __init__(
        self, definition: ServiceDefinition, settings: PunteSettings, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.definition = definition
        self.settings = settings
        self.clock = clock
        self.metrics = ServiceMetrics(definition.name)
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self._read_engine = read_only_engine(self.engine)
        self.session_factory = create_session_factory(
            self.engine, session_class=definition.session_class
        )
        self.uow = UnitOfWork(self.session_factory)
        self.outbox = Outbox(definition.tables.outbox, definition.name)
        self.nc: Client | None = None
        self.client: ServiceClient | None = None
        self._files: FileStore | None = None
        self.relay = Relay(
            engine=self.engine,
            session_factory=self.session_factory,
            table=definition.tables.outbox,
            jetstream=self.jetstream,
            settings=settings,
            metrics=self.metrics,
        )
        self.consumers = [
            ConsumerRunner(
                subscriber=subscriber,
                service=definition.name,
                uow=self.uow,
                tables=definition.tables,
                outbox=self.outbox,
                jetstream=self.jetstream,
                settings=settings,
                metrics=self.metrics,
                files=lambda: self._files,
            )
            for subscriber in definition.subscribers
        ]
        self.idempotency = IdempotencyStore(definition.tables.idempotency_key)
        registry = EndpointRegistry()
        registry.include(definition.endpoints)
        registry.handles(health_request(definition.name))(self._health_endpoint)
        self.rpc = RpcServer(
            service=definition.name,
            version=definition.version,
            registry=registry,
            uow=self.uow,
            outbox=self.outbox,
            metrics=self.metrics,
            concurrency=settings.request_concurrency,
            verifier=_context_verifier(settings),
            files=lambda: self._files,
            idempotency=self.idempotency,
            table_limits=settings.table_limits,
        )
        self.uow.on_commit(self._wake_relay_if_outbox_written)
        self._tasks: list[asyncio.Task[None]] = []
        self._monitor_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def jetstream(self) -> JetStreamContext:
        """The JetStream context of the live connection."""
        if self.nc is None:
            raise RuntimeError("not connected to NATS")
        return self.nc.jetstream(timeout=self.settings.request_timeout)

    @property
    def files(self) -> FileStore:
        """The staged-file store of the live connection."""
        if self._files is None:
            raise RuntimeError("not connected to NATS")
        return self._files

    def _wake_relay_if_outbox_written(self, session: object) -> None:
        info = getattr(session, "info", {})
        if info.pop(OUTBOX_DIRTY, False):
            self.relay.wake()

    async def start(self) -> None:
        """Migrate, connect, then serve: endpoints, relay, consumers, monitor."""
        if self.definition.migrations is None:
            # Only the platform's test probe lives without migrations.
            async with self.engine.begin() as connection:
                await connection.run_sync(self.definition.metadata.create_all)
        elif self.settings.migrate_on_start:
            await upgrade_to_head(self.engine, self.definition.migrations)
        self.nc = await connect(
            self.settings.nats_url,
            f"punte-{self.definition.name}",
            identity=NatsIdentity.of(self.settings),
        )
        signing_seed = self.settings.context_signing_key()
        self.client = ServiceClient(
            self.nc,
            timeout=self.settings.request_timeout,
            signer=ContextSigner(signing_seed, ttl_seconds=self.settings.context_ttl_seconds)
            if signing_seed
            else None,
        )
        await ensure_stream(self.jetstream(), self.settings)
        files = FileStore(
            self.jetstream(),
            bucket=self.settings.files_bucket,
            ttl_seconds=self.settings.files_ttl_seconds,
            max_bytes=self.settings.files_max_bytes,
            bucket_max_bytes=self.settings.files_bucket_max_bytes,
            replicas=self.settings.nats_stream_replicas,
        )
        await asyncio.wait_for(files.ensure(), timeout=FILES_ENSURE_SECONDS)
        self._files = files
        if self.definition.on_start is not None:
            await self.definition.on_start(self)
        await self.rpc.start(self.nc)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="relay"))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(consumer.run(), name=consumer.durable))
        self._monitor_task = asyncio.create_task(self._monitor(), name="monitor")
        log.info("%s %s started", self.definition.name, self.definition.version)

    async def stop(self, timeout: float = 10.0) -> None:
        """Drain: no new requests, finish the work in hand, then close connections."""
        # Ask the monitor to stop rather than cancel it: cancelled in the middle of a query,
        # a SQLite connection can be left holding the write lock, and the relay waits on it.
        self._stopping.set()
        if self._monitor_task is not None:
            await self._bounded("monitor", self._monitor_task)
        await self.rpc.stop(timeout)
        self.relay.stop()
        for consumer in self.consumers:
            consumer.stop()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                log.warning("%s did not finish in %.0fs: cancelling it", task.get_name(), timeout)
                task.cancel()
            if pending:
                await self._bounded(
                    "cancelled tasks", asyncio.gather(*pending, return_exceptions=True)
                )
            self._tasks.clear()
        if self.nc is not None:
            nc, self.nc = self.nc, None
            if not await self._bounded("nats drain", nc.drain()):
                with contextlib.suppress(Exception):
                    await nc.close()
        await self._bounded("database pool", self.engine.dispose())
        log.info("%s stopped", self.definition.name)

    async def _bounded(self, what: str, step: Awaitable[object]) -> bool:
        """Await one shutdown step for a few seconds at most: a stop must always finish."""
        try:
            await asyncio.wait_for(step, timeout=SHUTDOWN_STEP_SECONDS)
        except TimeoutError:
            log.warning("shutdown: %s did not finish in %ss", what, SHUTDOWN_STEP_SECONDS)
            return False
        except Exception as error:
            log.warning("shutdown: %s failed: %r", what, error)
            return False
        return True

    async def check_database(self) -> HealthCheck:
        """Whether the database answers."""
        try:
            # Read-only: on SQLite a health check must not wait for a writer's lock.
            async with self._read_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return HealthCheck(name="database", ok=True)
        except Exception as error:
            return HealthCheck(name="database", ok=False, detail=type(error).__name__)

    def check_nats(self) -> HealthCheck:
        """Whether NATS is connected."""
        ok = self.nc is not None and self.nc.is_connected
        return HealthCheck(name="nats", ok=ok, detail="" if ok else "disconnected")

    async def counts(self) -> tuple[int, int]:
        """Outbox backlog and dead letters."""
        async with self.uow.transaction(read_only=True) as session:
            return await self._counts(session)

    async def _counts(self, session: AsyncSession) -> tuple[int, int]:
        tables = self.definition.tables
        backlog = await session.scalar(
            select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
        )
        dead = await session.scalar(select(func.count()).select_from(tables.dead_letter))
        return int(backlog or 0), int(dead or 0)

    async def _health_endpoint(self, ctx: HandlerContext, _body: HealthRequest) -> HealthReply:
        checks = [await self.check_database(), self.check_nats()]
        backlog, dead = await self._counts(ctx.session)
        return HealthReply(
            service=self.definition.name,
            version=self.definition.version,
            status="ok" if all(c.ok for c in checks) else "degraded",
            checks=checks,
            outbox_backlog=backlog,
            dead_letters=dead,
        )

    async def _monitor(self) -> None:
        """Refresh the gauges a scrape reads; prune the inbox and idempotency keys hourly."""
        rounds = 0
        while not self._stopping.is_set():
            try:
                backlog, dead = await self.counts()
                self.metrics.outbox_backlog.set(backlog)
                self.metrics.dead_letters.set(dead)
                for consumer in self.consumers:
                    self.metrics.consumer_lag.labels(consumer.durable).set(await consumer.lag())
                if rounds % 720 == 0:
                    await prune_inbox(
                        self.uow,
                        self.definition.tables,
                        timedelta(seconds=self.settings.nats_stream_max_age_seconds),
                    )
                    await self.idempotency.prune(
                        self.uow, timedelta(seconds=self.settings.idempotency_key_ttl_seconds)
                    )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.debug("monitor round failed: %r", error)
            rounds += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=MONITOR_EVERY_SECONDS)


def _context_verifier(settings: PunteSettings) -> ContextVerifier:
    if not settings.context_verify_key:
        raise RuntimeError(
            "context_verify_key is not set: a service believes no caller without the "
            "gateway's public signing key (PUNTE_CONTEXT_VERIFY_KEY)"
        )
    return ContextVerifier(settings.context_verify_key)


def create_service_app(
    definition: ServiceDefinition,
    settings: PunteSettings,
    clock: Clock = SYSTEM_CLOCK,
    *,
    metrics_guard: Callable[[Request], Awaitable[None]] | None = None,
) -> FastAPI:
    """The FastAPI app of a service: its lifespan runs the runtime; ops endpoints only.

    `metrics_guard` (a dependency raising HTTPException) protects `/metrics` on an app that
    faces the public, as the gateway does.
    """
    configure_logging(definition.name, settings.log_level, json_lines=settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(definition, settings, clock)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"punte-{definition.name}",
        version=definition.version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    add_ops_routes(app, definition.name, metrics_guard)
    instrument_app(app)
    return app


def add_ops_routes(
    app: FastAPI,
    service: str,
    metrics_guard: Callable[[Request], Awaitable[None]] | None = None,
) -> None:
    """`/healthz`, `/readyz` and `/metrics` on an app whose state holds a runtime."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": service}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        runtime: ServiceRuntime = app.state.runtime
        checks = [await runtime.check_database(), runtime.check_nats()]
        ready = all(c.ok for c in checks)
        return JSONResponse(
            {"ready": ready, "checks": [c.model_dump() for c in checks]},
            status_code=200 if ready else 503,
        )

    guards = [Depends(metrics_guard)] if metrics_guard else []

    @app.get("/metrics", include_in_schema=False, dependencies=guards)
    async def metrics() -> Response:
        runtime: ServiceRuntime = app.state.runtime
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)
