"""A tiny service made only of platform parts, for the platform's own tests and benchmarks.

`python -m punte_platform.testing.probe` runs it as a process (crash tests kill it).
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from punte_contracts.envelope import DomainMessage
from punte_contracts.jobs import GetJob, Job
from punte_contracts.rpc import NO_PERMISSION, Contract, GetMany, GetManyReply, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import BigInteger, Column, Integer, String, Table, Uuid, func, insert, select

from punte_platform.db import BigIntegerPK, UTCDateTime, make_metadata, utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.jobs import JobProgress, Jobs, RunningJob
from punte_platform.messaging.consumer import MessageContext, Subscriber
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext
from punte_platform.messaging.tables import add_messaging_tables
from punte_platform.runtime import ServiceDefinition, ServiceRuntime
from punte_platform.settings import PunteSettings
from punte_platform.testing.services import test_settings

metadata = make_metadata()
tables = add_messaging_tables(metadata)
changes = Table(
    "probe_change",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("key", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
)
applied = Table(
    "probe_applied",
    metadata,
    Column("position", BigIntegerPK, primary_key=True, autoincrement=True),
    Column("consumer", String(50), nullable=False),
    Column("message_id", Uuid, nullable=False, unique=True),
    Column("key", String(100), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)


class ProbeSettings(PunteSettings):
    """Settings of the probe (`PUNTE_PROBE_...`)."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_PROBE_")
    service_name: ClassVar[str] = "probe"


class ChangeRecorded(DomainMessage):
    """A probe change happened."""

    message_service = "probe"
    message_entity = "change"
    message_verb = "recorded"

    change_id: UUID
    key: str
    seq: int


class Recorded(Contract):
    """The ids of recorded changes and their messages."""

    change_ids: list[UUID]
    message_ids: list[UUID]


class Change(Contract):
    """A recorded change."""

    id: UUID
    key: str
    seq: int


class EchoReply(Contract):
    """The echoed text and the caller's context."""

    text: str
    actor: str | None
    request_id: str | None


class NewChange(Contract):
    """A change to record."""

    key: str = Field(min_length=1, max_length=100)
    seq: int = Field(ge=0)
    # Hold the transaction this long after writing (to make concurrent requests overlap).
    hold_seconds: float = Field(default=0, ge=0, le=5)


class RecordChange(NewChange, Request[Recorded]):
    """Record one change (and its message)."""

    request_subject = "punte.probe.change.record"
    request_permission = NO_PERMISSION


class RecordGuarded(NewChange, Request[Recorded]):
    """Like `RecordChange`, for callers holding `probe:write` only."""

    request_subject = "punte.probe.change.record_guarded"
    request_permission = "probe:write"


class RecordBatch(Request[Recorded]):
    """Record many changes in one transaction."""

    request_subject = "punte.probe.change.record_batch"
    request_permission = NO_PERMISSION

    changes: list[RecordChange] = Field(max_length=10_000)


class GetChanges(GetMany[Change]):
    """Changes by id."""

    request_subject = "punte.probe.change.get_many"
    request_permission = NO_PERMISSION


class Echo(Request[EchoReply]):
    """Echo a text back, with who asked."""

    request_subject = "punte.probe.system.echo"
    request_permission = NO_PERMISSION

    text: str = Field(min_length=1, max_length=1000)
    count: int = Field(default=1, ge=1, le=10)


class Sleep(Request[EchoReply]):
    """Hold the request for a while."""

    request_subject = "punte.probe.system.sleep"
    request_permission = NO_PERMISSION

    seconds: float = Field(ge=0, le=30)


class Fail(Request[EchoReply]):
    """Fail in a chosen way."""

    request_subject = "punte.probe.system.fail"
    request_permission = NO_PERMISSION

    how: str


registry = EndpointRegistry()


@registry.handles(RecordChange)
async def record_change(ctx: HandlerContext, body: RecordChange) -> Recorded:
    """Insert a change and queue its message, in the request's transaction."""
    return await _record(ctx, [body])


@registry.handles(RecordGuarded)
async def record_guarded(ctx: HandlerContext, body: RecordGuarded) -> Recorded:
    """Like record, for callers holding `probe:write` only (the contract says so)."""
    return await _record(ctx, [body])


@registry.handles(RecordBatch)
async def record_batch(ctx: HandlerContext, body: RecordBatch) -> Recorded:
    """Insert many changes and queue their messages, in one transaction."""
    return await _record(ctx, body.changes)


async def _record(ctx: HandlerContext, bodies: Sequence[NewChange]) -> Recorded:
    change_ids: list[UUID] = []
    message_ids: list[UUID] = []
    for body in bodies:
        change_id = new_id()
        await ctx.session.execute(insert(changes).values(id=change_id, key=body.key, seq=body.seq))
        event = await ctx.outbox.add(
            ctx.session,
            ChangeRecorded(change_id=change_id, key=body.key, seq=body.seq),
            key=body.key,
        )
        change_ids.append(change_id)
        message_ids.append(event.id)
        await asyncio.sleep(body.hold_seconds)
    return Recorded(change_ids=change_ids, message_ids=message_ids)


@registry.handles(GetChanges)
async def get_changes(ctx: HandlerContext, body: GetChanges) -> GetManyReply[Change]:
    """The changes with these ids, in one query."""
    rows = await ctx.session.execute(select(changes).where(changes.c.id.in_(body.ids)))
    found = [Change(id=row.id, key=row.key, seq=row.seq) for row in rows]
    known = {change.id for change in found}
    return GetManyReply[Change](items=found, missing=[i for i in body.ids if i not in known])


@registry.handles(Echo)
async def echo(ctx: HandlerContext, body: Echo) -> EchoReply:
    """Answer with the text and the caller's context."""
    return EchoReply(
        text=body.text * body.count, actor=ctx.call.actor, request_id=ctx.call.request_id
    )


@registry.handles(Sleep)
async def sleep(ctx: HandlerContext, body: Sleep) -> EchoReply:
    """Answer after a delay."""
    await asyncio.sleep(body.seconds)
    return EchoReply(text="slept", actor=ctx.call.actor, request_id=ctx.call.request_id)


@registry.handles(Fail)
async def fail(ctx: HandlerContext, body: Fail) -> EchoReply:
    """Fail as asked: a typed error, or a bug after writing (which must roll back)."""
    await ctx.session.execute(insert(changes).values(id=new_id(), key="doomed", seq=0))
    if body.how == "not_found":
        raise ServiceError.not_found("change", "00000000-0000-0000-0000-000000000000")
    raise RuntimeError("secret internal detail that must not leak")


jobs = Jobs("probe", tables)


class CountTo(Request[Job]):
    """Start a job counting up to `to`, `per_step` changes a step (failing at `fail_at`)."""

    request_subject = "punte.probe.job.count"
    request_permission = NO_PERMISSION

    to: int = Field(ge=0, le=10_000)
    per_step: int = Field(ge=1, le=1000)
    fail_at: int | None = None


class Counted(Contract):
    """What a count job wrote: its changes, as the database holds them at the end."""

    count: int


@jobs.kind("probe.count", CountTo, Counted, read_permission="probe:read")
async def count(ctx: MessageContext, job: RunningJob[CountTo]) -> JobProgress | Counted:
    """Write the next `per_step` changes of the job's key; at the end, count them."""
    start = job.cursor["next"] if job.cursor else 0
    end = min(start + job.input.per_step, job.input.to)
    key = f"job-{job.id}"
    if end > start:
        await ctx.session.execute(
            insert(changes), [{"id": new_id(), "key": key, "seq": i} for i in range(start, end)]
        )
    if job.input.fail_at is not None and end > job.input.fail_at:
        raise ServiceError.conflict(f"cannot count past {job.input.fail_at}")
    if end < job.input.to:
        return JobProgress(done=end, total=job.input.to, cursor={"next": end})
    written = await ctx.session.scalar(
        select(func.count()).select_from(changes).where(changes.c.key == key)
    )
    return Counted(count=int(written or 0))


@registry.handles(CountTo)
async def start_count(ctx: HandlerContext, body: CountTo) -> Job:
    """Start a count job."""
    return await jobs.start(ctx.session, ctx.outbox, count, body, total=body.to)


class GetProbeJob(GetJob, Request[Job]):
    """A probe job by id (the job's kind says who may read it)."""

    request_subject = "punte.probe.job.get"
    request_permission = NO_PERMISSION
    request_read_only = True


@registry.handles(GetProbeJob)
async def get_job(ctx: HandlerContext, body: GetProbeJob) -> Job:
    """A job, for a caller who may read its kind."""
    return await jobs.read(ctx.session, ctx.call, body.id)


recorder_subscriber = Subscriber("recorder", description="records every change it is given")
picky_subscriber = Subscriber(
    "picky", description="records changes, failing for good on poison keys"
)
flaky_subscriber = Subscriber("flaky", description="records changes, failing once on seq 1")


@recorder_subscriber.handles(ChangeRecorded)
async def apply_change(ctx: MessageContext, message: ChangeRecorded) -> None:
    """Record that the recorder consumer applied a message."""
    await _apply(ctx, message, "recorder")


@picky_subscriber.handles(ChangeRecorded)
async def apply_or_fail(ctx: MessageContext, message: ChangeRecorded) -> None:
    """Like the recorder, but keys starting with `poison` always fail."""
    if message.key.startswith("poison"):
        raise ValueError(f"cannot apply {message.key}")
    await _apply(ctx, message, "picky")


@flaky_subscriber.handles(ChangeRecorded)
async def apply_after_a_failure(ctx: MessageContext, message: ChangeRecorded) -> None:
    """Like the recorder, but the first delivery of a change with seq 1 fails."""
    if message.seq == 1 and ctx.delivery == 1:
        raise ValueError(f"{message.key}/{message.seq} fails once")
    await _apply(ctx, message, "flaky")


async def _apply(ctx: MessageContext, message: ChangeRecorded, consumer: str) -> None:
    await ctx.session.execute(
        insert(applied).values(
            consumer=consumer,
            message_id=ctx.event.id,
            key=message.key,
            seq=message.seq,
            applied_at=utcnow(),
        )
    )


def probe_settings(nats_url: str, database_url: str, **overrides: Any) -> ProbeSettings:
    """The probe's settings for a test on this broker and database."""
    return test_settings(ProbeSettings, nats_url=nats_url, database_url=database_url, **overrides)


async def applied_rows(
    runtime: ServiceRuntime, consumer: str = "recorder"
) -> list[tuple[str, int]]:
    """The (key, seq) of the changes a consumer applied, in the order it applied them."""
    async with runtime.session_factory() as session:
        rows = await session.execute(
            select(applied.c.key, applied.c.seq)
            .where(applied.c.consumer == consumer)
            .order_by(applied.c.position)
        )
        return [(row.key, row.seq) for row in rows]


def definition(
    *, recorder: bool = True, picky: bool = False, flaky: bool = False, with_jobs: bool = False
) -> ServiceDefinition:
    """The probe service, with the consumers a test asks for."""
    wanted = [
        (recorder, recorder_subscriber),
        (picky, picky_subscriber),
        (flaky, flaky_subscriber),
        (with_jobs, jobs.subscriber),
    ]
    subscribers = [subscriber for on, subscriber in wanted if on]
    return ServiceDefinition(
        name="probe",
        version="1.0.0",
        metadata=metadata,
        tables=tables,
        migrations=None,
        endpoints=registry,
        subscribers=subscribers,
    )


def start_probe_process(env: Mapping[str, str], cwd: Path) -> "subprocess.Popen[str]":
    """Run the probe as its own process (crash tests kill it) and return once it is ready.

    Its output is drained from then on: a full pipe would block the probe's event loop, and
    the broker would drop it as a slow consumer.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "punte_platform.testing.probe"],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
    )
    assert process.stdout is not None
    output = process.stdout
    for line in output:
        if "probe ready" in line:
            threading.Thread(target=output.read, daemon=True).start()
            return process
    raise AssertionError(f"probe did not start: exit {process.wait()}")


async def _main() -> None:
    settings = ProbeSettings()
    probe = definition(
        recorder=os.environ.get("PROBE_RECORDER") == "1",
        with_jobs=os.environ.get("PROBE_JOBS") == "1",
    )
    runtime = ServiceRuntime(probe, settings)
    await runtime.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("probe ready", flush=True)  # noqa: T201 (the parent test waits for this line)
    await stop.wait()
    await runtime.stop()


if __name__ == "__main__":
    asyncio.run(_main())
