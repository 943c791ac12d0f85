"""The contacts service on a real NATS and a fresh database, and helpers to call it."""

import json
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest
from punte_contacts.app import definition
from punte_contacts.settings import ContactsSettings
from punte_contracts import contacts as c
from punte_contracts.envelope import CloudEvent, DomainMessage
from punte_contracts.errors import ServiceErrorBody
from punte_contracts.jobs import FINISHED_JOB_STATUSES, Job, JobStatus
from punte_contracts.rpc import Request
from punte_platform.context import CallContext, call_context
from punte_platform.errors import ServiceError
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_service, test_settings
from punte_platform.testing.waiting import eventually
from pydantic import BaseModel
from sqlalchemy import Table, func, select
from sqlalchemy.orm import DeclarativeBase

ReplyT = TypeVar("ReplyT", bound=BaseModel)
MessageT = TypeVar("MessageT", bound=DomainMessage)

WRITER = CallContext(
    actor="user:0190f0e0-0000-7000-8000-000000000001",
    permissions=frozenset({c.WRITE_PERMISSION, c.READ_PERMISSION}),
)
READER = CallContext(actor="user:reader", permissions=frozenset({c.READ_PERMISSION}))


@pytest.fixture
async def contacts(
    nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[ServiceRuntime]:
    """The contacts service (test environment: no demo data, no import worker)."""
    service = definition(import_worker=False)
    settings = test_settings(
        ContactsSettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(service),
    )
    async with running_service(service, settings) as runtime:
        yield runtime


@pytest.fixture
async def contacts_with_worker(
    nats_server: NatsServer, test_databases: TestDatabases
) -> AsyncIterator[ServiceRuntime]:
    """The contacts service with the subscriber that applies imports in the background."""
    service = definition()
    settings = test_settings(
        ContactsSettings,
        nats_url=nats_server.url,
        database_url=await test_databases.for_service(service),
    )
    async with running_service(service, settings) as runtime:
        yield runtime


async def call(
    runtime: ServiceRuntime, body: Request[ReplyT], *, as_: CallContext = WRITER
) -> ReplyT:
    """Send a request over NATS as a caller (a writer unless told)."""
    assert runtime.client is not None
    with call_context(as_):
        return await runtime.client.call(body)


async def finished_job(runtime: ServiceRuntime, job: Job, *, as_: CallContext = WRITER) -> Job:
    """A background job once it ended (succeeded or failed)."""

    async def probe() -> Job:
        return await call(runtime, c.GetContactsJob(id=job.id), as_=as_)

    return await eventually(probe, lambda j: j.status in FINISHED_JOB_STATUSES, timeout=60)


async def job_result(
    runtime: ServiceRuntime,
    body: Request[Job],
    result_model: type[ReplyT],
    *,
    as_: CallContext = WRITER,
) -> ReplyT:
    """Start a job and wait for it to succeed; its result."""
    done = await finished_job(runtime, await call(runtime, body, as_=as_), as_=as_)
    assert done.status is JobStatus.SUCCEEDED, done.error
    return result_model.model_validate(done.result)


async def call_error(
    runtime: ServiceRuntime, body: Request[BaseModel], *, as_: CallContext = WRITER
) -> ServiceErrorBody:
    """Send a request that must fail; its typed error."""
    assert runtime.client is not None
    with call_context(as_):
        try:
            await runtime.client.call(body)
        except ServiceError as error:
            return error.body
    raise AssertionError(f"{body.request_subject} succeeded")


async def call_raw_error(
    runtime: ServiceRuntime, subject: str, payload: dict[str, Any]
) -> ServiceErrorBody:
    """Send a JSON body a contract would refuse; the typed error."""
    assert runtime.client is not None
    with call_context(WRITER):
        raw = await runtime.client.request_raw(subject, json.dumps(payload).encode())
    return ServiceErrorBody.model_validate(json.loads(raw)["error"])


async def count_rows(runtime: ServiceRuntime, table: Table | type[DeclarativeBase]) -> int:
    """How many rows a table holds."""
    selectable = table if isinstance(table, Table) else table.__table__
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(selectable)) or 0)


async def outbox_messages(runtime: ServiceRuntime, message: type[MessageT]) -> list[MessageT]:
    """The bodies of one type of message in the outbox, in order."""
    outbox = runtime.definition.tables.outbox
    async with runtime.session_factory() as session:
        payloads = await session.scalars(
            select(outbox.c.payload)
            .where(outbox.c.subject == message.message_type())
            .order_by(outbox.c.position)
        )
        return [CloudEvent.model_validate_json(p).parse_data(message) for p in payloads]


async def outbox_types(runtime: ServiceRuntime) -> list[str]:
    """The message types in the outbox, in order."""
    outbox = runtime.definition.tables.outbox
    async with runtime.session_factory() as session:
        rows = await session.scalars(select(outbox.c.subject).order_by(outbox.c.position))
        return list(rows)
