"""Request/reply over nats.micro: endpoints in a queue group, contract bodies, typed errors."""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar
from uuid import UUID

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import EndpointConfig, Service, ServiceConfig
from opentelemetry.trace import StatusCode
from punte_contracts.errors import ErrorCode, ServiceErrorBody
from punte_contracts.rpc import GetMany
from punte_contracts.rpc import Request as RequestContract
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.context import CallContext, call_context, current_context
from punte_platform.db import UnitOfWork
from punte_platform.errors import ServiceError
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.idempotency import IdempotencyStore
from punte_platform.messaging.outbox import Outbox
from punte_platform.messaging.trust import ContextSigner, ContextVerifier
from punte_platform.metrics import ServiceMetrics
from punte_platform.tables import TableLimits
from punte_platform.tracing import sending, serving

log = logging.getLogger(__name__)

RequestT = TypeVar("RequestT", bound=RequestContract[Any])
# Covariant, so a registration for `CreateThing` also passes as one for `RequestContract[Thing]`.
RequestT_co = TypeVar("RequestT_co", bound=RequestContract[Any], covariant=True)
ReplyT = TypeVar("ReplyT", bound=BaseModel)
ItemT = TypeVar("ItemT", bound=BaseModel)

# Codes in micro's error headers, so `nats micro stats` tells errors apart.
MICRO_ERROR_CODES = {
    ErrorCode.NOT_FOUND: "404",
    ErrorCode.VALIDATION_FAILED: "400",
    ErrorCode.CONFLICT: "409",
    ErrorCode.FORBIDDEN: "403",
    ErrorCode.UNAUTHENTICATED: "401",
    ErrorCode.UNAVAILABLE: "503",
    ErrorCode.INTERNAL: "500",
}


@dataclass(frozen=True)
class HandlerContext:
    """What a request handler gets: the transaction's session, the outbox and the caller."""

    session: AsyncSession
    outbox: Outbox
    call: CallContext
    file_store: FileStore | None = None
    table_limits: TableLimits = field(default_factory=TableLimits)

    @property
    def files(self) -> FileStore:
        """The staged-file store (object store on the service's NATS connection)."""
        if self.file_store is None:
            raise RuntimeError("this server has no file store")
        return self.file_store

    def require(self, *permissions: str) -> None:
        """Refuse unless the caller holds one of these (beyond what the request declares)."""
        if not self.call.may_any(permissions):
            raise ServiceError.forbidden(
                f"{self.call.actor or 'anonymous'} lacks {' or '.join(permissions)}"
            )


Handler = Callable[[HandlerContext, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Endpoint:
    """One request contract and its handler."""

    request_model: type[RequestContract[Any]]
    handler: Handler

    @property
    def subject(self) -> str:
        """`punte.<service>.<entity>.<action>`, as the contract declares."""
        return self.request_model.request_subject

    @property
    def reply_model(self) -> type[BaseModel]:
        """The contract the handler's result is checked against."""
        return self.request_model.reply_model()

    @property
    def read_only(self) -> bool:
        """Answered in a read-only transaction: on SQLite it never queues behind writers."""
        return self.request_model.request_read_only


class Registration(Generic[RequestT_co]):
    """Registers the handler of one request contract; its types must match the contract's."""

    def __init__(self, registry: "EndpointRegistry", contract: type[RequestT_co]) -> None:
        self.registry = registry
        self.contract = contract

    def __call__(
        self: "Registration[RequestContract[ReplyT]]",
        handler: Callable[[HandlerContext, RequestT_co], Awaitable[ReplyT]],
    ) -> Callable[[HandlerContext, RequestT_co], Awaitable[ReplyT]]:
        self.registry.add(Endpoint(self.contract, handler))
        return handler


class EndpointRegistry:
    """A service's endpoints, declared with a decorator in its `handlers.py` modules."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}

    def handles(self, contract: type[RequestT]) -> Registration[RequestT]:
        """Decorate `handler(ctx, body) -> reply` as the endpoint of a request contract."""
        return Registration(self, contract)

    def add(self, endpoint: Endpoint) -> None:
        """Add one endpoint; a subject is served once."""
        if endpoint.subject in self.endpoints:
            raise ValueError(f"endpoint {endpoint.subject} registered twice")
        self.endpoints[endpoint.subject] = endpoint

    def include(self, other: "EndpointRegistry") -> None:
        """Add another registry's endpoints (one registry per aggregate, merged per service)."""
        for endpoint in other.endpoints.values():
            self.add(endpoint)


def encode_result(result: BaseModel) -> bytes:
    """The wire form of a successful reply."""
    return b'{"result":' + result.model_dump_json().encode() + b"}"


def encode_error(error: ServiceErrorBody) -> bytes:
    """The wire form of an error reply."""
    return b'{"error":' + error.model_dump_json().encode() + b"}"


class RpcServer:
    """Serves a registry's endpoints as a nats.micro service in the service's queue group."""

    def __init__(
        self,
        *,
        service: str,
        version: str,
        registry: EndpointRegistry,
        uow: UnitOfWork,
        outbox: Outbox,
        metrics: ServiceMetrics,
        concurrency: int,
        verifier: ContextVerifier,
        files: Callable[[], FileStore | None] = lambda: None,
        idempotency: IdempotencyStore | None = None,
        table_limits: TableLimits | None = None,
    ) -> None:
        self.service = service
        self.table_limits = table_limits or TableLimits()
        self.verifier = verifier
        self.files = files
        self.idempotency = idempotency
        self.version = version
        self.registry = registry
        self.uow = uow
        self.outbox = outbox
        self.metrics = metrics
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._micro: Service | None = None

    async def start(self, nc: Client) -> None:
        """Subscribe every endpoint; any number of instances share the queue group."""
        self._micro = await add_service(
            nc,
            ServiceConfig(
                name=f"punte-{self.service}",
                version=self.version,
                description=f"Punte {self.service} service",
                queue_group=f"punte.{self.service}",
            ),
        )
        for endpoint in self.registry.endpoints.values():
            await self._micro.add_endpoint(
                EndpointConfig(
                    name=endpoint.subject.replace(".", "-"),
                    subject=endpoint.subject,
                    handler=self._dispatcher(endpoint),
                )
            )
        # Subscriptions are only buffered until flushed: ready must mean reachable.
        await nc.flush()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking requests, then let those in flight finish."""
        if self._micro is not None:
            await self._micro.stop()
            self._micro = None
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    def _dispatcher(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[None]]:
        async def dispatch(request: Request) -> None:
            # micro awaits handlers one at a time per subscription: hand each request to its
            # own task so slow requests don't queue the fast ones, bounded by the slots.
            await self._slots.acquire()
            task = asyncio.create_task(self._answer(endpoint, request))
            self._tasks.add(task)
            task.add_done_callback(self._finished)

        return dispatch

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _answer(self, endpoint: Endpoint, request: Request) -> None:
        started = time.perf_counter()
        try:
            context = self.verifier.verify(endpoint.subject, request.data, request.headers)
        except ServiceError as error:
            log.warning("refused a request: %s", error.body.message)
            self._count(endpoint, await self._respond_error(request, error.body), started)
            return
        # The key is for this request only: calls the handler makes must not carry it on.
        idempotency_key, context = context.idempotency_key, replace(context, idempotency_key=None)
        with call_context(context), serving(endpoint.subject, request.headers) as span:
            try:
                _check_permission(endpoint.request_model, context)
                body = endpoint.request_model.model_validate_json(request.data)

                async def handle(session: AsyncSession) -> bytes:
                    ctx = HandlerContext(
                        session=session,
                        outbox=self.outbox,
                        call=context,
                        file_store=self.files(),
                        table_limits=self.table_limits,
                    )
                    result = await endpoint.handler(ctx, body)
                    return encode_result(endpoint.reply_model.model_validate(result))

                if idempotency_key and self.idempotency and not endpoint.read_only:
                    data = await self.idempotency.once(
                        self.uow,
                        handle,
                        key=idempotency_key,
                        actor=context.actor,
                        subject=endpoint.subject,
                    )
                else:
                    async with self.uow.transaction(read_only=endpoint.read_only) as session:
                        data = await handle(session)
                await request.respond(data)
                outcome = "ok"
            except ValidationError as error:
                outcome = await self._respond_error(
                    request, ServiceError.from_validation_error(error).body
                )
            except ServiceError as error:
                outcome = await self._respond_error(request, error.body)
            except Exception as error:
                log.exception("request %s failed", endpoint.subject)
                span.record_exception(error)
                span.set_status(StatusCode.ERROR)
                outcome = await self._respond_error(
                    request,
                    ServiceErrorBody(
                        code=ErrorCode.INTERNAL,
                        message=f"internal error (request id {context.request_id})",
                    ),
                )
            span.set_attribute("punte.outcome", outcome)
        self._count(endpoint, outcome, started)

    def _count(self, endpoint: Endpoint, outcome: str, started: float) -> None:
        self.metrics.requests.labels(endpoint.subject, outcome).inc()
        self.metrics.request_seconds.labels(endpoint.subject).observe(time.perf_counter() - started)

    async def _respond_error(self, request: Request, error: ServiceErrorBody) -> str:
        try:
            await request.respond_error(
                MICRO_ERROR_CODES[error.code], error.message, data=encode_error(error)
            )
        except Exception:
            log.warning("could not send the error reply", exc_info=True)
        return error.code.value


def _check_permission(contract: type[RequestContract[Any]], context: CallContext) -> None:
    """Refused by default: the caller must hold one of the permissions the request declares."""
    needed = contract.permissions()
    if needed and not context.may_any(needed):
        caller = context.actor or "anonymous"
        raise ServiceError.forbidden(
            f"{caller} lacks {' or '.join(needed)} for {contract.request_subject}"
        )


class ServiceClient:
    """Calls endpoints of any service; errors come back as `ServiceError` with their code.

    Only a client with the gateway's signer is believed: services refuse unsigned contexts.
    """

    def __init__(
        self, nc: Client, *, timeout: float = 5.0, signer: ContextSigner | None = None
    ) -> None:
        self.nc = nc
        self.timeout = timeout
        self.signer = signer
        self.requests_sent = 0

    async def call(self, body: RequestContract[ReplyT], *, timeout: float | None = None) -> ReplyT:
        """Send a request contract to its subject; its reply contract back, or the typed error."""
        subject = body.request_subject
        data = await self.request_raw(subject, body.model_dump_json().encode(), timeout=timeout)
        return self.decode(subject, data, body.reply_model())

    async def request_raw(
        self, subject: str, payload: bytes, *, timeout: float | None = None
    ) -> bytes:
        """Send bytes as they are (tests use it to send what a contract would refuse)."""
        self.requests_sent += 1
        context = current_context()
        headers = (
            self.signer.headers(subject, payload, context)
            if self.signer is not None
            else context.headers()
        )
        try:
            with sending(subject, headers):
                message = await self.nc.request(
                    subject, payload, timeout=timeout or self.timeout, headers=headers or None
                )
        except NoRespondersError:
            raise ServiceError.unavailable(f"no service answers {subject}") from None
        except (NatsTimeoutError, TimeoutError):
            raise ServiceError.unavailable(
                f"{subject} did not answer within {timeout or self.timeout:.1f}s"
            ) from None
        return bytes(message.data)

    @staticmethod
    def decode(subject: str, data: bytes, reply_model: type[ReplyT]) -> ReplyT:
        """Check a wire reply against its contract."""
        try:
            envelope = json.loads(data)
            if "error" in envelope:
                raise ServiceError(ServiceErrorBody.model_validate(envelope["error"]))
            return reply_model.model_validate(envelope["result"])
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            if isinstance(error, ServiceError):
                raise
            raise ServiceError.of(
                ErrorCode.INTERNAL, f"{subject} answered outside its contract: {error}"
            ) from None

    async def get_many(
        self,
        contract: type[GetMany[ItemT]],
        ids: Iterable[UUID],
        *,
        key: Callable[[ItemT], UUID] = lambda item: item.id,  # type: ignore[attr-defined]
    ) -> dict[UUID, ItemT]:
        """Fetch entities by id in one request, keyed by id (DataLoaders map keys onto it)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        reply = await self.call(contract(ids=wanted))
        return {key(item): item for item in reply.items}

    async def load_many(
        self, contract: type[GetMany[ItemT]], ids: Sequence[UUID]
    ) -> list[ItemT | None]:
        """`get_many` in the order of `ids`, None where missing: a DataLoader's batch function."""
        found = await self.get_many(contract, ids)
        return [found.get(i) for i in ids]
